/* uptime.h: 90-day uptime per component and group, in daily buckets of the page's time zone. */
#ifndef BEACON_UPTIME_H
#define BEACON_UPTIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"
#include "zone.h"

/*
 * Definition (also shown on the page): a day's uptime is 1 - downtime / known time, where a major
 * outage counts fully as downtime, a partial outage with weight UPTIME_PARTIAL_WEIGHT, and degraded
 * performance or maintenance not at all. Known time starts at the component's start_date (or its
 * creation, or its first status change if earlier) and ends now. A group's day is the average of
 * its components' days that have data.
 */
#define UPTIME_DAYS 90
#define UPTIME_PARTIAL_WEIGHT 0.3
#define UPTIME_DAY_INCIDENTS 3      /* incidents named per day in the tooltip */

/* 56 bytes: 300 components x 90 days of these are made per render, and a bigger block made glibc
 * map and unmap it on every render (page faults cost more than the render). */
struct uptime_day {
	double known_ms;                /* time of the day with data (0: no data) */
	double down_ms;                 /* weighted downtime */
	const struct incident *incidents[UPTIME_DAY_INCIDENTS];
	uint32_t nincidents;            /* incidents touching that day (may exceed the names kept) */
	uint8_t worst;                  /* worst status seen that day (enum comp_status) */
	uint16_t minutes[CS__MAX - 1];  /* minutes in each status but operational ([status - 1]; a started
	                                 * minute counts); groups: the longest of the parts */
};

struct uptime {
	struct uptime_day day[UPTIME_DAYS];   /* oldest first; the last one is today */
};

/* Day edges: edges[i] is the local midnight starting day i, edges[UPTIME_DAYS] tomorrow's midnight. */
void uptime_edges(const struct zone *tz, int64_t now_ms, int64_t edges[UPTIME_DAYS + 1]);
/* Fills u from the component's status log. */
enum bc_err uptime_component(struct stx *t, const struct component *c, const int64_t edges[UPTIME_DAYS + 1],
                             int64_t now_ms, struct uptime *u);
/* Computes a day series from a status log directly (the part uptime_component does after reading it). */
void uptime_from_log(const struct status_change *log, size_t n, int64_t data_start,
                     const int64_t edges[UPTIME_DAYS + 1], int64_t now_ms, struct uptime *u);
/* Notes one incident (span [start, end or now]) on each day it touches. */
void uptime_mark_incident(struct uptime *u, const struct incident *inc, int64_t start, int64_t end,
                          const int64_t edges[UPTIME_DAYS + 1], int64_t now_ms);
/* Group series: per day the mean of the parts' day uptime, worst of the worst, union of incidents,
 * and per status the longest time any part spent in it. */
void uptime_group(const struct uptime *const *parts, size_t n, struct uptime *out);
/* Day uptime in percent, or -1 when the day has no data. */
double uptime_day_percent(const struct uptime *u, size_t day);
/* The same for one day's bucket. */
double uptime_day_value(const struct uptime_day *day);
/* Whole-window uptime in percent (known-time weighted), or -1 with no data at all. */
double uptime_percent(const struct uptime *u);
/* The same over the last ndays days of the window (today included). */
double uptime_percent_last(const struct uptime *u, size_t ndays);

/* Monthly uptime by the same definition: the last UPTIME_MONTHS months of the page's zone, oldest first. */
#define UPTIME_MONTHS 12
struct uptime_month {
	int64_t start, end;             /* local month start, next month's start */
	double known_ms, down_ms;
	double status_ms[CS__MAX];
};
enum bc_err uptime_months(struct stx *t, const struct component *c, const struct zone *tz, int64_t now_ms,
                          struct uptime_month out[UPTIME_MONTHS]);
/* A month's uptime in percent, or -1 without data. */
double uptime_month_percent(const struct uptime_month *m);

#endif
