/* metrics.h: process-wide counters and gauges (atomics, shared by every thread) and /metrics. */
#ifndef BEACON_METRICS_H
#define BEACON_METRICS_H
#include <stdbool.h>
#include <stdint.h>

struct req;
struct stx;

/*
 * Named counters and gauges. To add one: a line here and a line in metrics.c's table, then
 * metrics_inc(M_X) / metrics_add(M_X, n) / metrics_set(M_X, v) where it happens.
 */
enum metric_id {
	M_RENDER_CACHE_HITS,        /* beacon_render_cache_hits_total */
	M_RENDER_CACHE_MISSES,      /* beacon_render_cache_misses_total */
	M_NGINX_BYPASS,             /* beacon_nginx_cache_bypass_total: cacheable GETs with credentials */
	M_NOTIFY_DELIVERED,         /* beacon_notifications_delivered_total: set from beacon notify's store at each scrape */
	M_NOTIFY_FAILED,            /* beacon_notifications_failed_total: failed delivery attempts */
	M_INTAKE_EVENTS,            /* beacon_intake_events_total: accepted monitoring events */
	M_INTAKE_REJECTED,          /* beacon_intake_rejected_total */
	M_LOG_LINES,                /* beacon_log_lines_total */
	M_IN_FLIGHT,                /* gauge beacon_requests_in_flight */
	METRIC__COUNT
};

void metrics_inc(enum metric_id id);
void metrics_add(enum metric_id id, uint64_t n);
void metrics_dec(enum metric_id id);                 /* gauges */
void metrics_set(enum metric_id id, int64_t v);
int64_t metrics_get(enum metric_id id);

/* Route classes of beacon_http_requests_total{route=...}: one per route table, and "none". */
enum metrics_route {
	MR_STATIC, MR_OPS, MR_PAGES, MR_API_V2, MR_API_V1, MR_REPLICATION, MR_INTAKE, MR_NONE, MR__COUNT
};
const char *metrics_route_name(enum metrics_route c);

/* One finished request: its class, HTTP status, wall time and response bytes. */
void metrics_request(enum metrics_route c, int status, uint64_t micros, uint64_t bytes);
/* One render on a render cache miss (beacon_render_duration_seconds). */
void metrics_render(uint64_t micros);

/* Monotonic microseconds, for timing. */
uint64_t metrics_now_us(void);

/* Records the process start time (beacon serve calls it once). */
void metrics_start(void);
/* GET /metrics: Prometheus text format 0.0.4. */
void metrics_handler(struct req *r);
/* Outbox events the sender (beacon notify) has not fanned out yet and the oldest one's age in
 * seconds, from its cursor in the local delivery store; false on a secondary or without a store. */
bool metrics_outbox(struct req *r, int64_t *pending, int64_t *oldest_age_s);

#endif
