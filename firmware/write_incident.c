/* write_incident.c: the write layer for incidents and maintenance: status, times, impact, component changes at a time, updates, drafts, postmortems. */
#include <stdio.h>
#include <time.h>
#include <string.h>
#include "write.h"

void write_incident_change_init(struct incident_change *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->status = ch->impact_override = WRITE_KEEP;
	ch->auto_in_progress = ch->auto_completed = WRITE_KEEP;
	ch->auto_to_maintenance = ch->auto_to_operational = WRITE_KEEP;
	ch->notify = true;
}

static bool is_maintenance_status(enum inc_status s)
{
	return s == IS_SCHEDULED || s == IS_IN_PROGRESS || s == IS_VERIFYING || s == IS_COMPLETED;
}

/* The impact a component status means for its incident. */
static enum impact status_impact(enum comp_status s)
{
	return s == CS_MAJOR_OUTAGE ? IMP_CRITICAL : s == CS_PARTIAL_OUTAGE ? IMP_MAJOR :
	       s == CS_DEGRADED_PERFORMANCE ? IMP_MINOR : IMP_NONE;
}

static const char *time_text(struct write_ctx *w, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];
	if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "?";
	return arena_strdup(w->a, s);
}

/* The component changes of one write: the requested ones, then the ones the rules add. */
struct planned {
	size_t n, cap;
	struct component_status *items;
};

static void plan_add(struct write_ctx *w, struct planned *p, const char *id, int status)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].id, id) == 0) {
			if (status != WRITE_KEEP)
				p->items[i].status = status;
			return;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct component_status *bigger = arena_alloc(w->a, cap * sizeof *bigger);
		if (p->n)
			memcpy(bigger, p->items, p->n * sizeof *bigger);
		p->items = bigger;
		p->cap = cap;
	}
	p->items[p->n++] = (struct component_status){ arena_strdup(w->a, id), status };
}

static bool plan_has(const struct planned *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].id, id) == 0)
			return true;
	return false;
}

static bool add_component_id(struct write_ctx *w, struct incident *inc, const char *id)
{
	for (size_t i = 0; i < inc->ncomponents; i++)
		if (strcmp(inc->component_ids[i], id) == 0)
			return true;
	if (inc->ncomponents >= LIM_AFFECTED)
		return false;
	bc_id *ids = arena_alloc(w->a, (inc->ncomponents + 1) * sizeof *ids);
	if (inc->ncomponents)
		memcpy(ids, inc->component_ids, inc->ncomponents * sizeof *ids);
	snprintf(ids[inc->ncomponents++], sizeof(bc_id), "%s", id);
	inc->component_ids = ids;
	return true;
}

/* Rules that add component changes: resolving restores the affected components to operational
 * (unless kept); a maintenance going in progress puts them under maintenance, and completing
 * restores what is under maintenance (each when its auto_transition_* setting is on). */
static enum bc_err plan_rules(struct write_ctx *w, const struct incident *inc, enum inc_status from, bool create,
                              const struct incident_change *ch, int64_t at, struct planned *p)
{
	bool entering = create || from != inc->status;
	int target = WRITE_KEEP;
	if (create && inc_status_is_closed(inc->status))
		return BC_OK;                   /* entered already over: nothing is live to restore */
	bool only_maintained = false;
	if (!inc->is_maintenance && entering && inc->status == IS_RESOLVED && !ch->keep_components)
		target = CS_OPERATIONAL;
	else if (inc->is_maintenance && entering && inc->status == IS_IN_PROGRESS && inc->auto_to_maintenance)
		target = CS_UNDER_MAINTENANCE;
	else if (inc->is_maintenance && entering && inc->status == IS_COMPLETED && inc->auto_to_operational) {
		target = CS_OPERATIONAL;
		only_maintained = true;
	}
	if (target == WRITE_KEEP)
		return BC_OK;
	for (size_t i = 0; i < inc->ncomponents; i++) {
		const char *id = inc->component_ids[i];
		enum comp_status then;
		if (plan_has(p, id))
			continue;                   /* named in the change: its status wins */
		enum bc_err e = store_component_status_at(w->t, id, at, &then);
		struct component c;
		if (e == BC_OK && store_component_get(w->t, id, &c) == BC_NOTFOUND)
			continue;                   /* deleted since: nothing to restore */
		if (e != BC_OK)
			return write_refuse(w, e, NULL, "cannot read a component's status");
		if (then == (enum comp_status)target || (only_maintained && then != CS_UNDER_MAINTENANCE))
			continue;
		plan_add(w, p, id, target);
	}
	return BC_OK;
}

/* Applies the planned changes at time at (logged against the incident) and fills the update's
 * affected list. *changed is set when a status moved; *reached is the worst new status. */
static enum bc_err apply_plan(struct write_ctx *w, struct incident *inc, const struct planned *p, int64_t at,
                              bool log_it, struct incident_update *u, bool *changed, enum impact *reached)
{
	u->affected = arena_alloc(w->a, (p->n + 1) * sizeof *u->affected);
	u->naffected = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct affected *af = &u->affected[u->naffected++];
		snprintf(af->component_id, sizeof af->component_id, "%s", p->items[i].id);
		enum bc_err e;
		if (p->items[i].status == WRITE_KEEP || !log_it) {
			e = store_component_status_at(w->t, af->component_id, at, &af->old_status);
			af->new_status = p->items[i].status == WRITE_KEEP ? af->old_status : (enum comp_status)p->items[i].status;
		} else {
			af->new_status = (enum comp_status)p->items[i].status;
			e = store_component_status_set(w->t, af->component_id, at, af->new_status, inc->id, &af->old_status);
		}
		if (e != BC_OK)
			return write_refuse(w, e, "components", "cannot set the status of '%.40s'", af->component_id);
		*changed |= af->old_status != af->new_status;
		if (status_impact(af->new_status) > *reached)
			*reached = status_impact(af->new_status);
	}
	return BC_OK;
}

static const char *event_kind(const struct incident *inc, enum inc_status from, bool create)
{
	if (inc->draft)
		return create ? "incident.draft_created" : "incident.draft_updated";
	if (inc->is_maintenance) {
		if (create)
			return "maintenance.scheduled";
		if (from != inc->status && inc->status == IS_IN_PROGRESS)
			return "maintenance.started";
		if (from != inc->status && inc->status == IS_COMPLETED)
			return "maintenance.completed";
		return "maintenance.updated";
	}
	if (create)
		return "incident.created";
	if (from != inc->status && inc->status == IS_RESOLVED)
		return "incident.resolved";
	return "incident.updated";
}

/* Checks and copies the incident's own fields (name, status, schedule, settings). */
static enum bc_err apply_fields(struct write_ctx *w, const struct incident_change *ch, struct incident *inc, bool create)
{
	if (ch->name) {
		if (*ch->name == '\0')
			return write_refuse(w, BC_INVALID, "name", "must not be empty");
		if (strlen(ch->name) > LIM_NAME)
			return write_refuse(w, BC_TOOBIG, "name", "at most %d bytes", LIM_NAME);
		inc->name = ch->name;
	} else if (create) {
		return write_refuse(w, BC_INVALID, "name", "required");
	}
	if (ch->status != WRITE_KEEP) {
		enum inc_status s = (enum inc_status)ch->status;
		if ((unsigned)s >= IS__MAX || s == IS_POSTMORTEM)
			return write_refuse(w, BC_INVALID, "status", "unknown status");
		if (is_maintenance_status(s) != inc->is_maintenance)
			return write_refuse(w, BC_INVALID, "status", "'%s' is not a %s status", inc_status_name(s),
			                  inc->is_maintenance ? "maintenance" : "incident");
		inc->status = s;
	}
	if (ch->impact_override != WRITE_KEEP && (unsigned)ch->impact_override >= IMP__MAX)
		return write_refuse(w, BC_INVALID, "impact_override", "unknown impact");
	if (ch->set_metadata)
		inc->metadata = ch->metadata;
	if (ch->set_reminders)
		inc->reminder_intervals = ch->reminder_intervals;
	if (!inc->is_maintenance) {
		if (ch->scheduled_for || ch->scheduled_until)
			return write_refuse(w, BC_INVALID, ch->scheduled_for ? "scheduled_for" : "scheduled_until",
			                  "only for a scheduled maintenance");
		return BC_OK;
	}
	if (ch->scheduled_for)
		inc->scheduled_for = ch->scheduled_for;
	if (ch->scheduled_until)
		inc->scheduled_until = ch->scheduled_until;
	if (ch->auto_in_progress != WRITE_KEEP)
		inc->scheduled_auto_in_progress = ch->auto_in_progress != 0;
	if (ch->auto_completed != WRITE_KEEP)
		inc->scheduled_auto_completed = ch->auto_completed != 0;
	if (ch->auto_to_maintenance != WRITE_KEEP)
		inc->auto_to_maintenance = ch->auto_to_maintenance != 0;
	if (ch->auto_to_operational != WRITE_KEEP)
		inc->auto_to_operational = ch->auto_to_operational != 0;
	if (inc->scheduled_for == 0 || inc->scheduled_until == 0)
		return write_refuse(w, BC_INVALID, inc->scheduled_for == 0 ? "scheduled_for" : "scheduled_until",
		                  "required for a scheduled maintenance");
	if (inc->scheduled_until <= inc->scheduled_for)
		return write_refuse(w, BC_INVALID, "scheduled_until", "must be after scheduled_for");
	return BC_OK;
}

/* Loads the incident of a change (or starts a new one) with the display time of its last update. */
static enum bc_err load_incident(struct write_ctx *w, const struct incident_change *ch, struct incident *inc,
                                 struct incident *before, int64_t *last)
{
	*last = 0;
	if (ch->id[0] == '\0') {
		*inc = (struct incident){ .is_maintenance = ch->maintenance || ch->scheduled_for != 0 };
		inc->status = inc->is_maintenance ? IS_SCHEDULED : ch->backfilled ? IS_RESOLVED : IS_INVESTIGATING;
		inc->impact = inc->is_maintenance ? IMP_MAINTENANCE : IMP_NONE;
		inc->auto_to_maintenance = inc->auto_to_operational = true;
		inc->backfilled = ch->backfilled;
		*before = *inc;
		return BC_OK;
	}
	enum bc_err e = store_incident_get(w->t, ch->id, inc);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, e == BC_NOTFOUND ? "incident not found: %.40s" : "cannot read incident %.40s", ch->id);
	if (ch->backfilled)
		return write_refuse(w, BC_INVALID, "backfilled", "only when creating an incident");
	*before = *inc;
	struct incident_update *us;
	size_t nu;
	if ((e = store_update_list(w->t, inc->id, &us, &nu)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the incident's updates");
	*last = nu ? us[nu - 1].display_at : 0;
	return BC_OK;
}

/* The status a draft's update plans for one component: an entry whose status it did not change
 * (listed only, or already so) stays "listed, unchanged" (the component may have moved since). */
static int planned_status(const struct affected *af)
{
	return af->new_status == af->old_status ? WRITE_KEEP : (int)af->new_status;
}

/* A draft is an open incident; an edit starts from the components its update plans and rewrites
 * that update (*held). */
static enum bc_err draft_prepare(struct write_ctx *w, const struct incident_change *ch, const struct incident *inc,
                                 bool create, struct planned *plan, struct incident_update *held)
{
	if (inc->is_maintenance || ch->backfilled)
		return write_refuse(w, BC_INVALID, "draft", "only an incident (not a maintenance or a backfill) can be a draft");
	if (inc_status_is_closed(inc->status))
		return write_refuse(w, BC_CONFLICT, "status", "a draft cannot be resolved: publish it first, or discard it");
	if (create)
		return BC_OK;
	struct incident_update *us;
	size_t nu;
	enum bc_err e = store_update_list(w->t, inc->id, &us, &nu);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the draft's update");
	if (nu == 0)
		return BC_OK;
	*held = us[nu - 1];
	struct component c;
	for (size_t i = 0; i < held->naffected; i++)
		if (store_component_get(w->t, held->affected[i].component_id, &c) == BC_OK)   /* not deleted since */
			plan_add(w, plan, held->affected[i].component_id, planned_status(&held->affected[i]));
	return BC_OK;
}

enum bc_err write_incident(struct write_ctx *w, struct incident_change *ch, struct incident *out,
                           struct incident_update *update)
{
	int64_t now = write_now(w);
	bool create = ch->id[0] == '\0';
	struct incident inc, before;
	int64_t last;
	enum bc_err e;
	if (!create && !w->scheduling && (e = write_maintenance_catch_up(w, ch->id)) != BC_OK)
		return e;
	if ((e = load_incident(w, ch, &inc, &before, &last)) != BC_OK)
		return e;
	int64_t at = ch->at ? ch->at : now;
	if (at > now + WRITE_FUTURE_SLACK_MS)
		return write_refuse(w, BC_INVALID, "at", "%s is in the future", time_text(w, at));
	if (at > now)
		at = now;
	if (at < last)
		return write_refuse(w, BC_INVALID, "at", "%s is before the incident's last update (%s)", time_text(w, at),
		                  time_text(w, last));
	if (ch->ncomponents > LIM_AFFECTED)
		return write_refuse(w, BC_TOOBIG, "components", "at most %d components", LIM_AFFECTED);
	if ((e = apply_fields(w, ch, &inc, create)) != BC_OK)
		return e;
	struct planned plan = { 0 };
	struct incident_update held = { 0 };       /* a draft's one update, rewritten by an edit */
	if (create)
		inc.draft = ch->draft;
	else if (ch->draft && !inc.draft)
		return write_refuse(w, BC_CONFLICT, "draft", "a published incident cannot become a draft");
	if (inc.draft && (e = draft_prepare(w, ch, &inc, create, &plan, &held)) != BC_OK)
		return e;
	for (size_t i = 0; i < ch->ncomponents; i++) {
		struct component c;
		const struct component_status *cs = &ch->components[i];
		if (cs->status != WRITE_KEEP && (unsigned)cs->status >= CS__MAX)
			return write_refuse(w, BC_INVALID, "components", "unknown component status");
		if ((e = store_component_get(w->t, cs->id, &c)) != BC_OK)
			return write_refuse(w, e == BC_NOTFOUND ? BC_INVALID : e, "components", "no such component '%.40s'", cs->id);
		plan_add(w, &plan, c.id, cs->status);
		if (!add_component_id(w, &inc, c.id))
			return write_refuse(w, BC_TOOBIG, "components", "an incident affects at most %d components", LIM_AFFECTED);
	}
	/* times */
	if (create)                     /* entered as it happened: created, started and last updated then */
		inc.created_at = inc.started_at = inc.updated_at = at;
	if (inc.status == IS_MONITORING && inc.monitoring_at == 0)
		inc.monitoring_at = at;
	if (inc_status_is_closed(inc.status)) {
		if (inc.resolved_at == 0 || !inc_status_is_closed(before.status) || create)
			inc.resolved_at = at;
	} else {
		inc.resolved_at = 0;
	}
	if ((e = store_incident_put(w->t, &inc)) != BC_OK)       /* a new one needs its id below */
		return write_refuse(w, e, NULL, "cannot save the incident: %s", bc_strerror(e));
	if ((e = plan_rules(w, &inc, before.status, create, ch, at, &plan)) != BC_OK)
		return e;
	struct incident_update u = { .status = inc.status, .display_at = at, .created_at = at, .quiet = !ch->notify };
	bool changed = false;
	enum impact reached = IMP_NONE;
	/* an incident entered already over records its components' statuses in its update (and its
	 * impact) but not in their status logs: how long they lasted is not known */
	bool log_it = !(create && inc_status_is_closed(inc.status)) && !inc.draft;   /* a draft changes no component */
	if ((e = apply_plan(w, &inc, &plan, at, log_it, &u, &changed, &reached)) != BC_OK)
		return e;
	/* impact: impact_override when given; else the highest its components reached, never lowered */
	if (ch->impact_override != WRITE_KEEP) {
		inc.impact = (enum impact)ch->impact_override;
		inc.impact_overridden = true;
	} else if (inc.is_maintenance) {
		inc.impact = IMP_MAINTENANCE;
	} else if (!inc.impact_overridden && (reached > inc.impact || inc.draft)) {
		inc.impact = reached;           /* a draft's impact is only a forecast: what it now plans */
	}
	store_keep_times(w->t, create);      /* a new one keeps updated_at = at (the put above made its id) */
	e = store_incident_put(w->t, &inc);
	store_keep_times(w->t, false);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the incident: %s", bc_strerror(e));
	bool add = create || ch->body || changed || inc.status != before.status || inc.draft;
	if (add) {
		snprintf(u.incident_id, sizeof u.incident_id, "%s", inc.id);
		u.body = (ch->body ? ch->body : held.body ? held.body : "");
		memcpy(u.id, held.id, sizeof u.id);     /* a draft's edit rewrites its update */
		u.updated_at = at;              /* entered as it happened */
		if ((e = store_update_put(w->t, &u)) != BC_OK)
			return write_refuse(w, e, "body", "cannot add the incident update: %s", bc_strerror(e));
	}
	if ((e = store_incident_get(w->t, inc.id, &inc)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the incident back");
	if ((e = write_event(w, event_kind(&inc, before.status, create), "incident", inc.id,
	                     create ? NULL : write_json_incident(w, &before, NULL),
	                     write_json_incident(w, &inc, add ? &u : NULL), ch->notify && !inc.backfilled && !inc.draft,
	                     inc.name)) != BC_OK)
		return e;
	/* a maintenance that ended: alerts kept during it that still fire take effect */
	if (inc.is_maintenance && !create && inc_status_is_closed(inc.status) && !inc_status_is_closed(before.status))
		for (size_t i = 0; i < inc.ncomponents; i++)
			if ((e = write_intake_release(w, inc.component_ids[i])) != BC_OK)
				return e;
	if (out)
		*out = inc;
	if (update) {
		if (!add)
			memset(&u, 0, sizeof u);
		*update = u;
	}
	return BC_OK;
}

/* The draft named by id (BC_CONFLICT when it is published). */
static enum bc_err draft_get(struct write_ctx *w, const char *id, struct incident *inc)
{
	enum bc_err e = store_incident_get(w->t, id, inc);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "incident not found: %.40s", id);
	if (!inc->draft)
		return write_refuse(w, BC_CONFLICT, "draft", "incident %.40s is not a draft (already published)", id);
	return BC_OK;
}

enum bc_err write_incident_publish(struct write_ctx *w, const char *id, struct incident *out)
{
	int64_t now = write_now(w);
	struct incident inc;
	struct incident_update *us;
	size_t nu;
	enum bc_err e = draft_get(w, id, &inc);
	if (e != BC_OK)
		return e;
	if ((e = store_update_list(w->t, inc.id, &us, &nu)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the draft's update");
	struct planned plan = { 0 };
	struct component c;
	for (size_t i = 0; i < nu; i++)
		for (size_t j = 0; j < us[i].naffected; j++)
			if (store_component_get(w->t, us[i].affected[j].component_id, &c) == BC_OK)   /* not deleted since */
				plan_add(w, &plan, us[i].affected[j].component_id, planned_status(&us[i].affected[j]));
	/* published now: created, started and dated now, components changed now */
	inc.draft = false;
	inc.created_at = inc.started_at = inc.updated_at = now;
	if (inc.status == IS_MONITORING)
		inc.monitoring_at = now;
	store_keep_times(w->t, true);
	e = store_incident_put(w->t, &inc);
	store_keep_times(w->t, false);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot publish the incident: %s", bc_strerror(e));
	struct incident_update u = nu ? us[nu - 1] : (struct incident_update){ .status = inc.status, .body = "" };
	bool changed = false;
	enum impact reached = IMP_NONE;
	if ((e = apply_plan(w, &inc, &plan, now, true, &u, &changed, &reached)) != BC_OK)
		return e;
	if (!inc.impact_overridden)
		inc.impact = reached;           /* what its components reach now, not the draft's forecast */
	store_keep_times(w->t, true);
	e = store_incident_put(w->t, &inc);
	for (size_t i = 0; e == BC_OK && i < nu; i++) {
		struct incident_update *x = i + 1 == nu ? &u : &us[i];
		x->display_at = x->created_at = x->updated_at = now;
		e = store_update_put(w->t, x);
	}
	if (e == BC_OK && nu == 0) {
		snprintf(u.incident_id, sizeof u.incident_id, "%s", inc.id);
		u.display_at = u.created_at = u.updated_at = now;
		e = store_update_put(w->t, &u);
	}
	store_keep_times(w->t, false);
	if (e != BC_OK || (e = store_incident_get(w->t, inc.id, &inc)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot publish the incident: %s", bc_strerror(e));
	if ((e = write_event(w, "incident.created", "incident", inc.id, NULL, write_json_incident(w, &inc, &u),
	                     !u.quiet, inc.name)) != BC_OK)
		return e;
	if (out)
		*out = inc;
	return BC_OK;
}

enum bc_err write_incident_discard(struct write_ctx *w, const char *id)
{
	struct incident inc;
	enum bc_err e = draft_get(w, id, &inc);
	if (e != BC_OK)
		return e;
	if ((e = store_incident_del(w->t, id)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot discard the draft");
	return write_event(w, "incident.draft_discarded", "incident", inc.id, write_json_incident(w, &inc, NULL), NULL,
	                   false, inc.name);
}

enum bc_err write_incident_delete(struct write_ctx *w, const char *id)
{
	struct incident inc;
	enum bc_err e = store_incident_get(w->t, id, &inc);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "incident not found: %.40s", id);
	if (inc.draft)
		return write_incident_discard(w, id);
	if ((e = store_incident_del(w->t, id)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot delete the incident");
	if ((e = write_event(w, inc.is_maintenance ? "maintenance.deleted" : "incident.deleted", "incident", inc.id,
	                     write_json_incident(w, &inc, NULL), NULL, true, inc.name)) != BC_OK)
		return e;
	for (size_t i = 0; inc.is_maintenance && i < inc.ncomponents; i++)
		if ((e = write_intake_release(w, inc.component_ids[i])) != BC_OK)
			return e;
	return BC_OK;
}

/* Moving an update in time moves the status changes it made, and the incident times it set. */
static enum bc_err move_update(struct write_ctx *w, struct incident *inc, const struct incident_update *u,
                               bool first, bool last, int64_t to)
{
	for (size_t i = 0; i < u->naffected; i++) {
		const struct affected *a = &u->affected[i];
		if (a->old_status == a->new_status)
			continue;
		enum bc_err e = store_status_log_move(w->t, a->component_id, u->display_at, to, inc->id);
		if (e != BC_OK && e != BC_NOTFOUND)
			return write_refuse(w, e, "display_at", "cannot move the update's status changes");
	}
	if (first && !inc->is_maintenance)
		inc->started_at = to;
	if (last && inc_status_is_closed(inc->status) && u->status == inc->status)
		inc->resolved_at = to;
	if (inc->monitoring_at == u->display_at && u->status == IS_MONITORING)
		inc->monitoring_at = to;
	return BC_OK;
}

enum bc_err write_update_edit(struct write_ctx *w, struct update_edit *ed, struct incident_update *out)
{
	int64_t now = write_now(w);
	struct incident inc, before;
	struct incident_update *us;
	size_t nu, k;
	enum bc_err e = store_incident_get(w->t, ed->incident_id, &inc);
	if (e == BC_OK)
		e = store_update_list(w->t, inc.id, &us, &nu);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "incident not found: %.40s", ed->incident_id);
	before = inc;
	for (k = 0; k < nu && strcmp(us[k].id, ed->update_id) != 0; k++)
		;
	if (k == nu)
		return write_refuse(w, BC_NOTFOUND, NULL, "incident update not found: %.40s", ed->update_id);
	struct incident_update u = us[k];
	if (ed->body) {
		if (strlen(ed->body) > LIM_BODY)
			return write_refuse(w, BC_TOOBIG, "body", "at most %d bytes", LIM_BODY);
		u.body = ed->body;
	}
	if (ed->notify != WRITE_KEEP)
		u.quiet = !ed->notify;
	if (ed->display_at && ed->display_at != u.display_at) {
		int64_t to = ed->display_at;
		if (to > now + WRITE_FUTURE_SLACK_MS)
			return write_refuse(w, BC_INVALID, "display_at", "%s is in the future", time_text(w, to));
		if (k > 0 && to < us[k - 1].display_at)
			return write_refuse(w, BC_INVALID, "display_at", "%s is before the previous update (%s)", time_text(w, to),
			                  time_text(w, us[k - 1].display_at));
		if (k + 1 < nu && to > us[k + 1].display_at)
			return write_refuse(w, BC_INVALID, "display_at", "%s is after the next update (%s)", time_text(w, to),
			                  time_text(w, us[k + 1].display_at));
		if ((e = move_update(w, &inc, &u, k == 0, k + 1 == nu, to)) != BC_OK)
			return e;
		u.display_at = to;
		if ((e = store_incident_put(w->t, &inc)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot save the incident");
	}
	u.updated_at = now;
	if ((e = store_update_put(w->t, &u)) != BC_OK || (e = store_update_get(w->t, inc.id, u.id, &u)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the incident update");
	if ((e = write_event(w, inc.draft ? "incident.draft_updated" : "incident_update.updated", "incident", inc.id,
	                     write_json_incident(w, &before, &us[k]), write_json_incident(w, &inc, &u),
	                     !u.quiet && !inc.draft, inc.name)) != BC_OK)
		return e;
	if (out)
		*out = u;
	return BC_OK;
}

enum bc_err write_postmortem(struct write_ctx *w, const char *incident_id, enum postmortem_op op,
                             const char *body, bool publish, int64_t at, struct incident *out)
{
	static const char *const kinds[] = { "postmortem.updated", "postmortem.published", "postmortem.reverted",
	                                     "postmortem.deleted" };
	int64_t now = write_now(w);
	struct incident inc, before;
	enum bc_err e = store_incident_get(w->t, incident_id, &inc);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "incident not found: %.40s", incident_id);
	before = inc;
	if (inc.draft)
		return write_refuse(w, BC_CONFLICT, NULL, "incident %.40s is a draft: publish it first", incident_id);
	if (op == PM_SAVE_DRAFT && publish)
		op = PM_PUBLISH;
	if (body) {
		if (strlen(body) > LIM_BODY)
			return write_refuse(w, BC_TOOBIG, "body", "at most %d bytes", LIM_BODY);
		inc.postmortem_draft = body;     /* readers keep the published text */
	}
	if (op != PM_SAVE_DRAFT && inc.postmortem_draft == NULL && (op == PM_PUBLISH || inc.postmortem_body == NULL))
		return write_refuse(w, BC_NOTFOUND, NULL, "Requested Postmortem could not be found");
	switch (op) {
	case PM_SAVE_DRAFT:
		break;
	case PM_PUBLISH:
		if (!inc_status_is_closed(inc.status))
			return write_refuse(w, BC_CONFLICT, NULL, "incident status is %s: a postmortem is published after the "
			                  "incident is resolved", inc_status_name(inc.status));
		if (at == 0)
			at = now;
		if (at > now + WRITE_FUTURE_SLACK_MS)
			return write_refuse(w, BC_INVALID, "at", "%s is in the future", time_text(w, at));
		if (at < inc.resolved_at)
			return write_refuse(w, BC_INVALID, "at", "%s is before the incident's resolution (%s)", time_text(w, at),
			                  time_text(w, inc.resolved_at));
		inc.postmortem_body = inc.postmortem_draft;
		inc.postmortem_published_at = at;
		break;
	case PM_REVERT:
		inc.postmortem_body = NULL;
		inc.postmortem_published_at = 0;
		break;
	case PM_DELETE:
		inc.postmortem_body = inc.postmortem_draft = NULL;
		inc.postmortem_published_at = 0;
		break;
	}
	if ((e = store_incident_put(w->t, &inc)) != BC_OK || (e = store_incident_get(w->t, inc.id, &inc)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the postmortem");
	if ((e = write_event(w, kinds[op], "incident", inc.id, write_json_incident(w, &before, NULL),
	                     write_json_incident(w, &inc, NULL), true, inc.name)) != BC_OK)
		return e;
	if (out)
		*out = inc;
	return BC_OK;
}
