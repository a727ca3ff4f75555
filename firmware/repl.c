/* repl.c: the primary's snapshot endpoint, the health endpoint, and the secondary's snapshot watcher. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "app.h"
#include "log.h"
#include "out.h"
#include "repl.h"
#include "req.h"
#include "snapshot.h"

/* FastCGI param naming nginx's internal location for snapshot files (conf/nginx/beacon.conf);
 * when absent the file is streamed through FastCGI instead. */
#define ACCEL_PARAM "BEACON_ACCEL_SNAPSHOTS"
#define WATCH_INTERVAL_MS 200

/* The primary's newest published snapshot; built at most once per generation. */
static struct {
	pthread_mutex_t mu;
	bool keys_loaded;
	struct snap_keys keys;
	bool have;
	struct snap_manifest m;
	char path[PATH_MAX];
} pub = { .mu = PTHREAD_MUTEX_INITIALIZER };

bool repl_is_secondary(const struct config *c)
{
	char marker[PATH_MAX];
	if (strcmp(c->role, "secondary") != 0)
		return false;
	snprintf(marker, sizeof marker, "%s/" SNAP_PROMOTED, c->store);
	return access(marker, F_OK) != 0;
}

int64_t repl_last_sync_ms(const struct config *c)
{
	return repl_is_secondary(c) ? snap_last_sync_ms(c->store) : 0;
}

static bool accel_prefix_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n > 1 && n < 200 && p[0] == '/' && p[n - 1] == '/' && strstr(p, "..") == NULL &&
	       strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.") == n;
}

static bool etag_listed(const char *inm, const char *etag)
{
	return inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

/* Loads the signing keys and returns a manifest and file for a generation >= gen, building one if
 * needed. Runs with no read transaction open in this thread (the copy opens its own). */
static enum bc_err publish(struct req *r, uint64_t gen, struct snap_manifest *m, char *path, size_t pathlen)
{
	char why[300], dir[PATH_MAX];
	enum bc_err e = BC_OK;
	pthread_mutex_lock(&pub.mu);
	if (!pub.keys_loaded) {
		e = snap_keys_load(&pub.keys, r->cfg->replication_key_file, r->cfg->replication_hmac_key, true,
		                   why, sizeof why);
		if (e != BC_OK) {
			log_warnx("replication: cannot sign snapshots: %s", why);
			goto out;
		}
		pub.keys_loaded = true;
	}
	if (!pub.have || pub.m.gen < gen || access(pub.path, R_OK) != 0) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		snprintf(dir, sizeof dir, "%s/" SNAP_PRIMARY_SUBDIR, r->cfg->store);
		pub.have = false;
		e = snap_build(r->store, dir, &pub.m, pub.path, sizeof pub.path);
		if (e == BC_OK)
			e = snap_manifest_sign(&pub.m, &pub.keys);
		if (e != BC_OK) {
			log_warnx("replication: building a snapshot in %s failed: %s", dir, bc_strerror(e));
			goto out;
		}
		pub.have = true;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("replication: published generation %" PRIu64 " (%" PRIu64 " bytes) in %lld ms", pub.m.gen,
		         pub.m.len, (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	*m = pub.m;
	snprintf(path, pathlen, "%s", pub.path);
out:
	pthread_mutex_unlock(&pub.mu);
	return e;
}

/* GET /replication/snapshot: the newest compact snapshot with its signed manifest; 304 when the
 * caller's If-None-Match names the current generation. */
static void h_snapshot(struct req *r)
{
	char etag[40], hdr[SNAP_MANIFEST_MAX], path[PATH_MAX];
	struct snap_manifest m;
	if (app_readonly(r->app)) {
		resp_json_error(r, 503, "this node is a read-only replica: pull snapshots from the primary");
		return;
	}
	struct stx *t = req_tx(r);
	if (t == NULL) {
		resp_err(r, BC_STORE, "cannot read the store");
		return;
	}
	uint64_t gen = store_generation(t);
	r->content_type_out = "application/octet-stream";
	r->cache_control = "no-store";
	snprintf(etag, sizeof etag, "\"g%" PRIu64 "\"", gen);
	if (etag_listed(req_header(r, "If-None-Match"), etag)) {
		resp_header(r, "ETag", etag);
		r->status = 304;
		return;
	}
	store_abort(r->tx);       /* LMDB allows one read txn per thread; the copy needs its own */
	r->tx = NULL;
	enum bc_err e = publish(r, gen, &m, path, sizeof path);
	if (e != BC_OK) {
		resp_json_error(r, 503, "snapshot unavailable: %s (see the primary's log)", bc_strerror(e));
		return;
	}
	snprintf(etag, sizeof etag, "\"g%" PRIu64 "\"", m.gen);
	snap_manifest_format(&m, hdr, sizeof hdr);
	resp_header(r, "ETag", etag);
	resp_header(r, SNAP_HEADER, hdr);
	const char *accel = req_env(r, ACCEL_PARAM);
	if (accel_prefix_ok(accel)) {
		char uri[300];
		snprintf(uri, sizeof uri, "%ssnap-%" PRIu64 ".mdb", accel, m.gen);
		resp_header(r, "X-Accel-Redirect", uri);
		return;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size != m.len) {
		if (fd >= 0)
			close(fd);
		log_warn("replication: open %s", path);
		resp_json_error(r, 503, "snapshot file unavailable, retry");
		return;
	}
	r->send_fd = fd;
	r->send_len = m.len;
}

static void iso_time(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* GET /health: role, generation served, and on a secondary how long since the primary confirmed it. */
static void h_health(struct req *r)
{
	char when[32];
	struct stx *t = req_tx(r);
	if (t == NULL) {
		resp_err(r, BC_STORE, "cannot read the store");
		return;
	}
	bool secondary = app_readonly(r->app);
	int64_t gen_ms = store_generation_time(t);
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	jw_str(&w, "role", secondary ? "secondary" : "primary");
	jw_int(&w, "generation", (int64_t)store_generation(t));
	iso_time(gen_ms, when, sizeof when);
	jw_str(&w, "generation_time", gen_ms > 0 ? when : NULL);
	if (secondary) {
		int64_t sync = snap_last_sync_ms(r->cfg->store);
		iso_time(sync, when, sizeof when);
		jw_str(&w, "last_sync", sync > 0 ? when : NULL);
		if (sync > 0)
			jw_int(&w, "snapshot_age_seconds", (now_ms() - sync) / 1000);
		else
			jw_null(&w, "snapshot_age_seconds");
	} else {
		jw_null(&w, "last_sync");
		jw_int(&w, "snapshot_age_seconds", 0);
	}
	jw_obj_close(&w);
	r->content_type_out = "application/json";
	r->cache_control = "no-store";
}

const struct route routes_repl[] = {
	{ "GET", "/replication/snapshot", h_snapshot, R_AUTH_REPL | R_JSON_ERR },
	{ "GET", "/health", h_health, R_JSON_ERR },
	{ NULL, NULL, NULL, 0 }
};

/* The secondary's watcher: swaps in the snapshot `current` points at whenever it changes. */
static struct {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop;
	struct app *app;
	char loaded[PATH_MAX];      /* the snapshot file being served */
	char failed[PATH_MAX];      /* one that would not open: not retried, not re-logged */
} watch = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void watch_check(void)
{
	const struct config *c = app_config(watch.app);
	char path[PATH_MAX];
	uint64_t gen;
	struct store *s;
	if (snap_current(c->store, &gen, path, sizeof path) != BC_OK)
		return;
	if (strcmp(path, watch.loaded) == 0 || strcmp(path, watch.failed) == 0 || access(path, R_OK) != 0)
		return;      /* unchanged, known bad, or already replaced by a newer install */
	enum bc_err e = store_open(&s, path, STORE_SNAPSHOT);
	if (e != BC_OK) {
		log_warnx("replica: cannot open snapshot %s: %s; still serving %s", path, bc_strerror(e),
		          watch.loaded[0] ? watch.loaded : "nothing");
		snprintf(watch.failed, sizeof watch.failed, "%s", path);
		return;
	}
	app_store_swap(watch.app, s);
	snprintf(watch.loaded, sizeof watch.loaded, "%s", path);
	log_info("replica: now serving generation %" PRIu64 " (%s)", gen, path);
}

static void *watch_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&watch.mu);
	while (!watch.stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&watch.cv, &watch.mu, &until);
		if (!watch.stop)
			watch_check();
	}
	pthread_mutex_unlock(&watch.mu);
	return NULL;
}

int repl_watch_start(struct app *a)
{
	pthread_mutex_lock(&watch.mu);
	watch.app = a;
	watch.stop = false;
	watch.loaded[0] = watch.failed[0] = '\0';
	watch_check();               /* serve the installed snapshot from the first request on */
	if (watch.loaded[0] == '\0')
		log_warnx("replica: no snapshot installed in %s yet; answering 503 until `beacon pull` installs one",
		          app_config(a)->store);
	int rc = pthread_create(&watch.tid, NULL, watch_main, NULL);
	watch.running = rc == 0;
	pthread_mutex_unlock(&watch.mu);
	if (rc != 0)
		log_warnx("replica: cannot start the snapshot watcher: %s", strerror(rc));
	return rc == 0 ? 0 : -1;
}

void repl_watch_stop(void)
{
	pthread_mutex_lock(&watch.mu);
	bool running = watch.running;
	watch.stop = true;
	watch.running = false;
	pthread_cond_signal(&watch.cv);
	pthread_mutex_unlock(&watch.mu);
	if (running)
		pthread_join(watch.tid, NULL);
}
