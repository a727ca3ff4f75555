/* write_util.c: what the write layer files share: errors, the clock, outbox events and the JSON of objects in them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "write.h"

enum bc_err write_refuse(struct write_ctx *w, enum bc_err e, const char *field, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(w->err_field, sizeof w->err_field, "%s", field ? field : "");
	if (field && *field)
		snprintf(w->err, sizeof w->err, "%s: %s", field, msg);
	else
		snprintf(w->err, sizeof w->err, "%s", msg);
	return e;
}

int64_t write_now(struct write_ctx *w)
{
	if (w->now == 0)
		w->now = now_ms();
	return w->now;
}

enum bc_err write_event(struct write_ctx *w, const char *kind, const char *object_type, const char *id,
                        const char *before, const char *after, bool notify, const char *summary)
{
	if (w->batch)
		return BC_OK;
	struct outbox_event ev = { .actor = w->actor ? w->actor : "unknown", .kind = kind, .object_type = object_type,
	                           .before = before, .after = after, .notify = notify, .summary = summary };
	snprintf(ev.object_id, sizeof ev.object_id, "%s", id ? id : "");
	enum bc_err e = store_outbox_append(w->t, &ev);
	return e == BC_OK ? BC_OK : write_refuse(w, e, NULL, "cannot record the change");
}

static char *dump(struct write_ctx *w, json_t *o)
{
	if (o == NULL)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	char *copy = s ? arena_strdup(w->a, s) : NULL;
	free(s);
	return copy;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *id_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

char *write_json_component(struct write_ctx *w, const struct component *c)
{
	return dump(w, json_pack("{s:s, s:s, s:o, s:s, s:o, s:i, s:b, s:b, s:I, s:I, s:I}", "id", c->id, "name", c->name,
	                         "description", str_or_null(c->description), "status", comp_status_name(c->status),
	                         "group_id", id_or_null(c->group_id), "position", c->position, "showcase", c->showcase,
	                         "only_show_if_degraded", c->only_show_if_degraded, "start_date", (json_int_t)c->start_date,
	                         "created_at", (json_int_t)c->created_at, "updated_at", (json_int_t)c->updated_at));
}

char *write_json_group(struct write_ctx *w, const struct group *g)
{
	return dump(w, json_pack("{s:s, s:s, s:o, s:i, s:I, s:I}", "id", g->id, "name", g->name,
	                         "description", str_or_null(g->description), "position", g->position,
	                         "created_at", (json_int_t)g->created_at, "updated_at", (json_int_t)g->updated_at));
}

static json_t *update_json(const struct incident_update *u)
{
	json_t *aff = json_array();
	for (size_t i = 0; i < u->naffected; i++)
		json_array_append_new(aff, json_pack("{s:s, s:s, s:s}", "component_id", u->affected[i].component_id,
		                                     "old_status", comp_status_name(u->affected[i].old_status),
		                                     "new_status", comp_status_name(u->affected[i].new_status)));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "id", u->id, "status", inc_status_name(u->status),
	                 "body", u->body ? u->body : "", "display_at", (json_int_t)u->display_at,
	                 "created_at", (json_int_t)u->created_at, "affected_components", aff);
}

char *write_json_incident(struct write_ctx *w, const struct incident *inc, const struct incident_update *u)
{
	json_t *comps = json_array();
	for (size_t i = 0; i < inc->ncomponents; i++)
		json_array_append_new(comps, json_string(inc->component_ids[i]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "id", inc->id, "name", inc->name,
	                      "status", inc_status_name(inc->status), "impact", impact_name(inc->impact),
	                      "maintenance", inc->is_maintenance, "created_at", (json_int_t)inc->created_at,
	                      "updated_at", (json_int_t)inc->updated_at, "started_at", (json_int_t)inc->started_at,
	                      "monitoring_at", (json_int_t)inc->monitoring_at, "resolved_at", (json_int_t)inc->resolved_at,
	                      "components", comps);
	if (o == NULL)
		return NULL;
	if (inc->is_maintenance) {
		json_object_set_new(o, "scheduled_for", json_integer(inc->scheduled_for));
		json_object_set_new(o, "scheduled_until", json_integer(inc->scheduled_until));
		json_object_set_new(o, "auto_in_progress", json_boolean(inc->scheduled_auto_in_progress));
		json_object_set_new(o, "auto_completed", json_boolean(inc->scheduled_auto_completed));
		json_object_set_new(o, "auto_transition_to_maintenance_state", json_boolean(inc->auto_to_maintenance));
		json_object_set_new(o, "auto_transition_to_operational_state", json_boolean(inc->auto_to_operational));
	}
	if (inc->draft)
		json_object_set_new(o, "draft", json_true());
	json_object_set_new(o, "postmortem_published_at", json_integer(inc->postmortem_published_at));
	json_object_set_new(o, "postmortem_body", str_or_null(inc->postmortem_published_at ? inc->postmortem_body : NULL));
	if (u && u->id[0])
		json_object_set_new(o, "update", update_json(u));
	return dump(w, o);
}

char *write_json_page(struct write_ctx *w, const struct page_settings *p)
{
	return dump(w, json_pack("{s:s, s:s, s:o, s:o}", "id", p->id, "name", p->name, "url", str_or_null(p->url),
	                         "time_zone", str_or_null(p->time_zone)));
}

const char *write_default_body(enum inc_status s)
{
	switch (s) {
	case IS_INVESTIGATING: return "We are currently investigating this issue.";
	case IS_IDENTIFIED:    return "The issue has been identified and a fix is being implemented.";
	case IS_MONITORING:    return "A fix has been implemented and we are monitoring the results.";
	case IS_RESOLVED:      return "This incident has been resolved.";
	case IS_SCHEDULED:     return "We will be undergoing scheduled maintenance during this time.";
	case IS_IN_PROGRESS:   return "Scheduled maintenance is currently in progress. We will provide updates as necessary.";
	case IS_VERIFYING:     return "Verification is currently underway for the maintenance items.";
	case IS_COMPLETED:     return "The scheduled maintenance has been completed.";
	default:               return "";
	}
}
