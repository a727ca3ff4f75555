/* api_v1_subscribers.c: v1 page subscribers: list, count, histogram, unsubscribed, create, get, update, unsubscribe, resend, and the bulk forms. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "api_v1.h"
#include "subscribe.h"
#include "write.h"

/* Statuspage's state names: pending is "unconfirmed". */
static const char *v1_state_name(enum sub_state s)
{
	return s == SUBST_PENDING ? "unconfirmed" : sub_state_name(s);
}

void v1_write_subscriber(struct jw *w, const struct sp_view *v, const char *key, const struct subscriber *s,
                         const char *secret)
{
	jw_obj_open(w, key);
	jw_str(w, "id", s->id);
	jw_bool(w, "skip_confirmation_notification", s->skip_confirmation);
	jw_str(w, "mode", sub_mode_name(s->mode));
	jw_str(w, "email", s->email);
	jw_str(w, "endpoint", s->endpoint);
	jw_null(w, "phone_number");
	jw_null(w, "phone_country");
	jw_null(w, "display_phone_number");
	jw_null(w, "obfuscated_channel_name");
	jw_null(w, "workspace_name");
	sp_write_time(w, v, "quarantined_at", s->state == SUBST_QUARANTINED ? s->quarantined_at : 0);
	sp_write_time(w, v, "purge_at", s->state == SUBST_QUARANTINED ? s->quarantined_at + 90LL * 86400 * 1000 : 0);
	jw_arr_open(w, "components");
	for (size_t i = 0; i < s->ncomponents; i++)
		jw_str(w, NULL, s->component_ids[i]);
	jw_arr_close(w);
	jw_null(w, "page_access_user_id");
	sp_write_time(w, v, "created_at", s->created_at);
	jw_str(w, "state", v1_state_name(s->state));
	jw_str(w, "language", s->lang);
	sp_write_time(w, v, "unsubscribed_at", s->state == SUBST_UNSUBSCRIBED ? s->unsubscribed_at : 0);
	jw_str(w, "incident_id", s->incident_id[0] ? s->incident_id : NULL);
	if (secret)
		jw_str(w, "secret", secret);       /* webhook signing secret: shown once, at creation */
	jw_obj_close(w);
}

/* A type name: *mode is its enum, SUB__MAX for Statuspage types beacon has none of, -1 for none given. */
static bool parse_type(const char *ty, int *mode)
{
	enum sub_mode m;
	*mode = -1;
	if (ty == NULL || *ty == '\0')
		return true;
	if (sub_mode_parse(ty, &m))
		*mode = (int)m;
	else if (strcmp(ty, "sms") == 0 || strcmp(ty, "teams") == 0 || strcmp(ty, "integration_partner") == 0)
		*mode = SUB__MAX;
	else
		return false;
	return true;
}

/* A state name (Statuspage's "unconfirmed" is pending); "all" is -1; none given leaves *state. */
static bool parse_state(const char *st, int *state)
{
	static const struct { const char *name; int state; } names[] = {
		{ "active", SUBST_ACTIVE }, { "unconfirmed", SUBST_PENDING }, { "quarantined", SUBST_QUARANTINED },
		{ "unsubscribed", SUBST_UNSUBSCRIBED }, { "all", -1 },
	};
	if (st == NULL || *st == '\0')
		return true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(st, names[i].name) == 0) {
			*state = names[i].state;
			return true;
		}
	return false;
}

#define TYPE_ERR "type: must be one of email, webhook, slack, sms, teams, integration_partner"
#define STATE_ERR "state: must be one of active, unconfirmed, quarantined, unsubscribed, all"

/* ?type= and ?state= (default active); false after answering 422. */
static bool filters(struct req *r, int *mode, int *state)
{
	*state = SUBST_ACTIVE;
	if (!parse_type(req_query(r, "type"), mode)) {
		resp_json_error(r, 422, TYPE_ERR);
		return false;
	}
	if (!parse_state(req_query(r, "state"), state)) {
		resp_json_error(r, 422, STATE_ERR);
		return false;
	}
	return true;
}

/* A page subscriber (not an incident's) of this type and state (-1: any but unsubscribed) matching q. */
static bool matches(const struct subscriber *s, int mode, int state, const char *q)
{
	if (s->incident_id[0])
		return false;
	if (mode >= 0 && (int)s->mode != mode)
		return false;
	if (state >= 0 ? (int)s->state != state : s->state == SUBST_UNSUBSCRIBED)
		return false;
	if (q && *q && !(s->email && strcasestr(s->email, q)) && !(s->endpoint && strcasestr(s->endpoint, q)))
		return false;
	return true;
}

/* One page of the subscribers that match, oldest first (or newest with sort_direction=desc). */
static void list_matching(struct req *r, int mode, int state, const char *q)
{
	struct v1_paging pg;
	struct jw w;
	struct subscriber *subs;
	size_t n;
	struct v1_ctx c;
	if (!v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	if (store_subscriber_list(req_tx(r), &subs, &n) != BC_OK) {
		resp_err(r, BC_STORE, "cannot list subscribers");
		return;
	}
	bool desc = req_query(r, "sort_direction") && strcmp(req_query(r, "sort_direction"), "desc") == 0;
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	size_t seen = 0;
	for (size_t k = 0; k < n && seen < pg.offset + pg.limit; k++) {
		const struct subscriber *s = &subs[desc ? n - 1 - k : k];
		if (!matches(s, mode, state, q))
			continue;
		if (seen++ >= pg.offset)
			v1_write_subscriber(&w, &c.v, NULL, s, NULL);
	}
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

static void v1_subscribers_list(struct req *r)
{
	int mode, state;
	if (v1_check(r) && filters(r, &mode, &state))
		list_matching(r, mode, state, req_query(r, "q"));
}

/* Statuspage's unsubscribed list: the tombstones unsubscribing leaves (page and per_page). */
static void v1_subscribers_unsubscribed(struct req *r)
{
	if (v1_check(r))
		list_matching(r, -1, SUBST_UNSUBSCRIBED, NULL);
}

/* Statuspage's subscriber types, with the mode beacon keeps them as (-1: none). */
static const struct { const char *name; int mode; } v1_types[] = {
	{ "email", SUB_EMAIL }, { "sms", -1 }, { "webhook", SUB_WEBHOOK }, { "integration_partner", -1 },
	{ "slack", SUB_SLACK }, { "teams", -1 },
};

static void v1_subscribers_count(struct req *r)
{
	struct jw w;
	struct subscriber *subs;
	size_t n, count[SUB__MAX] = { 0 };
	int mode, state;
	if (!v1_check(r) || !filters(r, &mode, &state))
		return;
	if (store_subscriber_list(req_tx(r), &subs, &n) != BC_OK) {
		resp_err(r, BC_STORE, "cannot count subscribers");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (matches(&subs[i], mode, state, NULL))
			count[subs[i].mode]++;
	v1_json_begin(r, &w, 200);
	jw_obj_open(&w, NULL);
	for (size_t t = 0; t < sizeof v1_types / sizeof v1_types[0]; t++)
		jw_int(&w, v1_types[t].name, v1_types[t].mode >= 0 ? (int64_t)count[v1_types[t].mode] : 0);
	jw_obj_close(&w);
	v1_json_end(r, &w);
}

/* {"email":{"active":n,"unconfirmed":n,"quarantined":n,"total":n},"sms":{...},...}: Statuspage's
 * SubscriberCountByTypeAndState; total is the three states (unsubscribed ones are not counted). */
static void v1_subscribers_histogram(struct req *r)
{
	struct jw w;
	struct subscriber *subs;
	size_t n, count[SUB__MAX][SUBST__MAX] = { { 0 } };
	if (!v1_check(r))
		return;
	if (store_subscriber_list(req_tx(r), &subs, &n) != BC_OK) {
		resp_err(r, BC_STORE, "cannot count subscribers");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!subs[i].incident_id[0])
			count[subs[i].mode][subs[i].state]++;
	v1_json_begin(r, &w, 200);
	jw_obj_open(&w, NULL);
	for (size_t t = 0; t < sizeof v1_types / sizeof v1_types[0]; t++) {
		static const size_t none[SUBST__MAX];
		const size_t *c = v1_types[t].mode >= 0 ? count[v1_types[t].mode] : none;
		jw_obj_open(&w, v1_types[t].name);
		jw_int(&w, "active", (int64_t)c[SUBST_ACTIVE]);
		jw_int(&w, "unconfirmed", (int64_t)c[SUBST_PENDING]);
		jw_int(&w, "quarantined", (int64_t)c[SUBST_QUARANTINED]);
		jw_int(&w, "total", (int64_t)(c[SUBST_ACTIVE] + c[SUBST_PENDING] + c[SUBST_QUARANTINED]));
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	v1_json_end(r, &w);
}

/* The subscriber of path capture idx, of incident inc (NULL: of the page), on c's txn; false after
 * answering 404. */
static bool load_subscriber(struct v1_ctx *c, int idx, const char *inc, struct subscriber *s)
{
	const char *id = v1_param(c->r, idx);
	if (store_subscriber_get(c->t, id, s) == BC_OK && strcmp(s->incident_id, inc ? inc : "") == 0)
		return true;
	if (c->write)
		v1_fail(c, 404, "subscriber not found: %.40s", id);
	else
		resp_json_error(c->r, 404, "subscriber not found: %.40s", id);
	return false;
}

static void v1_subscriber_get(struct req *r)
{
	struct v1_ctx c;
	struct subscriber s;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	if (!load_subscriber(&c, 1, NULL, &s))
		return;
	v1_json_begin(r, &w, 200);
	v1_write_subscriber(&w, &c.v, NULL, &s, NULL);
	v1_json_end(r, &w);
}

/* Answers with the subscriber and commits (the outbox event already wrote the audit entry). */
static void answer(struct v1_ctx *c, int status, const struct subscriber *s, const char *secret)
{
	struct jw w;
	v1_json_begin(c->r, &w, status);
	v1_write_subscriber(&w, &c->v, NULL, s, secret);
	if (!v1_json_end(c->r, &w)) {
		v1_fail(c, 500, "could not serialize the subscriber");
		return;
	}
	v1_commit(c, "subscriber", s->id);
}

/* POST …/subscribers, and …/incidents/{id}/subscribers when incident (the incident of capture 1). */
static void subscriber_create(struct req *r, bool incident)
{
	struct v1_input in;
	struct v1_ctx c;
	struct incident inc;
	if (!v1_check(r) || !v1_input_req(r, V1R_SUBSCRIBER, true, &in))
		return;
	const struct v1_value *v = in.v;
	struct subscriber_change si = {
		.mode = v[SF_ENDPOINT].set ? SUB_WEBHOOK : SUB_EMAIL,
		.email = v[SF_EMAIL].set ? v[SF_EMAIL].s : NULL,
		.endpoint = v[SF_ENDPOINT].set ? v[SF_ENDPOINT].s : NULL,
		.lang = v[SF_LANGUAGE].set ? v[SF_LANGUAGE].s : NULL,
		.component_ids = v[SF_COMPONENT_IDS].set ? v[SF_COMPONENT_IDS].ids : NULL,
		.ncomponents = v[SF_COMPONENT_IDS].set ? v[SF_COMPONENT_IDS].n : 0,
		.skip_confirmation = v[SF_SKIP_CONFIRMATION].set && v[SF_SKIP_CONFIRMATION].b,
		.strict = true,
	};
	if (si.endpoint && strncasecmp(si.endpoint, "https://hooks.slack.com/", 24) == 0)
		si.mode = SUB_SLACK;
	if (!v[SF_EMAIL].set && !v[SF_ENDPOINT].set) {
		resp_json_error(r, 422, "subscriber: email or endpoint is required");
		return;
	}
	if (!v1_write(r, &c) || (incident && !v1_load_incident(&c, &inc)))
		return;
	if (incident)
		si.incident_id = inc.id;
	struct write_ctx w;
	struct subscriber s;
	bool existed = false;
	v1_write_ctx(&c, &w);
	enum bc_err e = write_subscribe(&w, &si, &s, &existed);
	if (e != BC_OK) {
		v1_fail_write(&c, &w, e, "subscriber");
		return;
	}
	char secret_text[SUB_SECRET_TEXT_MAX];
	const char *secret = NULL;
	unsigned char key[32], wkey[24];
	if (s.mode != SUB_EMAIL && store_notify_secret(c.t, key) == BC_OK) {
		sub_webhook_secret(key, &s, wkey, secret_text);
		secret = secret_text;
	}
	answer(&c, 201, &s, secret);
}

static void v1_subscriber_create(struct req *r)
{
	subscriber_create(r, false);
}

/* PATCH/PUT …/subscribers/{id} {"component_ids":[...]} (top level, or in "subscriber"): omitted or
 * empty follows every component. */
static void v1_subscriber_update(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct subscriber s;
	if (!v1_check(r) || !v1_input_req(r, V1R_SUBSCRIBER_PATCH, false, &in))
		return;
	if (!v1_write(r, &c) || !load_subscriber(&c, 1, NULL, &s))
		return;
	const struct v1_value *ids = &in.v[SPF_COMPONENT_IDS];
	struct write_ctx w;
	v1_write_ctx(&c, &w);
	enum bc_err e = write_subscriber_components(&w, &s, ids->set ? ids->ids : NULL, ids->set ? ids->n : 0);
	if (e != BC_OK) {
		v1_fail_write(&c, &w, e, "subscriber");
		return;
	}
	answer(&c, 200, &s, NULL);
}

/* DELETE (unsubscribe) or resend_confirmation on the subscriber of capture idx, of the incident of
 * capture 1 when incident. */
static void subscriber_change(struct req *r, bool incident, bool resend)
{
	struct v1_ctx c;
	struct subscriber s;
	struct incident inc;
	if (!v1_check(r) || !v1_write(r, &c) || (incident && !v1_load_incident(&c, &inc)) ||
	    !load_subscriber(&c, incident ? 2 : 1, incident ? inc.id : NULL, &s))
		return;
	struct write_ctx w;
	v1_write_ctx(&c, &w);
	enum bc_err e = resend ? write_subscriber_resend(&w, &s) : write_subscriber_unsubscribe(&w, &s);
	if (e != BC_OK) {
		v1_fail_write(&c, &w, e == BC_CONFLICT ? BC_INVALID : e, "subscriber");
		return;
	}
	answer(&c, resend ? 201 : 200, &s, NULL);
}

static void v1_subscriber_delete(struct req *r)
{
	subscriber_change(r, false, false);
}

static void v1_subscriber_resend(struct req *r)
{
	subscriber_change(r, false, true);
}

/* ---- bulk: {"subscribers": ["id", ...] | "all" | "a,b", "type", "state"}, all or nothing ---- */

enum bulk_op { BULK_UNSUBSCRIBE, BULK_REACTIVATE, BULK_RESEND };

/* Whether "all" takes s: the filters given, else the subscribers the operation is for
 * (unsubscribe: active; reactivate: quarantined; resend: unconfirmed email). */
static bool bulk_all_takes(enum bulk_op op, const struct subscriber *s, int mode, int state, bool state_given)
{
	if (op == BULK_RESEND && (s->mode != SUB_EMAIL || s->state != SUBST_PENDING))
		return false;
	if (!state_given)
		state = op == BULK_UNSUBSCRIBE ? SUBST_ACTIVE : op == BULK_REACTIVATE ? SUBST_QUARANTINED : SUBST_PENDING;
	if (op == BULK_REACTIVATE && state == -1)
		return !s->incident_id[0] && (mode < 0 || (int)s->mode == mode) &&
		       (s->state == SUBST_QUARANTINED || s->state == SUBST_UNSUBSCRIBED);
	return matches(s, mode, state, NULL);
}

static enum bc_err bulk_apply(struct write_ctx *w, enum bulk_op op, struct subscriber *s)
{
	return op == BULK_UNSUBSCRIBE ? write_subscriber_unsubscribe(w, s)
	     : op == BULK_REACTIVATE ? write_subscriber_reactivate(w, s) : write_subscriber_resend(w, s);
}

static void bulk(struct req *r, enum bulk_op op)
{
	struct v1_input in;
	struct v1_ctx c;
	if (!v1_check(r) || !v1_input_req(r, V1R_SUBSCRIBER_BULK, true, &in))
		return;
	const struct v1_value *list = &in.v[SBF_SUBSCRIBERS];
	int mode = -1, state = -1;
	if (list->n == 0) {
		resp_json_error(r, 422, "subscribers: give at least one subscriber id, or \"all\"");
		return;
	}
	if (!parse_type(in.v[SBF_TYPE].set ? in.v[SBF_TYPE].s : NULL, &mode)) {
		resp_json_error(r, 422, TYPE_ERR);
		return;
	}
	if (!parse_state(in.v[SBF_STATE].set ? in.v[SBF_STATE].s : NULL, &state)) {
		resp_json_error(r, 422, STATE_ERR);
		return;
	}
	bool all = list->n == 1 && strcmp(list->ids[0], "all") == 0, state_given = in.v[SBF_STATE].set;
	if (!v1_write(r, &c))
		return;
	/* the subscribers to change, all found before the first change */
	struct subscriber *subs, *picked;
	size_t n = 0, npicked = 0;
	if (all) {
		if (store_subscriber_list(c.t, &subs, &n) != BC_OK) {
			v1_fail(&c, 500, "cannot list subscribers");
			return;
		}
		picked = arena_alloc(r->arena, (n + 1) * sizeof *picked);
		for (size_t i = 0; i < n; i++)
			if (bulk_all_takes(op, &subs[i], mode, state, state_given)) {
				if (npicked == V1_BULK_MAX) {
					v1_fail(&c, 422, "subscribers: more than %d match \"all\"; send their ids in batches", V1_BULK_MAX);
					return;
				}
				picked[npicked++] = subs[i];
			}
	} else {
		picked = arena_alloc(r->arena, (list->n + 1) * sizeof *picked);
		for (size_t i = 0; i < list->n; i++) {
			bool dup = false;
			for (size_t k = 0; k < i && !dup; k++)
				dup = strcmp(list->ids[k], list->ids[i]) == 0;
			if (dup)
				continue;
			struct subscriber *s = &picked[npicked];
			if (store_subscriber_get(c.t, list->ids[i], s) != BC_OK || s->incident_id[0]) {
				v1_fail(&c, 422, "subscribers: no subscriber '%.40s'", list->ids[i]);
				return;
			}
			if ((mode < 0 || (int)s->mode == mode) && (!state_given || state == -1 || (int)s->state == state))
				npicked++;
		}
	}
	struct write_ctx w;
	v1_write_ctx(&c, &w);
	for (size_t i = 0; i < npicked; i++) {
		enum bc_err e = bulk_apply(&w, op, &picked[i]);
		if (e == BC_CONFLICT || e == BC_INVALID) {
			v1_fail(&c, 422, "subscribers: %s: %s", picked[i].id, w.err);
			return;
		}
		if (e != BC_OK) {
			v1_fail_write(&c, &w, e, "subscribers");
			return;
		}
	}
	struct jw jw;
	v1_json_begin(r, &jw, 200);
	jw_arr_open(&jw, NULL);
	for (size_t i = 0; i < npicked; i++)
		v1_write_subscriber(&jw, &c.v, NULL, &picked[i], NULL);
	jw_arr_close(&jw);
	if (!v1_json_end(r, &jw)) {
		v1_fail(&c, 500, "could not serialize the subscribers");
		return;
	}
	v1_commit(&c, "subscribers", op == BULK_UNSUBSCRIBE ? "unsubscribe" : op == BULK_REACTIVATE ? "reactivate" : "resend");
}

static void v1_subscribers_unsubscribe(struct req *r)
{
	bulk(r, BULK_UNSUBSCRIBE);
}

static void v1_subscribers_reactivate(struct req *r)
{
	bulk(r, BULK_REACTIVATE);
}

static void v1_subscribers_resend(struct req *r)
{
	bulk(r, BULK_RESEND);
}

/* ---- incident subscribers: …/incidents/{incident_id}/subscribers[/{id}] ---- */

static void v1_incident_subscribers_list(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct v1_paging pg;
	struct subscriber *subs;
	size_t n, seen = 0;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c) || !v1_load_incident(&c, &inc))
		return;
	v1_paging(r, &pg);
	if (store_subscriber_list(c.t, &subs, &n) != BC_OK) {
		resp_err(r, BC_STORE, "cannot list subscribers");
		return;
	}
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	for (size_t i = 0; i < n && seen < pg.offset + pg.limit; i++) {
		if (strcmp(subs[i].incident_id, inc.id) != 0 || subs[i].state == SUBST_UNSUBSCRIBED)
			continue;
		if (seen++ >= pg.offset)
			v1_write_subscriber(&w, &c.v, NULL, &subs[i], NULL);
	}
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

static void v1_incident_subscriber_create(struct req *r)
{
	subscriber_create(r, true);
}

static void v1_incident_subscriber_get(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct subscriber s;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c) || !v1_load_incident(&c, &inc) || !load_subscriber(&c, 2, inc.id, &s))
		return;
	v1_json_begin(r, &w, 200);
	v1_write_subscriber(&w, &c.v, NULL, &s, NULL);
	v1_json_end(r, &w);
}

static void v1_incident_subscriber_delete(struct req *r)
{
	subscriber_change(r, true, false);
}

static void v1_incident_subscriber_resend(struct req *r)
{
	subscriber_change(r, true, true);
}

#define RW (R_WRITE | R_AUTH_WRITE | R_JSON_ERR)
#define RR (R_AUTH_READ | R_JSON_ERR)
#define V1(m, p, fn, fl) { m, "/v1" p, fn, fl, NULL }, { m, "/api/v1" p, fn, fl, NULL }
#define V1J(m, p, fn, fl) V1(m, p, fn, fl), V1(m, p ".json", fn, fl)
#define PG "/pages/:page"
#define IS PG "/incidents/:incident/subscribers"

const struct route routes_api_v1_subscribers[] = {
	V1J("GET", PG "/subscribers/count", v1_subscribers_count, RR),
	V1J("GET", PG "/subscribers/histogram_by_state", v1_subscribers_histogram, RR),
	V1J("GET", PG "/subscribers/unsubscribed", v1_subscribers_unsubscribed, RR),
	V1J("POST", PG "/subscribers/unsubscribe", v1_subscribers_unsubscribe, RW),
	V1J("POST", PG "/subscribers/reactivate", v1_subscribers_reactivate, RW),
	V1J("POST", PG "/subscribers/resend_confirmation", v1_subscribers_resend, RW),
	V1J("GET", PG "/subscribers", v1_subscribers_list, RR),
	V1J("POST", PG "/subscribers", v1_subscriber_create, RW),
	V1J("POST", PG "/subscribers/:id/resend_confirmation", v1_subscriber_resend, RW),
	V1("GET", PG "/subscribers/:id", v1_subscriber_get, RR),
	V1("PATCH", PG "/subscribers/:id", v1_subscriber_update, RW),
	V1("PUT", PG "/subscribers/:id", v1_subscriber_update, RW),
	V1("DELETE", PG "/subscribers/:id", v1_subscriber_delete, RW),
	V1J("GET", IS, v1_incident_subscribers_list, RR),
	V1J("POST", IS, v1_incident_subscriber_create, RW),
	V1J("POST", IS "/:id/resend_confirmation", v1_incident_subscriber_resend, RW),
	V1("GET", IS "/:id", v1_incident_subscriber_get, RR),
	V1("DELETE", IS "/:id", v1_incident_subscriber_delete, RW),
	{ NULL, NULL, NULL, 0, NULL },
};
