/* access.c: API tokens (hashed secrets, constant-time checks), the audit log, and namespaced key-value blobs. */
#include <stdlib.h>
#include <string.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include "store_internal.h"

#define TOKEN_PREFIX   "bk_"
#define SECRET_BYTES   32
#define SECRET_CHARS   43                                /* base64url of 32 bytes, unpadded */
#define TOKEN_LEN      (3 + ID_LEN + 1 + SECRET_CHARS)   /* 59 */
#define HASH_CHARS     43
#define KV_MAX_VALUE   (1 << 20)
#define KV_MAX_KEY     400

/* ---- tokens ---- */

/* base64url(SHA-256(secret text)): what the store keeps instead of the secret. */
static enum bc_err secret_hash(const char *secret, char out[HASH_CHARS + 2])
{
	unsigned char digest[32];
	if (mbedtls_sha256_ret((const unsigned char *)secret, strlen(secret), digest, 0) != 0)
		return BC_CRYPTO;
	return base64url_encode(out, HASH_CHARS + 2, digest, sizeof digest);
}

static enum bc_err dec_token(struct arena *a, json_t *o, struct token_info *out)
{
	memset(out, 0, sizeof *out);
	id_copy(out->id, jstr(o, "id"));
	out->name = jdup(a, o, "name");
	out->created_at = jint(o, "created_at");
	if (!scope_parse(jstr(o, "scope"), &out->scope) || out->name == NULL || out->id[0] == '\0')
		return BC_STORE;
	return BC_OK;
}

enum bc_err store_token_create(struct stx *t, enum scope scope, const char *name, char out[TOKEN_TEXT_MAX])
{
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK && (scope < SCOPE_READ || scope > SCOPE_INTAKE))
		e = BC_INVALID;
	if (e == BC_OK)
		e = check_name(name, LIM_SHORT);
	if (e != BC_OK)
		return e;
	bc_id id;
	do
		store_new_id(id);
	while (db_exists(t, DB_TOKENS, id, ID_LEN));
	unsigned char raw[SECRET_BYTES];
	char secret[SECRET_CHARS + 2], hash[HASH_CHARS + 2];
	e = store_random(raw, sizeof raw);
	if (e == BC_OK)
		e = base64url_encode(secret, sizeof secret, raw, sizeof raw);
	if (e == BC_OK)
		e = secret_hash(secret, hash);
	if (e == BC_OK) {
		json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", id, "name", name, "scope", scope_name(scope),
		                        "created_at", (json_int_t)now_ms(), "sha256", hash);
		e = db_put_json(t, DB_TOKENS, id, ID_LEN, rec);
	}
	if (e == BC_OK)
		snprintf(out, TOKEN_TEXT_MAX, TOKEN_PREFIX "%s_%s", id, secret);
	mbedtls_platform_zeroize(raw, sizeof raw);
	mbedtls_platform_zeroize(secret, sizeof secret);
	return e;
}

static bool secret_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

enum bc_err store_token_check(struct stx *t, const char *token, struct token_info *out)
{
	if (token == NULL || strnlen(token, TOKEN_LEN + 1) != TOKEN_LEN ||
	    strncmp(token, TOKEN_PREFIX, 3) != 0 || token[3 + ID_LEN] != '_')
		return BC_AUTH;
	bc_id id;
	memcpy(id, token + 3, ID_LEN);
	id[ID_LEN] = '\0';
	const char *secret = token + 3 + ID_LEN + 1;
	if (!id_valid(id) || strlen(id) != ID_LEN || !secret_chars_ok(secret))
		return BC_AUTH;
	MDB_val v;
	enum bc_err e = db_get(t, DB_TOKENS, id, ID_LEN, &v);
	if (e == BC_NOTFOUND)
		return BC_AUTH;
	if (e != BC_OK)
		return e;
	json_t *o = json_from_val(&v);
	if (o == NULL)
		return BC_STORE;
	char hash[HASH_CHARS + 2];
	const char *stored = jstr(o, "sha256");
	e = secret_hash(secret, hash);
	if (e == BC_OK && (stored == NULL || strlen(stored) != HASH_CHARS ||
	                   mbedtls_ct_memcmp(hash, stored, HASH_CHARS) != 0))
		e = BC_AUTH;
	if (e == BC_OK)
		e = dec_token(t->a, o, out);
	json_decref(o);
	return e;
}

enum bc_err store_token_revoke(struct stx *t, const char *id)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if (!id_valid(id))
		return BC_NOTFOUND;
	return db_del(t, DB_TOKENS, id, strlen(id));
}

struct token_walk {
	struct stx *t;
	size_t n, cap;
	struct token_info *items;
	enum bc_err err;
};

static bool token_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct token_walk *w = ctx;
	json_t *o = json_from_val(val);
	if (o == NULL) {
		w->err = BC_STORE;
		return false;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct token_info *bigger = arena_alloc(w->t->a, cap * sizeof *bigger);
		if (w->n)
			memcpy(bigger, w->items, w->n * sizeof *bigger);
		w->items = bigger;
		w->cap = cap;
	}
	w->err = dec_token(w->t->a, o, &w->items[w->n]);
	json_decref(o);
	if (w->err != BC_OK)
		return false;
	w->n++;
	return true;
}

static int token_cmp(const void *pa, const void *pb)
{
	const struct token_info *a = pa, *b = pb;
	if (a->created_at != b->created_at)
		return a->created_at < b->created_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

enum bc_err store_token_list(struct stx *t, struct token_info **out, size_t *n)
{
	struct token_walk w = { .t = t };
	*out = NULL;
	*n = 0;
	enum bc_err e = db_scan(t, DB_TOKENS, "", 0, NULL, 0, false, token_one, &w);
	if (e == BC_OK)
		e = w.err;
	if (e != BC_OK)
		return e;
	if (w.n > 1)
		qsort(w.items, w.n, sizeof *w.items, token_cmp);
	*out = w.items;
	*n = w.n;
	return BC_OK;
}

/* ---- audit ---- */

struct audit_last {
	int64_t at;
	uint32_t seq;
	bool found;
};

static bool take_last_audit(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct audit_last *l = ctx;
	if (key->mv_size == 12) {
		l->at = key64_get(key->mv_data);
		l->seq = be32_get((const unsigned char *)key->mv_data + 8);
		l->found = true;
	}
	return false;
}

/* Audit text is cut at its limit (on a character boundary) rather than failing the write it records. */
static char *audit_text(struct arena *a, const char *s, size_t max)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	if (n <= max)
		return arena_strdup(a, s);
	while (n > max || ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return arena_strndup(a, s, n);
}

enum bc_err store_audit_add(struct stx *t, const char *who, const char *action, const char *target, const char *detail)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	char *w = audit_text(t->a, who, LIM_NAME), *ac = audit_text(t->a, action, LIM_SHORT);
	char *tg = audit_text(t->a, target, LIM_NAME), *dt = audit_text(t->a, detail, LIM_DESCRIPTION);
	if ((e = check_text(w, LIM_NAME, true, true)) != BC_OK || (e = check_text(ac, LIM_SHORT, true, true)) != BC_OK ||
	    (e = check_text(tg, LIM_NAME, false, true)) != BC_OK || (e = check_text(dt, LIM_DESCRIPTION, false, false)) != BC_OK)
		return e;
	/* keys stay in commit order even if the clock steps back or several entries share a millisecond */
	struct audit_last last = { 0 };
	if ((e = db_scan(t, DB_AUDIT, "", 0, NULL, 0, true, take_last_audit, &last)) != BC_OK)
		return e;
	int64_t now = now_ms(), key_at = now;
	uint32_t seq = 0;
	if (last.found && last.at >= now) {
		key_at = last.at;
		seq = last.seq + 1;
	}
	unsigned char key[12];
	key64_put(key, key_at);
	be32_put(key + 8, seq);
	json_t *rec = json_pack("{s:I, s:s, s:s, s:o, s:o}", "at", (json_int_t)now, "who", w, "action", ac,
	                        "target", json_str_or_null(tg), "detail", json_str_or_null(dt));
	return db_put_json(t, DB_AUDIT, key, sizeof key, rec);
}

struct audit_walk {
	struct stx *t;
	size_t limit, n, cap;
	struct audit_entry *items;
	enum bc_err err;
};

static bool audit_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct audit_walk *w = ctx;
	json_t *o = json_from_val(val);
	if (o == NULL) {
		w->err = BC_STORE;
		return false;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct audit_entry *bigger = arena_alloc(w->t->a, cap * sizeof *bigger);
		if (w->n)
			memcpy(bigger, w->items, w->n * sizeof *bigger);
		w->items = bigger;
		w->cap = cap;
	}
	struct audit_entry *a = &w->items[w->n++];
	a->at = jint(o, "at");
	a->who = jdup(w->t->a, o, "who");
	a->action = jdup(w->t->a, o, "action");
	a->target = jdup(w->t->a, o, "target");
	a->detail = jdup(w->t->a, o, "detail");
	json_decref(o);
	return w->limit == 0 || w->n < w->limit;
}

enum bc_err store_audit_list(struct stx *t, size_t limit, struct audit_entry **out, size_t *n)
{
	struct audit_walk w = { .t = t, .limit = limit };
	*out = NULL;
	*n = 0;
	enum bc_err e = db_scan(t, DB_AUDIT, "", 0, NULL, 0, true, audit_one, &w);
	if (e == BC_OK)
		e = w.err;
	if (e == BC_OK) {
		*out = w.items;
		*n = w.n;
	}
	return e;
}

/* ---- key-value ---- */

/* ns \0 key, checked: ns is short text, key non-empty and bounded. Returns the key length or 0. */
static size_t kv_key(struct arena *a, const char *ns, const char *key, char **out)
{
	if (check_text(ns, LIM_SHORT, true, true) != BC_OK || key == NULL)
		return 0;
	size_t nl = strlen(ns), kl = strnlen(key, KV_MAX_KEY + 1);
	if (kl == 0 || kl > KV_MAX_KEY)
		return 0;
	char *k = arena_alloc(a, nl + 1 + kl);
	memcpy(k, ns, nl + 1);
	memcpy(k + nl + 1, key, kl);
	*out = k;
	return nl + 1 + kl;
}

enum bc_err store_kv_get(struct stx *t, const char *ns, const char *key, const void **val, size_t *len)
{
	char *k;
	size_t kl = kv_key(t->a, ns, key, &k);
	if (kl == 0)
		return BC_INVALID;
	MDB_val v;
	enum bc_err e = db_get(t, DB_KV, k, kl, &v);
	if (e == BC_OK) {
		*val = v.mv_data;
		*len = v.mv_size;
	}
	return e;
}

enum bc_err store_kv_put(struct stx *t, const char *ns, const char *key, const void *val, size_t len)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	char *k;
	size_t kl = kv_key(t->a, ns, key, &k);
	if (kl == 0 || (val == NULL && len > 0))
		return BC_INVALID;
	if (len > KV_MAX_VALUE)
		return BC_TOOBIG;
	return db_put(t, DB_KV, k, kl, len ? val : "", len);
}

struct kv_first {
	struct arena *a;
	size_t skip;            /* namespace and its NUL */
	char *key;
};

static bool kv_take_first(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct kv_first *f = ctx;
	f->key = arena_strndup(f->a, (const char *)key->mv_data + f->skip, key->mv_size - f->skip);
	return false;
}

enum bc_err store_kv_first(struct stx *t, const char *ns, char **key)
{
	if (check_text(ns, LIM_SHORT, true, true) != BC_OK)
		return BC_INVALID;
	struct kv_first f = { .a = t->a, .skip = strlen(ns) + 1 };
	enum bc_err e = db_scan(t, DB_KV, ns, f.skip, NULL, 0, false, kv_take_first, &f);
	if (e != BC_OK)
		return e;
	*key = f.key;
	return f.key ? BC_OK : BC_NOTFOUND;
}

struct kv_list {
	struct arena *a;
	size_t skip, n, cap, limit;
	struct kv_item *items;
};

static bool kv_take(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct kv_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct kv_item *n = arena_alloc(l->a, cap * sizeof *n);
		if (l->n)
			memcpy(n, l->items, l->n * sizeof *n);
		l->items = n;
		l->cap = cap;
	}
	struct kv_item *it = &l->items[l->n++];
	it->key = arena_strndup(l->a, (const char *)key->mv_data + l->skip, key->mv_size - l->skip);
	char *v = arena_alloc(l->a, val->mv_size + 1);
	memcpy(v, val->mv_data, val->mv_size);
	v[val->mv_size] = '\0';
	it->val = v;
	it->len = val->mv_size;
	return l->limit == 0 || l->n < l->limit;
}

enum bc_err store_kv_list(struct stx *t, const char *ns, const char *prefix, size_t limit,
                          struct kv_item **out, size_t *n)
{
	if (check_text(ns, LIM_SHORT, true, true) != BC_OK || (prefix && strlen(prefix) > KV_MAX_KEY))
		return BC_INVALID;
	size_t nl = strlen(ns), pl = prefix ? strlen(prefix) : 0;
	char *k = arena_alloc(t->a, nl + 1 + pl + 1);
	memcpy(k, ns, nl + 1);
	if (pl)
		memcpy(k + nl + 1, prefix, pl);
	struct kv_list l = { .a = t->a, .skip = nl + 1, .limit = limit };
	enum bc_err e = db_scan(t, DB_KV, k, nl + 1 + pl, NULL, 0, false, kv_take, &l);
	if (e != BC_OK)
		return e;
	*out = l.items;
	*n = l.n;
	return BC_OK;
}

enum bc_err store_kv_del(struct stx *t, const char *ns, const char *key)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	char *k;
	size_t kl = kv_key(t->a, ns, key, &k);
	if (kl == 0)
		return BC_INVALID;
	return db_del(t, DB_KV, k, kl);
}
