/* api_v2.c: the public Statuspage-compatible read API (/api/v2/...json) and the route table of the public read surface. */
#include <string.h>
#include "asof.h"
#include "api_v2.h"

#define LIST_LIMIT 50       /* incidents.json and scheduled-maintenances.json: "the 50 most recent" */

bool api_v2_view(struct req *r, struct sp_view *v)
{
	struct stx *t = req_tx(r);
	if (t == NULL) {
		resp_err(r, BC_STORE, "cannot read the store");
		return false;
	}
	enum bc_err e = sp_view_load(v, t, r->arena, now_ms());
	if (e != BC_OK) {
		resp_err(r, e, e == BC_NOTFOUND ? "the page is not initialised" : "cannot load the page");
		return false;
	}
	return true;
}

bool api_v2_open(struct req *r, struct incident **open, size_t *nopen)
{
	enum bc_err e = store_incident_list_open(req_tx(r), open, nopen);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list open incidents");
		return false;
	}
	return true;
}

/* Which open incidents a listing keeps. */
enum open_filter { OPEN_INCIDENTS, OPEN_UPCOMING, OPEN_ACTIVE, OPEN_MAINTENANCES };

static bool open_keep(const struct incident *inc, enum open_filter f, int64_t now)
{
	enum inc_status s = status_maintenance_state(inc, now);
	if (inc_status_is_closed(s))
		return false;
	bool active = s == IS_IN_PROGRESS || s == IS_VERIFYING;
	switch (f) {
	case OPEN_INCIDENTS: return !inc->is_maintenance;
	case OPEN_UPCOMING: return inc->is_maintenance && s == IS_SCHEDULED;
	case OPEN_ACTIVE: return inc->is_maintenance && active;
	case OPEN_MAINTENANCES: return inc->is_maintenance && (s == IS_SCHEDULED || active);
	}
	return false;
}

static bool write_list(struct jw *w, const char *key, const struct sp_view *v,
                       const struct incident *list, size_t n, enum open_filter f, bool filter)
{
	jw_arr_open(w, key);
	for (size_t i = 0; i < n; i++) {
		if (filter && !open_keep(&list[i], f, v->now))
			continue;
		if (sp_write_incident(w, NULL, v, &list[i]) != BC_OK)
			return false;
	}
	jw_arr_close(w);
	return true;
}

static void finish(struct req *r, const struct jw *w, bool ok)
{
	if (!ok || !jw_ok(w)) {
		resp_json_error(r, 500, "internal error while writing the response");
		return;
	}
	r->content_type_out = "application/json; charset=utf-8";
}

/* {page, <key>: [open incidents matching f]} */
static void open_endpoint(struct req *r, const char *key, enum open_filter f)
{
	struct sp_view v;
	struct incident *open;
	size_t nopen;
	if (!api_v2_view(r, &v) || !api_v2_open(r, &open, &nopen))
		return;
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	sp_write_page(&w, "page", &v);
	bool ok = write_list(&w, key, &v, open, nopen, f, true);
	jw_obj_close(&w);
	finish(r, &w, ok);
}

/* {page, <key>: [the 50 most recent of kind]} */
static void recent_endpoint(struct req *r, const char *key, enum sp_kind kind)
{
	struct sp_view v;
	struct incident *list;
	size_t n;
	if (!api_v2_view(r, &v))
		return;
	enum bc_err e = sp_recent(&v, kind, LIST_LIMIT, &list, &n);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list incidents");
		return;
	}
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	sp_write_page(&w, "page", &v);
	bool ok = write_list(&w, key, &v, list, n, OPEN_INCIDENTS, false);
	jw_obj_close(&w);
	finish(r, &w, ok);
}

/* ?at=: component statuses and open incidents as they were then (summary and status). */
static bool api_v2_rewind(struct req *r, struct sp_view *v, struct incident **open, size_t *nopen)
{
	const char *at = req_query(r, "at");
	int64_t t;
	if (at == NULL)
		return true;
	if (!asof_parse(at, &t)) {
		resp_json_error(r, 400, "at: expected a time like 2026-03-16T10:00-05:00");
		return false;
	}
	if (t >= v->now)
		return true;
	v->now = t;
	v->asof = t;
	asof_components(v->t, v->comps, v->ncomps, t);
	enum bc_err e = asof_open(v->t, v->a, t, open, nopen);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list the incidents of that moment");
		return false;
	}
	return true;
}

static void summary(struct req *r)
{
	struct sp_view v;
	struct incident *open;
	size_t nopen;
	if (!api_v2_view(r, &v) || !api_v2_open(r, &open, &nopen) || !api_v2_rewind(r, &v, &open, &nopen))
		return;
	struct status_rollup st = status_rollup(v.comps, v.ncomps, open, nopen, v.now);
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	sp_write_page(&w, "page", &v);
	sp_write_component_list(&w, "components", &v);
	bool ok = write_list(&w, "incidents", &v, open, nopen, OPEN_INCIDENTS, true) &&
	          write_list(&w, "scheduled_maintenances", &v, open, nopen, OPEN_MAINTENANCES, true);
	sp_write_status(&w, "status", &st);
	jw_obj_close(&w);
	finish(r, &w, ok);
}

static void status(struct req *r)
{
	struct sp_view v;
	struct incident *open;
	size_t nopen;
	if (!api_v2_view(r, &v) || !api_v2_open(r, &open, &nopen) || !api_v2_rewind(r, &v, &open, &nopen))
		return;
	struct status_rollup st = status_rollup(v.comps, v.ncomps, open, nopen, v.now);
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	sp_write_page(&w, "page", &v);
	sp_write_status(&w, "status", &st);
	jw_obj_close(&w);
	finish(r, &w, true);
}

static void components(struct req *r)
{
	struct sp_view v;
	if (!api_v2_view(r, &v))
		return;
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	sp_write_page(&w, "page", &v);
	sp_write_component_list(&w, "components", &v);
	jw_obj_close(&w);
	finish(r, &w, true);
}

static void incidents(struct req *r) { recent_endpoint(r, "incidents", SP_INCIDENTS); }
static void incidents_unresolved(struct req *r) { open_endpoint(r, "incidents", OPEN_INCIDENTS); }
static void maintenances(struct req *r) { recent_endpoint(r, "scheduled_maintenances", SP_MAINTENANCES); }
static void maintenances_upcoming(struct req *r) { open_endpoint(r, "scheduled_maintenances", OPEN_UPCOMING); }
static void maintenances_active(struct req *r) { open_endpoint(r, "scheduled_maintenances", OPEN_ACTIVE); }

#define PUBLIC (R_CACHE | R_CORS | R_JSON_ERR)

const struct route routes_api_v2[] = {
	{ "GET", "/api/v2/summary.json", summary, PUBLIC, "at" },
	{ "GET", "/api/v2/status.json", status, PUBLIC, "at" },
	{ "GET", "/api/v2/components.json", components, PUBLIC, NULL },
	{ "GET", "/api/v2/incidents.json", incidents, PUBLIC, NULL },
	{ "GET", "/api/v2/incidents/unresolved.json", incidents_unresolved, PUBLIC, NULL },
	{ "GET", "/api/v2/scheduled-maintenances.json", maintenances, PUBLIC, NULL },
	{ "GET", "/api/v2/scheduled-maintenances/upcoming.json", maintenances_upcoming, PUBLIC, NULL },
	{ "GET", "/api/v2/scheduled-maintenances/active.json", maintenances_active, PUBLIC, NULL },
	{ "GET", "/history.atom", feed_atom, PUBLIC, "lang" },
	{ "GET", "/history.rss", feed_rss, PUBLIC, "lang" },
	{ "GET", "/badge.svg", badge_page, PUBLIC, NULL },
	{ "GET", "/badge/:id", badge_component, PUBLIC, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};
