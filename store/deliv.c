/* deliv.c: the sender's local LMDB environment: cursor, deliveries with due/recent indexes, payloads, destinations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include <lmdb.h>
#include "deliv.h"
#include "store_internal.h"     /* db_val */
#include "log.h"

#define DELIV_MAP_SIZE ((size_t)4 << 30)   /* sparse; deliveries are small and purged */

enum ddb { DD_META, DD_DELIV, DD_DUE, DD_RECENT, DD_PAYLOAD, DD_DEST, DD__MAX };
static const char *const ddb_names[DD__MAX] = { "meta", "deliv", "due", "recent", "payload", "dest" };

struct deliv_db {
	MDB_env *env;
	MDB_dbi dbi[DD__MAX];
};

struct dtx {
	struct deliv_db *d;
	struct arena *a;
	MDB_txn *txn;
	bool write;
};

static const char *const state_names[DS__MAX] = { "pending", "delivered", "failed", "dropped" };

const char *deliv_state_name(enum deliv_state s)
{
	return (unsigned)s < DS__MAX ? state_names[s] : "unknown";
}

static enum bc_err dfail(const char *what, int rc)
{
	log_warnx("deliveries: %s: %s", what, mdb_strerror(rc));
	return BC_STORE;
}

/* The env at dir; the sender (write) creates dir, env and databases; a reader needs them to exist. */
static enum bc_err deliv_open_env(struct deliv_db **out, const char *dir, bool write)
{
	if (write && mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_warn("deliveries: mkdir %s", dir);
		return BC_IO;
	}
	struct stat st;
	if (!write && stat(dir, &st) != 0)
		return BC_NOTFOUND;
	struct deliv_db *d = calloc(1, sizeof *d);
	if (d == NULL)
		return BC_ENOMEM;
	int rc = mdb_env_create(&d->env);
	if (rc == 0) {
		mdb_env_set_maxdbs(d->env, DD__MAX + 1);
		mdb_env_set_mapsize(d->env, DELIV_MAP_SIZE);
		rc = mdb_env_open(d->env, dir, MDB_NORDAHEAD | (write ? 0 : MDB_RDONLY | MDB_NOTLS), 0640);
	}
	MDB_txn *txn = NULL;
	if (rc == 0)
		rc = mdb_txn_begin(d->env, NULL, write ? 0 : MDB_RDONLY, &txn);
	for (int i = 0; rc == 0 && i < DD__MAX; i++)
		rc = mdb_dbi_open(txn, ddb_names[i], write ? MDB_CREATE : 0, &d->dbi[i]);
	if (rc == 0) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (txn)
		mdb_txn_abort(txn);
	if (rc != 0) {
		log_warnx("deliveries: opening %s: %s", dir, mdb_strerror(rc));
		deliv_close(d);
		return BC_STORE;
	}
	int dead = 0;
	if (write)
		mdb_reader_check(d->env, &dead);
	*out = d;
	return BC_OK;
}

enum bc_err deliv_open(struct deliv_db **out, const char *dir)
{
	return deliv_open_env(out, dir, true);
}

enum bc_err deliv_open_reader(struct deliv_db **out, const char *dir)
{
	return deliv_open_env(out, dir, false);
}

void deliv_close(struct deliv_db *d)
{
	if (d == NULL)
		return;
	if (d->env)
		mdb_env_close(d->env);
	free(d);
}

void deliv_release_map(struct deliv_db *d)
{
	db_map_release(d->env);
}

enum bc_err deliv_begin(struct deliv_db *d, struct arena *a, bool write, struct dtx **out)
{
	struct dtx *t = arena_alloc(a, sizeof *t);
	t->d = d;
	t->a = a;
	t->write = write;
	int rc = mdb_txn_begin(d->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc == MDB_MAP_RESIZED && mdb_env_set_mapsize(d->env, 0) == 0)
		rc = mdb_txn_begin(d->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc)
		return dfail("begin", rc);
	*out = t;
	return BC_OK;
}

enum bc_err deliv_commit(struct dtx *t)
{
	int rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	return rc ? dfail("commit", rc) : BC_OK;
}

void deliv_abort(struct dtx *t)
{
	if (t && t->txn)
		mdb_txn_abort(t->txn);
	if (t)
		t->txn = NULL;
}

static enum bc_err dput(struct dtx *t, enum ddb db, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = db_val(k, kl), val = db_val(v, vl);
	int rc = mdb_put(t->txn, t->d->dbi[db], &key, &val, 0);
	return rc ? dfail("put", rc) : BC_OK;
}

static enum bc_err ddel(struct dtx *t, enum ddb db, const void *k, size_t kl)
{
	MDB_val key = db_val(k, kl);
	int rc = mdb_del(t->txn, t->d->dbi[db], &key, NULL);
	return rc == 0 || rc == MDB_NOTFOUND ? BC_OK : dfail("del", rc);
}

static enum bc_err dget(struct dtx *t, enum ddb db, const void *k, size_t kl, MDB_val *out)
{
	MDB_val key = db_val(k, kl);
	int rc = mdb_get(t->txn, t->d->dbi[db], &key, out);
	if (rc == MDB_NOTFOUND)
		return BC_NOTFOUND;
	return rc ? dfail("get", rc) : BC_OK;
}

static void be64_put(unsigned char out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)v;
}

uint64_t deliv_cursor(struct dtx *t)
{
	MDB_val v;
	uint64_t c = 0;
	if (dget(t, DD_META, "cursor", 6, &v) == BC_OK && v.mv_size == 8)
		memcpy(&c, v.mv_data, 8);
	return c;
}

enum bc_err deliv_set_cursor(struct dtx *t, uint64_t seq)
{
	return dput(t, DD_META, "cursor", 6, &seq, 8);
}

/* "fanout": be64(seq) || last subscriber id of the event's fan-out in progress. */
bool deliv_fanout_get(struct dtx *t, uint64_t *seq, char last_id[sizeof(bc_id)])
{
	MDB_val v;
	if (dget(t, DD_META, "fanout", 6, &v) != BC_OK || v.mv_size < 8 || v.mv_size - 8 >= sizeof(bc_id))
		return false;
	uint64_t s = 0;
	for (int i = 0; i < 8; i++)
		s = s << 8 | ((const unsigned char *)v.mv_data)[i];
	*seq = s;
	memcpy(last_id, (const char *)v.mv_data + 8, v.mv_size - 8);
	last_id[v.mv_size - 8] = '\0';
	return true;
}

enum bc_err deliv_fanout_set(struct dtx *t, uint64_t seq, const char *last_id)
{
	if (last_id == NULL)
		return ddel(t, DD_META, "fanout", 6);
	unsigned char v[8 + sizeof(bc_id)];
	size_t n = strlen(last_id);
	if (n >= sizeof(bc_id))
		return BC_INVALID;
	be64_put(v, seq);
	memcpy(v + 8, last_id, n);
	return dput(t, DD_META, "fanout", 6, v, 8 + n);
}

static uint64_t deliv_meta_u64(struct dtx *t, const char *key)
{
	MDB_val v;
	uint64_t n = 0;
	if (dget(t, DD_META, key, strlen(key), &v) == BC_OK && v.mv_size == 8)
		memcpy(&n, v.mv_data, 8);
	return n;
}

enum bc_err deliv_count(struct dtx *t, bool delivered)
{
	const char *key = delivered ? "delivered" : "failed";
	uint64_t n = deliv_meta_u64(t, key) + 1;
	return dput(t, DD_META, key, strlen(key), &n, 8);
}

void deliv_counts(struct dtx *t, uint64_t *delivered, uint64_t *failed)
{
	*delivered = deliv_meta_u64(t, "delivered");
	*failed = deliv_meta_u64(t, "failed");
}

/* Index key: be64(time) || id. */
static size_t time_key(unsigned char *k, int64_t at, const char *id)
{
	be64_put(k, (uint64_t)at);
	size_t n = strlen(id);
	memcpy(k + 8, id, n);
	return 8 + n;
}

static enum bc_err dec_delivery(struct arena *a, const MDB_val *v, struct delivery *d)
{
	json_error_t err;
	json_t *o = json_loadb(v->mv_data, v->mv_size, 0, &err);
	if (o == NULL)
		return dfail("bad delivery record", MDB_CORRUPTED);
	memset(d, 0, sizeof *d);
	const char *s;
	snprintf(d->id, sizeof d->id, "%s", (s = json_string_value(json_object_get(o, "id"))) ? s : "");
	snprintf(d->subscriber_id, sizeof d->subscriber_id, "%s",
	         (s = json_string_value(json_object_get(o, "sub"))) ? s : "");
	d->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
	d->mode = (enum sub_mode)json_integer_value(json_object_get(o, "mode"));
	d->state = (enum deliv_state)json_integer_value(json_object_get(o, "state"));
	d->attempts = (int)json_integer_value(json_object_get(o, "attempts"));
	d->last_status = (int)json_integer_value(json_object_get(o, "status"));
	if ((s = json_string_value(json_object_get(o, "error"))))
		d->last_error = arena_strdup(a, s);
	if ((s = json_string_value(json_object_get(o, "dest"))))
		d->dest = arena_strdup(a, s);
	if ((s = json_string_value(json_object_get(o, "event"))))
		d->event = arena_strdup(a, s);
	d->created_at = json_integer_value(json_object_get(o, "created_at"));
	d->next_at = json_integer_value(json_object_get(o, "next_at"));
	d->updated_at = json_integer_value(json_object_get(o, "updated_at"));
	json_decref(o);
	return BC_OK;
}

enum bc_err deliv_get(struct dtx *t, const char *id, struct delivery *out)
{
	MDB_val v;
	enum bc_err e = dget(t, DD_DELIV, id, strlen(id), &v);
	return e == BC_OK ? dec_delivery(t->a, &v, out) : e;
}

enum bc_err deliv_put(struct dtx *t, const struct delivery *d)
{
	unsigned char k[8 + DELIV_ID_MAX];
	struct delivery old;
	enum bc_err e;
	if (strlen(d->id) == 0 || strlen(d->id) >= DELIV_ID_MAX)
		return BC_INVALID;
	if (deliv_get(t, d->id, &old) == BC_OK) {
		if (old.state == DS_PENDING && (e = ddel(t, DD_DUE, k, time_key(k, old.next_at, old.id))) != BC_OK)
			return e;
		if ((e = ddel(t, DD_RECENT, k, time_key(k, old.updated_at, old.id))) != BC_OK)
			return e;
	}
	json_t *o = json_pack("{s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:s?, s:s?, s:s?, s:I, s:I, s:I}",
	                      "id", d->id, "sub", d->subscriber_id, "seq", (json_int_t)d->seq,
	                      "mode", (int)d->mode, "state", (int)d->state, "attempts", d->attempts,
	                      "status", d->last_status, "error", d->last_error, "dest", d->dest,
	                      "event", d->event, "created_at", (json_int_t)d->created_at,
	                      "next_at", (json_int_t)d->next_at, "updated_at", (json_int_t)d->updated_at);
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (txt == NULL)
		return BC_ENOMEM;
	e = dput(t, DD_DELIV, d->id, strlen(d->id), txt, strlen(txt));
	free(txt);
	if (e == BC_OK && d->state == DS_PENDING)
		e = dput(t, DD_DUE, k, time_key(k, d->next_at, d->id), "", 0);
	if (e == BC_OK)
		e = dput(t, DD_RECENT, k, time_key(k, d->updated_at, d->id), "", 0);
	return e;
}

/* Walks an index forward (or backward) and loads each delivery, keeping those fn accepts. */
static enum bc_err walk(struct dtx *t, enum ddb ix, bool backward, int64_t upto, size_t limit, bool failures_only,
                        struct delivery **out, size_t *n)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->d->dbi[ix], &c);
	if (rc)
		return dfail("cursor", rc);
	struct delivery *items = arena_alloc(t->a, (limit + 1) * sizeof *items);
	size_t got = 0;
	MDB_val k, v;
	enum bc_err e = BC_OK;
	for (rc = mdb_cursor_get(c, &k, &v, backward ? MDB_LAST : MDB_FIRST); rc == 0 && got < limit;
	     rc = mdb_cursor_get(c, &k, &v, backward ? MDB_PREV : MDB_NEXT)) {
		if (k.mv_size <= 8)
			continue;
		uint64_t at = 0;
		for (int i = 0; i < 8; i++)
			at = at << 8 | ((unsigned char *)k.mv_data)[i];
		if (upto && (int64_t)at > upto)
			break;
		char *id = arena_strndup(t->a, (char *)k.mv_data + 8, k.mv_size - 8);
		if ((e = deliv_get(t, id, &items[got])) != BC_OK)
			break;
		if (failures_only && items[got].state != DS_FAILED && items[got].state != DS_DROPPED &&
		    items[got].last_error == NULL)
			continue;
		got++;
	}
	mdb_cursor_close(c);
	*out = items;
	*n = got;
	return e;
}

enum bc_err deliv_due(struct dtx *t, int64_t now, size_t limit, struct delivery **out, size_t *n)
{
	return walk(t, DD_DUE, false, now > 0 ? now : 1, limit, false, out, n);
}

int64_t deliv_next_due(struct dtx *t)
{
	MDB_cursor *c;
	MDB_val k, v;
	int64_t at = 0;
	if (mdb_cursor_open(t->txn, t->d->dbi[DD_DUE], &c) != 0)
		return 0;
	if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0 && k.mv_size > 8)
		for (int i = 0; i < 8; i++)
			at = at << 8 | ((unsigned char *)k.mv_data)[i];
	mdb_cursor_close(c);
	return at;
}

enum bc_err deliv_recent(struct dtx *t, size_t limit, bool failures_only, struct delivery **out, size_t *n)
{
	return walk(t, DD_RECENT, true, 0, limit, failures_only, out, n);
}

size_t deliv_count_pending(struct dtx *t)
{
	MDB_stat st;
	return mdb_stat(t->txn, t->d->dbi[DD_DUE], &st) == 0 ? st.ms_entries : 0;
}

enum bc_err deliv_purge(struct dtx *t, int64_t before, size_t max, size_t *purged)
{
	MDB_cursor *c;
	MDB_val k, v;
	char *ids[1024];
	size_t n = 0;
	*purged = 0;
	if (max > 1024)
		max = 1024;
	int rc = mdb_cursor_open(t->txn, t->d->dbi[DD_RECENT], &c);
	if (rc)
		return dfail("cursor", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && n < max; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= 8)
			continue;
		uint64_t at = 0;
		for (int i = 0; i < 8; i++)
			at = at << 8 | ((unsigned char *)k.mv_data)[i];
		if ((int64_t)at >= before)
			break;
		ids[n++] = arena_strndup(t->a, (char *)k.mv_data + 8, k.mv_size - 8);
	}
	mdb_cursor_close(c);
	for (size_t i = 0; i < n; i++) {
		struct delivery d;
		unsigned char key[8 + DELIV_ID_MAX];
		if (deliv_get(t, ids[i], &d) != BC_OK || d.state == DS_PENDING)
			continue;
		enum bc_err e = ddel(t, DD_RECENT, key, time_key(key, d.updated_at, d.id));
		if (e == BC_OK)
			e = ddel(t, DD_DELIV, d.id, strlen(d.id));
		if (e != BC_OK)
			return e;
		(*purged)++;
	}
	return BC_OK;
}

static size_t payload_key(char *k, size_t n, uint64_t seq, const char *variant)
{
	return (size_t)snprintf(k, n, "%016llx:%s", (unsigned long long)seq, variant);
}

enum bc_err deliv_payload_put(struct dtx *t, uint64_t seq, const char *variant, const char *body, size_t len)
{
	char k[96];
	return dput(t, DD_PAYLOAD, k, payload_key(k, sizeof k, seq, variant), body, len);
}

enum bc_err deliv_payload_get(struct dtx *t, uint64_t seq, const char *variant, char **body, size_t *len)
{
	char k[96];
	MDB_val v;
	enum bc_err e = dget(t, DD_PAYLOAD, k, payload_key(k, sizeof k, seq, variant), &v);
	if (e != BC_OK)
		return e;
	*body = arena_strndup(t->a, v.mv_data, v.mv_size);
	*len = v.mv_size;
	return BC_OK;
}

/* True when some delivery of event seq is still stored (ids are "msg_<seq hex>_<subscriber>"). */
static bool seq_has_deliveries(struct dtx *t, uint64_t seq)
{
	char prefix[32];
	int pl = snprintf(prefix, sizeof prefix, "msg_%016llx_", (unsigned long long)seq);
	MDB_cursor *c;
	MDB_val k = db_val(prefix, (size_t)pl), v;
	if (mdb_cursor_open(t->txn, t->d->dbi[DD_DELIV], &c) != 0)
		return true;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	bool has = rc != 0 ? rc != MDB_NOTFOUND : k.mv_size >= (size_t)pl && memcmp(k.mv_data, prefix, (size_t)pl) == 0;
	mdb_cursor_close(c);
	return has;
}

enum bc_err deliv_payload_purge(struct dtx *t, uint64_t upto_seq, size_t max, size_t *purged)
{
	MDB_cursor *c;
	MDB_val k, v;
	char **keys = arena_alloc(t->a, (max + 1) * sizeof *keys);
	size_t n = 0;
	uint64_t checked = 0;
	bool checked_any = false;
	*purged = 0;
	int rc = mdb_cursor_open(t->txn, t->d->dbi[DD_PAYLOAD], &c);
	if (rc)
		return dfail("cursor", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && n < max; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char hex[17];
		if (k.mv_size < 17 || k.mv_size > 95 || ((const char *)k.mv_data)[16] != ':')
			continue;
		memcpy(hex, k.mv_data, 16);
		hex[16] = '\0';
		uint64_t seq = strtoull(hex, NULL, 16);
		if (seq > upto_seq)
			break;
		if (!checked_any || seq != checked) {
			checked = seq;
			checked_any = true;
			if (seq_has_deliveries(t, seq))
				break;             /* deliveries age in event order: later events wait too */
		}
		keys[n++] = arena_strndup(t->a, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return dfail("purge payloads", rc);
	for (size_t i = 0; i < n; i++) {
		enum bc_err e = ddel(t, DD_PAYLOAD, keys[i], strlen(keys[i]));
		if (e != BC_OK)
			return e;
		(*purged)++;
	}
	return BC_OK;
}

enum bc_err deliv_dest_get(struct dtx *t, const char *subscriber_id, struct deliv_dest *out)
{
	MDB_val v;
	memset(out, 0, sizeof *out);
	enum bc_err e = dget(t, DD_DEST, subscriber_id, strlen(subscriber_id), &v);
	if (e == BC_OK && v.mv_size == sizeof *out)
		memcpy(out, v.mv_data, sizeof *out);
	return e == BC_NOTFOUND ? BC_OK : e;
}

enum bc_err deliv_dest_put(struct dtx *t, const char *subscriber_id, const struct deliv_dest *d)
{
	return dput(t, DD_DEST, subscriber_id, strlen(subscriber_id), d, sizeof *d);
}
