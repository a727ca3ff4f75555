/* import.c: `beacon import statuspage` (a page's v2 JSON into the store, ids kept) and `beacon export` (the same JSON out). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "export_static.h"
#include "api_v1_input.h"
#include "api_v2_objects.h"
#include "cli_util.h"
#include "import.h"
#include "jsonlimit.h"
#include "settings.h"
#include "zone.h"
#include "tlsclient.h"

#define IMPORT_FILE_MAX (32L << 20)      /* bytes per JSON file (Statuspage's own are a few hundred KB) */
#define IMPORT_STORE_FACTOR 4            /* map room reserved per byte of JSON read (records, indexes, B-tree slack) */
#define EXPORT_MAX 4096                  /* incidents or maintenances written per file */
#define FETCH_CONNECT_MS 5000
#define FETCH_READ_MS 30000

static const char *const FILES[] = { "summary.json", "incidents.json", "scheduled-maintenances.json" };

struct counts {
	size_t groups, components, incidents, maintenances, updates;
	size_t dropped;                      /* references to components this store does not have */
};

/* Parses one document, which must be a JSON object; false after printing why. */
static bool parse_doc(struct cli *c, const char *name, const char *p, size_t len, json_t **out)
{
	json_error_t je;
	char deep[128];
	c->reserve += IMPORT_STORE_FACTOR * len;
	*out = jsonlimit_load(p ? p : "", len, &je, deep, sizeof deep);
	if (*out == NULL && deep[0]) {
		cli_fail(c, "%s: %s: nested deeper than %d levels", name, deep, JSONLIMIT_MAX_DEPTH);
		return false;
	}
	if (*out == NULL) {
		cli_fail(c, "%s:%d: malformed JSON: %s", name, je.line, je.text);
		return false;
	}
	if (!json_is_object(*out)) {
		cli_fail(c, "%s: not a JSON object", name);
		json_decref(*out);
		*out = NULL;
		return false;
	}
	return true;
}

/* Reads one JSON document from path (absent is fine when optional); false after printing why. */
static bool load_doc(struct cli *c, const char *path, bool optional, json_t **out)
{
	struct stat st;
	*out = NULL;
	if (stat(path, &st) != 0) {
		if (optional && errno == ENOENT)
			return true;
		cli_fail(c, "%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_fail(c, "%s: not a regular file", path);
		return false;
	}
	if (st.st_size > IMPORT_FILE_MAX) {
		cli_fail(c, "%s: larger than %ld bytes", path, IMPORT_FILE_MAX);
		return false;
	}
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		cli_fail(c, "%s: %s", path, strerror(errno));
		return false;
	}
	size_t size = (size_t)st.st_size;
	char *text = arena_alloc(c->a, size + 1);
	size_t n = fread(text, 1, size + 1, f);
	bool err = ferror(f);
	fclose(f);
	if (err || n > size) {
		cli_fail(c, "%s: %s", path, err ? "read error" : "file grew while being read");
		return false;
	}
	return parse_doc(c, path, text, n, out);
}

struct fetch {
	int status;
	struct buf body;
};

static enum bc_err fetch_head(void *ctx, const struct http_resp *r)
{
	struct fetch *f = ctx;
	f->status = r->status;
	if (r->status != 200)
		return BC_IO;
	return r->content_length > IMPORT_FILE_MAX ? BC_TOOBIG : BC_OK;
}

static enum bc_err fetch_body(void *ctx, const void *p, size_t n)
{
	struct fetch *f = ctx;
	if (f->body.len + n > (size_t)IMPORT_FILE_MAX)
		return BC_TOOBIG;
	buf_append(&f->body, p, n);
	return BC_OK;
}

/* GETs one JSON document (HTTP 404 is fine when optional); false after printing why. */
static bool fetch_doc(struct cli *c, const char *url, bool optional, json_t **out)
{
	struct http_opts o = { .ca_file = c->cfg->ca_file, .connect_timeout_ms = FETCH_CONNECT_MS,
	                       .read_timeout_ms = FETCH_READ_MS };
	struct http_resp *resp = arena_alloc(c->a, sizeof *resp);
	struct fetch f = { .status = 0 };
	char why[512] = "";
	bool ok = false;
	*out = NULL;
	buf_init(&f.body);
	enum bc_err e = http_get(url, &o, resp, fetch_head, fetch_body, &f, why, sizeof why);
	if (f.status == 404 && optional)
		ok = true;
	else if (f.status != 0 && f.status != 200)
		cli_fail(c, "%s: HTTP %d", url, f.status);
	else if (e == BC_TOOBIG)
		cli_fail(c, "%s: larger than %ld bytes", url, IMPORT_FILE_MAX);
	else if (e != BC_OK)
		cli_fail(c, "%s: %s", url, why[0] ? why : bc_strerror(e));
	else
		ok = parse_doc(c, url, f.body.p, f.body.len, out);
	buf_free(&f.body);
	return ok;
}

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The source's documents: a DIR or page URL gives all three (summary.json required), a FILE or
 * a URL ending in .json gives one. False after printing why. */
static bool load_source(struct cli *c, const char *src, json_t *docs[3], const char *names[3])
{
	struct stat st;
	for (size_t i = 0; i < 3; i++)
		names[i] = i == 0 ? src : FILES[i];
	if (is_url(src) && !ends_with(src, ".json")) {
		size_t n = strlen(src);
		while (n > 0 && src[n - 1] == '/')
			n--;
		const char *base = arena_printf(c->a, "%.*s", (int)n, src);
		if (!ends_with(base, "/api/v2"))
			base = arena_printf(c->a, "%s/api/v2", base);
		for (size_t i = 0; i < 3; i++)
			if (!fetch_doc(c, names[i] = arena_printf(c->a, "%s/%s", base, FILES[i]), i > 0, &docs[i]))
				return false;
		return true;
	}
	if (is_url(src))
		return fetch_doc(c, src, false, &docs[0]);
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
		for (size_t i = 0; i < 3; i++)
			if (!load_doc(c, names[i] = arena_printf(c->a, "%s/%s", src, FILES[i]), i > 0, &docs[i]))
				return false;
		return true;
	}
	return load_doc(c, src, false, &docs[0]);
}

static const char *jstring(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A time field: null/absent gives 0; a bad value is an error naming the field. */
static bool jtime(struct cli *c, json_t *o, const char *key, const char *what, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (json_is_string(v) && v1_parse_time(json_string_value(v), out))
		return true;
	cli_fail(c, "%s: %s: not an ISO-8601 time", what, key);
	return false;
}

static bool jid(struct cli *c, json_t *o, const char *what, bc_id out)
{
	const char *id = jstring(o, "id");
	if (id == NULL || !cli_id_ok(id)) {
		cli_fail(c, "%s: missing or bad \"id\"", what);
		return false;
	}
	snprintf(out, sizeof(bc_id), "%s", id);
	return true;
}

/* A list field: absent or null is empty; anything else must be an array of objects. */
static bool jlist(struct cli *c, json_t *o, const char *key, const char *what, json_t **out)
{
	json_t *v = json_object_get(o, key), *e;
	size_t i;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_array(v)) {
		cli_fail(c, "%s: \"%s\" is not an array", what, key);
		return false;
	}
	json_array_foreach(v, i, e)
		if (!json_is_object(e)) {
			cli_fail(c, "%s: \"%s\" item %zu is not an object", what, key, i);
			return false;
		}
	*out = v;
	return true;
}

/* The required "name" string. */
static bool jname(struct cli *c, json_t *o, const char *what, const char **out)
{
	*out = jstring(o, "name");
	if (*out == NULL)
		cli_fail(c, "%s: missing \"name\" (a string)", what);
	return *out != NULL;
}

/* "position": absent or null is 0; otherwise a whole number from 0. */
static bool jposition(struct cli *c, json_t *o, const char *what, int *out)
{
	json_t *v = json_object_get(o, "position");
	*out = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= INT_MAX) {
		*out = (int)json_integer_value(v);
		return true;
	}
	cli_fail(c, "%s: \"position\" is not a whole number from 0", what);
	return false;
}

/* Statuspage keeps deleted components in old incidents; such references are dropped, with a note. */
static bool component_known(struct cli *c, const char *what, const char *id, struct counts *n)
{
	struct component comp;
	if (store_component_get(c->t, id, &comp) == BC_OK)
		return true;
	fprintf(stderr, "beacon: %s: %s: dropped reference to unknown component %s\n", c->cmd, what, id);
	n->dropped++;
	return false;
}

static bool import_group(struct cli *c, struct write_ctx *w, json_t *o, struct counts *n)
{
	struct group_change ch;
	struct group g;
	int position;
	const char *what = "group component";
	write_group_change_init(&ch);
	ch.upsert = true;
	if (!jid(c, o, what, ch.id))
		return false;
	what = arena_printf(c->a, "group %s", ch.id);
	if (!jname(c, o, what, &ch.name) || !jposition(c, o, what, &position) ||
	    !jtime(c, o, "created_at", what, &ch.created_at) || !jtime(c, o, "updated_at", what, &ch.updated_at))
		return false;
	ch.position = position;
	ch.set_description = true;
	ch.description = jstring(o, "description");
	enum bc_err e = write_group(w, &ch, &g);
	if (e != BC_OK)
		return cli_fail(c, "%s: %s", what, w->err) == 0;
	n->groups++;
	return true;
}

static bool import_component(struct cli *c, struct write_ctx *w, json_t *o, struct counts *n)
{
	struct component_change ch;
	struct component comp;
	const char *what = "component", *st = jstring(o, "status"), *gid = jstring(o, "group_id");
	int position;
	enum comp_status status;
	write_component_change_init(&ch);
	ch.upsert = true;
	if (!jid(c, o, what, ch.id))
		return false;
	what = arena_printf(c->a, "component %s", ch.id);
	if (!jname(c, o, what, &ch.name) || !jposition(c, o, what, &position) ||
	    !jtime(c, o, "created_at", what, &ch.created_at) || !jtime(c, o, "start_date", what, &ch.start_date) ||
	    !jtime(c, o, "updated_at", what, &ch.updated_at))
		return false;
	if (st == NULL || !comp_status_parse(st, &status)) {
		cli_fail(c, "%s: unknown status (one of %s)", what, CHOICES_COMP_STATUS);
		return false;
	}
	ch.position = position;
	ch.status = (int)status;
	ch.at = ch.updated_at;      /* a status change is logged when the source last changed the component */
	ch.set_start_date = true;
	ch.set_group = true;
	if (gid) {
		struct group g;
		if (!cli_id_ok(gid) || store_group_get(c->t, gid, &g) != BC_OK) {
			cli_fail(c, "%s: \"group_id\" %s is not a group of this import", what, gid);
			return false;
		}
		snprintf(ch.group_id, sizeof ch.group_id, "%s", gid);
	}
	ch.set_description = true;
	ch.description = jstring(o, "description");
	ch.showcase = json_is_true(json_object_get(o, "showcase"));
	ch.only_show_if_degraded = json_is_true(json_object_get(o, "only_show_if_degraded"));
	enum bc_err e = write_component(w, &ch, &comp);
	if (e != BC_OK)
		return cli_fail(c, "%s: %s", what, w->err) == 0;
	n->components++;
	return true;
}

/* Groups first (components refer to them), then components. */
static bool import_components(struct cli *c, struct write_ctx *w, json_t *doc, const char *name, struct counts *n)
{
	size_t i;
	json_t *list, *o;
	if (!jlist(c, doc, "components", name, &list))
		return false;
	json_array_foreach(list, i, o)
		if (json_is_true(json_object_get(o, "group")) && !import_group(c, w, o, n))
			return false;
	json_array_foreach(list, i, o)
		if (!json_is_true(json_object_get(o, "group")) && !import_component(c, w, o, n))
			return false;
	return true;
}

static bool import_update(struct cli *c, const struct incident *inc, json_t *o, struct counts *n,
                          struct incident_update *out)
{
	struct incident_update u = { .body = jstring(o, "body"),
	                             .quiet = json_is_false(json_object_get(o, "deliver_notifications")) };
	const char *what = arena_printf(c->a, "incident %s update", inc->id), *st = jstring(o, "status");
	json_t *aff, *a;
	size_t i;
	if (!jid(c, o, what, u.id))
		return false;
	what = arena_printf(c->a, "%s %s", what, u.id);
	if (!jtime(c, o, "created_at", what, &u.created_at) || !jtime(c, o, "updated_at", what, &u.updated_at) ||
	    !jtime(c, o, "display_at", what, &u.display_at) || !jlist(c, o, "affected_components", what, &aff))
		return false;
	if (st == NULL || !inc_status_parse(st, &u.status)) {
		cli_fail(c, "%s: unknown status", what);
		return false;
	}
	snprintf(u.incident_id, sizeof u.incident_id, "%s", inc->id);
	u.affected = arena_alloc(c->a, (json_array_size(aff) + 1) * sizeof *u.affected);
	json_array_foreach(aff, i, a) {
		struct affected *af = &u.affected[u.naffected];
		const char *code = jstring(a, "code");
		if (code == NULL || !cli_id_ok(code) ||
		    !comp_status_parse(jstring(a, "old_status") ? jstring(a, "old_status") : "", &af->old_status) ||
		    !comp_status_parse(jstring(a, "new_status") ? jstring(a, "new_status") : "", &af->new_status))
			continue;   /* legacy "No components were affected" rows */
		if (!component_known(c, what, code, n))
			continue;
		snprintf(af->component_id, sizeof af->component_id, "%s", code);
		u.naffected++;
	}
	if (u.body == NULL)
		u.body = "";
	*out = u;
	n->updates++;
	return true;
}

static bool import_incident(struct cli *c, struct write_ctx *w, json_t *o, bool maintenance, struct counts *n)
{
	struct incident inc = { .is_maintenance = maintenance };
	const char *what = maintenance ? "maintenance" : "incident";
	const char *st = jstring(o, "status"), *im = jstring(o, "impact");
	json_t *comps, *co, *ups, *up;
	size_t i;
	if (!jid(c, o, what, inc.id))
		return false;
	what = arena_printf(c->a, "%s %s", what, inc.id);
	if (!jname(c, o, what, &inc.name) || !jtime(c, o, "created_at", what, &inc.created_at) ||
	    !jtime(c, o, "started_at", what, &inc.started_at) ||
	    !jtime(c, o, "monitoring_at", what, &inc.monitoring_at) ||
	    !jtime(c, o, "resolved_at", what, &inc.resolved_at) ||
	    !jtime(c, o, "scheduled_for", what, &inc.scheduled_for) ||
	    !jtime(c, o, "scheduled_until", what, &inc.scheduled_until) ||
	    !jlist(c, o, "components", what, &comps) || !jlist(c, o, "incident_updates", what, &ups))
		return false;
	if (st == NULL || !inc_status_parse(st, &inc.status) || (im && !impact_parse(im, &inc.impact))) {
		cli_fail(c, "%s: unknown status or impact", what);
		return false;
	}
	if (inc.status == IS_POSTMORTEM) {      /* published postmortem; its text is not in v2 */
		inc.status = IS_RESOLVED;
		inc.postmortem_body = "";
		inc.postmortem_published_at = inc.resolved_at ? inc.resolved_at : inc.created_at;
	}
	if (inc.started_at == 0)
		inc.started_at = maintenance ? inc.scheduled_for : inc.created_at;
	inc.component_ids = arena_alloc(c->a, (json_array_size(comps) + 1) * sizeof *inc.component_ids);
	json_array_foreach(comps, i, co)
		if (jstring(co, "id") && cli_id_ok(jstring(co, "id")) && component_known(c, what, jstring(co, "id"), n))
			snprintf(inc.component_ids[inc.ncomponents++], sizeof(bc_id), "%s", jstring(co, "id"));
	if (!jtime(c, o, "updated_at", what, &inc.updated_at))
		return false;
	struct incident_update *us = arena_alloc(c->a, (json_array_size(ups) + 1) * sizeof *us);
	size_t nu = 0;
	for (i = json_array_size(ups); i-- > 0;) {          /* oldest first */
		up = json_array_get(ups, i);
		if (!import_update(c, &inc, up, n, &us[nu++]))
			return false;
	}
	enum bc_err e = write_import_incident(w, &inc, us, nu);
	if (e != BC_OK)
		return cli_fail(c, "%s", w->err) == 0;
	if (maintenance)
		n->maintenances++;
	else
		n->incidents++;
	return true;
}

/* Incidents from every document, each id once (the first copy wins). */
static bool import_incidents(struct cli *c, struct write_ctx *w, json_t **docs, const char **names, size_t ndocs,
                             struct counts *n)
{
	static const char *const keys[] = { "incidents", "scheduled_maintenances" };
	json_t *seen = json_object();
	bool ok = true;
	for (size_t d = 0; d < ndocs && ok; d++)
		for (size_t k = 0; k < 2 && ok && docs[d]; k++) {
			json_t *list, *o;
			size_t i;
			if (!(ok = jlist(c, docs[d], keys[k], names[d], &list)))
				break;
			json_array_foreach(list, i, o) {
				const char *id = jstring(o, "id");
				if (id && json_object_get(seen, id))
					continue;
				if (id)
					json_object_set_new(seen, id, json_true());
				if (!(ok = import_incident(c, w, o, k == 1, n)))
					break;
			}
		}
	json_decref(seen);
	return ok;
}

/* The source's current component statuses win over the history logged from its incidents. */
static bool import_current_statuses(struct cli *c, struct write_ctx *w, json_t *doc)
{
	json_t *o;
	size_t i;
	json_array_foreach(json_object_get(doc, "components"), i, o) {
		enum comp_status st;
		const char *id = jstring(o, "id"), *s = jstring(o, "status");
		if (json_is_true(json_object_get(o, "group")) || !id || !s || !comp_status_parse(s, &st))
			continue;
		if (write_import_component_status(w, id, st) != BC_OK)
			return cli_fail(c, "component %s: %s", id, w->err) == 0;
	}
	return true;
}

/* --page: the page's name, URL, time zone, and its Statuspage page id (so v1 URLs keep working). */
static bool import_page(struct cli *c, struct write_ctx *w, json_t *page)
{
	if (!json_is_object(page))
		return cli_fail(c, "no \"page\" object to import") == 0;
	struct page_change ch = { .id = jstring(page, "id") };
	static const char *const fields[] = { "name", "url", "time_zone" };
	const char **dst[] = { &ch.name, &ch.url, &ch.time_zone };
	for (size_t i = 0; i < 3; i++) {
		const char *v = jstring(page, fields[i]);
		const char *key = v ? settings_refuses(c->cfg, fields[i], v) : NULL;
		if (key)                                               /* beacon.conf owns it (settings.h) */
			fprintf(stderr, "beacon: import: page %s '%.64s' not applied: '%s' in %s sets it\n", fields[i], v, key,
			        c->cfg->path);
		else if (v && i == 2 && !zone_exists(v))
			return cli_fail(c, "page time_zone '%.64s' is not a time zone in %s", v, ZONE_DIR) == 0;
		else if (v)
			*dst[i] = v;
	}
	enum bc_err e = write_page(w, &ch, NULL);
	if (e != BC_OK)
		return cli_fail(c, "page: %s", w->err) == 0;
	return true;
}

/* Each document must look like one of Statuspage's v2 files. */
static bool check_docs(struct cli *c, json_t **docs, const char **names)
{
	for (size_t i = 0; i < 3; i++) {
		if (docs[i] == NULL || json_object_get(docs[i], "components") ||
		    json_object_get(docs[i], "incidents") || json_object_get(docs[i], "scheduled_maintenances"))
			continue;
		cli_fail(c, "%s: not a Statuspage v2 document (no \"components\", \"incidents\" or \"scheduled_maintenances\")",
		         names[i]);
		return false;
	}
	return true;
}

/* Everything in the documents (checked by check_docs) into the write transaction c->t, through the
 * write layer as one "import" batch. */
static bool import_docs(struct cli *c, struct write_ctx *w, json_t **docs, const char **names, bool page,
                        struct counts *n)
{
	size_t ci = 0;              /* the first document with components */
	while (ci < 3 && !(docs[ci] && json_object_get(docs[ci], "components")))
		ci++;
	cli_write_ctx(c, w);
	w->actor = "import";
	w->batch = true;
	return (!page || import_page(c, w, json_object_get(docs[0], "page"))) &&
	       (ci == 3 || import_components(c, w, docs[ci], names[ci], n)) &&
	       import_incidents(c, w, docs, names, 3, n) &&
	       (ci == 3 || import_current_statuses(c, w, docs[ci]));
}

bool import_statuspage_text(struct cli *c, const char *const text[3], const size_t len[3], bool page)
{
	json_t *docs[3] = { NULL, NULL, NULL };
	const char *names[3] = { FILES[0], FILES[1], FILES[2] };
	struct counts n = { 0 };
	struct write_ctx w;
	bool ok = true;
	for (size_t i = 0; i < 3 && ok; i++)
		if (text[i] != NULL)
			ok = parse_doc(c, FILES[i], text[i], len[i], &docs[i]);
	ok = ok && docs[0] != NULL && check_docs(c, docs, names) && import_docs(c, &w, docs, names, page, &n);
	for (size_t i = 0; i < 3; i++)
		json_decref(docs[i]);
	return ok;
}

static int import_statuspage(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("page"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *src = c->pos[0];
	json_t *docs[3] = { NULL, NULL, NULL };
	const char *names[3];
	struct counts n = { 0 };
	bool ok = load_source(c, src, docs, names) && check_docs(c, docs, names);
	rc = ok ? cli_begin(c, 0) : 1;
	if (rc == 0) {
		struct write_ctx w;
		ok = import_docs(c, &w, docs, names, opt_get(opts, "page") != NULL, &n);
		const char *detail = arena_printf(c->a, "%zu groups, %zu components, %zu incidents, %zu maintenances, %zu updates",
		                                  n.groups, n.components, n.incidents, n.maintenances, n.updates);
		if (n.dropped)
			detail = arena_printf(c->a, "%s (%zu references to unknown components dropped)", detail, n.dropped);
		rc = !ok ? 1 : write_import_done(&w, src, detail) != BC_OK ? cli_write_fail(c, &w, BC_STORE) : 0;
		if (rc == 0)
			rc = cli_commit(c);
		if (rc == 0)
			printf("imported %s\n", detail);
	}
	for (size_t i = 0; i < 3; i++)
		json_decref(docs[i]);
	return rc;
}

int cmd_import(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "statuspage", import_statuspage,
		  "import statuspage [--page] DIR|FILE|URL\n"
		  "      DIR holds summary.json (required), incidents.json, scheduled-maintenances.json, as `beacon export`\n"
		  "      writes them; URL is the page (https://status.example.com, its /api/v2/*.json are fetched) or\n"
		  "      one .json file. --page also takes the page's name, URL, time zone and id (so v1 scripts\n"
		  "      keep their /v1/pages/{page_id} URLs; tokens keep working). Each file is at most\n"
		  "      32 MB. Everything is imported in one transaction, or nothing is (exit 1). Ids are kept, so\n"
		  "      importing again is idempotent: objects with the same id are overwritten with the source's\n"
		  "      copy, nothing is duplicated, and objects created here are left alone." },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "import", subs, argc, argv);
}

/* ---- export ---- */

/* Writes the buffer to DIR/name through a temporary file and rename. */
static int write_file(struct cli *c, const char *dir, const char *name, const struct buf *b)
{
	char *path = arena_printf(c->a, "%s/%s", dir, name), *tmp = arena_printf(c->a, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return cli_fail(c, "%s: %s", tmp, strerror(errno));
	bool ok = fwrite(b->p, 1, b->len, f) == b->len && fputc('\n', f) != EOF;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return cli_fail(c, "%s: %s", path, strerror(errno));
	}
	return 0;
}

static bool write_incidents(struct jw *w, const char *key, struct sp_view *v, struct incident *list, size_t n,
                            bool open_only)
{
	jw_arr_open(w, key);
	for (size_t i = 0; i < n; i++)
		if ((!open_only || status_is_open(&list[i], v->now)) &&
		    sp_write_incident(w, NULL, v, &list[i]) != BC_OK)
			return false;
	jw_arr_close(w);
	return true;
}

static int export_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("static"), OPTV("every"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *dir = c->pos[0];
	if (opt_get(opts, "static"))
		return export_static_run(c, dir, opt_get(opts, "every"));
	if (opt_get(opts, "every"))
		return cli_usage_fail(c, "--every needs --static");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return cli_fail(c, "%s: %s", dir, strerror(errno));
	if ((rc = cli_begin_read(c)) != 0)
		return rc;
	struct sp_view v;
	struct incident *inc, *maint, *open;
	size_t ninc, nmaint, nopen;
	enum bc_err e = sp_view_load(&v, c->t, c->a, now_ms());
	if (e == BC_OK)
		e = sp_recent(&v, SP_INCIDENTS, EXPORT_MAX, &inc, &ninc);
	if (e == BC_OK)
		e = sp_recent(&v, SP_MAINTENANCES, EXPORT_MAX, &maint, &nmaint);
	if (e == BC_OK)
		e = store_incident_list_open(c->t, &open, &nopen);
	if (e != BC_OK)
		return cli_store_fail(c, "read the page", e);
	struct status_rollup roll = status_rollup(v.comps, v.ncomps, open, nopen, v.now);
	struct buf b[3];
	struct jw w[3];
	bool ok = true;
	for (size_t i = 0; i < 3; i++) {
		buf_init(&b[i]);
		jw_init(&w[i], &b[i]);
		jw_obj_open(&w[i], NULL);
		sp_write_page(&w[i], "page", &v);
	}
	sp_write_component_list(&w[0], "components", &v);
	ok = write_incidents(&w[0], "incidents", &v, inc, ninc, true) &&
	     write_incidents(&w[0], "scheduled_maintenances", &v, maint, nmaint, true) &&
	     write_incidents(&w[1], "incidents", &v, inc, ninc, false) &&
	     write_incidents(&w[2], "scheduled_maintenances", &v, maint, nmaint, false);
	sp_write_status(&w[0], "status", &roll);
	for (size_t i = 0; i < 3; i++) {
		jw_obj_close(&w[i]);
		if (rc == 0)
			rc = !ok || !jw_ok(&w[i]) ? cli_fail(c, "cannot serialize %s", FILES[i]) : write_file(c, dir, FILES[i], &b[i]);
		buf_free(&b[i]);
	}
	if (rc == 0 && (ninc == EXPORT_MAX || nmaint == EXPORT_MAX))
		fprintf(stderr, "beacon: export: only the newest %d incidents and %d maintenances are written\n",
		        EXPORT_MAX, EXPORT_MAX);
	if (rc == 0)
		printf("exported %zu components and groups, %zu incidents, %zu maintenances to %s\n",
		       v.ncomps + v.ngroups, ninc, nmaint, dir);
	return rc;
}

int cmd_export(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd sc = { "export", export_run,
		"export DIR                   (writes summary.json, incidents.json, scheduled-maintenances.json)\n"
		"       export --static DIR [--every 60s]   (the whole public site as files; DIR becomes a symlink)" };
	return cli_run(cfg, "export", &sc, argc, argv);
}
