/* outbox.c: the outbox, one event per committed change (seq, time, actor, object, before/after), and its audit entry. */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

#define OUTBOX_LIST_MAX 1000
#define OUTBOX_JSON_MAX (1 << 20)       /* before/after text of one event */

static void be64_put(unsigned char out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
}

static uint64_t be64_get(const unsigned char in[8])
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | in[i];
	return x;
}

static bool take_last_seq(void *ctx, const MDB_val *key, const MDB_val *val)
{
	if (key->mv_size == 8)
		*(uint64_t *)ctx = be64_get(key->mv_data);
	return false;
}

uint64_t store_outbox_last(struct stx *t)
{
	uint64_t seq = 0;
	if (t->s->outbox_missing || db_scan(t, DB_OUTBOX, "", 0, NULL, 0, true, take_last_seq, &seq) != BC_OK)
		return 0;
	return seq;
}

/* Text that is JSON of an object or array, or NULL. */
static enum bc_err check_json_text(const char *s)
{
	if (s == NULL)
		return BC_OK;
	if (strlen(s) > OUTBOX_JSON_MAX)
		return BC_TOOBIG;
	return s[0] == '{' || s[0] == '[' ? BC_OK : BC_INVALID;
}

enum bc_err store_outbox_append(struct stx *t, struct outbox_event *ev)
{
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK)
		e = check_text(ev->actor, LIM_NAME, true, true);
	if (e == BC_OK)
		e = check_text(ev->kind, LIM_SHORT, true, true);
	if (e == BC_OK)
		e = check_text(ev->object_type, LIM_SHORT, true, true);
	if (e == BC_OK)
		e = check_json_text(ev->before);
	if (e == BC_OK)
		e = check_json_text(ev->after);
	if (e != BC_OK)
		return e;
	ev->seq = store_outbox_last(t) + 1;
	ev->at = now_ms();
	unsigned char key[8];
	be64_put(key, ev->seq);
	json_t *before = ev->before ? json_loads(ev->before, 0, NULL) : json_null();
	json_t *after = ev->after ? json_loads(ev->after, 0, NULL) : json_null();
	if (before == NULL || after == NULL) {
		json_decref(before);
		json_decref(after);
		return BC_INVALID;
	}
	json_t *rec = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:o}", "seq", (json_int_t)ev->seq,
	                        "at", (json_int_t)ev->at, "actor", ev->actor, "kind", ev->kind,
	                        "object_type", ev->object_type, "object_id", ev->object_id, "before", before,
	                        "after", after, "notify", ev->notify, "summary", json_str_or_null(ev->summary));
	if (rec == NULL)
		return BC_ENOMEM;
	if ((e = db_put_json(t, DB_OUTBOX, key, sizeof key, rec)) != BC_OK)
		return e;
	return store_audit_add(t, ev->actor, ev->kind, ev->object_id[0] ? ev->object_id : NULL, ev->summary);
}

struct outbox_walk {
	struct stx *t;
	size_t limit, n;
	struct outbox_event *items;
	enum bc_err err;
};

static char *dump_or_null(struct arena *a, json_t *v)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	char *copy = s ? arena_strdup(a, s) : NULL;
	free(s);
	return copy;
}

static bool outbox_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct outbox_walk *w = ctx;
	json_t *o = json_from_val(val);
	if (o == NULL) {
		w->err = BC_STORE;
		return false;
	}
	struct outbox_event *ev = &w->items[w->n++];
	memset(ev, 0, sizeof *ev);
	ev->seq = (uint64_t)jint(o, "seq");
	ev->at = jint(o, "at");
	ev->actor = jdup(w->t->a, o, "actor");
	ev->kind = jdup(w->t->a, o, "kind");
	ev->object_type = jdup(w->t->a, o, "object_type");
	id_copy(ev->object_id, jstr(o, "object_id"));
	ev->before = dump_or_null(w->t->a, json_object_get(o, "before"));
	ev->after = dump_or_null(w->t->a, json_object_get(o, "after"));
	ev->notify = json_is_true(json_object_get(o, "notify"));
	ev->summary = jdup(w->t->a, o, "summary");
	json_decref(o);
	if (ev->actor == NULL || ev->kind == NULL || ev->object_type == NULL) {
		w->err = BC_STORE;
		return false;
	}
	return w->n < w->limit;
}

enum bc_err store_outbox_list(struct stx *t, uint64_t after_seq, size_t limit, struct outbox_event **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (t->s->outbox_missing)
		return BC_OK;
	if (limit == 0 || limit > OUTBOX_LIST_MAX)
		limit = OUTBOX_LIST_MAX;
	unsigned char start[8];
	be64_put(start, after_seq + 1);
	struct outbox_walk w = { .t = t, .limit = limit };
	w.items = arena_alloc(t->a, limit * sizeof *w.items);
	enum bc_err e = db_scan(t, DB_OUTBOX, "", 0, start, sizeof start, false, outbox_one, &w);
	if (e == BC_OK)
		e = w.err;
	if (e != BC_OK)
		return e;
	*out = w.items;
	*n = w.n;
	return BC_OK;
}
