/* pull.c: `beacon pull` (fetch, verify and install signed snapshots) and `beacon promote`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "arena.h"
#include "cli.h"
#include "log.h"
#include "repl.h"
#include "snapshot.h"
#include "tlsclient.h"

#define SNAPSHOT_PATH "/replication/snapshot"
#define CONNECT_TIMEOUT_MS 5000
#define READ_TIMEOUT_MS 30000

enum outcome { PULL_FAILED, PULL_REJECTED, PULL_UNCHANGED, PULL_INSTALLED };

struct pull {
	const struct config *c;
	const char *url;
	char auth[CFG_STR_MAX + 32];
	struct snap_keys keys;
	uint64_t max_bytes;
	bool have;                    /* a snapshot is installed */
	uint64_t have_gen;
	bool downloading;
	struct snap_download dl;
	enum outcome outcome;
	char nonce[SNAP_NONCE_MAX + 1];   /* sent in X-Beacon-Nonce, must come back in the statement */
	bool fresh_ok;                    /* the answer carried a valid, recent statement */
	bool confirmed;                   /* ... for the generation now installed: last-sync touched */
	struct snap_fresh fresh;
	char fresh_why[300];
	char why[1024];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static enum bc_err reject(struct pull *p, enum bc_err e)
{
	p->outcome = PULL_REJECTED;
	return e;
}

static enum bc_err on_head(void *ctx, const struct http_resp *resp)
{
	struct pull *p = ctx;
	char hdr[HTTP_HEAD_MAX + 1];
	struct snap_manifest m;
	const char *v;
	if (resp->status == 304 || resp->status == 200) {
		v = http_resp_header(resp, SNAP_FRESH_HEADER, hdr, sizeof hdr);
		p->fresh_ok = snap_fresh_parse(v, v ? strlen(v) : 0, &p->fresh, p->fresh_why, sizeof p->fresh_why) &&
		              snap_fresh_verify(&p->fresh, &p->keys, p->nonce, now_ms(), p->fresh_why, sizeof p->fresh_why);
	}
	if (resp->status == 304) {
		if (!p->have) {
			snprintf(p->why, sizeof p->why, "upstream answered 304 Not Modified to a request without If-None-Match");
			return BC_IO;
		}
		p->outcome = PULL_UNCHANGED;
		return BC_OK;
	}
	if (resp->status != 200) {
		snprintf(p->why, sizeof p->why, "upstream answered HTTP %d", resp->status);
		return BC_IO;
	}
	v = http_resp_header(resp, SNAP_HEADER, hdr, sizeof hdr);
	if (!snap_manifest_parse(v, v ? strlen(v) : 0, &m, p->why, sizeof p->why))
		return reject(p, BC_INVALID);
	if (!snap_manifest_verify(&m, &p->keys, p->why, sizeof p->why))
		return reject(p, BC_CRYPTO);
	if (p->have && m.gen < p->have_gen) {
		snprintf(p->why, sizeof p->why, "replayed: generation %" PRIu64 " is older than installed %" PRIu64,
		         m.gen, p->have_gen);
		return reject(p, BC_CONFLICT);
	}
	if (p->have && m.gen == p->have_gen) {
		p->outcome = PULL_UNCHANGED;     /* nothing to fetch; the body is not read */
		return BC_CONFLICT;
	}
	if (m.len > p->max_bytes) {
		snprintf(p->why, sizeof p->why, "oversized: %" PRIu64 " bytes, max_snapshot_mb allows %" PRIu64,
		         m.len, p->max_bytes);
		return reject(p, BC_TOOBIG);
	}
	if (resp->content_length >= 0 && (uint64_t)resp->content_length != m.len) {
		snprintf(p->why, sizeof p->why, "Content-Length %" PRId64 " differs from the manifest's %" PRIu64,
		         resp->content_length, m.len);
		return reject(p, BC_INVALID);
	}
	enum bc_err e = snap_dl_begin(&p->dl, p->c->store, &m);
	if (e != BC_OK) {
		snprintf(p->why, sizeof p->why, "cannot create a temp file in %s", p->c->store);
		return e;
	}
	p->downloading = true;
	return BC_OK;
}

static enum bc_err on_body(void *ctx, const void *buf, size_t n)
{
	struct pull *p = ctx;
	if (!p->downloading)
		return BC_OK;
	enum bc_err e = snap_dl_write(&p->dl, buf, n, p->why, sizeof p->why);
	return e == BC_TOOBIG ? reject(p, e) : e;
}

/* Counts the poll as a sync (touches last-sync) only if the primary's signed statement says, for our
 * nonce and recently, that held is its newest generation. Otherwise logs why and returns false. */
static bool pull_confirm(struct pull *p, uint64_t held)
{
	if (p->fresh_ok && p->fresh.gen < held)
		snprintf(p->fresh_why, sizeof p->fresh_why, "statement names generation %" PRIu64 ", older than the %" PRIu64
		         " installed here", p->fresh.gen, held);
	else if (p->fresh_ok && p->fresh.gen > held)
		snprintf(p->fresh_why, sizeof p->fresh_why, "the primary is at generation %" PRIu64 " but the answer leaves "
		         "this node at %" PRIu64, p->fresh.gen, held);
	else if (p->fresh_ok) {
		snap_mark_synced(p->c->store);
		p->confirmed = true;
		return true;
	}
	log_warnx("pull: %s: freshness not confirmed (%s): last-sync not updated", p->url, p->fresh_why);
	return false;
}

/* One poll of the primary. Every outcome but "unchanged" and "installed" is logged with its reason. */
static enum outcome pull_once(struct pull *p)
{
	char inm[64], path[PATH_MAX];
	const char *headers[4] = { p->auth, NULL, NULL, NULL };
	struct http_opts o = { .ca_file = p->c->ca_file, .connect_timeout_ms = CONNECT_TIMEOUT_MS,
	                       .read_timeout_ms = READ_TIMEOUT_MS, .deadline_ms = p->c->pull_deadline_seconds * 1000,
	                       .headers = headers };
	static struct http_resp resp;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct snap_manifest held;
	char nonce_hdr[SNAP_NONCE_MAX + 32];
	unsigned char rnd[16];
	/* a current file that does not match its manifest (size, signature) is fetched again */
	p->have = snap_current(p->c->store, &p->have_gen, path, sizeof path) == BC_OK;
	if (p->have && snap_installed_verify(p->c->store, p->have_gen, &p->keys, false, &held, p->why,
	                                     sizeof p->why) != BC_OK) {
		log_warnx("pull: the installed generation %" PRIu64 " is unusable (%s): fetching a fresh copy", p->have_gen,
		          p->why);
		p->have = false;
	}
	if (p->have) {
		snprintf(inm, sizeof inm, "If-None-Match: \"g%" PRIu64 "\"", p->have_gen);
		headers[2] = inm;
	}
	if (sign_rng(NULL, rnd, sizeof rnd) != 0)
		abort();
	sign_hex(rnd, sizeof rnd, p->nonce);
	snprintf(nonce_hdr, sizeof nonce_hdr, SNAP_NONCE_HEADER ": %s", p->nonce);
	headers[1] = nonce_hdr;
	p->outcome = PULL_FAILED;
	p->downloading = false;
	p->fresh_ok = p->confirmed = false;
	snprintf(p->fresh_why, sizeof p->fresh_why, "no freshness statement");
	p->why[0] = '\0';
	enum bc_err e = http_get(p->url, &o, &resp, on_head, on_body, p, p->why, sizeof p->why);
	if (p->downloading) {
		if (e == BC_OK && snap_dl_finish(&p->dl, p->why, sizeof p->why) == BC_OK) {
			p->outcome = PULL_INSTALLED;
		} else {
			if (e == BC_OK)
				p->outcome = PULL_REJECTED;
			snap_dl_abort(&p->dl);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ms = (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	switch (p->outcome) {
	case PULL_INSTALLED:
		log_info("pull: installed generation %" PRIu64 " (%" PRIu64 " bytes) in %lld ms", p->dl.m.gen,
		         p->dl.m.len, ms);
		pull_confirm(p, p->dl.m.gen);
		break;
	case PULL_UNCHANGED:
		log_debug("pull: generation %" PRIu64 " is current (%lld ms)", p->have_gen, ms);
		pull_confirm(p, p->have_gen);
		break;
	case PULL_REJECTED:
		log_warnx("pull: snapshot rejected: %s; still serving %s", p->why,
		          p->have ? path : "nothing");
		break;
	case PULL_FAILED:
		log_warnx("pull: %s: %s", p->url, p->why[0] ? p->why : bc_strerror(e));
		break;
	}
	return p->outcome;
}

/* "5s", "500ms", "2m", "1h" or bare seconds, into ms (100 ms to one day). */
static long parse_interval(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	long mult = strcmp(end, "ms") == 0 ? 1 : strcmp(end, "") == 0 || strcmp(end, "s") == 0 ? 1000 :
	            strcmp(end, "m") == 0 ? 60000 : strcmp(end, "h") == 0 ? 3600000 : -1;
	if (mult < 0 || v > 86400000L / mult || v * mult < 100)
		return -1;
	return v * mult;
}

static int pull_usage(bool help)
{
	fprintf(help ? stdout : stderr, "usage: beacon pull [--from URL] [--every INTERVAL | --once]\n"
	                "  URL defaults to the config's upstream; INTERVAL like 5s, 500ms, 1m\n"
	                "  (default pull_seconds). --once polls once: exit 0 if the primary confirmed (signed,\n"
	                "  fresh) that the installed generation is its newest; each poll ends within\n"
	                "  pull_deadline_seconds.\n");
	return help ? 0 : EXIT_USAGE;
}

int cmd_pull(const struct config *c, int argc, char **argv)
{
	const char *from = c->upstream;
	long every_ms = (long)c->pull_seconds * 1000;
	bool once = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
			if ((every_ms = parse_interval(argv[++i])) < 0)
				return pull_usage(false);
		} else if (strcmp(argv[i], "--once") == 0)
			once = true;
		else
			return pull_usage(cli_is_help(argv[i]));
	}
	if (from[0] == '\0') {
		fprintf(stderr, "beacon: pull: no upstream: pass --from URL or set upstream in %s\n", c->path);
		return EXIT_USAGE;
	}
	if (!repl_is_secondary(c)) {
		fprintf(stderr, "beacon: pull: refused: this node is a primary (role = %s%s)\n", c->role,
		        strcmp(c->role, "secondary") == 0 ? ", promoted" : "");
		return 1;
	}
	static struct pull p;
	char url[CFG_STR_MAX + 64], why[300];
	size_t fl = strlen(from);
	while (fl > 0 && from[fl - 1] == '/')
		fl--;
	if (strstr(from, SNAPSHOT_PATH) != NULL)
		snprintf(url, sizeof url, "%.*s", (int)fl, from);
	else
		snprintf(url, sizeof url, "%.*s" SNAPSHOT_PATH, (int)fl, from);
	p.c = c;
	p.url = url;
	p.max_bytes = (uint64_t)c->max_snapshot_mb << 20;
	snprintf(p.auth, sizeof p.auth, "Authorization: Bearer %s", c->upstream_token);
	if (snap_keys_load(&p.keys, c->replication_key_file, c->replication_hmac_key, false, why, sizeof why) != BC_OK) {
		fprintf(stderr, "beacon: pull: %s\n", why);
		return 1;
	}
	if (mkdir(c->store, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "beacon: pull: cannot create %s: %s\n", c->store, strerror(errno));
		snap_keys_free(&p.keys);
		return 1;
	}
	if (once) {
		enum outcome o = pull_once(&p);
		snap_keys_free(&p.keys);
		return (o == PULL_INSTALLED || o == PULL_UNCHANGED) && p.confirmed ? 0 : 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("pull: polling %s every %ld ms into %s", url, every_ms, c->store);
	while (!stop_requested) {
		pull_once(&p);
		for (long slept = 0; slept < every_ms && !stop_requested; slept += 50) {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	log_info("pull: stopped");
	snap_keys_free(&p.keys);
	return 0;
}

static int write_marker(const char *path, uint64_t gen)
{
	char text[128];
	int n = snprintf(text, sizeof text, "promoted from snapshot generation %" PRIu64 " at %lld ms\n", gen,
	                 (long long)now_ms());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = write(fd, text, (size_t)n) == n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

int cmd_promote(const struct config *c, int argc, char **argv)
{
	char snap[PATH_MAX], data[PATH_MAX], tmp[PATH_MAX], marker[PATH_MAX];
	uint64_t gen;
	(void)argv;
	if (argc > 1) {
		bool help = cli_is_help(argv[1]);
		fprintf(help ? stdout : stderr, "usage: beacon promote\n"
		        "  makes the newest installed snapshot this secondary's writable store\n");
		return help ? 0 : EXIT_USAGE;
	}
	if (!repl_is_secondary(c)) {
		fprintf(stderr, "beacon: promote: this node is already a primary\n");
		return 1;
	}
	if (snap_current(c->store, &gen, snap, sizeof snap) != BC_OK) {
		fprintf(stderr, "beacon: promote: no snapshot installed in %s: nothing to promote\n", c->store);
		return 1;
	}
	snprintf(data, sizeof data, "%s/data.mdb", c->store);
	snprintf(tmp, sizeof tmp, "%s/data.mdb.promote", c->store);
	snprintf(marker, sizeof marker, "%s/" SNAP_PROMOTED, c->store);
	if (access(data, F_OK) == 0) {
		fprintf(stderr, "beacon: promote: %s exists already; move it away first\n", data);
		return 1;
	}
	struct snap_keys keys;
	struct snap_manifest m;
	char why[PATH_MAX + 200];
	if (snap_keys_load(&keys, c->replication_key_file, c->replication_hmac_key, false, why, sizeof why) != BC_OK) {
		fprintf(stderr, "beacon: promote: cannot verify the installed snapshot: %s\n", why);
		return 1;
	}
	enum bc_err e = snap_installed_verify(c->store, gen, &keys, true, &m, why, sizeof why);
	snap_keys_free(&keys);
	if (e != BC_OK) {
		fprintf(stderr, "beacon: promote: refused: %s; nothing promoted\n", why);
		return 1;
	}
	struct store *s;
	if ((e = store_open(&s, snap, STORE_SNAPSHOT)) != BC_OK) {
		fprintf(stderr, "beacon: promote: cannot open %s: %s\n", snap, bc_strerror(e));
		return 1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || (e = store_copy_fd(s, fd)) != BC_OK || fsync(fd) != 0) {
		fprintf(stderr, "beacon: promote: copying into %s failed: %s\n", tmp, fd < 0 ? strerror(errno) : bc_strerror(e));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		store_close(s);
		return 1;
	}
	close(fd);
	store_close(s);
	if (rename(tmp, data) != 0) {
		fprintf(stderr, "beacon: promote: rename to %s: %s\n", data, strerror(errno));
		unlink(tmp);
		return 1;
	}
	if ((e = store_open(&s, c->store, 0)) != BC_OK) {
		fprintf(stderr, "beacon: promote: the promoted store does not open: %s\n", bc_strerror(e));
		unlink(data);
		return 1;
	}
	store_close(s);
	if (write_marker(marker, gen) != 0) {
		fprintf(stderr, "beacon: promote: cannot write %s: %s\n", marker, strerror(errno));
		return 1;
	}
	int dfd = open(c->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	printf("promoted generation %" PRIu64 " into %s\n"
	       "stop beacon-pull and restart beacon serve: it now accepts writes (marker %s).\n"
	       "to make it permanent, set 'role = primary' in %s and a private replication_key_file.\n",
	       gen, data, marker, c->path);
	return 0;
}
