/* snapshot.h: signed snapshot manifests, building snapshots on a primary, verified installs on a secondary. */
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
 * On a secondary the store directory holds snap-<gen>.mdb files, a `current` symlink naming the one
 * to serve, and `last-sync`, whose mtime is the last time the primary confirmed our data.
 */
#define SNAP_HEADER "X-Beacon-Manifest"
#define SNAP_MANIFEST_MAX 512
#define SNAP_CURRENT "current"
#define SNAP_LAST_SYNC "last-sync"
#define SNAP_PROMOTED "promoted"
#define SNAP_PRIMARY_SUBDIR "snapshots"
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
/* Strict parse of the header value; false with a reason on anything malformed. */
bool snap_manifest_parse(const char *s, struct snap_manifest *m, char *why, size_t whylen);
enum bc_err snap_manifest_sign(struct snap_manifest *m, const struct snap_keys *k);
/* Every configured key must have signed it; a manifest with no usable signature is refused. */
bool snap_manifest_verify(const struct snap_manifest *m, const struct snap_keys *k, char *why, size_t whylen);

/* Primary: compact copy of s into dir/snap-<gen>.mdb (temp file, fsync, rename, fsync dir), hashed,
 * with the generation read back from the copy itself. Keeps the newest few files in dir. */
enum bc_err snap_build(struct store *s, const char *dir, struct snap_manifest *m, char *path, size_t pathlen);

/* Secondary: receive the bytes of one verified manifest into a temp file in dir. write refuses more
 * bytes than the manifest declares; finish checks length and SHA-256 before anything opens the file,
 * then syncs, renames to snap-<gen>.mdb, syncs the directory and repoints `current`. */
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

/* The installed snapshot `current` points at: its generation and full path. BC_NOTFOUND if none. */
enum bc_err snap_current(const char *dir, uint64_t *gen, char *path, size_t pathlen);
/* Records that the primary confirmed our data now (touches dir/last-sync); last_sync 0 if never. */
void snap_mark_synced(const char *dir);
int64_t snap_last_sync_ms(const char *dir);

#endif
