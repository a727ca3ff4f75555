/* notify_payload.c: turns one outbox event into its audience and its webhook (Statuspage shape), Slack and mail payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "api_v2_objects.h"
#include "notify.h"
#include "out.h"
#include "status.h"

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Kinds that notify subscribers about an incident or a maintenance. */
static bool incident_kind(const char *k)
{
	static const char *const kinds[] = {
		"incident.created", "incident.updated", "incident.resolved", "postmortem.published",
		"maintenance.scheduled", "maintenance.started", "maintenance.completed", "maintenance.updated",
		"maintenance.reminder", NULL,
	};
	for (int i = 0; kinds[i]; i++)
		if (strcmp(k, kinds[i]) == 0)
			return true;
	return false;
}

static char *take(struct arena *a, struct buf *b)
{
	char *s = arena_strndup(a, b->p ? b->p : "", b->len);
	buf_free(b);
	return s;
}

/* meta and page, the start of every Statuspage webhook body. */
static void write_head(struct jw *w, const struct sp_view *v, int64_t at)
{
	struct incident *open = NULL;
	size_t nopen = 0;
	store_incident_list_open(v->t, &open, &nopen);
	struct status_rollup roll = status_rollup(v->comps, v->ncomps, open, nopen, v->now);
	jw_obj_open(w, "meta");
	jw_str(w, "unsubscribe", NOTIFY_UNSUB_MARK);
	jw_str(w, "documentation", "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/");
	sp_write_time(w, v, "generated_at", at);
	jw_obj_close(w);
	jw_obj_open(w, "page");
	jw_str(w, "id", v->page.id);
	jw_str(w, "status_indicator", status_indicator_name(roll.indicator));
	jw_str(w, "status_description", roll.description);
	jw_obj_close(w);
}

/* A component status from an event's before/after JSON ("status": name). */
static bool event_status(const char *js, enum comp_status *out)
{
	json_t *o = js ? json_loads(js, 0, NULL) : NULL;
	bool ok = o && comp_status_parse(json_string_value(json_object_get(o, "status")), out);
	json_decref(o);
	return ok;
}

static char *slack_text(struct arena *a, const char *page, const char *title, const char *status, const char *body,
                        const char *url)
{
	struct buf t, b;
	struct jw w;
	buf_init(&t);
	buf_printf(&t, "*%s: %s* (%s)\n", page, title, status);
	if (body && *body)
		buf_printf(&t, "%s\n", body);
	if (url && *url)
		buf_printf(&t, "<%s|%s>", url, url);
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "text", t.p);
	jw_obj_close(&w);
	buf_free(&t);
	return take(a, &b);
}

static char *mail_summary(struct arena *a, const char *kind, const struct sp_view *v, const char *title,
                          const char *status, const char *body, const char *url, bool maintenance, int64_t at)
{
	struct buf b;
	struct jw w;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "kind", kind);
	jw_str(&w, "page", v ? v->page.name : NULL);
	jw_str(&w, "page_url", v ? sp_page_url(v) : NULL);
	jw_str(&w, "title", title);
	jw_str(&w, "status", status);
	jw_str(&w, "body", body);
	jw_str(&w, "url", url);
	jw_bool(&w, "maintenance", maintenance);
	jw_int(&w, "at", at);
	jw_obj_close(&w);
	return take(a, &b);
}

static enum bc_err build_incident(struct sp_view *v, struct arena *a, const struct outbox_event *ev,
                                  struct notify_event *out)
{
	struct incident inc;
	enum bc_err e = store_incident_get(v->t, ev->object_id, &inc);
	if (e == BC_NOTFOUND || (e == BC_OK && !status_incident_public(&inc)))
		return BC_OK;                     /* deleted since, or a draft: nothing to tell */
	if (e != BC_OK)
		return e;
	struct incident_update *u = NULL;
	size_t nu = 0;
	if ((e = store_update_list(v->t, inc.id, &u, &nu)) != BC_OK)
		return e;
	const char *body = nu ? u[nu - 1].body : "";
	if (strcmp(ev->kind, "postmortem.published") == 0 && inc.postmortem_body)
		body = inc.postmortem_body;
	enum inc_status st = strcmp(ev->kind, "postmortem.published") == 0 ? IS_POSTMORTEM
	                     : inc.is_maintenance ? status_maintenance_state(&inc, v->now) : inc.status;
	const char *url = sp_incident_url(v, inc.id);
	out->audience = NA_ALL;
	out->ncomponents = inc.ncomponents;
	out->component_ids = inc.component_ids;
	out->incident_id = arena_strdup(a, inc.id);

	struct buf b;
	struct jw w;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	write_head(&w, v, ev->at);
	v->style = SP_V1;
	if ((e = sp_write_incident(&w, "incident", v, &inc)) != BC_OK) {
		buf_free(&b);
		return e;
	}
	jw_obj_close(&w);
	if (!jw_ok(&w)) {
		buf_free(&b);
		return BC_INVALID;
	}
	out->webhook = take(a, &b);
	out->slack = slack_text(a, v->page.name, inc.name, inc_status_name(st), body, url);
	out->mail = mail_summary(a, ev->kind, v, inc.name, inc_status_name(st), body, url, inc.is_maintenance, ev->at);
	return BC_OK;
}

static enum bc_err build_component(struct sp_view *v, struct arena *a, const struct outbox_event *ev,
                                   struct notify_event *out)
{
	enum comp_status was, now;
	if (!event_status(ev->before, &was) || !event_status(ev->after, &now) || was == now)
		return BC_OK;                     /* only status changes notify */
	const struct component *c = sp_find_component(v, ev->object_id);
	if (c == NULL)
		return BC_OK;
	out->audience = NA_HOOKS;
	out->ncomponents = 1;
	out->component_ids = arena_alloc(a, sizeof *out->component_ids);
	memcpy(out->component_ids[0], c->id, sizeof c->id);
	struct buf b;
	struct jw w;
	char uid[32];
	snprintf(uid, sizeof uid, "cu%010llx", (unsigned long long)ev->seq);
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	write_head(&w, v, ev->at);
	v->style = SP_V1;
	sp_write_component(&w, "component", v, c);
	jw_obj_open(&w, "component_update");
	jw_str(&w, "old_status", comp_status_name(was));
	jw_str(&w, "new_status", comp_status_name(now));
	sp_write_time(&w, v, "created_at", ev->at);
	jw_str(&w, "component_type", "Component");
	jw_str(&w, "id", uid);
	jw_str(&w, "component_id", c->id);
	jw_obj_close(&w);
	jw_obj_close(&w);
	out->webhook = take(a, &b);
	const char *name = sp_component_display_name(v, c);
	char *status = arena_printf(a, "%s -> %s", comp_status_name(was), comp_status_name(now));
	out->slack = slack_text(a, v->page.name, name, status, NULL, sp_page_url(v));
	return BC_OK;
}

enum bc_err notify_event_build(struct stx *t, struct arena *a, const struct config *cfg,
                               const struct outbox_event *ev, struct notify_event *out)
{
	memset(out, 0, sizeof *out);
	(void)cfg;
	if (starts(ev->kind, "subscriber.")) {
		if (!ev->notify)
			return BC_OK;
		bool confirm = strcmp(ev->kind, "subscriber.created") == 0 ||
		               strcmp(ev->kind, "subscriber.confirmation_requested") == 0;
		bool quarantine = strcmp(ev->kind, "subscriber.quarantined") == 0;
		if (!confirm && !quarantine)
			return BC_OK;
		struct sp_view v;
		enum bc_err e = sp_view_load(&v, t, a, now_ms());
		if (e != BC_OK)
			return e;
		out->audience = NA_ONE;
		out->mail = mail_summary(a, confirm ? "subscriber.confirm" : "subscriber.quarantined", &v, NULL, NULL,
		                         NULL, NULL, false, ev->at);
		return BC_OK;
	}
	if (!ev->notify)
		return BC_OK;                     /* deliver_notifications: false */
	bool inc = incident_kind(ev->kind), comp = strcmp(ev->kind, "component.updated") == 0;
	if (!inc && !comp)
		return BC_OK;
	struct sp_view v;
	enum bc_err e = sp_view_load(&v, t, a, now_ms());
	if (e != BC_OK)
		return e;
	return inc ? build_incident(&v, a, ev, out) : build_component(&v, a, ev, out);
}
