/* repl.c: the primary's snapshot endpoint and the secondary's snapshot watcher. */
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

/* The primary's signing keys, loaded on first use. One signer at a time (mbedtls caches tables in
 * the key), under its own lock so that a 304 is not held up by a snapshot being built. */
static struct {
	pthread_mutex_t mu;
	bool loaded;
	struct snap_keys keys;
} signer = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Signs m (a manifest) or else f (a freshness statement); with neither, only loads the keys. */
static enum bc_err signer_sign(struct req *r, struct snap_manifest *m, struct snap_fresh *f)
{
	char why[300];
	enum bc_err e = BC_OK;
	pthread_mutex_lock(&signer.mu);
	if (!signer.loaded) {
		e = snap_keys_load(&signer.keys, r->cfg->replication_key_file, r->cfg->replication_hmac_key, true, why,
		                   sizeof why);
		if (e != BC_OK)
			log_warnx("replication: cannot sign snapshots: %s", why);
		signer.loaded = e == BC_OK;
	}
	if (e == BC_OK && m != NULL)
		e = snap_manifest_sign(m, &signer.keys);
	else if (e == BC_OK && f != NULL)
		e = snap_fresh_sign(f, &signer.keys);
	pthread_mutex_unlock(&signer.mu);
	return e;
}

/* Adds the signed freshness statement "gen is my newest, now, for your nonce" to the answer. */
static enum bc_err add_freshness(struct req *r, uint64_t gen)
{
	struct snap_fresh f = { .gen = gen, .time_ms = now_ms() };
	char hdr[SNAP_MANIFEST_MAX];
	const char *nonce = req_header(r, SNAP_NONCE_HEADER);
	if (snap_nonce_ok(nonce))
		snprintf(f.nonce, sizeof f.nonce, "%s", nonce);
	enum bc_err e = signer_sign(r, NULL, &f);
	if (e != BC_OK)
		return e;
	snap_fresh_format(&f, hdr, sizeof hdr);
	resp_header(r, SNAP_FRESH_HEADER, hdr);
	return BC_OK;
}

/* Loads the signing keys and returns a manifest and file for a generation >= gen, building one if
 * needed. Runs with no read transaction open in this thread (the copy opens its own). */
static enum bc_err publish(struct req *r, uint64_t gen, struct snap_manifest *m, char *path, size_t pathlen)
{
	char dir[PATH_MAX];
	enum bc_err e = BC_OK;
	pthread_mutex_lock(&pub.mu);
	if ((e = signer_sign(r, NULL, NULL)) != BC_OK)
		goto out;
	if (!pub.have || pub.m.gen < gen || access(pub.path, R_OK) != 0) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		snprintf(dir, sizeof dir, "%s/" SNAP_PRIMARY_SUBDIR, r->cfg->store);
		pub.have = false;
		e = snap_build(r->store, dir, &pub.m, pub.path, sizeof pub.path);
		if (e == BC_OK)
			e = signer_sign(r, &pub.m, NULL);
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
 * caller's If-None-Match names the current generation. Both carry a signed freshness statement. */
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
		if (add_freshness(r, gen) != BC_OK) {
			resp_json_error(r, 503, "cannot sign the freshness statement (see the primary's log)");
			return;
		}
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
	if (add_freshness(r, m.gen) != BC_OK) {
		resp_json_error(r, 503, "cannot sign the freshness statement (see the primary's log)");
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

const struct route routes_repl[] = {
	{ "GET", "/replication/snapshot", h_snapshot, R_AUTH_REPL | R_JSON_ERR, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

/* The secondary's watcher: swaps in the snapshot `current` points at whenever it changes, once the
 * file matches its signed manifest (signature, size, SHA-256); a bad one is refused and moved aside. */
static struct {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop;
	struct app *app;
	bool keys_ok;
	struct snap_keys keys;      /* the secondary's verification keys (public ECDSA and/or HMAC) */
	char loaded[PATH_MAX];      /* the snapshot file being served */
	char failed[PATH_MAX];      /* one that was refused: not retried, not re-logged, unless replaced */
	struct stat failed_st;
} watch = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* Verifies installed generation gen against its manifest and opens it; BC_NOTFOUND if it is gone. */
static enum bc_err watch_open(const char *dir, uint64_t gen, const char *path, struct store **s, char *why,
                              size_t whylen)
{
	struct snap_manifest m;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum bc_err e = snap_installed_verify(dir, gen, &watch.keys, true, &m, why, whylen);
	if (e != BC_OK)
		return e;
	if ((e = store_open(s, path, STORE_SNAPSHOT)) != BC_OK) {
		snprintf(why, whylen, "%s matches its manifest but LMDB refuses it: %s", path, bc_strerror(e));
		return e;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("replica: generation %" PRIu64 " verified (%" PRIu64 " bytes, signature, size, SHA-256) in %lld ms",
	         gen, m.len, (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return BC_OK;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Serves installed generation gen if it verifies; a bad one is logged, remembered and moved aside. */
static bool watch_try(const char *dir, uint64_t gen, const char *path)
{
	char why[PATH_MAX + 200];
	struct store *s;
	struct stat st;
	if (stat(path, &st) != 0 || (strcmp(path, watch.failed) == 0 && same_file(&st, &watch.failed_st)))
		return false;      /* already replaced by a newer install, or known bad */
	enum bc_err e = watch_open(dir, gen, path, &s, why, sizeof why);
	if (e == BC_NOTFOUND)
		return false;
	if (e != BC_OK) {
		log_warnx("replica: REFUSED snapshot generation %" PRIu64 ": %s; still serving %s", gen, why,
		          watch.loaded[0] ? watch.loaded : "nothing (no data yet)");
		snprintf(watch.failed, sizeof watch.failed, "%s", path);
		watch.failed_st = st;
		if (e != BC_IO && e != BC_ENOMEM)      /* bad content, not a failure to read it */
			snap_quarantine(dir, gen);
		return false;
	}
	app_store_swap(watch.app, s);
	snprintf(watch.loaded, sizeof watch.loaded, "%s", path);
	log_info("replica: now serving generation %" PRIu64 " (%s)", gen, path);
	return true;
}

static void watch_check(void)
{
	const struct config *c = app_config(watch.app);
	char path[PATH_MAX];
	uint64_t gen;
	if (!watch.keys_ok || snap_current(c->store, &gen, path, sizeof path) != BC_OK || strcmp(path, watch.loaded) == 0)
		return;
	watch_try(c->store, gen, path);
}

/* At start: `current` if it verifies, else the newest older installed snapshot that does. */
static void watch_first(void)
{
	const struct config *c = app_config(watch.app);
	char path[PATH_MAX];
	uint64_t gen = 0, gens[16];
	bool have_current = snap_current(c->store, &gen, path, sizeof path) == BC_OK;
	if (have_current && watch_try(c->store, gen, path))
		return;
	size_t n = snap_installed_list(c->store, gens, sizeof gens / sizeof gens[0]);
	for (size_t i = 0; i < n; i++) {
		if (have_current && gens[i] >= gen)
			continue;
		snprintf(path, sizeof path, "%s/snap-%" PRIu64 ".mdb", c->store, gens[i]);
		if (watch_try(c->store, gens[i], path)) {
			log_warnx("replica: serving the previous generation %" PRIu64 " until `beacon pull` installs a good one",
			          gens[i]);
			return;
		}
	}
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
	char why[400];
	const struct config *c = app_config(a);
	watch.keys_ok = snap_keys_load(&watch.keys, c->replication_key_file, c->replication_hmac_key, false, why,
	                               sizeof why) == BC_OK;
	if (!watch.keys_ok)
		log_warnx("replica: cannot verify snapshots, so none is served (no data yet): %s", why);
	else
		watch_first();           /* serve the installed snapshot from the first request on */
	if (watch.loaded[0] == '\0')
		log_warnx("replica: no good snapshot installed in %s; answering 503 \"no data yet\" until `beacon pull` "
		          "installs one", c->store);
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
	snap_keys_free(&watch.keys);
	watch.keys_ok = false;
}
