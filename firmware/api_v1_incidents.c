/* api_v1_incidents.c: v1 incidents and maintenances: lists, get, create, update (adds updates), delete. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "api_v1.h"

#define SEARCH_SCAN 500       /* incidents searched by ?q= */
#define LIST_SCAN 4096        /* deepest offset+limit a listing walks */

/* ---- lists ---- */

static void write_list(struct req *r, struct v1_ctx *c, struct incident *list, size_t n, const struct v1_paging *pg)
{
	struct jw w;
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	for (size_t i = pg->offset; i < n && i < pg->offset + pg->limit; i++)
		if (sp_write_incident(&w, NULL, &c->v, &list[i]) != BC_OK) {
			resp_err(r, BC_STORE, "cannot read incident updates");
			return;
		}
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

/* ?q= matches name, status, postmortem body and update bodies, case-insensitively. */
static bool search_match(struct v1_ctx *c, const struct incident *inc, const char *q)
{
	if (contains(inc->name, q) || contains(inc_status_name(status_maintenance_state(inc, c->v.now)), q) ||
	    contains(inc->postmortem_body, q))
		return true;
	struct incident_update *u;
	size_t n;
	if (store_update_list(c->t, inc->id, &u, &n) != BC_OK)
		return false;
	for (size_t i = 0; i < n; i++)
		if (contains(u[i].body, q))
			return true;
	return false;
}

static void recent_list(struct req *r, enum sp_kind kind)
{
	struct v1_ctx c;
	struct v1_paging pg;
	struct incident *list;
	size_t n;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	const char *q = req_query(r, "q");
	size_t want = pg.offset + pg.limit;
	if (q && *q)
		want = SEARCH_SCAN;
	if (want > LIST_SCAN)
		want = LIST_SCAN;
	enum bc_err e = sp_recent(&c.v, kind, want, &list, &n);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list incidents");
		return;
	}
	if (q && *q) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (search_match(&c, &list[i], q))
				list[k++] = list[i];
		n = k;
	}
	write_list(r, &c, list, n, &pg);
}

void v1_incidents_list(struct req *r)
{
	recent_list(r, SP_ALL);
}

void v1_incidents_scheduled(struct req *r)
{
	recent_list(r, SP_MAINTENANCES);
}

enum open_kind { OPEN_UNRESOLVED, OPEN_UPCOMING, OPEN_ACTIVE };

static void open_list(struct req *r, enum open_kind kind)
{
	struct v1_ctx c;
	struct v1_paging pg;
	struct incident *list;
	size_t n, k = 0;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	enum bc_err e = store_incident_list_open(c.t, &list, &n);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list open incidents");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		enum inc_status s = status_maintenance_state(&list[i], c.v.now);
		bool keep = !inc_status_is_closed(s) &&
		            (kind == OPEN_UNRESOLVED ? !list[i].is_maintenance :
		             kind == OPEN_UPCOMING ? list[i].is_maintenance && s == IS_SCHEDULED :
		             list[i].is_maintenance && (s == IS_IN_PROGRESS || s == IS_VERIFYING));
		if (keep)
			list[k++] = list[i];
	}
	write_list(r, &c, list, k, &pg);
}

void v1_incidents_unresolved(struct req *r)
{
	open_list(r, OPEN_UNRESOLVED);
}

void v1_incidents_upcoming(struct req *r)
{
	open_list(r, OPEN_UPCOMING);
}

void v1_incidents_active_maintenance(struct req *r)
{
	open_list(r, OPEN_ACTIVE);
}

void v1_incident_get(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c) || !v1_load_incident(&c, &inc))
		return;
	v1_json_begin(r, &w, 200);
	if (sp_write_incident(&w, NULL, &c.v, &inc) != BC_OK) {
		resp_err(r, BC_STORE, "cannot read incident updates");
		return;
	}
	v1_json_end(r, &w);
}

/* ---- writes ---- */

static bool is_maintenance_status(enum inc_status s)
{
	return s == IS_SCHEDULED || s == IS_IN_PROGRESS || s == IS_VERIFYING || s == IS_COMPLETED;
}

/* Impact from the worst status among the incident's components. */
static enum impact computed_impact(const struct sp_view *v, const struct incident *inc)
{
	enum impact worst = IMP_NONE;
	for (size_t i = 0; i < inc->ncomponents; i++) {
		const struct component *comp = sp_find_component(v, inc->component_ids[i]);
		enum impact im = !comp ? IMP_NONE : comp->status == CS_MAJOR_OUTAGE ? IMP_CRITICAL :
		                 comp->status == CS_PARTIAL_OUTAGE ? IMP_MAJOR :
		                 comp->status == CS_DEGRADED_PERFORMANCE ? IMP_MINOR : IMP_NONE;
		if (im > worst)
			worst = im;
	}
	return worst;
}

/* The components one request touches: component_ids plus the keys of components, each with the
 * status to set (-1 keeps it). */
struct touched {
	size_t n;
	const char **ids;
	int *status;
};

static bool collect_touched(struct v1_ctx *c, const struct v1_input *in, struct touched *t)
{
	const struct v1_value *map = &in->v[IF_COMPONENTS], *ids = &in->v[IF_COMPONENT_IDS];
	size_t max = map->n + ids->n;
	t->n = 0;
	t->ids = arena_alloc(c->r->arena, (max + 1) * sizeof *t->ids);
	t->status = arena_alloc(c->r->arena, (max + 1) * sizeof *t->status);
	for (size_t i = 0; i < max; i++) {
		bool from_map = i < map->n;
		const char *id = from_map ? map->ids[i] : ids->ids[i - map->n];
		if (sp_find_component(&c->v, id) == NULL) {
			v1_fail(c, 422, "incident.%s: no such component '%.40s'", from_map ? "components" : "component_ids", id);
			return false;
		}
		size_t k = 0;
		while (k < t->n && strcmp(t->ids[k], id) != 0)
			k++;
		if (k == t->n) {
			t->ids[t->n] = id;
			t->status[t->n++] = -1;
		}
		if (from_map && map->statuses[i] >= 0)
			t->status[k] = map->statuses[i];
	}
	if (t->n > LIM_AFFECTED) {
		v1_fail(c, 422, "incident.components: at most %d components", LIM_AFFECTED);
		return false;
	}
	return true;
}

/* Applies the touched statuses (logged against the incident), adds them to the incident's
 * components, and fills the update's affected list. Sets *changed when a status moved. */
static bool apply_touched(struct v1_ctx *c, struct incident *inc, const struct touched *t,
                          struct incident_update *u, bool *changed)
{
	u->affected = arena_alloc(c->r->arena, (t->n + 1) * sizeof *u->affected);
	u->naffected = 0;
	bc_id *ids = arena_alloc(c->r->arena, (inc->ncomponents + t->n + 1) * sizeof *ids);
	if (inc->ncomponents)       /* a new incident has no list yet (NULL) */
		memcpy(ids, inc->component_ids, inc->ncomponents * sizeof *ids);
	size_t nids = inc->ncomponents;
	for (size_t i = 0; i < t->n; i++) {
		struct component comp = *sp_find_component(&c->v, t->ids[i]);
		struct affected *a = &u->affected[u->naffected++];
		snprintf(a->component_id, sizeof a->component_id, "%s", comp.id);
		a->old_status = a->new_status = comp.status;
		if (t->status[i] >= 0 && (enum comp_status)t->status[i] != comp.status) {
			comp.status = a->new_status = (enum comp_status)t->status[i];
			enum bc_err e = store_component_put(c->t, &comp, inc->id);
			if (e != BC_OK) {
				v1_fail_err(c, e, "cannot set a component status");
				return false;
			}
			*changed = true;
		}
		size_t k = 0;
		while (k < nids && strcmp(ids[k], comp.id) != 0)
			k++;
		if (k == nids)
			snprintf(ids[nids++], sizeof ids[0], "%s", comp.id);
	}
	inc->component_ids = ids;
	inc->ncomponents = nids;
	return true;
}

/* Status, times and maintenance settings common to create and update; false after answering. */
static bool apply_incident(struct v1_ctx *c, const struct v1_input *in, struct incident *inc, int64_t now)
{
	const struct v1_value *v = in->v;
	if (v[IF_NAME].set && !v[IF_NAME].null)
		inc->name = v[IF_NAME].s;
	if (v[IF_STATUS].set) {
		enum inc_status s = (enum inc_status)v[IF_STATUS].e;
		if (is_maintenance_status(s) != inc->is_maintenance) {
			v1_fail(c, 422, "incident.status: '%s' is not a %s status", inc_status_name(s),
			        inc->is_maintenance ? "maintenance" : "incident");
			return false;
		}
		inc->status = s;
	}
	if (v[IF_METADATA].set)
		inc->metadata = v[IF_METADATA].null ? NULL : v[IF_METADATA].s;
	if (v[IF_REMINDER_INTERVALS].set)
		inc->reminder_intervals = v[IF_REMINDER_INTERVALS].null ? NULL : v[IF_REMINDER_INTERVALS].s;
	if (v[IF_SCHEDULED_FOR].set)
		inc->scheduled_for = v[IF_SCHEDULED_FOR].t;
	if (v[IF_SCHEDULED_UNTIL].set)
		inc->scheduled_until = v[IF_SCHEDULED_UNTIL].t;
	if (v[IF_AUTO_IN_PROGRESS].set)
		inc->scheduled_auto_in_progress = v[IF_AUTO_IN_PROGRESS].b;
	else if (v[IF_AUTO_TRANSITION].set)
		inc->scheduled_auto_in_progress = v[IF_AUTO_TRANSITION].b;
	if (v[IF_AUTO_COMPLETED].set)
		inc->scheduled_auto_completed = v[IF_AUTO_COMPLETED].b;
	if (inc->is_maintenance) {
		if (inc->scheduled_for == 0 || inc->scheduled_until == 0) {
			v1_fail(c, 422, "incident.%s: required for a scheduled maintenance",
			        inc->scheduled_for == 0 ? "scheduled_for" : "scheduled_until");
			return false;
		}
		if (inc->scheduled_until <= inc->scheduled_for) {
			v1_fail(c, 422, "incident.scheduled_until: must be after scheduled_for");
			return false;
		}
		inc->started_at = inc->scheduled_for;
	} else if (v[IF_SCHEDULED_FOR].set || v[IF_SCHEDULED_UNTIL].set) {
		v1_fail(c, 422, "incident.%s: only for a scheduled maintenance",
		        v[IF_SCHEDULED_FOR].set ? "scheduled_for" : "scheduled_until");
		return false;
	}
	if (inc->status == IS_MONITORING && inc->monitoring_at == 0)
		inc->monitoring_at = now;
	if (inc_status_is_closed(inc->status)) {
		if (inc->resolved_at == 0)
			inc->resolved_at = now;
	} else {
		inc->resolved_at = 0;
	}
	return true;
}

static void answer_incident(struct v1_ctx *c, int status, const char *id, const char *action)
{
	struct incident inc;
	struct jw w;
	if (!v1_reload(c))
		return;
	enum bc_err e = store_incident_get(c->t, id, &inc);
	v1_json_begin(c->r, &w, status);
	if (e == BC_OK)
		e = sp_write_incident(&w, NULL, &c->v, &inc);
	if (e != BC_OK || !v1_json_end(c->r, &w)) {
		v1_fail(c, 500, "could not serialize the incident");
		return;
	}
	v1_commit(c, action, inc.id, inc.name);
}

/* deliver_notifications: false marks the update it makes (Beacon sends no notifications itself). */
static bool quiet(const struct v1_input *in)
{
	return in->v[IF_DELIVER_NOTIFICATIONS].set && !in->v[IF_DELIVER_NOTIFICATIONS].b;
}

static const char *update_body(const struct v1_input *in)
{
	if (in->v[IF_BODY].set)
		return in->v[IF_BODY].s;
	return in->v[IF_MESSAGE].set ? in->v[IF_MESSAGE].s : NULL;
}

static bool add_update(struct v1_ctx *c, const struct incident *inc, struct incident_update *u,
                       const char *body, int64_t at, bool c_quiet)
{
	snprintf(u->incident_id, sizeof u->incident_id, "%s", inc->id);
	u->status = inc->status;
	u->body = body ? body : "";
	u->created_at = u->updated_at = u->display_at = at;
	u->quiet = c_quiet;
	enum bc_err e = store_update_put(c->t, u);
	if (e != BC_OK)
		v1_fail_err(c, e, "cannot add the incident update");
	return e == BC_OK;
}

void v1_incident_create(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct touched t;
	if (!v1_check(r) || !v1_input_req(r, V1R_INCIDENT, true, &in) || !v1_write(r, &c))
		return;
	const struct v1_value *v = in.v;
	int64_t now = c.v.now;
	struct incident inc = { .status = IS_INVESTIGATING };
	inc.is_maintenance = v[IF_SCHEDULED_FOR].set ||
	                     (v[IF_STATUS].set && is_maintenance_status((enum inc_status)v[IF_STATUS].e));
	if (inc.is_maintenance)
		inc.status = IS_SCHEDULED;
	inc.started_at = now;
	bool backfilled = v[IF_BACKFILLED].set && v[IF_BACKFILLED].b;
	if (backfilled) {
		if (v[IF_COMPONENTS].set || v[IF_COMPONENT_IDS].set || inc.is_maintenance) {
			v1_fail(&c, 422, "incident.backfilled: a backfilled incident takes no components or schedule");
			return;
		}
		inc.status = IS_RESOLVED;
		inc.backfilled = true;
		if (v[IF_BACKFILL_DATE].set)
			now = inc.started_at = inc.created_at = v[IF_BACKFILL_DATE].t;
	}
	if (!apply_incident(&c, &in, &inc, now) || !collect_touched(&c, &in, &t))
		return;
	inc.impact = inc.is_maintenance ? IMP_MAINTENANCE : IMP_NONE;
	enum bc_err e = store_incident_put(c.t, &inc);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot create the incident");
		return;
	}
	struct incident_update u = { .naffected = 0 };
	bool changed = false;
	if (!apply_touched(&c, &inc, &t, &u, &changed) || !v1_reload(&c))
		return;
	if (v[IF_IMPACT_OVERRIDE].set)
		inc.impact = (enum impact)v[IF_IMPACT_OVERRIDE].e;
	else if (!inc.is_maintenance)
		inc.impact = computed_impact(&c.v, &inc);
	if ((e = store_incident_put(c.t, &inc)) != BC_OK) {
		v1_fail_err(&c, e, "cannot save the incident");
		return;
	}
	if (!add_update(&c, &inc, &u, update_body(&in), now, quiet(&in)))
		return;
	answer_incident(&c, 201, inc.id, inc.is_maintenance ? "maintenance.create" : "incident.create");
}

/* PATCH/PUT: edits in place; a body, a status change or a component status change adds an update. */
void v1_incident_update(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct touched t;
	struct incident inc;
	if (!v1_check(r) || !v1_input_req(r, V1R_INCIDENT, false, &in) || !v1_write(r, &c) ||
	    !v1_load_incident(&c, &inc))
		return;
	const struct v1_value *v = in.v;
	if (v[IF_BACKFILLED].set && v[IF_BACKFILLED].b) {
		v1_fail(&c, 422, "incident.backfilled: only when creating an incident");
		return;
	}
	inc.status = status_maintenance_state(&inc, c.v.now);
	enum inc_status before = inc.status;
	if (!apply_incident(&c, &in, &inc, c.v.now) || !collect_touched(&c, &in, &t))
		return;
	struct incident_update u = { .naffected = 0 };
	bool changed = false;
	if (!apply_touched(&c, &inc, &t, &u, &changed) || !v1_reload(&c))
		return;
	if (v[IF_IMPACT_OVERRIDE].set)
		inc.impact = (enum impact)v[IF_IMPACT_OVERRIDE].e;
	else if (changed && !inc.is_maintenance)
		inc.impact = computed_impact(&c.v, &inc);
	enum bc_err e = store_incident_put(c.t, &inc);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot save the incident");
		return;
	}
	const char *body = update_body(&in);
	if ((body || changed || inc.status != before) && !add_update(&c, &inc, &u, body, c.v.now, quiet(&in)))
		return;
	answer_incident(&c, 200, inc.id, inc.is_maintenance ? "maintenance.update" : "incident.update");
}

/* DELETE: 200 with the deleted incident. */
void v1_incident_delete(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct jw w;
	if (!v1_check(r) || !v1_write(r, &c) || !v1_load_incident(&c, &inc))
		return;
	v1_json_begin(r, &w, 200);
	enum bc_err e = sp_write_incident(&w, NULL, &c.v, &inc);
	if (e != BC_OK || !v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the incident");
		return;
	}
	if ((e = store_incident_del(c.t, inc.id)) != BC_OK) {
		v1_fail_err(&c, e, "cannot delete the incident");
		return;
	}
	v1_commit(&c, "incident.delete", inc.id, inc.name);
}
