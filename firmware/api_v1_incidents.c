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

/* ---- writes: parsed into one incident_change, applied by the write layer ---- */

static int opt_bool(const struct v1_value *v)
{
	return v->set ? v->b : WRITE_KEEP;
}

static void parse_change(struct v1_ctx *c, const struct v1_input *in, struct incident_change *ch)
{
	const struct v1_value *v = in->v;
	write_incident_change_init(ch);
	if (v[IF_NAME].set && !v[IF_NAME].null)
		ch->name = v[IF_NAME].s;
	if (v[IF_STATUS].set)
		ch->status = v[IF_STATUS].e;
	if (v[IF_IMPACT_OVERRIDE].set)
		ch->impact_override = v[IF_IMPACT_OVERRIDE].e;
	ch->body = v[IF_BODY].set ? v[IF_BODY].s : v[IF_MESSAGE].set ? v[IF_MESSAGE].s : NULL;
	ch->notify = !(v[IF_DELIVER_NOTIFICATIONS].set && !v[IF_DELIVER_NOTIFICATIONS].b);
	ch->set_metadata = v[IF_METADATA].set;
	ch->metadata = v[IF_METADATA].null ? NULL : v[IF_METADATA].s;
	ch->set_reminders = v[IF_REMINDER_INTERVALS].set;
	ch->reminder_intervals = v[IF_REMINDER_INTERVALS].null ? NULL : v[IF_REMINDER_INTERVALS].s;
	if (v[IF_SCHEDULED_FOR].set)
		ch->scheduled_for = v[IF_SCHEDULED_FOR].t;
	if (v[IF_SCHEDULED_UNTIL].set)
		ch->scheduled_until = v[IF_SCHEDULED_UNTIL].t;
	ch->auto_in_progress = v[IF_AUTO_IN_PROGRESS].set ? v[IF_AUTO_IN_PROGRESS].b : opt_bool(&v[IF_AUTO_TRANSITION]);
	ch->auto_completed = opt_bool(&v[IF_AUTO_COMPLETED]);
	ch->auto_to_maintenance = opt_bool(&v[IF_AUTO_TO_MAINTENANCE]);
	ch->auto_to_operational = opt_bool(&v[IF_AUTO_TO_OPERATIONAL]);
	ch->backfilled = v[IF_BACKFILLED].set && v[IF_BACKFILLED].b;
	ch->draft = v[IF_DRAFT].set && v[IF_DRAFT].b;
	if (v[IF_DISPLAY_AT].set)
		ch->at = v[IF_DISPLAY_AT].t;
	else if (ch->backfilled && v[IF_BACKFILL_DATE].set)
		ch->at = v[IF_BACKFILL_DATE].t;
	/* components (with a status) then component_ids (affected, status unchanged) */
	const struct v1_value *map = &v[IF_COMPONENTS], *ids = &v[IF_COMPONENT_IDS];
	ch->components = arena_alloc(c->r->arena, (map->n + ids->n + 1) * sizeof *ch->components);
	for (size_t i = 0; i < map->n; i++)
		ch->components[ch->ncomponents++] = (struct component_status){ map->ids[i], map->statuses[i] >= 0 ?
		                                                               map->statuses[i] : WRITE_KEEP };
	for (size_t i = 0; i < ids->n; i++)
		ch->components[ch->ncomponents++] = (struct component_status){ ids->ids[i], WRITE_KEEP };
}

static void answer_incident(struct v1_ctx *c, int status, const struct incident *inc, const char *action)
{
	struct jw w;
	if (!v1_reload(c))
		return;
	v1_json_begin(c->r, &w, status);
	if (sp_write_incident(&w, NULL, &c->v, inc) != BC_OK || !v1_json_end(c->r, &w)) {
		v1_fail(c, 500, "could not serialize the incident");
		return;
	}
	v1_commit(c, action, inc->id);
}

static void incident_write(struct req *r, bool create)
{
	struct v1_input in;
	struct v1_ctx c;
	struct write_ctx wc;
	struct incident_change ch;
	struct incident inc;
	if (!v1_check(r) || !v1_input_req(r, V1R_INCIDENT, create, &in) || !v1_write(r, &c))
		return;
	parse_change(&c, &in, &ch);
	if (create) {
		ch.maintenance = in.v[IF_SCHEDULED_FOR].set ||
		                 (in.v[IF_STATUS].set && (in.v[IF_STATUS].e == IS_SCHEDULED || in.v[IF_STATUS].e == IS_IN_PROGRESS ||
		                                          in.v[IF_STATUS].e == IS_VERIFYING || in.v[IF_STATUS].e == IS_COMPLETED));
	} else {
		snprintf(ch.id, sizeof ch.id, "%s", v1_param(r, 1));
	}
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_incident(&wc, &ch, &inc, NULL);
	if (e == BC_OK && !create && inc.draft && in.v[IF_DRAFT].set && !in.v[IF_DRAFT].b)
		e = write_incident_publish(&wc, inc.id, &inc);     /* "draft": false publishes */
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "incident");
		return;
	}
	answer_incident(&c, create ? 201 : 200, &inc, create ? "incident.create" : "incident.update");
}

void v1_incident_create(struct req *r)
{
	incident_write(r, true);
}

/* PATCH/PUT: edits in place; a body, a status change or a component change adds an update. */
void v1_incident_update(struct req *r)
{
	incident_write(r, false);
}

/* DELETE: 200 with the deleted incident. */
void v1_incident_delete(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct jw w;
	struct write_ctx wc;
	if (!v1_check(r) || !v1_write(r, &c) || !v1_load_incident(&c, &inc))
		return;
	v1_json_begin(r, &w, 200);
	enum bc_err e = sp_write_incident(&w, NULL, &c.v, &inc);
	if (e != BC_OK || !v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the incident");
		return;
	}
	v1_write_ctx(&c, &wc);
	if ((e = write_incident_delete(&wc, inc.id)) != BC_OK) {
		v1_fail_write(&c, &wc, e, "incident");
		return;
	}
	v1_commit(&c, "incident.delete", inc.id);
}
