/* api_v1.c: the v1 management API's route table, its shared request plumbing, and the page endpoints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/sha256.h>
#include "api_v1.h"
#include "settings.h"
#include "zone.h"
#include "log.h"
#include "ratelimit.h"

#define IDEM_KEY_MAX 255
#define IDEM_KEEP_MS (24LL * 3600 * 1000)    /* a retry after a day is a new request */
#define IDEM_PURGE_PER_WRITE 16             /* expired records dropped by each keyed write */
#define JSON_TYPE "application/json; charset=utf-8"

const char *v1_param(struct req *r, int i)
{
	const char *p = r->params[i];
	size_t n = p ? strlen(p) : 0;
	if (n > 5 && strcmp(p + n - 5, ".json") == 0)
		return arena_strndup(r->arena, p, n - 5);
	return p;
}

/* The per-key rate limit; false after answering 429. */
static bool v1_limit(struct req *r)
{
	int retry = 0;
	if (!ratelimit_take(r->token.id, r->cfg->rate_limit_per_minute, now_ms(), &retry)) {
		char s[16];
		snprintf(s, sizeof s, "%d", retry);
		resp_header(r, "Retry-After", s);
		resp_json_error(r, 429, "rate limit exceeded: %d requests per minute per key; retry in %d s",
		                r->cfg->rate_limit_per_minute, retry);
		return false;
	}
	return true;
}

bool v1_check(struct req *r)
{
	if (!v1_limit(r))
		return false;
	struct stx *t = req_tx(r);
	struct page_settings p;
	if (t == NULL || store_page_get(t, &p) != BC_OK) {
		resp_err(r, BC_STORE, "cannot read the page");
		return false;
	}
	const char *id = v1_param(r, 0);
	if (strcmp(id, p.id) != 0) {
		resp_json_error(r, 404, "page not found: %.40s", id);
		return false;
	}
	return true;
}

bool v1_read(struct req *r, struct v1_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->t = req_tx(r);
	enum bc_err e = c->t ? sp_view_load(&c->v, c->t, r->arena, now_ms()) : BC_STORE;
	if (e != BC_OK) {
		resp_err(r, e, "cannot load the page");
		return false;
	}
	c->v.style = SP_V1;
	return true;
}

/* kv key of this request's Idempotency-Key: hex SHA-256 of token, method, path and the key. */
static const char *idem_key(struct req *r, const char *hdr)
{
	unsigned char h[32];
	char *in = arena_printf(r->arena, "%s\n%s\n%s\n%s", r->token.id, r->method, r->path, hdr);
	mbedtls_sha256_ret((const unsigned char *)in, strlen(in), h, 0);
	char *hex = arena_alloc(r->arena, 65);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return hex;
}

/* Hex SHA-256 of what the request asks for (Content-Type, query, body): a reused Idempotency-Key
 * must come with the same request. */
static const char *payload_hash(struct req *r)
{
	unsigned char h[32];
	mbedtls_sha256_context ctx;
	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	const char *parts[] = { r->content_type ? r->content_type : "", "\n",
	                        r->query_string ? r->query_string : "", "\n" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		mbedtls_sha256_update_ret(&ctx, (const unsigned char *)parts[i], strlen(parts[i]));
	if (r->body_len)
		mbedtls_sha256_update_ret(&ctx, (const unsigned char *)r->body, r->body_len);
	mbedtls_sha256_finish_ret(&ctx, h);
	mbedtls_sha256_free(&ctx);
	char *hex = arena_alloc(r->arena, 65);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return hex;
}

/* A stored Idempotency-Key record: "<status> <payload hash> <ms>\n<body>". */
struct idem_record {
	int status;
	const char *hash;
	size_t hash_len;
	long long at;
	const char *body;
	size_t body_len;
};

static bool idem_parse(const char *val, size_t len, struct idem_record *out)
{
	const char *nl = memchr(val, '\n', len);
	const char *sp = nl ? memchr(val, ' ', (size_t)(nl - val)) : NULL;
	const char *when = sp ? memchr(sp + 1, ' ', (size_t)(nl - sp - 1)) : NULL;
	if (when == NULL)
		return false;
	*out = (struct idem_record){ .status = atoi(val), .hash = sp + 1, .hash_len = (size_t)(when - sp - 1),
	                             .at = strtoll(when + 1, NULL, 10), .body = nl + 1,
	                             .body_len = len - (size_t)(nl + 1 - val) };
	return true;
}

/* Answers with the stored response of an earlier request with the same Idempotency-Key, or 422
 * when that request asked for something else. A record older than IDEM_KEEP_MS is not replayed. */
static bool idem_replay(struct req *r, const void *val, size_t len)
{
	struct idem_record rec;
	if (!idem_parse(val, len, &rec) || now_ms() - rec.at > IDEM_KEEP_MS)
		return false;
	if (rec.hash_len != 64 || memcmp(rec.hash, payload_hash(r), 64) != 0) {
		resp_json_error(r, 422, "Idempotency-Key: already used for a different request");
		return true;
	}
	r->status = rec.status;
	r->content_type_out = JSON_TYPE;
	r->cache_control = "no-store";
	buf_reset(&r->body_out);
	buf_append(&r->body_out, rec.body, rec.body_len);
	resp_header(r, "Idempotent-Replayed", "true");
	return true;
}

enum bc_err v1_idem_remember(struct stx *t, struct arena *a, const char *key, int status, const char *hash,
                             const char *body, int64_t now)
{
	char *val = arena_printf(a, "%d %s %lld\n%s", status, hash, (long long)now, body ? body : "");
	enum bc_err e = store_kv_put(t, "idem", key, val, strlen(val));
	if (e == BC_OK)        /* time-ordered index: "<ms, 16 hex digits>:<key>" */
		e = store_kv_put(t, "idem-time", arena_printf(a, "%016llx:%s", (unsigned long long)now, key), "", 0);
	return e;
}

enum bc_err v1_idem_purge(struct stx *t, int64_t now)
{
	for (int i = 0; i < IDEM_PURGE_PER_WRITE; i++) {
		char *first;
		const void *val;
		size_t len;
		enum bc_err e = store_kv_first(t, "idem-time", &first);
		if (e == BC_NOTFOUND)
			return BC_OK;
		if (e != BC_OK)
			return e;
		char *colon = strchr(first, ':');
		long long at = (long long)strtoull(first, NULL, 16);
		if (colon != NULL && at > now - IDEM_KEEP_MS)
			return BC_OK;
		if ((e = store_kv_del(t, "idem-time", first)) != BC_OK)
			return e;
		/* the record itself, unless the key was used again since (its time is then newer) */
		struct idem_record rec;
		if (colon != NULL && store_kv_get(t, "idem", colon + 1, &val, &len) == BC_OK &&
		    idem_parse(val, len, &rec) && rec.at == at && (e = store_kv_del(t, "idem", colon + 1)) != BC_OK)
			return e;
	}
	return BC_OK;
}

bool v1_write(struct req *r, struct v1_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->write = true;
	const char *hdr = req_header(r, "Idempotency-Key");
	if (hdr && (*hdr == '\0' || strlen(hdr) > IDEM_KEY_MAX)) {
		resp_json_error(r, 400, "Idempotency-Key: must be 1 to %d characters", IDEM_KEY_MAX);
		return false;
	}
	if (r->tx) {                /* one transaction per thread: the write txn replaces the read one */
		store_abort(r->tx);
		r->tx = NULL;
	}
	enum bc_err e = store_begin_write(r->store, r->arena, &c->t);
	if (e != BC_OK) {
		resp_err(r, e, "cannot start a write");
		return false;
	}
	if (hdr) {
		const void *val;
		size_t len;
		c->idem_key = idem_key(r, hdr);
		if (store_kv_get(c->t, "idem", c->idem_key, &val, &len) == BC_OK && idem_replay(r, val, len)) {
			store_abort(c->t);
			c->t = NULL;
			return false;
		}
	}
	e = sp_view_load(&c->v, c->t, r->arena, now_ms());
	if (e != BC_OK) {
		v1_fail_err(c, e, "cannot load the page");
		return false;
	}
	c->v.style = SP_V1;
	return true;
}

bool v1_reload(struct v1_ctx *c)
{
	enum bc_err e = sp_view_load(&c->v, c->t, c->r->arena, now_ms());
	if (e != BC_OK) {
		v1_fail_err(c, e, "cannot reload the page");
		return false;
	}
	c->v.style = SP_V1;
	return true;
}

/* Loads the incident of the path (capture 1); false after answering 404. */
bool v1_load_incident(struct v1_ctx *c, struct incident *inc)
{
	const char *id = v1_param(c->r, 1);
	enum bc_err e = store_incident_get(c->t, id, inc);
	if (e == BC_OK)
		return true;
	if (c->write)
		v1_fail(c, e == BC_NOTFOUND ? 404 : 500, "incident not found: %.40s", id);
	else
		resp_json_error(c->r, e == BC_NOTFOUND ? 404 : 500, "incident not found: %.40s", id);
	return false;
}

void v1_write_ctx(struct v1_ctx *c, struct write_ctx *w)
{
	memset(w, 0, sizeof *w);
	w->t = c->t;
	w->a = c->r->arena;
	w->actor = arena_printf(c->r->arena, "token:%s", c->r->token.id);
	w->now = c->v.now;
}

void v1_fail_write(struct v1_ctx *c, const struct write_ctx *w, enum bc_err e, const char *resource)
{
	if (e == BC_INVALID || e == BC_TOOBIG)
		v1_fail(c, 422, "%s%s%s", w->err_field[0] ? resource : "", w->err_field[0] ? "." : "", w->err);
	else if (e == BC_NOTFOUND)
		v1_fail(c, 404, "%s", w->err);
	else if (e == BC_CONFLICT)
		v1_fail(c, 409, "%s", w->err);
	else
		v1_fail(c, bc_http_status(e), "%s", w->err[0] ? w->err : bc_strerror(e));
}

void v1_commit(struct v1_ctx *c, const char *action, const char *target)
{
	struct req *r = c->r;
	enum bc_err e = BC_OK;           /* the audit entry came with the change's outbox event */
	if (c->idem_key) {
		int64_t now = now_ms();
		e = v1_idem_remember(c->t, r->arena, c->idem_key, r->status, payload_hash(r), r->body_out.p, now);
		if (e == BC_OK)
			e = v1_idem_purge(c->t, now);
	}
	if (e != BC_OK) {
		v1_fail_err(c, e, "cannot record the write");
		return;
	}
	e = store_commit(c->t);
	c->t = NULL;
	if (e != BC_OK) {
		log_warnx("v1 %s %s: commit failed: %s", action, target, bc_strerror(e));
		resp_err(r, e, "the write was not saved");
	}
}

void v1_fail(struct v1_ctx *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->t && c->write)
		store_abort(c->t);
	c->t = NULL;
	resp_json_error(c->r, status, "%s", msg);
}

void v1_fail_err(struct v1_ctx *c, enum bc_err e, const char *what)
{
	v1_fail(c, bc_http_status(e), "%s: %s", what, bc_strerror(e));
}

void v1_json_begin(struct req *r, struct jw *w, int status)
{
	r->status = status;
	r->content_type_out = JSON_TYPE;
	r->cache_control = "no-store";
	buf_reset(&r->body_out);
	jw_init(w, &r->body_out);
}

bool v1_json_end(struct req *r, struct jw *w)
{
	if (jw_ok(w)) {
		buf_putc(&r->body_out, '\n');
		return true;
	}
	resp_json_error(r, 500, "could not serialize the response");
	return false;
}

void v1_paging(struct req *r, struct v1_paging *p)
{
	const char *pp = req_query(r, "per_page"), *lim = req_query(r, "limit"), *pg = req_query(r, "page");
	long per = pp ? atol(pp) : lim ? atol(lim) : 100;
	long page = pg ? atol(pg) : 1;
	if (per < 1 || per > 100)
		per = per < 1 ? 1 : 100;
	if (page < 1)
		page = 1;
	if (page > 100000)
		page = 100000;
	p->limit = (size_t)per;
	p->offset = (size_t)(page - 1) * (size_t)per;
}

/* ---- pages ---- */

static void write_page_v1(struct jw *w, struct v1_ctx *c)
{
	static const char *const null_fields[] = {
		"page_description", "headline", "subdomain", "domain", "support_url",
		"notifications_from_email", "notifications_email_footer", "twitter_username",
		"ip_restrictions", "city", "state", "country", NULL
	};
	static const char *const colours[][2] = {
		{ "css_body_background_color", "ffffff" }, { "css_font_color", "333333" },
		{ "css_light_font_color", "757575" }, { "css_greens", "1e8542" }, { "css_yellows", "f1c40f" },
		{ "css_oranges", "b35e14" }, { "css_blues", "207ab6" }, { "css_reds", "de2f1b" },
		{ "css_border_color", "E0E0E0" }, { "css_graph_color", "3498db" },
		{ "css_link_color", "207ab6" }, { "css_no_data", "b3bac5" },
	};
	static const char *const logos[] = { "favicon_logo", "transactional_logo", "hero_cover", "email_logo", "twitter_logo" };
	const struct page_settings *p = &c->v.page;
	struct incident *open = NULL;
	size_t nopen = 0;
	store_incident_list_open(c->t, &open, &nopen);
	struct status_rollup roll = status_rollup(c->v.comps, c->v.ncomps, open, nopen, c->v.now);
	const char *url = sp_page_url(&c->v);

	jw_obj_open(w, NULL);
	jw_str(w, "id", p->id);
	sp_write_time(w, &c->v, "created_at", p->created_at);
	sp_write_time(w, &c->v, "updated_at", p->updated_at);
	jw_str(w, "name", p->name ? p->name : "");
	jw_str(w, "branding", "basic");
	jw_str(w, "url", *url ? url : NULL);
	for (size_t i = 0; null_fields[i]; i++)
		jw_null(w, null_fields[i]);
	jw_bool(w, "hidden_from_search", false);
	jw_bool(w, "allow_page_subscribers", false);
	jw_bool(w, "allow_incident_subscribers", false);
	jw_bool(w, "allow_email_subscribers", false);
	jw_bool(w, "allow_sms_subscribers", false);
	jw_bool(w, "allow_rss_atom_feeds", true);
	jw_bool(w, "allow_webhook_subscribers", false);
	jw_int(w, "activity_score", 0);
	jw_bool(w, "viewers_must_be_team_members", false);
	jw_str(w, "time_zone", p->time_zone ? p->time_zone : "Etc/UTC");
	for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++)
		jw_str(w, colours[i][0], colours[i][1]);
	for (size_t i = 0; i < sizeof logos / sizeof logos[0]; i++) {
		jw_obj_open(w, logos[i]);
		jw_null(w, "updated_at");
		jw_null(w, "size");
		jw_str(w, "url", "");
		jw_obj_close(w);
	}
	jw_str(w, "status_indicator", status_indicator_name(roll.indicator));
	jw_str(w, "status_description", roll.description);
	jw_obj_close(w);
}

static void v1_pages_list(struct req *r)
{
	struct v1_ctx c;
	struct jw w;
	if (!v1_limit(r) || !v1_read(r, &c))
		return;
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	write_page_v1(&w, &c);
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

static void v1_page_get(struct req *r)
{
	struct v1_ctx c;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	v1_json_begin(r, &w, 200);
	write_page_v1(&w, &c);
	v1_json_end(r, &w);
}

static void v1_page_update(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct jw w;
	struct write_ctx wc;
	if (!v1_check(r) || !v1_input_req(r, V1R_PAGE, false, &in))
		return;
	const struct v1_value *name = &in.v[PF_NAME], *url = &in.v[PF_URL], *tz = &in.v[PF_TIME_ZONE];
	/* keys set in beacon.conf belong to it: refused, so the config and the store cannot disagree */
	static const int fields[] = { PF_NAME, PF_URL, PF_TIME_ZONE };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *field = fields[i] == PF_NAME ? "name" : fields[i] == PF_URL ? "url" : "time_zone";
		const char *key = in.v[fields[i]].set ? settings_refuses(r->cfg, field, in.v[fields[i]].s) : NULL;
		if (key) {
			resp_json_error(r, 409, "page.%s is set by '%s' in %s; change it there and restart beacon",
			                field, key, r->cfg->path);
			return;
		}
	}
	if (!v1_write(r, &c))
		return;
	struct page_change ch = { .name = name->set ? name->s : NULL, .url = url->set ? url->s : NULL,
	                          .time_zone = tz->set ? tz->s : NULL };
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_page(&wc, &ch, &c.v.page);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "page");
		return;
	}
	c.v.tz = zone_or_utc(c.v.page.time_zone);
	v1_json_begin(r, &w, 200);
	write_page_v1(&w, &c);
	if (!v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the page");
		return;
	}
	v1_commit(&c, "page.update", c.v.page.id);
}

/* ---- routes: every path under /v1 and /api/v1, literal paths also with ".json" ---- */

#define RW (R_WRITE | R_AUTH_WRITE | R_JSON_ERR)
#define RR (R_AUTH_READ | R_JSON_ERR)
#define RA (R_WRITE | R_AUTH_ADMIN | R_JSON_ERR)
#define V1(m, p, fn, fl) { m, "/v1" p, fn, fl, NULL }, { m, "/api/v1" p, fn, fl, NULL }
#define V1J(m, p, fn, fl) V1(m, p, fn, fl), V1(m, p ".json", fn, fl)
#define V1W(p, fn, fl) V1("PATCH", p, fn, fl), V1("PUT", p, fn, fl)
#define PG "/pages/:page"

const struct route routes_api_v1[] = {
	V1J("GET", "/openapi", v1_openapi, R_JSON_ERR | R_CORS),
	V1J("GET", "/pages", v1_pages_list, RR),
	V1("GET", PG, v1_page_get, RR),
	V1W(PG, v1_page_update, RA),

	V1J("GET", PG "/components", v1_components_list, RR),
	V1J("POST", PG "/components", v1_component_create, RW),
	V1("GET", PG "/components/:id", v1_component_get, RR),
	V1W(PG "/components/:id", v1_component_update, RW),
	V1("DELETE", PG "/components/:id", v1_component_delete, RW),

	V1J("GET", PG "/component-groups", v1_groups_list, RR),
	V1J("POST", PG "/component-groups", v1_group_create, RW),
	V1("GET", PG "/component-groups/:id", v1_group_get, RR),
	V1W(PG "/component-groups/:id", v1_group_update, RW),
	V1("DELETE", PG "/component-groups/:id", v1_group_delete, RW),
	V1J("GET", PG "/component_groups", v1_groups_list, RR),
	V1J("POST", PG "/component_groups", v1_group_create, RW),
	V1("GET", PG "/component_groups/:id", v1_group_get, RR),
	V1W(PG "/component_groups/:id", v1_group_update, RW),
	V1("DELETE", PG "/component_groups/:id", v1_group_delete, RW),

	V1J("GET", PG "/incidents/unresolved", v1_incidents_unresolved, RR),
	V1J("GET", PG "/incidents/upcoming", v1_incidents_upcoming, RR),
	V1J("GET", PG "/incidents/active_maintenance", v1_incidents_active_maintenance, RR),
	V1J("GET", PG "/incidents/scheduled", v1_incidents_scheduled, RR),
	V1J("GET", PG "/incidents", v1_incidents_list, RR),
	V1J("POST", PG "/incidents", v1_incident_create, RW),
	V1W(PG "/incidents/:id/incident_updates/:uid", v1_update_edit, RW),
	V1J("GET", PG "/incidents/:id/postmortem", v1_postmortem_get, RR),
	V1J("PUT", PG "/incidents/:id/postmortem", v1_postmortem_put, RW),
	V1J("DELETE", PG "/incidents/:id/postmortem", v1_postmortem_delete, RW),
	V1J("PUT", PG "/incidents/:id/postmortem/publish", v1_postmortem_publish, RW),
	V1J("PUT", PG "/incidents/:id/postmortem/revert", v1_postmortem_revert, RW),
	V1("GET", PG "/incidents/:id", v1_incident_get, RR),
	V1W(PG "/incidents/:id", v1_incident_update, RW),
	V1("DELETE", PG "/incidents/:id", v1_incident_delete, RW),
	{ NULL, NULL, NULL, 0, NULL },
};
