/* subscribers.c: subscriber records, their address/endpoint index, and the per-store notification secret. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "log.h"

#define NS_SUB "sub"          /* id -> JSON record */
#define NS_SUB_IX "sub-ix"    /* "<mode>:<address>" (incident subscribers: "i<incident>:<mode>:<address>") -> id */
#define NS_NOTIFY "notify"    /* "secret" -> 32 random bytes */

static const char *const mode_names[SUB__MAX] = { "email", "webhook", "slack" };
static const char *const state_names[SUBST__MAX] = { "pending", "active", "unsubscribed", "quarantined" };

const char *sub_mode_name(enum sub_mode m)
{
	return (unsigned)m < SUB__MAX ? mode_names[m] : "unknown";
}

bool sub_mode_parse(const char *s, enum sub_mode *out)
{
	for (int i = 0; s && i < SUB__MAX; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum sub_mode)i;
			return true;
		}
	return false;
}

const char *sub_state_name(enum sub_state s)
{
	return (unsigned)s < SUBST__MAX ? state_names[s] : "unknown";
}

static json_t *enc_subscriber(const struct subscriber *s)
{
	json_t *comps = json_array();
	for (size_t i = 0; i < s->ncomponents; i++)
		json_array_append_new(comps, json_string(s->component_ids[i]));
	char tn[24], sn[24];
	snprintf(tn, sizeof tn, "%llu", (unsigned long long)s->token_nonce);
	snprintf(sn, sizeof sn, "%llu", (unsigned long long)s->secret_nonce);
	json_t *o = json_pack("{s:s, s:i, s:i, s:o, s:o, s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}",
	                 "id", s->id, "mode", (int)s->mode, "state", (int)s->state,
	                 "email", json_str_or_null(s->email), "endpoint", json_str_or_null(s->endpoint),
	                 "lang", s->lang, "skip", s->skip_confirmation, "tn", tn, "sn", sn,
	                 "created_at", (json_int_t)s->created_at, "updated_at", (json_int_t)s->updated_at,
	                 "confirmed_at", (json_int_t)s->confirmed_at,
	                 "quarantined_at", (json_int_t)s->quarantined_at,
	                 "unsubscribed_at", (json_int_t)s->unsubscribed_at, "components", comps);
	if (o && s->incident_id[0])
		json_object_set_new(o, "incident", json_string(s->incident_id));
	return o;
}

static enum bc_err dec_subscriber(struct arena *a, const void *p, size_t len, struct subscriber *s)
{
	MDB_val v = db_val(p, len);
	json_t *o = json_from_val(&v);
	if (o == NULL)
		return BC_STORE;
	memset(s, 0, sizeof *s);
	id_copy(s->id, jstr(o, "id"));
	id_copy(s->incident_id, jstr(o, "incident"));
	s->mode = (enum sub_mode)jint(o, "mode");
	s->state = (enum sub_state)jint(o, "state");
	s->email = jdup(a, o, "email");
	s->endpoint = jdup(a, o, "endpoint");
	const char *lang = jstr(o, "lang");
	snprintf(s->lang, sizeof s->lang, "%s", lang && strcmp(lang, "es") == 0 ? "es" : "en");
	s->skip_confirmation = json_is_true(json_object_get(o, "skip"));
	const char *tn = jstr(o, "tn"), *sn = jstr(o, "sn");
	s->token_nonce = tn ? strtoull(tn, NULL, 10) : 0;
	s->secret_nonce = sn ? strtoull(sn, NULL, 10) : 0;
	s->created_at = jint(o, "created_at");
	s->updated_at = jint(o, "updated_at");
	s->confirmed_at = jint(o, "confirmed_at");
	s->quarantined_at = jint(o, "quarantined_at");
	s->unsubscribed_at = jint(o, "unsubscribed_at");
	json_t *comps = json_object_get(o, "components");
	size_t n = json_array_size(comps);
	s->component_ids = arena_alloc(a, (n + 1) * sizeof *s->component_ids);
	for (size_t i = 0; i < n; i++)
		id_copy(s->component_ids[s->ncomponents++], json_string_value(json_array_get(comps, i)));
	json_decref(o);
	if ((unsigned)s->mode >= SUB__MAX || (unsigned)s->state >= SUBST__MAX) {
		log_warnx("store: subscriber %s: bad mode or state", s->id);
		return BC_STORE;
	}
	return BC_OK;
}

/* Index key: "<mode>:<address>", email lower-cased; "i<incident>:" before it for an incident's subscribers. */
static char *ix_key(struct arena *a, const char *incident_id, enum sub_mode mode, const char *addr)
{
	bool inc = incident_id && *incident_id;
	char *k = arena_printf(a, "%s%s%s%d:%s", inc ? "i" : "", inc ? incident_id : "", inc ? ":" : "", (int)mode, addr);
	if (mode == SUB_EMAIL)
		for (char *p = k; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return k;
}

static const char *sub_addr(const struct subscriber *s)
{
	return s->mode == SUB_EMAIL ? s->email : s->endpoint;
}

enum bc_err store_subscriber_get(struct stx *t, const char *id, struct subscriber *out)
{
	const void *v;
	size_t len;
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = store_kv_get(t, NS_SUB, id, &v, &len);
	return e == BC_OK ? dec_subscriber(t->a, v, len, out) : e;
}

enum bc_err store_subscriber_find(struct stx *t, const char *incident_id, enum sub_mode mode, const char *addr,
                                  struct subscriber *out)
{
	const void *v;
	size_t len;
	if (addr == NULL || *addr == '\0' || strlen(addr) > LIM_URL)
		return BC_NOTFOUND;
	enum bc_err e = store_kv_get(t, NS_SUB_IX, ix_key(t->a, incident_id, mode, addr), &v, &len);
	if (e != BC_OK)
		return e;
	char *id = arena_strndup(t->a, v, len);
	return store_subscriber_get(t, id, out);
}

static enum bc_err check_subscriber(struct stx *t, const struct subscriber *s)
{
	if ((unsigned)s->mode >= SUB__MAX || (unsigned)s->state >= SUBST__MAX)
		return BC_INVALID;
	if (s->incident_id[0] && (!id_valid(s->incident_id) || s->ncomponents > 0))
		return BC_INVALID;
	enum bc_err e;
	if ((e = check_text(s->email, LIM_EMAIL, s->mode == SUB_EMAIL, true)) != BC_OK)
		return e;
	if ((e = check_text(s->endpoint, LIM_URL, s->mode != SUB_EMAIL, true)) != BC_OK)
		return e;
	if (s->ncomponents > LIM_SUB_COMPONENTS)
		return BC_TOOBIG;
	for (size_t i = 0; i < s->ncomponents; i++) {
		struct component c;
		if (store_component_get(t, s->component_ids[i], &c) != BC_OK)
			return BC_INVALID;
	}
	return BC_OK;
}

enum bc_err store_subscriber_put(struct stx *t, struct subscriber *s)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK || (e = check_subscriber(t, s)) != BC_OK)
		return e;
	struct subscriber old;
	bool exists = s->id[0] && store_subscriber_get(t, s->id, &old) == BC_OK;
	int64_t now = now_ms();
	if (!exists) {
		if (s->id[0] == '\0')
			store_new_id(s->id);
		else if (!id_valid(s->id))
			return BC_INVALID;
		if (s->created_at == 0)
			s->created_at = now;
		if (s->token_nonce == 0 && (e = store_random(&s->token_nonce, sizeof s->token_nonce)) != BC_OK)
			return e;
		if (s->secret_nonce == 0 && (e = store_random(&s->secret_nonce, sizeof s->secret_nonce)) != BC_OK)
			return e;
	}
	s->updated_at = now;
	if (s->lang[0] == '\0' || (strcmp(s->lang, "en") != 0 && strcmp(s->lang, "es") != 0))
		strcpy(s->lang, "en");
	const void *v;
	size_t len;
	char *k = ix_key(t->a, s->incident_id, s->mode, sub_addr(s));
	if (store_kv_get(t, NS_SUB_IX, k, &v, &len) == BC_OK && (len != strlen(s->id) || memcmp(v, s->id, len) != 0))
		return BC_CONFLICT;
	if (exists) {
		char *ok = ix_key(t->a, old.incident_id, old.mode, sub_addr(&old));
		if (strcmp(ok, k) != 0 && (e = store_kv_del(t, NS_SUB_IX, ok)) != BC_OK && e != BC_NOTFOUND)
			return e;
	}
	if ((e = store_kv_put(t, NS_SUB_IX, k, s->id, strlen(s->id))) != BC_OK)
		return e;
	json_t *rec = enc_subscriber(s);
	char *txt = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (txt == NULL)
		return BC_ENOMEM;
	e = store_kv_put(t, NS_SUB, s->id, txt, strlen(txt));
	free(txt);
	return e;
}

struct sub_walk {
	struct arena *a;
	struct subscriber *items;
	size_t n, cap;
	enum bc_err e;
};

static bool sub_take(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct sub_walk *w = ctx;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct subscriber *n = arena_alloc(w->a, cap * sizeof *n);
		if (w->n)
			memcpy(n, w->items, w->n * sizeof *n);
		w->items = n;
		w->cap = cap;
	}
	if ((w->e = dec_subscriber(w->a, val->mv_data, val->mv_size, &w->items[w->n])) != BC_OK)
		return false;
	w->n++;
	return true;
}

static int sub_cmp(const void *a, const void *b)
{
	const struct subscriber *x = a, *y = b;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

enum bc_err store_subscriber_list(struct stx *t, struct subscriber **out, size_t *n)
{
	struct sub_walk w = { .a = t->a };
	enum bc_err e = db_scan(t, DB_KV, NS_SUB, sizeof NS_SUB, NULL, 0, false, sub_take, &w);
	if (e == BC_OK)
		e = w.e;
	if (e != BC_OK)
		return e;
	if (w.n > 1)
		qsort(w.items, w.n, sizeof *w.items, sub_cmp);
	*out = w.items;
	*n = w.n;
	return BC_OK;
}

enum bc_err store_notify_secret(struct stx *t, unsigned char out[32])
{
	const void *v;
	size_t len;
	enum bc_err e = store_kv_get(t, NS_NOTIFY, "secret", &v, &len);
	if (e == BC_OK && len == 32) {
		memcpy(out, v, 32);
		return BC_OK;
	}
	if (e != BC_OK && e != BC_NOTFOUND)
		return e;
	if (!t->write)
		return BC_NOTFOUND;
	if ((e = store_random(out, 32)) != BC_OK)
		return e;
	return store_kv_put(t, NS_NOTIFY, "secret", out, 32);
}

struct sub_scan {
	struct arena *a;
	const char *after;              /* skip this key: MDB_SET_RANGE lands on it */
	size_t left;
	bool (*fn)(void *ctx, const struct subscriber *s);
	void *ctx;
	bc_id last;
	bool stopped;
	enum bc_err e;
};

static bool sub_scan_take(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct sub_scan *w = ctx;
	const char *id = (const char *)key->mv_data + sizeof NS_SUB;
	size_t idl = key->mv_size - sizeof NS_SUB;
	if (w->after && strlen(w->after) == idl && memcmp(w->after, id, idl) == 0)
		return true;
	if (w->left == 0) {
		w->stopped = true;
		return false;
	}
	struct subscriber s;
	if ((w->e = dec_subscriber(w->a, val->mv_data, val->mv_size, &s)) != BC_OK)
		return false;
	w->left--;
	memcpy(w->last, s.id, sizeof w->last);
	if (!w->fn(w->ctx, &s)) {
		w->stopped = true;
		return false;
	}
	return true;
}

enum bc_err store_subscriber_scan(struct stx *t, const char *after_id, size_t limit,
                                  bool (*fn)(void *ctx, const struct subscriber *s), void *ctx,
                                  char last_id[sizeof(bc_id)], bool *done)
{
	struct sub_scan w = { .a = t->a, .after = after_id && *after_id ? after_id : NULL, .left = limit,
	                      .fn = fn, .ctx = ctx };
	char start[sizeof NS_SUB + sizeof(bc_id)];
	size_t slen = 0;
	if (w.after) {
		if (strlen(w.after) >= sizeof(bc_id))
			return BC_INVALID;
		memcpy(start, NS_SUB, sizeof NS_SUB);
		memcpy(start + sizeof NS_SUB, w.after, strlen(w.after));
		slen = sizeof NS_SUB + strlen(w.after);
	}
	enum bc_err e = db_scan(t, DB_KV, NS_SUB, sizeof NS_SUB, slen ? start : NULL, slen, false, sub_scan_take, &w);
	if (e == BC_OK)
		e = w.e;
	if (e != BC_OK)
		return e;
	if (w.last[0])
		memcpy(last_id, w.last, sizeof w.last);
	else if (w.after != last_id)
		snprintf(last_id, sizeof(bc_id), "%s", w.after ? w.after : "");
	*done = !w.stopped;
	return BC_OK;
}
