/* snapshot.c: signed snapshot manifests and freshness statements, building snap-<gen>.mdb on a primary, verified install and integrity checks on a secondary. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/platform_util.h>
#include "arena.h"
#include "log.h"
#include "snapshot.h"

#define SNAP_KEEP_PRIMARY 3            /* a front end may still be sending the previous ones */
#define SNAP_TMP_MAX_AGE 600           /* seconds before a leftover temp file is removed */
#define SNAP_BAD_MAX_AGE 86400         /* seconds a quarantined snap-<gen>.mdb.bad is kept */

enum bc_err snap_keys_load(struct snap_keys *k, const char *key_file, const char *hmac_hex, bool primary,
                           char *why, size_t whylen)
{
	memset(k, 0, sizeof *k);
	if (key_file[0] != '\0') {
		enum bc_err e = sign_key_load(&k->ecdsa, key_file, primary, why, whylen);
		if (e != BC_OK)
			return e;
	}
	if (hmac_hex[0] != '\0') {
		k->hmac_len = sign_unhex_any(hmac_hex, k->hmac, sizeof k->hmac);
		if (k->hmac_len < 16) {
			snprintf(why, whylen, "replication_hmac_key must be 32 to 128 hex digits");
			snap_keys_free(k);
			return BC_INVALID;
		}
	}
	if (k->ecdsa == NULL && k->hmac_len == 0) {
		snprintf(why, whylen, "neither replication_key_file nor replication_hmac_key is set: "
		                      "refusing unsigned snapshots");
		return BC_INVALID;
	}
	return BC_OK;
}

void snap_keys_free(struct snap_keys *k)
{
	sign_key_free(k->ecdsa);
	mbedtls_platform_zeroize(k->hmac, sizeof k->hmac);
	memset(k, 0, sizeof *k);
}

void snap_manifest_format(const struct snap_manifest *m, char *out, size_t n)
{
	char sha[SIGN_SHA256_HEX];
	sign_hex(m->sha256, sizeof m->sha256, sha);
	int w = snprintf(out, n, "gen=%" PRIu64 "; len=%" PRIu64 "; sha256=%s; created=%" PRId64,
	                 m->gen, m->len, sha, m->created_ms);
	if (m->sig[0] != '\0' && w > 0 && (size_t)w < n)
		w += snprintf(out + w, n - (size_t)w, "; sig=%s", m->sig);
	if (m->hmac[0] != '\0' && w > 0 && (size_t)w < n)
		snprintf(out + w, n - (size_t)w, "; hmac=%s", m->hmac);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Splits "name=value; name=value" (len bytes, no NUL needed) into buf, pointing vals[i] at the value
 * of names[i]. Each name at most once, no unknown names; *seen gets a bit per name present. */
static bool fields_split(const char *s, size_t len, const char *const *names, unsigned nnames,
                         char buf[SNAP_MANIFEST_MAX + 1], const char **vals, unsigned *seen)
{
	*seen = 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		return false;
	char *save = NULL;
	for (char *f = strtok_r(buf, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		while (*f == ' ')
			f++;
		char *eq = strchr(f, '=');
		if (eq == NULL)
			return false;
		*eq = '\0';
		unsigned idx = 0;
		while (idx < nnames && strcmp(f, names[idx]) != 0)
			idx++;
		if (idx == nnames || (*seen & (1u << idx)))
			return false;
		*seen |= 1u << idx;
		vals[idx] = eq + 1;
	}
	return true;
}

static bool parse_sig(const char *v, char out[SIGN_SIG_B64_MAX])
{
	size_t n = strlen(v);
	if (n >= SIGN_SIG_B64_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return false;
	memcpy(out, v, n + 1);
	return true;
}

static bool parse_hex_exact(const char *v, char *out, size_t digits)
{
	if (strlen(v) != digits || strspn(v, "0123456789abcdef") != digits)
		return false;
	memcpy(out, v, digits + 1);
	return true;
}

bool snap_manifest_parse(const char *s, size_t len, struct snap_manifest *m, char *why, size_t whylen)
{
	static const char *const names[] = { "gen", "len", "sha256", "created", "sig", "hmac" };
	char buf[SNAP_MANIFEST_MAX + 1];
	const char *v[6] = { 0 };
	unsigned seen;
	uint64_t u = 0;
	memset(m, 0, sizeof *m);
	if (s == NULL) {
		snprintf(why, whylen, "manifest missing");
		return false;
	}
	if (len > SNAP_MANIFEST_MAX) {
		snprintf(why, whylen, "manifest too long (%zu bytes, at most %d)", len, SNAP_MANIFEST_MAX);
		return false;
	}
	if (!fields_split(s, len, names, 6, buf, v, &seen))
		goto bad;
	if ((seen & 0xf) != 0xf) {
		snprintf(why, whylen, "manifest lacks gen, len, sha256 or created");
		return false;
	}
	if (!parse_u64(v[0], &m->gen) || !parse_u64(v[1], &m->len) || !sign_unhex(v[2], m->sha256, sizeof m->sha256) ||
	    !parse_u64(v[3], &u) || u > INT64_MAX)
		goto bad;
	m->created_ms = (int64_t)u;
	if ((v[4] && !parse_sig(v[4], m->sig)) || (v[5] && !parse_hex_exact(v[5], m->hmac, 64)))
		goto bad;
	return true;
bad:
	memset(m, 0, sizeof *m);
	snprintf(why, whylen, "malformed manifest");
	return false;
}

static int signed_message(const struct snap_manifest *m, char *out, size_t n)
{
	char sha[SIGN_SHA256_HEX];
	sign_hex(m->sha256, sizeof m->sha256, sha);
	return snprintf(out, n, "beacon-snapshot-v1\n%" PRIu64 "\n%" PRIu64 "\n%s\n%" PRId64,
	                m->gen, m->len, sha, m->created_ms);
}

/* Signs msg with every configured key: sig gets base64 DER ECDSA, hmac hex HMAC-SHA256 ("" if unused). */
static enum bc_err sign_message(const struct snap_keys *k, const char *msg, size_t n, char sig[SIGN_SIG_B64_MAX],
                                char hmac[SIGN_SHA256_HEX])
{
	sig[0] = hmac[0] = '\0';
	if (k->ecdsa != NULL) {
		enum bc_err e = sign_ecdsa(k->ecdsa, msg, n, sig);
		if (e != BC_OK)
			return e;
	}
	if (k->hmac_len > 0) {
		unsigned char mac[SIGN_SHA256_LEN];
		sign_hmac_sha256(k->hmac, (size_t)k->hmac_len, msg, n, mac);
		sign_hex(mac, sizeof mac, hmac);
	}
	return BC_OK;
}

/* Every configured key must have signed msg; what names the thing in the reason. */
static bool verify_message(const struct snap_keys *k, const char *msg, size_t n, const char *sig, const char *hmac,
                           const char *what, char *why, size_t whylen)
{
	if (k->ecdsa == NULL && k->hmac_len == 0) {
		snprintf(why, whylen, "no verification key configured");
		return false;
	}
	if (k->ecdsa != NULL) {
		if (sig[0] == '\0') {
			snprintf(why, whylen, "%s has no ECDSA signature", what);
			return false;
		}
		if (!sign_ecdsa_verify(k->ecdsa, msg, n, sig)) {
			snprintf(why, whylen, "bad ECDSA signature on the %s (wrong key or altered)", what);
			return false;
		}
	}
	if (k->hmac_len > 0) {
		unsigned char want[SIGN_SHA256_LEN], got[SIGN_SHA256_LEN];
		sign_hmac_sha256(k->hmac, (size_t)k->hmac_len, msg, n, want);
		if (hmac[0] == '\0' || !sign_unhex(hmac, got, sizeof got) || !sign_equal(want, got, sizeof got)) {
			snprintf(why, whylen, "bad or missing HMAC on the %s (wrong key or altered)", what);
			return false;
		}
	}
	return true;
}

enum bc_err snap_manifest_sign(struct snap_manifest *m, const struct snap_keys *k)
{
	char msg[256];
	int n = signed_message(m, msg, sizeof msg);
	return sign_message(k, msg, (size_t)n, m->sig, m->hmac);
}

bool snap_manifest_verify(const struct snap_manifest *m, const struct snap_keys *k, char *why, size_t whylen)
{
	char msg[256];
	int n = signed_message(m, msg, sizeof msg);
	return verify_message(k, msg, (size_t)n, m->sig, m->hmac, "manifest", why, whylen);
}

static int fresh_message(const struct snap_fresh *f, char *out, size_t n)
{
	return snprintf(out, n, "beacon-freshness-v1\n%" PRIu64 "\n%" PRId64 "\n%s", f->gen, f->time_ms, f->nonce);
}

void snap_fresh_format(const struct snap_fresh *f, char *out, size_t n)
{
	int w = snprintf(out, n, "gen=%" PRIu64 "; time=%" PRId64, f->gen, f->time_ms);
	if (f->nonce[0] != '\0' && w > 0 && (size_t)w < n)
		w += snprintf(out + w, n - (size_t)w, "; nonce=%s", f->nonce);
	if (f->sig[0] != '\0' && w > 0 && (size_t)w < n)
		w += snprintf(out + w, n - (size_t)w, "; sig=%s", f->sig);
	if (f->hmac[0] != '\0' && w > 0 && (size_t)w < n)
		snprintf(out + w, n - (size_t)w, "; hmac=%s", f->hmac);
}

bool snap_nonce_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 16 && n <= SNAP_NONCE_MAX && n % 2 == 0 && strspn(s, "0123456789abcdef") == n;
}

bool snap_fresh_parse(const char *s, size_t len, struct snap_fresh *f, char *why, size_t whylen)
{
	static const char *const names[] = { "gen", "time", "nonce", "sig", "hmac" };
	char buf[SNAP_MANIFEST_MAX + 1];
	const char *v[5] = { 0 };
	unsigned seen;
	uint64_t u = 0;
	memset(f, 0, sizeof *f);
	if (s == NULL) {
		snprintf(why, whylen, "no " SNAP_FRESH_HEADER " statement");
		return false;
	}
	if (len > SNAP_MANIFEST_MAX) {
		snprintf(why, whylen, "freshness statement too long (%zu bytes, at most %d)", len, SNAP_MANIFEST_MAX);
		return false;
	}
	if (!fields_split(s, len, names, 5, buf, v, &seen) || (seen & 3) != 3 || !parse_u64(v[0], &f->gen) ||
	    !parse_u64(v[1], &u) || u > INT64_MAX || (v[2] && !snap_nonce_ok(v[2])) ||
	    (v[3] && !parse_sig(v[3], f->sig)) || (v[4] && !parse_hex_exact(v[4], f->hmac, 64))) {
		memset(f, 0, sizeof *f);
		snprintf(why, whylen, "malformed freshness statement");
		return false;
	}
	f->time_ms = (int64_t)u;
	if (v[2])
		memcpy(f->nonce, v[2], strlen(v[2]) + 1);
	return true;
}

enum bc_err snap_fresh_sign(struct snap_fresh *f, const struct snap_keys *k)
{
	char msg[256];
	int n = fresh_message(f, msg, sizeof msg);
	return sign_message(k, msg, (size_t)n, f->sig, f->hmac);
}

bool snap_fresh_verify(const struct snap_fresh *f, const struct snap_keys *k, const char *nonce, int64_t now,
                       char *why, size_t whylen)
{
	char msg[256];
	int n = fresh_message(f, msg, sizeof msg);
	if (!verify_message(k, msg, (size_t)n, f->sig, f->hmac, "freshness statement", why, whylen))
		return false;
	if (strcmp(f->nonce, nonce) != 0) {
		snprintf(why, whylen, "freshness statement answers another request (nonce differs: replayed?)");
		return false;
	}
	int64_t off = now - f->time_ms;
	if (off > SNAP_FRESH_MAX_SKEW_MS || off < -SNAP_FRESH_MAX_SKEW_MS) {
		snprintf(why, whylen, "freshness statement is dated %lld s from this node's clock (at most %d s allowed; "
		         "check both clocks)", (long long)(off / 1000), SNAP_FRESH_MAX_SKEW_MS / 1000);
		return false;
	}
	return true;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static bool snap_name_gen(const char *name, uint64_t *gen)
{
	char digits[24];
	size_t n = strlen(name);
	if (n < 10 || n - 9 >= sizeof digits || strncmp(name, "snap-", 5) != 0 || strcmp(name + n - 4, ".mdb") != 0)
		return false;
	memcpy(digits, name + 5, n - 9);
	digits[n - 9] = '\0';
	return parse_u64(digits, gen);
}

static int cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Generations of the snap-<gen>.mdb files in dir, newest first; with now > 0 also removes temp files
 * older than SNAP_TMP_MAX_AGE and quarantined ones older than SNAP_BAD_MAX_AGE. */
static size_t list_gens(const char *dir, uint64_t *gens, size_t max, time_t now)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (d == NULL)
		return 0;
	struct dirent *e;
	char path[PATH_MAX];
	while ((e = readdir(d)) != NULL) {
		uint64_t g;
		size_t nl = strlen(e->d_name);
		bool tmp = strncmp(e->d_name, "snap-tmp.", 9) == 0;
		bool bad = nl > 4 && strcmp(e->d_name + nl - 4, ".bad") == 0 && strncmp(e->d_name, "snap-", 5) == 0;
		if (snap_name_gen(e->d_name, &g)) {
			if (n < max) {
				gens[n++] = g;
			} else {                         /* full: keep the newest */
				size_t lo = 0;
				for (size_t i = 1; i < n; i++)
					if (gens[i] < gens[lo])
						lo = i;
				if (g > gens[lo])
					gens[lo] = g;
			}
		} else if (now > 0 && (tmp || bad)) {
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (stat(path, &st) == 0 && now - st.st_mtime > (tmp ? SNAP_TMP_MAX_AGE : SNAP_BAD_MAX_AGE))
				unlink(path);
		}
	}
	closedir(d);
	qsort(gens, n, sizeof gens[0], cmp_u64_desc);
	return n;
}

size_t snap_installed_list(const char *dir, uint64_t *gens, size_t max)
{
	return list_gens(dir, gens, max, 0);
}

static void file_path(char *out, size_t n, const char *dir, uint64_t gen, const char *ext)
{
	snprintf(out, n, "%s/snap-%" PRIu64 "%s", dir, gen, ext);
}

/* Keeps the newest `keep` snap-<gen>.mdb files (and their manifests), and cleans up old leftovers. */
static void snap_prune(const char *dir, size_t keep)
{
	uint64_t gens[256];
	char path[PATH_MAX];
	size_t n = list_gens(dir, gens, sizeof gens / sizeof gens[0], time(NULL));
	for (size_t i = keep; i < n; i++) {
		file_path(path, sizeof path, dir, gens[i], ".mdb");
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("snapshot: unlink %s", path);
		file_path(path, sizeof path, dir, gens[i], SNAP_MANIFEST_EXT);
		unlink(path);
	}
}

void snap_quarantine(const char *dir, uint64_t gen)
{
	char from[PATH_MAX], to[PATH_MAX + 8];
	file_path(from, sizeof from, dir, gen, SNAP_MANIFEST_EXT);
	snprintf(to, sizeof to, "%s.bad", from);
	rename(from, to);
	file_path(from, sizeof from, dir, gen, ".mdb");
	snprintf(to, sizeof to, "%s.bad", from);
	if (rename(from, to) != 0 && errno != ENOENT)
		log_warn("snapshot: cannot move %s aside", from);
	else
		log_warnx("snapshot: moved the bad %s aside as %s; the next pull fetches a fresh copy", from, to);
	fsync_dir(dir);
}

/* Reads the manifest file beside an installed snapshot (at most SNAP_MANIFEST_MAX bytes + newline). */
static bool manifest_file_read(const char *path, struct snap_manifest *m, char *why, size_t whylen)
{
	char text[SNAP_MANIFEST_MAX + 2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "no manifest %s beside it: %s", path, strerror(errno));
		return false;
	}
	size_t got = 0;
	ssize_t r;
	while (got < sizeof text && (r = read(fd, text + got, sizeof text - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whylen, "read %s: %s", path, strerror(errno));
			close(fd);
			return false;
		}
		got += (size_t)r;
	}
	close(fd);
	if (got > 0 && text[got - 1] == '\n')
		got--;
	if (!snap_manifest_parse(text, got, m, why, whylen)) {
		size_t l = strlen(why);
		snprintf(why + l, whylen - l, " in %s", path);
		return false;
	}
	return true;
}

enum bc_err snap_installed_verify(const char *dir, uint64_t gen, const struct snap_keys *k, bool hash,
                                  struct snap_manifest *m, char *why, size_t whylen)
{
	char path[PATH_MAX], mpath[PATH_MAX];
	unsigned char sha[SIGN_SHA256_LEN];
	struct stat st;
	file_path(path, sizeof path, dir, gen, ".mdb");
	file_path(mpath, sizeof mpath, dir, gen, SNAP_MANIFEST_EXT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "open %s: %s", path, strerror(errno));
		return errno == ENOENT ? BC_NOTFOUND : BC_IO;
	}
	enum bc_err e = BC_INVALID;
	if (!manifest_file_read(mpath, m, why, whylen))
		goto out;
	if (!snap_manifest_verify(m, k, why, whylen))
		goto out;
	if (m->gen != gen) {
		snprintf(why, whylen, "%s: its manifest is for generation %" PRIu64, path, m->gen);
		goto out;
	}
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != m->len) {
		snprintf(why, whylen, "%s is %lld bytes, its manifest says %" PRIu64 " (truncated or appended to)", path,
		         (long long)st.st_size, m->len);
		goto out;
	}
	if (hash) {
		uint64_t len = 0;
		if ((e = sign_sha256_fd(fd, sha, &len)) != BC_OK) {
			snprintf(why, whylen, "reading %s failed", path);
			goto out;
		}
		e = BC_INVALID;
		if (len != m->len || !sign_equal(sha, m->sha256, sizeof sha)) {
			snprintf(why, whylen, "%s does not match the SHA-256 in its signed manifest (corrupted on disk)", path);
			goto out;
		}
	}
	e = BC_OK;
out:
	close(fd);
	return e;
}

static int make_temp(const char *dir, char *tmp, size_t n, mode_t mode)
{
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -1;
	if ((size_t)snprintf(tmp, n, "%s/snap-tmp.XXXXXX", dir) >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0 && fchmod(fd, mode) != 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	return fd;
}

/* Writes the signed manifest beside the snapshot it describes: temp file, fsync, rename. */
static bool manifest_file_write(const char *dir, const struct snap_manifest *m, char *why, size_t whylen)
{
	char text[SNAP_MANIFEST_MAX + 2], tmp[PATH_MAX], path[PATH_MAX];
	snap_manifest_format(m, text, sizeof text - 1);
	size_t n = strlen(text);
	text[n++] = '\n';
	int fd = make_temp(dir, tmp, sizeof tmp, 0640);
	if (fd < 0) {
		snprintf(why, whylen, "temp file in %s: %s", dir, strerror(errno));
		return false;
	}
	file_path(path, sizeof path, dir, m->gen, SNAP_MANIFEST_EXT);
	bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		snprintf(why, whylen, "writing %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return ok;
}

/* Opens a finished snapshot file and reads the generation and its commit time from inside it. */
static enum bc_err snap_read_generation(const char *path, uint64_t *gen, int64_t *created_ms)
{
	struct store *s;
	struct stx *t;
	enum bc_err e = store_open(&s, path, STORE_SNAPSHOT);
	if (e != BC_OK)
		return e;
	struct arena *a = arena_new();
	e = store_begin_read(s, a, &t);
	if (e == BC_OK) {
		*gen = store_generation(t);
		*created_ms = store_generation_time(t);
		store_abort(t);
	}
	arena_free(a);
	store_close(s);
	return e;
}

enum bc_err snap_build(struct store *s, const char *dir, struct snap_manifest *m, char *path, size_t pathlen)
{
	char tmp[PATH_MAX];
	memset(m, 0, sizeof *m);
	int fd = make_temp(dir, tmp, sizeof tmp, 0644);
	if (fd < 0) {
		log_warn("snapshot: temp file in %s", dir);
		return BC_IO;
	}
	enum bc_err e = store_copy_fd(s, fd);
	if (e == BC_OK && fsync(fd) != 0) {
		log_warn("snapshot: fsync %s", tmp);
		e = BC_IO;
	}
	if (e == BC_OK && lseek(fd, 0, SEEK_SET) != 0)
		e = BC_IO;
	if (e == BC_OK)
		e = sign_sha256_fd(fd, m->sha256, &m->len);
	close(fd);
	if (e == BC_OK)
		e = snap_read_generation(tmp, &m->gen, &m->created_ms);
	if (e == BC_OK && (size_t)snprintf(path, pathlen, "%s/snap-%" PRIu64 ".mdb", dir, m->gen) >= pathlen)
		e = BC_IO;
	if (e == BC_OK && rename(tmp, path) != 0) {
		log_warn("snapshot: rename %s", tmp);
		e = BC_IO;
	}
	if (e != BC_OK) {
		unlink(tmp);
		return e;
	}
	if (fsync_dir(dir) != 0)
		log_warn("snapshot: fsync dir %s", dir);
	snap_prune(dir, SNAP_KEEP_PRIMARY);
	return BC_OK;
}

enum bc_err snap_dl_begin(struct snap_download *d, const char *dir, const struct snap_manifest *m)
{
	memset(d, 0, sizeof *d);
	d->m = *m;
	if (strlen(dir) >= sizeof d->dir)
		return BC_INVALID;
	memcpy(d->dir, dir, strlen(dir) + 1);
	d->fd = make_temp(dir, d->tmp, sizeof d->tmp, 0640);
	if (d->fd < 0) {
		log_warn("snapshot: temp file in %s", dir);
		return BC_IO;
	}
	sign_sha256_init(&d->sha);
	d->hashing = true;
	return BC_OK;
}

enum bc_err snap_dl_write(struct snap_download *d, const void *p, size_t n, char *why, size_t whylen)
{
	if (n > d->m.len - d->got) {
		snprintf(why, whylen, "snapshot longer than its manifest (%" PRIu64 " bytes)", d->m.len);
		return BC_TOOBIG;
	}
	sign_sha256_update(&d->sha, p, n);
	d->got += n;
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(d->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(why, whylen, "write %s: %s", d->tmp, strerror(errno));
			return BC_IO;
		}
		c += w;
		n -= (size_t)w;
	}
	return BC_OK;
}

void snap_dl_abort(struct snap_download *d)
{
	if (d->hashing) {
		unsigned char junk[SIGN_SHA256_LEN];
		sign_sha256_final(&d->sha, junk);
		d->hashing = false;
	}
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	if (d->tmp[0] != '\0') {
		unlink(d->tmp);
		d->tmp[0] = '\0';
	}
}

static enum bc_err point_current(const char *dir, const char *name)
{
	char link[PATH_MAX], tmp[PATH_MAX];
	snprintf(link, sizeof link, "%s/" SNAP_CURRENT, dir);
	snprintf(tmp, sizeof tmp, "%s/" SNAP_CURRENT ".tmp", dir);
	unlink(tmp);
	if (symlink(name, tmp) != 0 || rename(tmp, link) != 0) {
		log_warn("snapshot: repoint %s", link);
		unlink(tmp);
		return BC_IO;
	}
	return fsync_dir(dir) == 0 ? BC_OK : BC_IO;
}

enum bc_err snap_dl_finish(struct snap_download *d, char *why, size_t whylen)
{
	unsigned char sha[SIGN_SHA256_LEN];
	char name[64], path[PATH_MAX];
	uint64_t gen = 0;
	int64_t created = 0;
	sign_sha256_final(&d->sha, sha);
	d->hashing = false;
	if (d->got != d->m.len) {
		snprintf(why, whylen, "truncated: got %" PRIu64 " of %" PRIu64 " bytes", d->got, d->m.len);
		goto fail;
	}
	if (!sign_equal(sha, d->m.sha256, sizeof sha)) {
		snprintf(why, whylen, "sha256 mismatch (corrupted in transit or on disk)");
		goto fail;
	}
	if (fsync(d->fd) != 0) {
		snprintf(why, whylen, "fsync %s: %s", d->tmp, strerror(errno));
		goto fail;
	}
	close(d->fd);
	d->fd = -1;
	/* Verified: only now is the file opened as LMDB, to check the generation it carries. */
	if (snap_read_generation(d->tmp, &gen, &created) != BC_OK || gen != d->m.gen) {
		snprintf(why, whylen, "snapshot content has generation %" PRIu64 ", manifest says %" PRIu64, gen, d->m.gen);
		goto fail;
	}
	if (!manifest_file_write(d->dir, &d->m, why, whylen))
		goto fail;
	snprintf(name, sizeof name, "snap-%" PRIu64 ".mdb", d->m.gen);
	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	if (rename(d->tmp, path) != 0) {
		snprintf(why, whylen, "rename to %s: %s", path, strerror(errno));
		goto fail;
	}
	d->tmp[0] = '\0';
	if (fsync_dir(d->dir) != 0 || point_current(d->dir, name) != BC_OK) {
		snprintf(why, whylen, "installing %s: %s", path, strerror(errno));
		return BC_IO;
	}
	snap_prune(d->dir, SNAP_KEEP);
	return BC_OK;
fail:
	snap_dl_abort(d);
	return BC_INVALID;
}

enum bc_err snap_current(const char *dir, uint64_t *gen, char *path, size_t pathlen)
{
	char link[PATH_MAX], target[256];
	snprintf(link, sizeof link, "%s/" SNAP_CURRENT, dir);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0)
		return BC_NOTFOUND;
	target[n] = '\0';
	if (!snap_name_gen(target, gen)) {
		log_warnx("snapshot: %s points at unexpected '%s'", link, target);
		return BC_INVALID;
	}
	if ((size_t)snprintf(path, pathlen, "%s/%s", dir, target) >= pathlen)
		return BC_INVALID;
	return BC_OK;
}

void snap_mark_synced(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" SNAP_LAST_SYNC, dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || futimens(fd, NULL) != 0)
		log_warn("snapshot: touch %s", path);
	if (fd >= 0)
		close(fd);
}

int64_t snap_last_sync_ms(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/" SNAP_LAST_SYNC, dir);
	if (stat(path, &st) != 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}
