/* scheduler.c: the primary's scheduler thread: maintenance windows that started or ended move on, late heartbeats go down and silent Alertmanager feeders go stale, as write-layer changes. */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "intake.h"
#include "log.h"
#include "scheduler.h"
#include "write.h"

#define SCHEDULER_EVERY_MS 2000

static pthread_t sched_tid;
static pthread_mutex_t sched_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv = PTHREAD_COND_INITIALIZER;
static bool sched_running, sched_stop;
static struct store *sched_store;

/* Whether any open maintenance is behind its window (a read txn: the usual case writes nothing). */
static bool anything_due(struct store *s, int64_t now)
{
	struct arena *a = arena_new();
	struct stx *t;
	bool due = false;
	if (store_begin_read(s, a, &t) == BC_OK) {
		struct incident *open;
		size_t n;
		if (store_incident_list_open(t, &open, &n) == BC_OK)
			for (size_t i = 0; i < n && !due; i++)
				due = write_maintenance_due(&open[i], now);
		store_abort(t);
	}
	arena_free(a);
	return due;
}

enum bc_err scheduler_tick(struct store *s, size_t *done)
{
	*done = 0;
	int64_t now = now_ms();
	if (!anything_due(s, now))
		return BC_OK;
	struct arena *a = arena_new();
	struct stx *t;
	enum bc_err e = store_begin_write(s, a, &t);
	if (e == BC_OK) {
		struct write_ctx w = { .t = t, .a = a, .actor = "system:scheduler", .now = now };
		e = write_maintenance_tick(&w, done);
		if (e == BC_OK && *done)
			e = store_commit(t);
		else
			store_abort(t);
		if (e != BC_OK)
			log_warnx("scheduler: %s", w.err[0] ? w.err : bc_strerror(e));
	}
	arena_free(a);
	return e;
}

static void *scheduler_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sched_mu);
	while (!sched_stop) {
		pthread_mutex_unlock(&sched_mu);
		size_t done;
		if (scheduler_tick(sched_store, &done) == BC_OK && done)
			log_info("scheduler: %zu maintenance transition(s)", done);
		if (intake_hb_tick(sched_store, &done) == BC_OK && done)
			log_info("intake: %zu heartbeat check(s) late", done);
		if (intake_am_tick(sched_store, &done) == BC_OK && done)
			log_info("intake: %zu Alertmanager rule(s) silent past their stale-after time", done);
		pthread_mutex_lock(&sched_mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SCHEDULER_EVERY_MS / 1000;
		while (!sched_stop && pthread_cond_timedwait(&sched_cv, &sched_mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&sched_mu);
	return NULL;
}

int scheduler_start(struct store *s)
{
	sched_store = s;
	sched_stop = false;
	if (pthread_create(&sched_tid, NULL, scheduler_main, NULL) != 0)
		return -1;
	sched_running = true;
	return 0;
}

void scheduler_stop(void)
{
	if (!sched_running)
		return;
	pthread_mutex_lock(&sched_mu);
	sched_stop = true;
	pthread_cond_signal(&sched_cv);
	pthread_mutex_unlock(&sched_mu);
	pthread_join(sched_tid, NULL);
	sched_running = false;
}
