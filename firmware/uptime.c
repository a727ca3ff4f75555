/* uptime.c: 90-day uptime bars from the component status log (major counts fully, partial at 0.3). */
#include <string.h>
#include "pages.h"
#include "uptime.h"

void uptime_edges(const struct zone *tz, int64_t now_ms, int64_t edges[UPTIME_DAYS + 1])
{
	struct tm tm;
	zone_local(tz, now_ms, &tm);
	for (int i = 0; i <= UPTIME_DAYS; i++) {
		struct tm day = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + i - (UPTIME_DAYS - 1) };
		edges[i] = zone_to_ms(tz, &day);
	}
}

static double status_weight(enum comp_status s)
{
	switch (s) {
	case CS_MAJOR_OUTAGE:   return 1.0;
	case CS_PARTIAL_OUTAGE: return UPTIME_PARTIAL_WEIGHT;
	default:                return 0.0;   /* operational, degraded, maintenance */
	}
}

/* First day whose end is after t (binary search over the edges). */
static int day_index(const int64_t edges[UPTIME_DAYS + 1], int64_t t)
{
	int lo = 0, hi = UPTIME_DAYS;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (edges[mid + 1] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds [from, to) at status s to the day buckets it covers. */
static void add_span(struct uptime *u, const int64_t edges[UPTIME_DAYS + 1], int64_t from, int64_t to,
                     enum comp_status s)
{
	if (from < edges[0])
		from = edges[0];
	if (to > edges[UPTIME_DAYS])
		to = edges[UPTIME_DAYS];
	if (to <= from)
		return;
	for (int d = day_index(edges, from); d < UPTIME_DAYS && edges[d] < to; d++) {
		int64_t a = from > edges[d] ? from : edges[d];
		int64_t b = to < edges[d + 1] ? to : edges[d + 1];
		if (b <= a)
			continue;
		u->day[d].known_ms += (double)(b - a);
		u->day[d].down_ms += (double)(b - a) * status_weight(s);
		if (s > u->day[d].worst)
			u->day[d].worst = s;
	}
}

void uptime_from_log(const struct status_change *log, size_t n, int64_t data_start,
                     const int64_t edges[UPTIME_DAYS + 1], int64_t now_ms, struct uptime *u)
{
	memset(u, 0, sizeof *u);
	enum comp_status cur = CS_OPERATIONAL;
	int64_t at = data_start;
	for (size_t i = 0; i < n; i++) {
		if (log[i].at <= at) {
			cur = log[i].status;   /* the state in force when data starts */
			continue;
		}
		add_span(u, edges, at, log[i].at < now_ms ? log[i].at : now_ms, cur);
		at = log[i].at;
		cur = log[i].status;
	}
	add_span(u, edges, at, now_ms, cur);
}

enum bc_err uptime_component(struct stx *t, const struct component *c, const int64_t edges[UPTIME_DAYS + 1],
                             int64_t now_ms, struct uptime *u)
{
	struct status_change *log = NULL;
	size_t n = 0;
	enum bc_err e = store_status_log(t, c->id, edges[0], now_ms + 1, &log, &n);
	if (e != BC_OK)
		return e;
	int64_t data_start = c->start_date;
	if (data_start == 0) {
		data_start = c->created_at;
		if (n > 0 && log[0].at < data_start)   /* history entered or imported before creation */
			data_start = log[0].at;
	}
	uptime_from_log(log, n, data_start, edges, now_ms, u);
	return BC_OK;
}

static void day_add_incident(struct uptime_day *d, const struct incident *inc)
{
	size_t kept = d->nincidents < UPTIME_DAY_INCIDENTS ? d->nincidents : UPTIME_DAY_INCIDENTS;
	for (size_t k = 0; k < kept; k++)
		if (d->incidents[k] == inc)
			return;
	if (d->nincidents < UPTIME_DAY_INCIDENTS)
		d->incidents[d->nincidents] = inc;
	d->nincidents++;
}

void uptime_mark_incident(struct uptime *u, const struct incident *inc, int64_t start, int64_t end,
                          const int64_t edges[UPTIME_DAYS + 1], int64_t now_ms)
{
	int64_t from = start, to = end ? end : now_ms;
	if (to < from)
		to = from;
	if (to < edges[0] || from >= edges[UPTIME_DAYS])
		return;
	for (int d = day_index(edges, from < edges[0] ? edges[0] : from); d < UPTIME_DAYS && edges[d] <= to; d++)
		day_add_incident(&u->day[d], inc);
}

void uptime_group(const struct uptime *const *parts, size_t n, struct uptime *out)
{
	memset(out, 0, sizeof *out);
	for (size_t d = 0; d < UPTIME_DAYS; d++) {
		struct uptime_day *g = &out->day[d];
		for (size_t i = 0; i < n; i++) {
			const struct uptime_day *c = &parts[i]->day[d];
			/* summing both sides averages the parts (weighted by the time each has data) */
			g->known_ms += c->known_ms;
			g->down_ms += c->down_ms;
			if (c->known_ms > 0 && c->worst > g->worst)
				g->worst = c->worst;
			size_t kept = c->nincidents < UPTIME_DAY_INCIDENTS ? c->nincidents : UPTIME_DAY_INCIDENTS;
			for (size_t k = 0; k < kept; k++)
				day_add_incident(g, c->incidents[k]);
		}
	}
}

double uptime_day_percent(const struct uptime *u, size_t day)
{
	if (day >= UPTIME_DAYS || u->day[day].known_ms <= 0)
		return -1;
	return 100.0 * (1.0 - u->day[day].down_ms / u->day[day].known_ms);
}

double uptime_percent(const struct uptime *u)
{
	double known = 0, down = 0;
	for (size_t d = 0; d < UPTIME_DAYS; d++) {
		known += u->day[d].known_ms;
		down += u->day[d].down_ms;
	}
	return known > 0 ? 100.0 * (1.0 - down / known) : -1;
}
