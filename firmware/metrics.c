/* metrics.c: the process-wide metrics registry (atomics) and GET /metrics in Prometheus text format. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "app.h"
#include "metrics.h"
#include "notify.h"
#include "out.h"
#include "repl.h"
#include "req.h"
#include "snapshot.h"

#ifndef BEACON_VERSION
#define BEACON_VERSION "dev"
#endif

enum metric_kind { MK_COUNTER, MK_GAUGE };

/* The table: one row per enum metric_id, in the same order. */
static const struct metric_def {
	enum metric_id id;
	enum metric_kind kind;
	const char *name;
	const char *help;
} defs[METRIC__COUNT] = {
	{ M_RENDER_CACHE_HITS,   MK_COUNTER, "beacon_render_cache_hits_total", "Cacheable requests answered from the render cache." },
	{ M_RENDER_CACHE_MISSES, MK_COUNTER, "beacon_render_cache_misses_total", "Cacheable requests that rendered the page." },
	{ M_NGINX_BYPASS,        MK_COUNTER, "beacon_nginx_cache_bypass_total", "Cacheable requests with credentials, which nginx never answers from its microcache." },
	{ M_NOTIFY_DELIVERED,    MK_COUNTER, "beacon_notifications_delivered_total", "Notifications delivered." },
	{ M_NOTIFY_FAILED,       MK_COUNTER, "beacon_notifications_failed_total", "Notification delivery attempts that failed." },
	{ M_INTAKE_EVENTS,       MK_COUNTER, "beacon_intake_events_total", "Monitoring events accepted by intake." },
	{ M_INTAKE_REJECTED,     MK_COUNTER, "beacon_intake_rejected_total", "Monitoring events refused by intake." },
	{ M_LOG_LINES,           MK_COUNTER, "beacon_log_lines_total", "Lines written to the log." },
	{ M_IN_FLIGHT,           MK_GAUGE,   "beacon_requests_in_flight", "Requests being handled now." },
};

static _Atomic int64_t values[METRIC__COUNT];

void metrics_inc(enum metric_id id)
{
	atomic_fetch_add_explicit(&values[id], 1, memory_order_relaxed);
}

void metrics_add(enum metric_id id, uint64_t n)
{
	atomic_fetch_add_explicit(&values[id], (int64_t)n, memory_order_relaxed);
}

void metrics_dec(enum metric_id id)
{
	atomic_fetch_sub_explicit(&values[id], 1, memory_order_relaxed);
}

void metrics_set(enum metric_id id, int64_t v)
{
	atomic_store_explicit(&values[id], v, memory_order_relaxed);
}

int64_t metrics_get(enum metric_id id)
{
	return atomic_load_explicit(&values[id], memory_order_relaxed);
}

uint64_t metrics_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *const route_names[MR__COUNT] = {
	"static", "ops", "pages", "api_v2", "api_v1", "replication", "intake", "none",
};

const char *metrics_route_name(enum metrics_route c)
{
	return c < MR__COUNT ? route_names[c] : "none";
}

/* Status codes counted one by one; anything else falls in "other" (index NCODES). */
static const int codes[] = { 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503 };
#define NCODES (sizeof codes / sizeof codes[0])

/* Histogram buckets in microseconds (upper bounds); +Inf is implicit. */
static const uint64_t bucket_us[] = { 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000 };
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0])

struct histogram {
	_Atomic uint64_t bucket[NBUCKETS];      /* non-cumulative; summed when written */
	_Atomic uint64_t count, sum_us;
};

static _Atomic uint64_t requests[MR__COUNT][NCODES + 1];
static _Atomic uint64_t response_bytes[MR__COUNT];
static struct histogram request_time[MR__COUNT];
static struct histogram render_time;
static time_t started;

static void metrics_histogram_observe(struct histogram *h, uint64_t us)
{
	size_t i = 0;
	while (i < NBUCKETS && us > bucket_us[i])
		i++;
	if (i < NBUCKETS)
		atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_request(enum metrics_route c, int status, uint64_t micros, uint64_t bytes)
{
	if (c >= MR__COUNT)
		c = MR_NONE;
	size_t i = 0;
	while (i < NCODES && codes[i] != status)
		i++;
	atomic_fetch_add_explicit(&requests[c][i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&response_bytes[c], bytes, memory_order_relaxed);
	metrics_histogram_observe(&request_time[c], micros);
}

void metrics_render(uint64_t micros)
{
	metrics_histogram_observe(&render_time, micros);
}

static void metrics_head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_seconds(struct buf *b, uint64_t us)
{
	buf_printf(b, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
}

/* Writes name{label="value"[,extra]} for histogram series; value escaped for a label. */
static void metrics_histogram_write(struct buf *b, const char *name, const char *label, const char *value,
                            struct histogram *h)
{
	uint64_t cum = 0;
	char le[32];
	for (size_t i = 0; i <= NBUCKETS; i++) {
		if (i < NBUCKETS) {
			cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
			snprintf(le, sizeof le, "%" PRIu64 ".%06" PRIu64, bucket_us[i] / 1000000u, bucket_us[i] % 1000000u);
		} else {
			snprintf(le, sizeof le, "+Inf");
		}
		uint64_t n = i < NBUCKETS ? cum : atomic_load_explicit(&h->count, memory_order_relaxed);
		buf_printf(b, "%s_bucket{", name);
		if (label) {
			buf_printf(b, "%s=", label);
			out_prom_label(b, value);
			buf_putc(b, ',');
		}
		buf_printf(b, "le=\"%s\"} %" PRIu64 "\n", le, n);
	}
	/* count read after the buckets: a request finishing meanwhile can only make it larger */
	for (int sum = 1; sum >= 0; sum--) {
		buf_printf(b, "%s_%s", name, sum ? "sum" : "count");
		if (label) {
			buf_printf(b, "{%s=", label);
			out_prom_label(b, value);
			buf_putc(b, '}');
		}
		buf_putc(b, ' ');
		if (sum)
			metrics_seconds(b, atomic_load_explicit(&h->sum_us, memory_order_relaxed));
		else
			buf_printf(b, "%" PRIu64, atomic_load_explicit(&h->count, memory_order_relaxed));
		buf_putc(b, '\n');
	}
}

static void metrics_http(struct buf *b)
{
	metrics_head(b, "beacon_http_requests_total", "counter", "Requests answered, by route class and HTTP status.");
	for (int c = 0; c < MR__COUNT; c++)
		for (size_t i = 0; i <= NCODES; i++) {
			uint64_t n = atomic_load_explicit(&requests[c][i], memory_order_relaxed);
			if (n == 0)
				continue;
			char code[16];
			if (i < NCODES)
				snprintf(code, sizeof code, "%d", codes[i]);
			else
				snprintf(code, sizeof code, "other");
			buf_printf(b, "beacon_http_requests_total{route=\"%s\",code=\"%s\"} %" PRIu64 "\n",
			           route_names[c], code, n);
		}
	metrics_head(b, "beacon_http_response_bytes_total", "counter", "Response bytes sent (headers excluded), by route class.");
	for (int c = 0; c < MR__COUNT; c++)
		buf_printf(b, "beacon_http_response_bytes_total{route=\"%s\"} %" PRIu64 "\n", route_names[c],
		           atomic_load_explicit(&response_bytes[c], memory_order_relaxed));
	metrics_head(b, "beacon_http_request_duration_seconds", "histogram", "Time from request start to response sent, by route class.");
	for (int c = 0; c < MR__COUNT; c++)
		metrics_histogram_write(b, "beacon_http_request_duration_seconds", "route", route_names[c], &request_time[c]);
	metrics_head(b, "beacon_render_duration_seconds", "histogram", "Time to render a page or document on a render cache miss.");
	metrics_histogram_write(b, "beacon_render_duration_seconds", NULL, NULL, &render_time);
}

/* The sender's local delivery store, read-only, opened on the first scrape that finds it (beacon
 * notify is another process: its cursor and delivery counts are read from there). */
static pthread_mutex_t sender_lock = PTHREAD_MUTEX_INITIALIZER;
static struct deliv_db *sender_db;

static struct deliv_db *metrics_sender_db(const struct config *cfg, struct arena *a)
{
	pthread_mutex_lock(&sender_lock);
	if (sender_db == NULL && deliv_open_reader(&sender_db, notify_store_dir(a, cfg)) != BC_OK)
		sender_db = NULL;
	struct deliv_db *d = sender_db;
	pthread_mutex_unlock(&sender_lock);
	return d;
}

/* The sender's cursor and its delivered/failed attempt counts; false when it never ran (all 0). */
static bool metrics_sender_read(const struct config *cfg, struct arena *a, uint64_t *cursor,
                                uint64_t *delivered, uint64_t *failed)
{
	*cursor = *delivered = *failed = 0;
	struct deliv_db *d = metrics_sender_db(cfg, a);
	struct dtx *dt;
	if (d == NULL || deliv_begin(d, a, false, &dt) != BC_OK)
		return false;
	*cursor = deliv_cursor(dt);
	deliv_counts(dt, delivered, failed);
	deliv_abort(dt);
	return true;
}

/* The notifications outbox on a primary: events after the sender's cursor, and the oldest one's
 * age. Used by /metrics (beacon_outbox_pending, beacon_outbox_oldest_age_seconds) and /health
 * (outbox_lag_seconds). A secondary sends nothing: false. */
bool metrics_outbox(struct req *r, int64_t *pending, int64_t *oldest_age_s)
{
	*pending = 0;
	*oldest_age_s = 0;
	struct stx *t = r->store ? req_tx(r) : NULL;
	if (t == NULL || app_readonly(r->app))
		return false;
	uint64_t cursor, delivered, failed;
	metrics_sender_read(r->cfg, r->arena, &cursor, &delivered, &failed);
	uint64_t last = store_outbox_last(t);
	if (last <= cursor)
		return true;
	*pending = (int64_t)(last - cursor);
	struct outbox_event *ev;
	size_t n = 0;
	if (store_outbox_list(t, cursor, 1, &ev, &n) == BC_OK && n == 1 && ev[0].at < now_ms())
		*oldest_age_s = (now_ms() - ev[0].at) / 1000;
	return true;
}

static void metrics_store(struct req *r, struct buf *b)
{
	struct stx *t = req_tx(r);
	metrics_head(b, "beacon_store_up", "gauge", "1 when the store could be read for this scrape.");
	buf_printf(b, "beacon_store_up %d\n", t != NULL);
	if (t == NULL)
		return;
	metrics_head(b, "beacon_store_generation", "gauge", "Store generation being served (one per committed write).");
	buf_printf(b, "beacon_store_generation %" PRIu64 "\n", store_generation(t));
	metrics_head(b, "beacon_store_generation_timestamp_seconds", "gauge", "When the served generation was committed.");
	buf_printf(b, "beacon_store_generation_timestamp_seconds %" PRId64 "\n", store_generation_time(t) / 1000);
	metrics_head(b, "beacon_store_map_size_bytes", "gauge", "LMDB map size.");
	buf_printf(b, "beacon_store_map_size_bytes %zu\n", store_map_size(r->store));
	metrics_head(b, "beacon_store_map_used_bytes", "gauge", "LMDB map pages in use.");
	buf_printf(b, "beacon_store_map_used_bytes %zu\n", store_map_used(r->store));
	if (app_readonly(r->app)) {
		int64_t sync = snap_last_sync_ms(r->cfg->store);
		metrics_head(b, "beacon_snapshot_age_seconds", "gauge", "Secondary: seconds since the primary last confirmed our snapshot.");
		buf_printf(b, "beacon_snapshot_age_seconds %" PRId64 "\n", sync > 0 ? (now_ms() - sync) / 1000 : -1);
	}
	int64_t pending, age;
	if (metrics_outbox(r, &pending, &age)) {
		metrics_head(b, "beacon_outbox_pending", "gauge", "Notifications waiting in the outbox.");
		buf_printf(b, "beacon_outbox_pending %" PRId64 "\n", pending);
		metrics_head(b, "beacon_outbox_oldest_age_seconds", "gauge", "Age of the oldest notification waiting in the outbox.");
		buf_printf(b, "beacon_outbox_oldest_age_seconds %" PRId64 "\n", age);
	}
}

static void metrics_process(struct buf *b)
{
	metrics_head(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.");
	buf_printf(b, "process_start_time_seconds %lld\n", (long long)started);
	long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
			pages = rss = 0;
		fclose(f);
	}
	long psz = sysconf(_SC_PAGESIZE);
	metrics_head(b, "process_resident_memory_bytes", "gauge", "Resident memory size.");
	buf_printf(b, "process_resident_memory_bytes %lld\n", rss * psz);
	metrics_head(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
	buf_printf(b, "process_virtual_memory_bytes %lld\n", pages * psz);
}

void metrics_start(void)
{
	started = time(NULL);
}

/* GET /metrics: loopback clients, or a token of scope read or above (route.c checks). */
void metrics_handler(struct req *r)
{
	struct buf *b = &r->body_out;
	metrics_head(b, "beacon_build_info", "gauge", "Always 1; the version of this beacon binary.");
	buf_puts(b, "beacon_build_info{version=");
	out_prom_label(b, BEACON_VERSION);
	buf_printf(b, ",role=\"%s\"} 1\n", app_readonly(r->app) ? "secondary" : "primary");
	uint64_t cursor, delivered, failed;          /* counted by beacon notify, kept in its store */
	if (!app_readonly(r->app) && metrics_sender_read(r->cfg, r->arena, &cursor, &delivered, &failed)) {
		metrics_set(M_NOTIFY_DELIVERED, (int64_t)delivered);
		metrics_set(M_NOTIFY_FAILED, (int64_t)failed);
	}
	for (int i = 0; i < METRIC__COUNT; i++) {
		metrics_head(b, defs[i].name, defs[i].kind == MK_COUNTER ? "counter" : "gauge", defs[i].help);
		buf_printf(b, "%s %" PRId64 "\n", defs[i].name, metrics_get(defs[i].id));
	}
	metrics_http(b);
	metrics_store(r, b);
	metrics_process(b);
	r->content_type_out = "text/plain; version=0.0.4; charset=utf-8";
	r->cache_control = "no-store";
}
