/* dbops.c: the store's LMDB primitives: get/put/delete/scan with map locking, error logging and key encoding. */
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "log.h"

#define MAX_KEY 511             /* mdb_env_get_maxkeysize() with the default page size */

/* Read txns hold the map lock shared while inside LMDB; a writer holds writer_lock instead. */
static void enter(struct stx *t)
{
	if (!t->write)
		pthread_rwlock_rdlock(&t->s->map_lock);
}

static void leave(struct stx *t)
{
	if (!t->write)
		pthread_rwlock_unlock(&t->s->map_lock);
}

void key64_put(unsigned char out[8], int64_t v)
{
	uint64_t x = (uint64_t)v ^ ((uint64_t)1 << 63);
	for (int i = 7; i >= 0; i--, x >>= 8)
		out[i] = (unsigned char)(x & 0xff);
}

int64_t key64_get(const unsigned char in[8])
{
	uint64_t x;
	memcpy(&x, in, sizeof x);      /* big-endian in the key */
	return (int64_t)(be64toh(x) ^ ((uint64_t)1 << 63));
}

void id_key(unsigned char out[ID_LEN], const char *id)
{
	size_t n = strnlen(id, ID_LEN);
	memset(out, 0, ID_LEN);
	memcpy(out, id, n);
}

void be32_put(unsigned char out[4], uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
}

uint32_t be32_get(const unsigned char in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

MDB_val db_val(const void *data, size_t len)
{
	return (MDB_val){ .mv_size = len, .mv_data = (void *)(uintptr_t)data };
}

enum bc_err db_get(struct stx *t, enum db d, const void *key, size_t klen, MDB_val *out)
{
	MDB_val k = db_val(key, klen), v;
	enter(t);
	int rc = mdb_get(t->txn, t->s->dbi[d], &k, &v);
	if (rc == 0) {
		char *copy = arena_alloc(t->a, v.mv_size + 1);     /* NUL-terminated for the codec */
		memcpy(copy, v.mv_data, v.mv_size);
		out->mv_data = copy;
		out->mv_size = v.mv_size;
	}
	leave(t);
	if (rc == MDB_NOTFOUND)
		return BC_NOTFOUND;
	if (rc) {
		stx_note_error(t, rc);
		return mdb_fail("get", rc);
	}
	return BC_OK;
}

bool db_exists(struct stx *t, enum db d, const void *key, size_t klen)
{
	MDB_val k = db_val(key, klen), v;
	enter(t);
	int rc = mdb_get(t->txn, t->s->dbi[d], &k, &v);
	leave(t);
	return rc == 0;
}

enum bc_err db_put(struct stx *t, enum db d, const void *key, size_t klen, const void *val, size_t vlen)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if (klen == 0 || klen > MAX_KEY)
		return BC_INVALID;
	MDB_val k = db_val(key, klen), v = db_val(val, vlen);
	int rc = mdb_put(t->txn, t->s->dbi[d], &k, &v, 0);
	if (rc) {
		stx_note_error(t, rc);
		return write_fail(t->s, "put", rc);
	}
	return BC_OK;
}

enum bc_err db_put_json(struct stx *t, enum db d, const void *key, size_t klen, json_t *rec)
{
	if (rec == NULL)
		return BC_INVALID;
	char *text = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (text == NULL)
		return BC_INVALID;
	enum bc_err e = db_put(t, d, key, klen, text, strlen(text));
	free(text);
	return e;
}

enum bc_err db_del(struct stx *t, enum db d, const void *key, size_t klen)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	MDB_val k = db_val(key, klen);
	int rc = mdb_del(t->txn, t->s->dbi[d], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return BC_NOTFOUND;
	if (rc) {
		stx_note_error(t, rc);
		return write_fail(t->s, "delete", rc);
	}
	return BC_OK;
}

static bool has_prefix(const MDB_val *k, const void *prefix, size_t plen)
{
	return k->mv_size >= plen && memcmp(k->mv_data, prefix, plen) == 0;
}

/* Deletes key by key, re-seeking each time (no cursor delete: see tech.md 3.7). */
enum bc_err db_del_prefix(struct stx *t, enum db d, const void *prefix, size_t plen)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[d], &c);
	if (rc)
		return mdb_fail("cursor", rc);
	for (;;) {
		MDB_val k = db_val(prefix, plen), v;
		rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
		if (rc == MDB_NOTFOUND || (rc == 0 && !has_prefix(&k, prefix, plen))) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		unsigned char kb[MAX_KEY];
		size_t kl = k.mv_size;
		memcpy(kb, k.mv_data, kl);
		MDB_val dk = { kl, kb };
		rc = mdb_del(t->txn, t->s->dbi[d], &dk, NULL);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	if (rc) {
		stx_note_error(t, rc);
		return mdb_fail("delete range", rc);
	}
	return BC_OK;
}

/* The first key after every key with the prefix: prefix "incremented"; false when none exists. */
static bool prefix_end(const void *prefix, size_t plen, unsigned char *out)
{
	memcpy(out, prefix, plen);
	for (size_t i = plen; i-- > 0;) {
		if (out[i] != 0xff) {
			out[i]++;
			return true;
		}
		out[i] = 0;
	}
	return false;
}

/* Puts the cursor on the last key < bound (bound NULL: the last key of all). */
static int seek_before(MDB_cursor *c, const void *bound, size_t blen, MDB_val *k, MDB_val *v)
{
	if (bound == NULL)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	k->mv_size = blen;
	k->mv_data = db_val(bound, 0).mv_data;
	int rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc)
		return rc;
	return mdb_cursor_get(c, k, v, MDB_PREV);
}

enum bc_err db_scan(struct stx *t, enum db d, const void *prefix, size_t plen,
                    const void *start, size_t slen, bool backward, scan_fn fn, void *ctx)
{
	if (plen > MAX_KEY || slen > MAX_KEY)
		return BC_INVALID;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;
	enter(t);
	rc = mdb_cursor_open(t->txn, t->s->dbi[d], &c);
	if (rc) {
		leave(t);
		return mdb_fail("cursor", rc);
	}
	if (backward) {
		unsigned char end[MAX_KEY];
		if (start != NULL)
			rc = seek_before(c, start, slen, &k, &v);
		else if (plen > 0 && prefix_end(prefix, plen, end))
			rc = seek_before(c, end, plen, &k, &v);
		else
			rc = seek_before(c, NULL, 0, &k, &v);
	} else {
		k.mv_data = db_val(start ? start : prefix, 0).mv_data;
		k.mv_size = start ? slen : plen;
		rc = mdb_cursor_get(c, &k, &v, k.mv_size ? MDB_SET_RANGE : MDB_FIRST);
	}
	while (rc == 0 && has_prefix(&k, prefix, plen) && fn(ctx, &k, &v))
		rc = mdb_cursor_get(c, &k, &v, backward ? MDB_PREV : MDB_NEXT);
	mdb_cursor_close(c);
	leave(t);
	if (rc && rc != MDB_NOTFOUND) {
		stx_note_error(t, rc);
		return mdb_fail("scan", rc);
	}
	return BC_OK;
}

enum bc_err db_scan_from_previous(struct stx *t, enum db d, const void *prefix, size_t plen,
                                  const void *start, size_t slen, scan_fn fn, void *ctx)
{
	if (plen > MAX_KEY || slen > MAX_KEY || slen == 0)
		return BC_INVALID;
	MDB_cursor *c;
	MDB_val k, v;
	enter(t);
	int rc = mdb_cursor_open(t->txn, t->s->dbi[d], &c);
	if (rc) {
		leave(t);
		return mdb_fail("cursor", rc);
	}
	k.mv_size = slen;
	k.mv_data = db_val(start, 0).mv_data;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	bool at_start = rc == 0;         /* on the first key >= start */
	if (rc == 0 || rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(c, &k, &v, at_start ? MDB_PREV : MDB_LAST);
		if (at_start && rc == 0 && !has_prefix(&k, prefix, plen))
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);      /* none before: back to the first >= start */
		else if (at_start && rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);     /* start is the first key of all */
	}
	while (rc == 0 && has_prefix(&k, prefix, plen) && fn(ctx, &k, &v))
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	mdb_cursor_close(c);
	leave(t);
	if (rc && rc != MDB_NOTFOUND) {
		stx_note_error(t, rc);
		return mdb_fail("scan", rc);
	}
	return BC_OK;
}

size_t db_count(struct stx *t, enum db d)
{
	MDB_stat st;
	enter(t);
	int rc = mdb_stat(t->txn, t->s->dbi[d], &st);
	leave(t);
	return rc ? 0 : st.ms_entries;
}
