/* snapshot.c: snapshot manifests, building snap-<gen>.mdb on a primary, verified install on a secondary. */
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

bool snap_manifest_parse(const char *s, struct snap_manifest *m, char *why, size_t whylen)
{
	char buf[SNAP_MANIFEST_MAX + 1];
	unsigned seen = 0;
	memset(m, 0, sizeof *m);
	if (s == NULL || strlen(s) > SNAP_MANIFEST_MAX) {
		snprintf(why, whylen, "manifest header %s", s == NULL ? "missing" : "too long");
		return false;
	}
	memcpy(buf, s, strlen(s) + 1);
	char *save = NULL;
	for (char *f = strtok_r(buf, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		while (*f == ' ')
			f++;
		char *eq = strchr(f, '=');
		if (eq == NULL)
			goto bad;
		*eq = '\0';
		const char *v = eq + 1;
		static const char *const names[] = { "gen", "len", "sha256", "created", "sig", "hmac" };
		unsigned idx = 0;
		while (idx < 6 && strcmp(f, names[idx]) != 0)
			idx++;
		if (idx == 6 || (seen & (1u << idx)))
			goto bad;
		seen |= 1u << idx;
		uint64_t u;
		bool ok = true;
		switch (idx) {
		case 0: ok = parse_u64(v, &m->gen); break;
		case 1: ok = parse_u64(v, &m->len); break;
		case 2: ok = sign_unhex(v, m->sha256, sizeof m->sha256); break;
		case 3: ok = parse_u64(v, &u) && u <= INT64_MAX; m->created_ms = (int64_t)u; break;
		case 4: ok = strlen(v) < sizeof m->sig && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == strlen(v);
			if (ok)
				memcpy(m->sig, v, strlen(v) + 1);
			break;
		case 5: ok = strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64;
			if (ok)
				memcpy(m->hmac, v, 65);
			break;
		}
		if (!ok)
			goto bad;
	}
	if ((seen & 0xf) != 0xf) {
		snprintf(why, whylen, "manifest lacks gen, len, sha256 or created");
		return false;
	}
	return true;
bad:
	snprintf(why, whylen, "malformed manifest header");
	return false;
}

static int signed_message(const struct snap_manifest *m, char *out, size_t n)
{
	char sha[SIGN_SHA256_HEX];
	sign_hex(m->sha256, sizeof m->sha256, sha);
	return snprintf(out, n, "beacon-snapshot-v1\n%" PRIu64 "\n%" PRIu64 "\n%s\n%" PRId64,
	                m->gen, m->len, sha, m->created_ms);
}

enum bc_err snap_manifest_sign(struct snap_manifest *m, const struct snap_keys *k)
{
	char msg[256];
	int n = signed_message(m, msg, sizeof msg);
	m->sig[0] = m->hmac[0] = '\0';
	if (k->ecdsa != NULL) {
		enum bc_err e = sign_ecdsa(k->ecdsa, msg, (size_t)n, m->sig);
		if (e != BC_OK)
			return e;
	}
	if (k->hmac_len > 0) {
		unsigned char mac[SIGN_SHA256_LEN];
		sign_hmac_sha256(k->hmac, (size_t)k->hmac_len, msg, (size_t)n, mac);
		sign_hex(mac, sizeof mac, m->hmac);
	}
	return BC_OK;
}

bool snap_manifest_verify(const struct snap_manifest *m, const struct snap_keys *k, char *why, size_t whylen)
{
	char msg[256];
	int n = signed_message(m, msg, sizeof msg);
	if (k->ecdsa == NULL && k->hmac_len == 0) {
		snprintf(why, whylen, "no verification key configured");
		return false;
	}
	if (k->ecdsa != NULL) {
		if (m->sig[0] == '\0') {
			snprintf(why, whylen, "manifest has no ECDSA signature");
			return false;
		}
		if (!sign_ecdsa_verify(k->ecdsa, msg, (size_t)n, m->sig)) {
			snprintf(why, whylen, "bad ECDSA signature (wrong key or altered manifest)");
			return false;
		}
	}
	if (k->hmac_len > 0) {
		unsigned char want[SIGN_SHA256_LEN], got[SIGN_SHA256_LEN];
		sign_hmac_sha256(k->hmac, (size_t)k->hmac_len, msg, (size_t)n, want);
		if (m->hmac[0] == '\0' || !sign_unhex(m->hmac, got, sizeof got) || !sign_equal(want, got, sizeof got)) {
			snprintf(why, whylen, "bad or missing HMAC (wrong key or altered manifest)");
			return false;
		}
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

/* Keeps the newest `keep` snap-<gen>.mdb files and removes temp files older than SNAP_TMP_MAX_AGE. */
static void snap_prune(const char *dir, size_t keep)
{
	DIR *d = opendir(dir);
	uint64_t gens[256];
	size_t n = 0;
	if (d == NULL)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	char path[PATH_MAX];
	while ((e = readdir(d)) != NULL) {
		uint64_t g;
		if (snap_name_gen(e->d_name, &g)) {
			if (n < sizeof gens / sizeof gens[0])
				gens[n++] = g;
		} else if (strncmp(e->d_name, "snap-tmp.", 9) == 0) {
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (stat(path, &st) == 0 && now - st.st_mtime > SNAP_TMP_MAX_AGE)
				unlink(path);
		}
	}
	closedir(d);
	qsort(gens, n, sizeof gens[0], cmp_u64_desc);
	for (size_t i = keep; i < n; i++) {
		snprintf(path, sizeof path, "%s/snap-%" PRIu64 ".mdb", dir, gens[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("snapshot: unlink %s", path);
	}
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
