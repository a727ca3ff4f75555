/* write_subscriber.c: subscriber changes (subscribe, confirm, unsubscribe, resend, quarantine, reactivate, components) with their outbox events. */
#include <stdio.h>
#include <string.h>
#include "out.h"
#include "subscribe.h"
#include "tlsclient.h"
#include "write.h"

/* The components a subscriber follows: each exists, and an incident subscriber (incident_id set) has none. */
static bool check_components(struct stx *t, const char *incident_id, const char *const *ids, size_t n, char *why,
                             size_t whylen)
{
	if (incident_id && *incident_id && n > 0) {
		snprintf(why, whylen, "component_ids: an incident subscriber follows its incident, not components");
		return false;
	}
	if (n > LIM_SUB_COMPONENTS) {
		snprintf(why, whylen, "component_ids: more than %d", LIM_SUB_COMPONENTS);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct component c;
		if (store_component_get(t, ids[i], &c) != BC_OK) {
			snprintf(why, whylen, "component_ids: no component '%.40s'", ids[i]);
			return false;
		}
	}
	return true;
}

/* A refusal from a check's "field: why" text (BC_TOOBIG for "longer than"). */
static enum bc_err refuse_why(struct write_ctx *w, const char *why)
{
	const char *colon = strchr(why, ':');
	return write_refuse(w, strstr(why, "longer than") ? BC_TOOBIG : BC_INVALID,
	                    arena_strndup(w->a, why, colon ? (size_t)(colon - why) : 0), "%s", colon ? colon + 2 : why);
}

static bool check_input(struct stx *t, const struct subscriber_change *in, char *why, size_t whylen)
{
	if (in->lang && strcmp(in->lang, "en") != 0 && strcmp(in->lang, "es") != 0) {
		snprintf(why, whylen, "language: must be en or es");
		return false;
	}
	if (in->mode == SUB_EMAIL || (in->email && *in->email)) {
		if (in->email == NULL || *in->email == '\0') {
			snprintf(why, whylen, "email: required for an email subscriber");
			return false;
		}
		if (strlen(in->email) > LIM_EMAIL) {
			snprintf(why, whylen, "email: longer than %d bytes", LIM_EMAIL);
			return false;
		}
		if (!sub_email_ok(in->email)) {
			snprintf(why, whylen, "email: not a valid address");
			return false;
		}
	}
	if (in->mode != SUB_EMAIL) {
		if (in->endpoint == NULL || *in->endpoint == '\0') {
			snprintf(why, whylen, "endpoint: required for a %s subscriber", sub_mode_name(in->mode));
			return false;
		}
		if (strlen(in->endpoint) > LIM_URL) {
			snprintf(why, whylen, "endpoint: longer than %d bytes", LIM_URL);
			return false;
		}
		if (!http_url_ok(in->endpoint)) {
			snprintf(why, whylen, "endpoint: must be an http:// or https:// URL with a host");
			return false;
		}
	}
	struct incident inc;
	if (in->incident_id && store_incident_get(t, in->incident_id, &inc) != BC_OK) {
		snprintf(why, whylen, "incident: no incident '%.40s'", in->incident_id);
		return false;
	}
	return check_components(t, in->incident_id, in->component_ids, in->ncomponents, why, whylen);
}

/* Compact JSON of what an event says about a subscriber (never a secret). */
static char *sub_json(struct arena *a, const struct subscriber *s)
{
	struct buf b;
	struct jw w;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", s->id);
	jw_str(&w, "mode", sub_mode_name(s->mode));
	jw_str(&w, "state", sub_state_name(s->state));
	jw_str(&w, "email", s->email);
	jw_str(&w, "endpoint", s->endpoint);
	jw_str(&w, "lang", s->lang);
	if (s->incident_id[0])
		jw_str(&w, "incident_id", s->incident_id);
	jw_arr_open(&w, "components");
	for (size_t i = 0; i < s->ncomponents; i++)
		jw_str(&w, NULL, s->component_ids[i]);
	jw_arr_close(&w);
	jw_obj_close(&w);
	char *out = arena_strndup(a, b.p ? b.p : "{}", b.len);
	buf_free(&b);
	return out;
}

static enum bc_err sub_event(struct write_ctx *w, const char *kind, const struct subscriber *before,
                             const struct subscriber *after, bool notify)
{
	const struct subscriber *s = after ? after : before;
	return write_event(w, kind, "subscriber", s->id, before ? sub_json(w->a, before) : NULL,
	                   after ? sub_json(w->a, after) : NULL, notify, s->mode == SUB_EMAIL ? s->email : s->endpoint);
}

enum bc_err write_subscribe(struct write_ctx *w, const struct subscriber_change *in, struct subscriber *out,
                            bool *existed)
{
	struct stx *t = w->t;
	struct arena *a = w->a;
	char why[200];
	if (!check_input(t, in, why, sizeof why))
		return refuse_why(w, why);
	const char *addr = in->mode == SUB_EMAIL ? in->email : in->endpoint;
	struct subscriber old;
	enum bc_err e = store_subscriber_find(t, in->incident_id, in->mode, addr, &old);
	if (e != BC_OK && e != BC_NOTFOUND)
		return e;
	*existed = e == BC_OK;
	if (*existed && in->strict && (old.state == SUBST_ACTIVE || old.state == SUBST_PENDING)) {
		*out = old;
		return write_refuse(w, BC_CONFLICT, NULL, "a %s subscriber with this %s already exists: %s", sub_mode_name(old.mode),
		                  old.mode == SUB_EMAIL ? "email" : "endpoint", old.id);
	}
	if (*existed) {
		/* no silent change: the owner of the address confirms (again); a past unsubscribe or
		 * quarantine is lifted only by that confirmation */
		*out = old;
		if (old.mode != SUB_EMAIL && old.state == SUBST_ACTIVE)
			return write_refuse(w, BC_CONFLICT, NULL, "a %s subscriber with this endpoint already exists: %s",
			                  sub_mode_name(old.mode), old.id);
		if (old.state == SUBST_UNSUBSCRIBED || old.state == SUBST_QUARANTINED)
			return write_subscriber_reactivate(w, out);
		return sub_event(w, "subscriber.confirmation_requested", &old, &old, true);
	}
	unsigned char secret[32];          /* links and webhook secrets need the store's secret */
	if ((e = store_notify_secret(t, secret)) != BC_OK)
		return e;
	struct subscriber s = { .mode = in->mode, .skip_confirmation = in->skip_confirmation };
	if (in->incident_id)
		snprintf(s.incident_id, sizeof s.incident_id, "%s", in->incident_id);
	s.email = (in->email && *in->email ? in->email : NULL);
	s.endpoint = (in->mode != SUB_EMAIL ? in->endpoint : NULL);
	snprintf(s.lang, sizeof s.lang, "%s", in->lang ? in->lang : "en");
	s.state = in->mode != SUB_EMAIL || in->skip_confirmation ? SUBST_ACTIVE : SUBST_PENDING;
	s.ncomponents = in->ncomponents;
	s.component_ids = arena_alloc(a, (in->ncomponents + 1) * sizeof *s.component_ids);
	for (size_t i = 0; i < in->ncomponents; i++)
		snprintf(s.component_ids[i], sizeof s.component_ids[i], "%s", in->component_ids[i]);
	if ((e = store_subscriber_put(t, &s)) != BC_OK)
		return e;
	if (s.state == SUBST_ACTIVE)
		s.confirmed_at = s.created_at;
	if (s.state == SUBST_ACTIVE && (e = store_subscriber_put(t, &s)) != BC_OK)
		return e;
	*out = s;
	return sub_event(w, "subscriber.created", NULL, &s, s.state == SUBST_PENDING);
}

enum bc_err write_subscriber_confirm(struct write_ctx *w, struct subscriber *s)
{
	struct stx *t = w->t;
	struct subscriber before = *s;
	if (s->state == SUBST_ACTIVE)
		return BC_OK;
	s->state = SUBST_ACTIVE;
	s->confirmed_at = now_ms();
	s->quarantined_at = 0;
	s->unsubscribed_at = 0;
	s->token_nonce += 1;                 /* the confirmation link is single-use */
	enum bc_err e = store_subscriber_put(t, s);
	return e == BC_OK ? sub_event(w, "subscriber.confirmed", &before, s, false) : e;
}

enum bc_err write_subscriber_unsubscribe(struct write_ctx *w, struct subscriber *s)
{
	struct stx *t = w->t;
	struct subscriber before = *s;
	if (s->state == SUBST_UNSUBSCRIBED)
		return BC_OK;
	s->state = SUBST_UNSUBSCRIBED;
	s->unsubscribed_at = now_ms();
	s->token_nonce += 1;
	enum bc_err e = store_subscriber_put(t, s);
	return e == BC_OK ? sub_event(w, "subscriber.unsubscribed", &before, s, false) : e;
}

enum bc_err write_subscriber_resend(struct write_ctx *w, struct subscriber *s)
{
	if (s->mode != SUB_EMAIL || s->state != SUBST_PENDING)
		return write_refuse(w, BC_CONFLICT, NULL, "only unconfirmed email subscribers get a confirmation (this one is %s %s)",
		                  sub_state_name(s->state), sub_mode_name(s->mode));
	return sub_event(w, "subscriber.confirmation_requested", s, s, true);
}

enum bc_err write_subscriber_quarantine(struct write_ctx *w, struct subscriber *s, const char *reason)
{
	struct stx *t = w->t;
	struct subscriber before = *s;
	s->state = SUBST_QUARANTINED;
	s->quarantined_at = now_ms();
	enum bc_err e = store_subscriber_put(t, s);
	(void)reason;
	return e == BC_OK ? sub_event(w, "subscriber.quarantined", &before, s, true) : e;
}

enum bc_err write_subscriber_reactivate(struct write_ctx *w, struct subscriber *s)
{
	struct subscriber before = *s;
	if (s->state != SUBST_UNSUBSCRIBED && s->state != SUBST_QUARANTINED)
		return BC_OK;
	s->quarantined_at = 0;
	s->unsubscribed_at = 0;
	enum bc_err e;
	if (s->mode != SUB_EMAIL) {
		s->state = SUBST_ACTIVE;
		if ((e = store_subscriber_put(w->t, s)) != BC_OK)
			return e;
		return sub_event(w, "subscriber.reactivated", &before, s, false);
	}
	s->state = SUBST_PENDING;
	s->secret_nonce ^= 0x9e3779b97f4a7c15ULL;     /* old unsubscribe links die */
	if ((e = store_subscriber_put(w->t, s)) != BC_OK)
		return e;
	return sub_event(w, "subscriber.confirmation_requested", &before, s, true);
}

enum bc_err write_subscriber_components(struct write_ctx *w, struct subscriber *s, const char *const *ids, size_t n)
{
	char why[200];
	if (!check_components(w->t, s->incident_id, ids, n, why, sizeof why))
		return refuse_why(w, why);
	struct subscriber before = *s;
	bool same = n == s->ncomponents;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(ids[i], s->component_ids[i]) == 0;
	if (same)
		return BC_OK;
	s->component_ids = arena_alloc(w->a, (n + 1) * sizeof *s->component_ids);
	for (size_t i = 0; i < n; i++)
		snprintf(s->component_ids[i], sizeof s->component_ids[i], "%s", ids[i]);
	s->ncomponents = n;
	enum bc_err e = store_subscriber_put(w->t, s);
	return e == BC_OK ? sub_event(w, "subscriber.updated", &before, s, false) : e;
}
