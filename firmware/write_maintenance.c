/* write_maintenance.c: the maintenance lifecycle: auto start and auto complete as ordinary changes by "system:scheduler". */
#include <stdio.h>
#include <string.h>
#include "status.h"
#include "write.h"

#define SCHEDULER_ACTOR "system:scheduler"

/* One automatic step of a maintenance at time at (its window edge, or its last update if later). */
static enum bc_err auto_step(struct write_ctx *w, const struct incident *inc, enum inc_status st, int64_t at)
{
	struct incident_update *us;
	size_t nu;
	enum bc_err e = store_update_list(w->t, inc->id, &us, &nu);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the maintenance's updates");
	if (nu && us[nu - 1].display_at > at)
		at = us[nu - 1].display_at;
	struct write_ctx sw = { .t = w->t, .a = w->a, .actor = SCHEDULER_ACTOR, .now = w->now, .scheduling = true };
	struct incident_change ch;
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc->id);
	ch.status = (int)st;
	ch.at = at;
	ch.body = write_default_body(st);
	e = write_incident(&sw, &ch, NULL, NULL);
	if (e != BC_OK) {
		memcpy(w->err, sw.err, sizeof w->err);
		memcpy(w->err_field, sw.err_field, sizeof w->err_field);
	}
	return e;
}

bool write_maintenance_due(const struct incident *inc, int64_t now)
{
	/* the read rule: the one place that says what state a window is in at a time */
	return inc->is_maintenance && !inc_status_is_closed(inc->status) &&
	       status_maintenance_state(inc, now) != inc->status;
}

/* Brings one maintenance to its state at now, as the read rule says. */
static enum bc_err advance(struct write_ctx *w, const struct incident *inc, size_t *done)
{
	int64_t now = write_now(w);
	if (!write_maintenance_due(inc, now))
		return BC_OK;
	enum inc_status want = status_maintenance_state(inc, now);
	enum bc_err e;
	if (inc->status == IS_SCHEDULED && want != IS_SCHEDULED && inc->scheduled_auto_in_progress) {
		if ((e = auto_step(w, inc, IS_IN_PROGRESS, inc->scheduled_for)) != BC_OK)
			return e;
		++*done;
	}
	if (want == IS_COMPLETED) {
		if ((e = auto_step(w, inc, IS_COMPLETED, inc->scheduled_until)) != BC_OK)
			return e;
		++*done;
	}
	return BC_OK;
}

enum bc_err write_maintenance_catch_up(struct write_ctx *w, const char *id)
{
	struct incident inc;
	size_t done = 0;
	enum bc_err e = store_incident_get(w->t, id, &inc);
	if (e == BC_NOTFOUND)
		return BC_OK;                   /* the change itself reports it */
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read incident %.40s", id);
	return advance(w, &inc, &done);
}

enum bc_err write_maintenance_tick(struct write_ctx *w, size_t *done)
{
	struct incident *open;
	size_t n;
	*done = 0;
	enum bc_err e = store_incident_list_open(w->t, &open, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot list open incidents");
	for (size_t i = 0; i < n; i++)
		if ((e = advance(w, &open[i], done)) != BC_OK)
			return e;
	return BC_OK;
}
