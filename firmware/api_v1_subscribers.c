/* api_v1_subscribers.c: v1 subscribers: list (type/state filters, paging), count, create, get, unsubscribe, resend. */
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
	if (secret)
		jw_str(w, "secret", secret);       /* webhook signing secret: shown once, at creation */
	jw_obj_close(w);
}

/* ?type= and ?state= (default active); false after answering 422. */
static bool filters(struct req *r, int *mode, int *state)
{
	const char *ty = req_query(r, "type"), *st = req_query(r, "state");
	enum sub_mode m;
	*mode = -1;
	*state = SUBST_ACTIVE;
	if (ty && *ty) {
		if (!sub_mode_parse(ty, &m)) {
			if (strcmp(ty, "sms") != 0 && strcmp(ty, "teams") != 0 && strcmp(ty, "integration_partner") != 0) {
				resp_json_error(r, 422, "type: must be one of email, webhook, slack, sms, teams, integration_partner");
				return false;
			}
			*mode = SUB__MAX;                  /* a type beacon has none of */
		} else {
			*mode = (int)m;
		}
	}
	if (st && *st) {
		if (strcmp(st, "active") == 0) *state = SUBST_ACTIVE;
		else if (strcmp(st, "unconfirmed") == 0) *state = SUBST_PENDING;
		else if (strcmp(st, "quarantined") == 0) *state = SUBST_QUARANTINED;
		else if (strcmp(st, "unsubscribed") == 0) *state = SUBST_UNSUBSCRIBED;
		else if (strcmp(st, "all") == 0) *state = -1;
		else {
			resp_json_error(r, 422, "state: must be one of active, unconfirmed, quarantined, unsubscribed, all");
			return false;
		}
	}
	return true;
}

static bool matches(const struct subscriber *s, int mode, int state, const char *q)
{
	if (mode >= 0 && (int)s->mode != mode)
		return false;
	if (state >= 0 ? (int)s->state != state : s->state == SUBST_UNSUBSCRIBED)
		return false;
	if (q && *q && !(s->email && strcasestr(s->email, q)) && !(s->endpoint && strcasestr(s->endpoint, q)))
		return false;
	return true;
}

static void v1_subscribers_list(struct req *r)
{
	struct v1_paging pg;
	struct jw w;
	struct subscriber *subs;
	size_t n;
	int mode, state;
	struct v1_ctx c;
	if (!v1_check(r) || !filters(r, &mode, &state) || !v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	if (store_subscriber_list(req_tx(r), &subs, &n) != BC_OK) {
		resp_err(r, BC_STORE, "cannot list subscribers");
		return;
	}
	const char *q = req_query(r, "q");
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
	jw_int(&w, "email", (int64_t)count[SUB_EMAIL]);
	jw_int(&w, "sms", 0);
	jw_int(&w, "webhook", (int64_t)count[SUB_WEBHOOK]);
	jw_int(&w, "integration_partner", 0);
	jw_int(&w, "slack", (int64_t)count[SUB_SLACK]);
	jw_int(&w, "teams", 0);
	jw_obj_close(&w);
	v1_json_end(r, &w);
}

/* The subscriber of the path (capture 1) on c's txn; false after answering 404. */
static bool load_subscriber(struct v1_ctx *c, struct subscriber *s)
{
	const char *id = v1_param(c->r, 1);
	if (store_subscriber_get(c->t, id, s) == BC_OK)
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
	if (!load_subscriber(&c, &s))
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

static void v1_subscriber_create(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
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
	if (!v1_write(r, &c))
		return;
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

static void v1_subscriber_delete(struct req *r)
{
	struct v1_ctx c;
	struct subscriber s;
	if (!v1_check(r) || !v1_write(r, &c) || !load_subscriber(&c, &s))
		return;
	struct write_ctx w;
	v1_write_ctx(&c, &w);
	enum bc_err e = write_subscriber_unsubscribe(&w, &s);
	if (e != BC_OK) {
		v1_fail_write(&c, &w, e, "subscriber");
		return;
	}
	answer(&c, 200, &s, NULL);
}

static void v1_subscriber_resend(struct req *r)
{
	struct v1_ctx c;
	struct subscriber s;
	if (!v1_check(r) || !v1_write(r, &c) || !load_subscriber(&c, &s))
		return;
	struct write_ctx w;
	v1_write_ctx(&c, &w);
	enum bc_err e = write_subscriber_resend(&w, &s);
	if (e != BC_OK) {
		v1_fail_write(&c, &w, e == BC_CONFLICT ? BC_INVALID : e, "subscriber");
		return;
	}
	answer(&c, 201, &s, NULL);
}

#define RW (R_WRITE | R_AUTH_WRITE | R_JSON_ERR)
#define RR (R_AUTH_READ | R_JSON_ERR)
#define V1(m, p, fn, fl) { m, "/v1" p, fn, fl, NULL }, { m, "/api/v1" p, fn, fl, NULL }
#define V1J(m, p, fn, fl) V1(m, p, fn, fl), V1(m, p ".json", fn, fl)
#define PG "/pages/:page"

const struct route routes_api_v1_subscribers[] = {
	V1J("GET", PG "/subscribers/count", v1_subscribers_count, RR),
	V1J("GET", PG "/subscribers", v1_subscribers_list, RR),
	V1J("POST", PG "/subscribers", v1_subscriber_create, RW),
	V1J("POST", PG "/subscribers/:id/resend_confirmation", v1_subscriber_resend, RW),
	V1("GET", PG "/subscribers/:id", v1_subscriber_get, RR),
	V1("DELETE", PG "/subscribers/:id", v1_subscriber_delete, RW),
	{ NULL, NULL, NULL, 0, NULL },
};
