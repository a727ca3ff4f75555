/* snapshot.h: signed snapshot manifests and freshness statements, building snapshots on a primary, verified installs on a secondary. */
#ifndef BEACON_SNAPSHOT_H
#define BEACON_SNAPSHOT_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "err.h"
#include "sign.h"
#include "store.h"

/*
 * A snapshot is one LMDB file, snap-<generation>.mdb (a compact copy). Its manifest travels in the
 * X-Beacon-Manifest response header as
 *   gen=<u64>; len=<u64>; sha256=<64 hex>; created=<ms>; sig=<base64 DER ECDSA>; hmac=<64 hex>
 * (sig and hmac each optional). Both sign the same canonical message:
 *   "beacon-snapshot-v1\n<gen>\n<len>\n<sha256 hex>\n<created ms>"
 * On a secondary the store directory holds snap-<gen>.mdb files, each with its signed manifest beside
 * it (snap-<gen>.manifest, the header value and a newline), a `current` symlink naming the one to
 * serve, and `last-sync`, whose mtime is the last time the primary confirmed our data.
 *
 * Every answer of the snapshot endpoint (200 and 304) also carries a freshness statement in the
 * X-Beacon-Freshness header, signed with the same keys:
 *   gen=<u64>; time=<ms>; nonce=<hex>; sig=<base64 DER ECDSA>; hmac=<64 hex>
 * over "beacon-freshness-v1\n<gen>\n<time ms>\n<nonce>", where nonce echoes the X-Beacon-Nonce the
 * secondary sent. Only a valid, recent statement for the generation it holds counts as a sync.
 */
#define SNAP_HEADER "X-Beacon-Manifest"
#define SNAP_MANIFEST_MAX 512
#define SNAP_CURRENT "current"
#define SNAP_LAST_SYNC "last-sync"
#define SNAP_PROMOTED "promoted"
#define SNAP_PRIMARY_SUBDIR "snapshots"
#define SNAP_MANIFEST_EXT ".manifest"
#define SNAP_FRESH_HEADER "X-Beacon-Freshness"
#define SNAP_NONCE_HEADER "X-Beacon-Nonce"
#define SNAP_NONCE_MAX 64               /* hex digits */
#define SNAP_FRESH_MAX_SKEW_MS (120 * 1000)   /* a statement dated further from our clock is refused */
#define SNAP_KEEP 2                     /* installed files kept on a secondary (current + previous) */

struct snap_manifest {
	uint64_t gen;
	uint64_t len;
	unsigned char sha256[SIGN_SHA256_LEN];
	int64_t created_ms;                 /* commit time of the generation on the primary */
	char sig[SIGN_SIG_B64_MAX];         /* "" when not signed with ECDSA */
	char hmac[SIGN_SHA256_HEX];         /* "" when not MACed */
};

/* Signing material: either or both. hmac_key_hex is the config's replication_hmac_key. */
struct snap_keys {
	struct sign_key *ecdsa;             /* private on a primary, public on a secondary */
	unsigned char hmac[64];
	int hmac_len;                       /* 0: no HMAC key */
};
enum bc_err snap_keys_load(struct snap_keys *k, const char *key_file, const char *hmac_hex, bool primary,
                           char *why, size_t whylen);
void snap_keys_free(struct snap_keys *k);

void snap_manifest_format(const struct snap_manifest *m, char *out, size_t n);
/* Strict parse of the header value, len bytes at s (no NUL needed; s NULL: missing). No I/O, no
 * allocation; false with a reason on anything malformed, over SNAP_MANIFEST_MAX, or with a NUL. */
bool snap_manifest_parse(const char *s, size_t len, struct snap_manifest *m, char *why, size_t whylen);
enum bc_err snap_manifest_sign(struct snap_manifest *m, const struct snap_keys *k);
/* Every configured key must have signed it; a manifest with no usable signature is refused. */
bool snap_manifest_verify(const struct snap_manifest *m, const struct snap_keys *k, char *why, size_t whylen);

/* A signed statement by the primary: "generation gen is my newest, at time_ms, answering nonce". */
struct snap_fresh {
	uint64_t gen;
	int64_t time_ms;
	char nonce[SNAP_NONCE_MAX + 1];     /* "" when the request sent none */
	char sig[SIGN_SIG_B64_MAX];
	char hmac[SIGN_SHA256_HEX];
};
/* A nonce as sent in X-Beacon-Nonce: 16 to SNAP_NONCE_MAX lowercase hex digits, even count. */
bool snap_nonce_ok(const char *s);
void snap_fresh_format(const struct snap_fresh *f, char *out, size_t n);
/* Same rules as snap_manifest_parse, for the X-Beacon-Freshness value. */
bool snap_fresh_parse(const char *s, size_t len, struct snap_fresh *f, char *why, size_t whylen);
enum bc_err snap_fresh_sign(struct snap_fresh *f, const struct snap_keys *k);
/* Signed by every configured key, answers nonce, and dated within SNAP_FRESH_MAX_SKEW_MS of now. */
bool snap_fresh_verify(const struct snap_fresh *f, const struct snap_keys *k, const char *nonce, int64_t now,
                       char *why, size_t whylen);

/* Primary: compact copy of s into dir/snap-<gen>.mdb (temp file, fsync, rename, fsync dir), hashed,
 * with the generation read back from the copy itself. Keeps the newest few files in dir. */
enum bc_err snap_build(struct store *s, const char *dir, struct snap_manifest *m, char *path, size_t pathlen);

/* Secondary: receive the bytes of one verified manifest into a temp file in dir. write refuses more
 * bytes than the manifest declares; finish checks length and SHA-256 before anything opens the file,
 * then syncs, writes the manifest beside it (snap-<gen>.manifest), renames to snap-<gen>.mdb, syncs
 * the directory and repoints `current`. */
struct snap_download {
	int fd;
	char tmp[PATH_MAX];
	char dir[1024];
	struct sign_sha256 sha;
	bool hashing;                       /* sha holds a context to free */
	uint64_t got;
	struct snap_manifest m;
};
enum bc_err snap_dl_begin(struct snap_download *d, const char *dir, const struct snap_manifest *m);
enum bc_err snap_dl_write(struct snap_download *d, const void *p, size_t n, char *why, size_t whylen);
enum bc_err snap_dl_finish(struct snap_download *d, char *why, size_t whylen);
void snap_dl_abort(struct snap_download *d);         /* closes and unlinks the temp file */

/* Checks installed dir/snap-<gen>.mdb against the manifest beside it: signature, generation and
 * size, and with hash also the SHA-256 of the whole file. The file is never opened as LMDB here.
 * BC_NOTFOUND when the .mdb file is gone (replaced meanwhile); other errors with a reason. */
enum bc_err snap_installed_verify(const char *dir, uint64_t gen, const struct snap_keys *k, bool hash,
                                  struct snap_manifest *m, char *why, size_t whylen);
/* Moves a bad installed snapshot aside as snap-<gen>.mdb.bad (kept a day for inspection), so that
 * the next pull fetches a fresh copy. */
void snap_quarantine(const char *dir, uint64_t gen);
/* Generations of the installed snap-<gen>.mdb files, newest first; returns how many (at most max). */
size_t snap_installed_list(const char *dir, uint64_t *gens, size_t max);

/* The installed snapshot `current` points at: its generation and full path. BC_NOTFOUND if none. */
enum bc_err snap_current(const char *dir, uint64_t *gen, char *path, size_t pathlen);
/* Records that the primary confirmed our data now (touches dir/last-sync); last_sync 0 if never. */
void snap_mark_synced(const char *dir);
int64_t snap_last_sync_ms(const char *dir);

#endif
