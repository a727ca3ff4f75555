/* store_internal.h: what the store files share: the env and txn structs, the databases,
 * key encoding, the locked LMDB primitives and the record codec. Not for use outside store/. */
#ifndef BEACON_STORE_INTERNAL_H
#define BEACON_STORE_INTERNAL_H
#include <lmdb.h>
#include <jansson.h>
#include <pthread.h>
#include "store.h"

/* The named databases, opened once at store_open in one transaction. */
enum db {
	DB_META,        /* "schema", "generation", "generation_time" -> be64 */
	DB_PAGE,        /* "page" -> page settings record */
	DB_GROUPS,      /* id -> group record */
	DB_COMPONENTS,  /* id -> component record */
	DB_INCIDENTS,   /* id -> incident record */
	DB_INC_OPEN,    /* id -> empty, for incidents not yet resolved/completed */
	DB_INC_TIME,    /* key64(sort_time) || id -> empty */
	DB_UPDATES,     /* incident_id || key64(display_at) || update_id -> update record */
	DB_UPDATE_IX,   /* update_id -> incident_id || key64(display_at) */
	DB_STATUS_LOG,  /* component_id || key64(at) || be32(seq) -> status change record */
	DB_AUDIT,       /* key64(at) || be32(seq) -> audit record */
	DB_TOKENS,      /* id -> token record (SHA-256 of the secret, never the secret) */
	DB_KV,          /* ns \0 key -> bytes */
	DB_OUTBOX,      /* be64(seq) -> outbox event record (JSON) */
	DB__MAX
};

/*
 * Map-growth locking. Remapping (mdb_env_set_mapsize) may only happen while no thread of this
 * process is inside an LMDB call on the env or holds a pointer into the map, and while no write
 * txn is active. So: every write txn holds writer_lock for its whole life (one writer per
 * process, as LMDB allows anyway); read-txn operations hold map_lock shared only while they run
 * (the store copies every value out before returning, and never keeps a read cursor across
 * calls); a remap takes writer_lock and then map_lock exclusively. An idle read txn survives a
 * remap because LMDB finds pages through env->me_map at each call.
 */
struct store {
	MDB_env *env;
	MDB_dbi dbi[DB__MAX];
	char *path;
	unsigned flags;                 /* STORE_* */
	pthread_mutex_t writer_lock;
	pthread_rwlock_t map_lock;
	bool grow_pending;              /* a write hit MDB_MAP_FULL; grow before the next write */
	bool outbox_missing;            /* a read-only store made before the outbox existed */
};

struct stx {
	struct store *s;
	struct arena *a;
	MDB_txn *txn;
	bool write;
	bool failed;                    /* an LMDB write failed: the txn can only be aborted */
	bool keep_times;                /* store_keep_times: an import */
	uint32_t updates_written;       /* incident updates created in this txn (their write order) */
	uint64_t gen;
	int64_t gen_time;
};

/* store.c */
/* Unmaps the pages of env's read-only map from this process (the page cache keeps them; the next
 * read faults them in again). Linux maps pages around each one touched (fault-around), so walks
 * of a big database leave most of the file counted in RSS. Never on a write map: does nothing
 * there (the store refuses MDB_WRITEMAP anyway). Pointers into the map stay valid. */
void db_map_release(MDB_env *env);
enum bc_err mdb_fail(const char *what, int rc);          /* logs mdb_strerror, returns BC_STORE */
/* A failed LMDB write: BC_NOSPACE logged as "no space left on device" for ENOSPC, and for EIO (what LMDB
 * returns for a short write) when the store's filesystem is full; else mdb_fail. */
enum bc_err write_fail(struct store *s, const char *what, int rc);
void stx_note_error(struct stx *t, int rc);               /* marks failed; map-full sets grow_pending */
enum bc_err stx_need_write(struct stx *t);                /* BC_READONLY for read txns / failed txns */

/* objects.c: for a put, an empty id gets a fresh one and a given id must be well-formed;
 * *exists tells whether a record with that id is stored. */
enum bc_err put_prepare_id(struct stx *t, enum db d, bc_id id, bool *exists);
/* updated_at of a new record: the caller's when it is set and not before created_at (imports), else now. */
int64_t created_stamp(int64_t created_at, int64_t updated_at, int64_t now);
/* updated_at of a changed record: now, or the caller's under store_keep_times. */
int64_t updated_stamp(struct stx *t, int64_t updated_at, int64_t now);

/* dbops.c: every LMDB access of the object files goes through these. Values returned by db_get
 * are copies in the txn's arena. Scans call fn under the map lock with pointers into the map;
 * fn must copy what it keeps and return false to stop. */
typedef bool (*scan_fn)(void *ctx, const MDB_val *key, const MDB_val *val);
/* An MDB_val over bytes LMDB only reads (its API takes void * for keys and values it copies). */
MDB_val db_val(const void *data, size_t len);
enum bc_err db_get(struct stx *t, enum db d, const void *key, size_t klen, MDB_val *out);
bool db_exists(struct stx *t, enum db d, const void *key, size_t klen);
enum bc_err db_put(struct stx *t, enum db d, const void *key, size_t klen, const void *val, size_t vlen);
enum bc_err db_put_json(struct stx *t, enum db d, const void *key, size_t klen, json_t *rec);  /* steals rec */
enum bc_err db_del(struct stx *t, enum db d, const void *key, size_t klen);   /* BC_NOTFOUND if absent */
enum bc_err db_del_prefix(struct stx *t, enum db d, const void *prefix, size_t plen);
/* Forward: keys >= start with the prefix, ascending. Backward: keys < start with the prefix,
 * descending (start NULL = from the end of the prefix range). */
enum bc_err db_scan(struct stx *t, enum db d, const void *prefix, size_t plen,
                    const void *start, size_t slen, bool backward, scan_fn fn, void *ctx);
/* A forward db_scan from start that begins with the last key before start under prefix, if any
 * (what a backward scan of one and a forward scan give, with one seek). */
enum bc_err db_scan_from_previous(struct stx *t, enum db d, const void *prefix, size_t plen,
                                  const void *start, size_t slen, scan_fn fn, void *ctx);
size_t db_count(struct stx *t, enum db d);

/* Order-preserving 8-byte key for a signed time (sign bit flipped, big-endian). */
void key64_put(unsigned char out[8], int64_t v);
int64_t key64_get(const unsigned char in[8]);
void id_key(unsigned char out[ID_LEN], const char *id);   /* id NUL-padded to a fixed 12-byte key part */
void be32_put(unsigned char out[4], uint32_t v);
uint32_t be32_get(const unsigned char in[4]);

/* codec.c: validation and JSON records. Decoders copy strings into the arena and return
 * BC_STORE (logged) on a record they cannot read. */
bool id_valid(const char *id);                      /* 1..12 of [a-z0-9] */
enum bc_err check_text(const char *s, size_t max, bool required, bool single_line);
/* A required one-line name (page, group, component, incident, token): check_text, then BC_BADNAME when it is
 * only whitespace or holds a bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069). */
enum bc_err check_name(const char *s, size_t max);
json_t *json_str_or_null(const char *s);
const char *jstr(json_t *o, const char *k);
int64_t jint(json_t *o, const char *k);
char *jdup(struct arena *a, json_t *o, const char *k);
json_t *json_from_val(const MDB_val *v);            /* NULL + log on bad JSON */
void id_copy(bc_id dst, const char *src);           /* NULL or bad -> "" */

/* record.c: groups, components and incidents in a binary layout (put_* writes the record under its id). */
enum bc_err put_group(struct stx *t, const struct group *g);
enum bc_err dec_group(struct arena *a, const MDB_val *v, struct group *g);
enum bc_err put_component(struct stx *t, const struct component *c);
enum bc_err dec_component(struct arena *a, const MDB_val *v, struct component *c);
enum bc_err put_incident(struct stx *t, const struct incident *inc);
enum bc_err dec_incident(struct arena *a, const MDB_val *v, struct incident *inc);
json_t *enc_update(const struct incident_update *u);
enum bc_err dec_update(struct arena *a, const MDB_val *v, struct incident_update *u);

/* random.c */
enum bc_err random_init(void);
enum bc_err base64url_encode(char *dst, size_t dstlen, const unsigned char *src, size_t n);  /* dstlen >= 4*ceil(n/3)+1 */

#endif
