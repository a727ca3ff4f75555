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
		if (s == CS_OPERATIONAL)
			continue;               /* no downtime (adding 0.0 changes nothing), no minutes, not worse */
		u->day[d].down_ms += (double)(b - a) * status_weight(s);
		if (s > CS_OPERATIONAL && (unsigned)s < CS__MAX) {
			uint32_t m = u->day[d].minutes[s - 1] + (uint32_t)((b - a + 59999) / 60000);
			u->day[d].minutes[s - 1] = (uint16_t)(m > 1440 ? 1440 : m);
		}
		if ((unsigned)s > u->day[d].worst)
			u->day[d].worst = (uint8_t)s;
	}
}

/* Calls span for each [from, to) the log holds one status, from data_start to now. */
typedef void (*span_fn)(void *ctx, int64_t from, int64_t to, enum comp_status s);
static void walk_log(const struct status_change *log, size_t n, int64_t data_start, int64_t now_ms,
                     span_fn span, void *ctx)
{
	enum comp_status cur = CS_OPERATIONAL;
	int64_t at = data_start;
	for (size_t i = 0; i < n; i++) {
		if (log[i].at <= at) {
			cur = log[i].status;   /* the state in force when data starts */
			continue;
		}
		span(ctx, at, log[i].at < now_ms ? log[i].at : now_ms, cur);
		at = log[i].at;
		cur = log[i].status;
	}
	span(ctx, at, now_ms, cur);
}

struct day_ctx {
	struct uptime *u;
	const int64_t *edges;
};

static void day_span(void *ctx, int64_t from, int64_t to, enum comp_status s)
{
	struct day_ctx *d = ctx;
	add_span(d->u, d->edges, from, to, s);
}

void uptime_from_log(const struct status_change *log, size_t n, int64_t data_start,
                     const int64_t edges[UPTIME_DAYS + 1], int64_t now_ms, struct uptime *u)
{
	memset(u, 0, sizeof *u);
	struct day_ctx d = { u, edges };
	walk_log(log, n, data_start, now_ms, day_span, &d);
}

/* When the component's known time starts: start_date, else creation, or its first logged status if
 * earlier. A component added since the page's minute began (now is rounded down, and the log read up
 * to it) still has today: from just before now, in the status it has now (*log and *n replaced). */
static int64_t data_start_of(const struct component *c, const struct status_change **log, size_t *n,
                             struct status_change *now_status, int64_t now_ms, int64_t window_end)
{
	int64_t data_start = c->start_date;
	if (data_start == 0) {
		data_start = c->created_at;
		if (*n > 0 && (*log)[0].at < data_start)   /* history entered or imported before creation */
			data_start = (*log)[0].at;
	}
	if (data_start >= now_ms && data_start < window_end) {
		data_start = now_ms - 1;
		*now_status = (struct status_change){ .at = data_start, .status = c->status };
		*log = now_status;
		*n = 1;
	}
	return data_start;
}

enum bc_err uptime_component(struct stx *t, const struct component *c, const int64_t edges[UPTIME_DAYS + 1],
                             int64_t now_ms, struct uptime *u)
{
	struct status_change *log = NULL, now_status;
	size_t n = 0;
	enum bc_err e = store_status_log(t, c->id, edges[0], now_ms + 1, &log, &n);
	if (e != BC_OK)
		return e;
	const struct status_change *l = log;
	int64_t start = data_start_of(c, &l, &n, &now_status, now_ms, edges[UPTIME_DAYS]);
	uptime_from_log(l, n, start, edges, now_ms, u);
	return BC_OK;
}

/* Adds [from, to) at status s to the months it covers. */
static void month_span(void *ctx, int64_t from, int64_t to, enum comp_status s)
{
	struct uptime_month *m = ctx;
	for (int i = 0; i < UPTIME_MONTHS; i++) {
		int64_t a = from > m[i].start ? from : m[i].start;
		int64_t b = to < m[i].end ? to : m[i].end;
		if (b <= a)
			continue;
		m[i].known_ms += (double)(b - a);
		m[i].down_ms += (double)(b - a) * status_weight(s);
		if ((unsigned)s < CS__MAX)
			m[i].status_ms[s] += (double)(b - a);
	}
}

enum bc_err uptime_months(struct stx *t, const struct component *c, const struct zone *tz, int64_t now_ms,
                          struct uptime_month out[UPTIME_MONTHS])
{
	memset(out, 0, UPTIME_MONTHS * sizeof *out);
	struct tm tm;
	zone_local(tz, now_ms, &tm);
	for (int i = 0; i <= UPTIME_MONTHS; i++) {    /* local month starts, DST-safe */
		struct tm m = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon + i - (UPTIME_MONTHS - 1), .tm_mday = 1 };
		int64_t start = zone_to_ms(tz, &m);
		if (i < UPTIME_MONTHS)
			out[i].start = start;
		if (i > 0)
			out[i - 1].end = start;
	}
	struct status_change *log = NULL;
	size_t n = 0;
	enum bc_err e = store_status_log(t, c->id, out[0].start, now_ms + 1, &log, &n);
	if (e != BC_OK)
		return e;
	struct status_change now_status;
	const struct status_change *l = log;
	int64_t start = data_start_of(c, &l, &n, &now_status, now_ms, out[UPTIME_MONTHS - 1].end);
	walk_log(l, n, start, now_ms, month_span, out);
	return BC_OK;
}

double uptime_month_percent(const struct uptime_month *m)
{
	return m->known_ms > 0 ? 100.0 * (1.0 - m->down_ms / m->known_ms) : -1;
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
	/* part by part (each part's days are contiguous); every day still sums its parts in order */
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < UPTIME_DAYS; d++) {
			struct uptime_day *g = &out->day[d];
			const struct uptime_day *c = &parts[i]->day[d];
			/* summing both sides averages the parts (weighted by the time each has data) */
			g->known_ms += c->known_ms;
			g->down_ms += c->down_ms;
			if (c->known_ms > 0 && c->worst > g->worst)
				g->worst = c->worst;
			for (int s = 0; s < CS__MAX - 1; s++)
				if (c->minutes[s] > g->minutes[s])
					g->minutes[s] = c->minutes[s];
			size_t kept = c->nincidents < UPTIME_DAY_INCIDENTS ? c->nincidents : UPTIME_DAY_INCIDENTS;
			for (size_t k = 0; k < kept; k++)
				day_add_incident(g, c->incidents[k]);
		}
	}
}

double uptime_day_percent(const struct uptime *u, size_t day)
{
	return day < UPTIME_DAYS ? uptime_day_value(&u->day[day]) : -1;
}

double uptime_day_value(const struct uptime_day *day)
{
	if (day->known_ms <= 0)
		return -1;
	return 100.0 * (1.0 - day->down_ms / day->known_ms);
}

double uptime_percent(const struct uptime *u)
{
	return uptime_percent_last(u, UPTIME_DAYS);
}

double uptime_percent_last(const struct uptime *u, size_t ndays)
{
	double known = 0, down = 0;
	for (size_t d = ndays < UPTIME_DAYS ? UPTIME_DAYS - ndays : 0; d < UPTIME_DAYS; d++) {
		known += u->day[d].known_ms;
		down += u->day[d].down_ms;
	}
	return known > 0 ? 100.0 * (1.0 - down / known) : -1;
}
