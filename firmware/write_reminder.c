/* write_reminder.c: maintenance reminders: a "maintenance.reminder" event when a reminder_intervals hour mark before the start passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "write.h"

#define NS_REMINDED "notify-remind"     /* "<id>:<hours>:<scheduled_for>" -> "" once its event is written */
#define MAX_INTERVALS 16

/* "[3, 6]", "4" or "[]": hours, at most MAX_INTERVALS of 1..8760. */
static size_t parse_intervals(const char *s, int out[MAX_INTERVALS])
{
	size_t n = 0;
	while (s && *s && n < MAX_INTERVALS) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s) {
			s++;
			continue;
		}
		if (v >= 1 && v <= 8760)
			out[n++] = (int)v;
		s = end;
	}
	return n;
}

/* The reminder of one scheduled maintenance due at now, if any: the marks that passed and were not
 * reminded yet give ONE event (a maintenance created inside several marks is reminded once), and
 * all of them are recorded. With send false only *due is counted. */
static enum bc_err one(struct write_ctx *w, const struct incident *inc, int64_t now, bool send, size_t *due)
{
	int hours[MAX_INTERVALS];
	size_t n = parse_intervals(inc->reminder_intervals, hours), fresh = 0;
	char *keys[MAX_INTERVALS];
	for (size_t i = 0; i < n; i++) {
		int64_t mark = inc->scheduled_for - (int64_t)hours[i] * 3600 * 1000;
		if (now < mark || now >= inc->scheduled_for)
			continue;
		char *key = arena_printf(w->a, "%s:%d:%lld", inc->id, hours[i], (long long)inc->scheduled_for);
		const void *v;
		size_t len;
		if (store_kv_get(w->t, NS_REMINDED, key, &v, &len) != BC_OK)
			keys[fresh++] = key;
	}
	if (fresh == 0)
		return BC_OK;
	(*due)++;
	if (!send)
		return BC_OK;
	for (size_t i = 0; i < fresh; i++) {
		enum bc_err e = store_kv_put(w->t, NS_REMINDED, keys[i], "", 0);
		if (e != BC_OK)
			return e;
	}
	return write_event(w, "maintenance.reminder", "incident", inc->id, NULL, write_json_incident(w, inc, NULL), true,
	                   inc->name);
}

enum bc_err write_maintenance_reminders(struct write_ctx *w, bool send, size_t *done)
{
	struct incident *open;
	size_t n;
	*done = 0;
	enum bc_err e = store_incident_list_open(w->t, &open, &n);
	int64_t now = write_now(w);
	for (size_t i = 0; e == BC_OK && i < n; i++)
		if (open[i].is_maintenance && open[i].status == IS_SCHEDULED && open[i].reminder_intervals)
			e = one(w, &open[i], now, send, done);
	return e;
}
