/* import.c: `beacon import statuspage` (a page's v2 JSON into the store, ids kept) and `beacon export` (the same JSON out). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "api_v1_input.h"
#include "api_v2_objects.h"
#include "cli_util.h"

#define IMPORT_FILE_MAX (256L << 20)     /* bytes per JSON file */
#define EXPORT_MAX 4096                  /* incidents or maintenances written per file */

static const char *const FILES[] = { "summary.json", "incidents.json", "scheduled-maintenances.json" };

struct counts {
	size_t groups, components, incidents, maintenances, updates;
};

/* Reads one JSON document (an object) from path; false after printing why. */
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
	if (st.st_size > IMPORT_FILE_MAX) {
		cli_fail(c, "%s: larger than %ld bytes", path, IMPORT_FILE_MAX);
		return false;
	}
	json_error_t je;
	*out = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL || !json_is_object(*out)) {
		cli_fail(c, "%s:%d: %s", path, je.line, *out ? "not a JSON object" : je.text);
		json_decref(*out);
		*out = NULL;
		return false;
	}
	return true;
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

static bool import_group(struct cli *c, json_t *o, struct counts *n)
{
	struct group g = { .position = (int)json_integer_value(json_object_get(o, "position")) };
	const char *what = "group component";
	if (!jid(c, o, what, g.id) || !jtime(c, o, "created_at", what, &g.created_at))
		return false;
	g.name = (char *)jstring(o, "name");
	g.description = (char *)jstring(o, "description");
	enum bc_err e = store_group_put(c->t, &g);
	if (e != BC_OK)
		return cli_store_fail(c, arena_printf(c->a, "group %s", g.id), e) == 0;
	n->groups++;
	return true;
}

static bool import_component(struct cli *c, json_t *o, struct counts *n)
{
	struct component comp = { .position = (int)json_integer_value(json_object_get(o, "position")) };
	const char *what = "component", *st = jstring(o, "status"), *gid = jstring(o, "group_id");
	if (!jid(c, o, what, comp.id) || !jtime(c, o, "created_at", what, &comp.created_at) ||
	    !jtime(c, o, "start_date", what, &comp.start_date))
		return false;
	if (st == NULL || !comp_status_parse(st, &comp.status)) {
		cli_fail(c, "component %s: unknown status", comp.id);
		return false;
	}
	if (gid)
		snprintf(comp.group_id, sizeof comp.group_id, "%s", gid);
	comp.name = (char *)jstring(o, "name");
	comp.description = (char *)jstring(o, "description");
	comp.showcase = json_is_true(json_object_get(o, "showcase"));
	comp.only_show_if_degraded = json_is_true(json_object_get(o, "only_show_if_degraded"));
	enum bc_err e = store_component_put(c->t, &comp, "");
	if (e != BC_OK)
		return cli_store_fail(c, arena_printf(c->a, "component %s", comp.id), e) == 0;
	n->components++;
	return true;
}

/* Groups first (components refer to them), then components. */
static bool import_components(struct cli *c, json_t *list, struct counts *n)
{
	size_t i;
	json_t *o;
	if (list && !json_is_array(list)) {
		cli_fail(c, "\"components\" is not an array");
		return false;
	}
	json_array_foreach(list, i, o)
		if (json_is_true(json_object_get(o, "group")) && !import_group(c, o, n))
			return false;
	json_array_foreach(list, i, o)
		if (!json_is_true(json_object_get(o, "group")) && !import_component(c, o, n))
			return false;
	return true;
}

static bool import_update(struct cli *c, const struct incident *inc, json_t *o, struct counts *n)
{
	struct incident_update u = { .body = (char *)jstring(o, "body") };
	const char *what = arena_printf(c->a, "incident %s update", inc->id), *st = jstring(o, "status");
	json_t *aff = json_object_get(o, "affected_components"), *a;
	size_t i;
	if (!jid(c, o, what, u.id) || !jtime(c, o, "created_at", what, &u.created_at) ||
	    !jtime(c, o, "updated_at", what, &u.updated_at) || !jtime(c, o, "display_at", what, &u.display_at))
		return false;
	if (st == NULL || !inc_status_parse(st, &u.status)) {
		cli_fail(c, "%s %s: unknown status", what, u.id);
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
		snprintf(af->component_id, sizeof af->component_id, "%s", code);
		u.naffected++;
	}
	if (u.body == NULL)
		u.body = "";
	enum bc_err e = store_update_put(c->t, &u);
	if (e != BC_OK)
		return cli_store_fail(c, arena_printf(c->a, "%s %s", what, u.id), e) == 0;
	n->updates++;
	return true;
}

static bool import_incident(struct cli *c, json_t *o, bool maintenance, struct counts *n)
{
	struct incident inc = { .is_maintenance = maintenance };
	const char *what = maintenance ? "maintenance" : "incident";
	const char *st = jstring(o, "status"), *im = jstring(o, "impact");
	if (!jid(c, o, what, inc.id) || !jtime(c, o, "created_at", what, &inc.created_at) ||
	    !jtime(c, o, "started_at", what, &inc.started_at) ||
	    !jtime(c, o, "monitoring_at", what, &inc.monitoring_at) ||
	    !jtime(c, o, "resolved_at", what, &inc.resolved_at) ||
	    !jtime(c, o, "scheduled_for", what, &inc.scheduled_for) ||
	    !jtime(c, o, "scheduled_until", what, &inc.scheduled_until))
		return false;
	if (st == NULL || !inc_status_parse(st, &inc.status) || (im && !impact_parse(im, &inc.impact))) {
		cli_fail(c, "%s %s: unknown status or impact", what, inc.id);
		return false;
	}
	if (inc.status == IS_POSTMORTEM) {      /* published postmortem; its text is not in v2 */
		inc.status = IS_RESOLVED;
		inc.postmortem_body = "";
		inc.postmortem_published_at = inc.resolved_at ? inc.resolved_at : inc.created_at;
	}
	if (inc.started_at == 0)
		inc.started_at = maintenance ? inc.scheduled_for : inc.created_at;
	inc.name = (char *)jstring(o, "name");
	json_t *comps = json_object_get(o, "components"), *co, *ups = json_object_get(o, "incident_updates"), *up;
	size_t i;
	inc.component_ids = arena_alloc(c->a, (json_array_size(comps) + 1) * sizeof *inc.component_ids);
	json_array_foreach(comps, i, co)
		if (jstring(co, "id") && cli_id_ok(jstring(co, "id")))
			snprintf(inc.component_ids[inc.ncomponents++], sizeof(bc_id), "%s", jstring(co, "id"));
	enum bc_err e = store_incident_put(c->t, &inc);
	if (e != BC_OK)
		return cli_store_fail(c, arena_printf(c->a, "%s %s", what, inc.id), e) == 0;
	for (i = json_array_size(ups); i-- > 0;) {          /* oldest first */
		up = json_array_get(ups, i);
		if (!import_update(c, &inc, up, n))
			return false;
	}
	if (maintenance)
		n->maintenances++;
	else
		n->incidents++;
	return true;
}

/* Incidents from every document, each id once (the first copy wins). */
static bool import_incidents(struct cli *c, json_t **docs, size_t ndocs, struct counts *n)
{
	static const char *const keys[] = { "incidents", "scheduled_maintenances" };
	json_t *seen = json_object();
	bool ok = true;
	for (size_t d = 0; d < ndocs && ok; d++)
		for (size_t k = 0; k < 2 && ok; k++) {
			json_t *list = docs[d] ? json_object_get(docs[d], keys[k]) : NULL, *o;
			size_t i;
			json_array_foreach(list, i, o) {
				const char *id = jstring(o, "id");
				if (id && json_object_get(seen, id))
					continue;
				if (id)
					json_object_set_new(seen, id, json_true());
				if (!(ok = import_incident(c, o, k == 1, n)))
					break;
			}
		}
	json_decref(seen);
	return ok;
}

static bool import_page(struct cli *c, json_t *page)
{
	struct page_settings p;
	enum bc_err e = store_page_get(c->t, &p);
	if (e != BC_OK || !json_is_object(page))
		return cli_fail(c, e != BC_OK ? "cannot read this page's settings" : "no \"page\" object to import") == 0;
	if (!jid(c, page, "page", p.id))
		return false;
	if (jstring(page, "name"))
		p.name = (char *)jstring(page, "name");
	if (jstring(page, "url"))
		p.url = (char *)jstring(page, "url");
	if (jstring(page, "time_zone"))
		p.time_zone = (char *)jstring(page, "time_zone");
	if ((e = store_page_put(c->t, &p)) != BC_OK)
		return cli_store_fail(c, "page", e) == 0;
	return true;
}

static int import_statuspage(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("page"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *path = c->pos[0];
	json_t *docs[3] = { NULL, NULL, NULL };
	struct stat st;
	bool ok = true;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		for (size_t i = 0; i < 3 && ok; i++)
			ok = load_doc(c, arena_printf(c->a, "%s/%s", path, FILES[i]), i > 0, &docs[i]);
	} else {
		ok = load_doc(c, path, false, &docs[0]);
	}
	struct counts n = { 0 };
	rc = ok ? cli_begin(c, 0) : 1;
	if (rc == 0) {
		json_t *comps = NULL;
		for (size_t i = 0; i < 3 && comps == NULL; i++)
			comps = docs[i] ? json_object_get(docs[i], "components") : NULL;
		ok = (!opt_get(opts, "page") || import_page(c, json_object_get(docs[0], "page"))) &&
		     import_components(c, comps, &n) && import_incidents(c, docs, 3, &n);
		const char *detail = arena_printf(c->a, "%zu groups, %zu components, %zu incidents, %zu maintenances, %zu updates",
		                                  n.groups, n.components, n.incidents, n.maintenances, n.updates);
		rc = !ok ? 1 : cli_audit(c, "import.statuspage", path, detail);
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
		  "import statuspage [--page] DIR|FILE   (DIR holds summary.json, incidents.json, scheduled-maintenances.json;\n"
		  "                                       --page also takes the page id, name, URL and time zone)" },
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
		if ((!open_only || sp_incident_is_unresolved(&list[i], v->now)) &&
		    sp_write_incident(w, NULL, v, &list[i]) != BC_OK)
			return false;
	jw_arr_close(w);
	return true;
}

static int export_run(struct cli *c, int argc, char **argv)
{
	int rc = cli_parse(c, (struct opt[]){ OPT_END }, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *dir = c->pos[0];
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
	struct sp_rollup roll = sp_page_rollup(v.comps, v.ncomps, open, nopen, v.now);
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
	if (rc == 0)
		printf("exported %zu components and groups, %zu incidents, %zu maintenances to %s\n",
		       v.ncomps + v.ngroups, ninc, nmaint, dir);
	return rc;
}

int cmd_export(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd sc = { "export", export_run, "export DIR   (writes summary.json, incidents.json, scheduled-maintenances.json)" };
	return cli_run(cfg, "export", &sc, argc, argv);
}
