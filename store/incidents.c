/* incidents.c: incidents and maintenance with their open and time indexes, and their updates. */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

#define TIME_KEY   (8 + ID_LEN)               /* inc_time: key64(sort_time) || id */
#define UPDATE_KEY (ID_LEN + 8 + ID_LEN)      /* updates: incident id || key64(display_at) || update id */
#define NS_DRAFT   "idraft"                   /* kv: draft incident id -> empty (the draft index) */

/* Removes id from the draft index (nothing when it is not there). */
static enum bc_err draft_unindex(struct stx *t, const char *id)
{
	enum bc_err e = store_kv_del(t, NS_DRAFT, id);
	return e == BC_NOTFOUND ? BC_OK : e;
}

/* Incidents sort by when they started, maintenance by when it is scheduled; created_at when unset. */
static int64_t sort_time(const struct incident *inc)
{
	int64_t t = inc->is_maintenance ? inc->scheduled_for : inc->started_at;
	return t ? t : inc->created_at;
}

static void time_key(unsigned char k[TIME_KEY], const struct incident *inc)
{
	key64_put(k, sort_time(inc));
	id_key(k + 8, inc->id);
}

static bool in_list(const bc_id *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* A referenced component must exist, unless an earlier version already named it (it was deleted since). */
static bool component_ok(struct stx *t, const char *id, const bc_id *old_ids, size_t nold)
{
	if (!id_valid(id))
		return false;
	return db_exists(t, DB_COMPONENTS, id, strlen(id)) || in_list(old_ids, nold, id);
}

enum bc_err store_incident_get(struct stx *t, const char *id, struct incident *out)
{
	MDB_val v;
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_get(t, DB_INCIDENTS, id, strlen(id), &v);
	return e == BC_OK ? dec_incident(t->a, &v, out) : e;
}

static enum bc_err check_incident(const struct incident *inc)
{
	enum bc_err e = check_name(inc->name, LIM_NAME);
	if (e == BC_OK)
		e = check_text(inc->postmortem_body, LIM_BODY, false, false);
	if (e == BC_OK)
		e = check_text(inc->postmortem_draft, LIM_BODY, false, false);
	if (e == BC_OK && inc->metadata && (inc->metadata[0] != '{' || strlen(inc->metadata) > LIM_METADATA))
		e = BC_INVALID;
	if (e == BC_OK)
		e = check_text(inc->metadata, LIM_METADATA, false, true);
	if (e == BC_OK)
		e = check_text(inc->reminder_intervals, LIM_SHORT, false, true);
	if (e != BC_OK)
		return e;
	if ((unsigned)inc->status >= IS__MAX || inc->status == IS_POSTMORTEM || (unsigned)inc->impact >= IMP__MAX)
		return BC_INVALID;
	if (inc->ncomponents > LIM_AFFECTED)
		return BC_TOOBIG;
	for (size_t i = 0; i < inc->ncomponents; i++)
		if (in_list(inc->component_ids, i, inc->component_ids[i]))
			return BC_INVALID;
	return BC_OK;
}

enum bc_err store_incident_put(struct stx *t, struct incident *inc)
{
	enum bc_err e = check_incident(inc);
	bool exists;
	if (e == BC_OK)
		e = put_prepare_id(t, DB_INCIDENTS, inc->id, &exists);
	if (e != BC_OK)
		return e;
	struct incident old = { 0 };
	if (exists && (e = store_incident_get(t, inc->id, &old)) != BC_OK)
		return e;
	for (size_t i = 0; i < inc->ncomponents; i++)
		if (!component_ok(t, inc->component_ids[i], old.component_ids, old.ncomponents))
			return BC_INVALID;
	int64_t now = now_ms();
	if (exists) {
		inc->created_at = t->keep_times && inc->created_at ? inc->created_at : old.created_at;
		inc->updated_at = updated_stamp(t, inc->updated_at, now);
	} else {
		if (inc->created_at == 0)
			inc->created_at = now;
		inc->updated_at = created_stamp(inc->created_at, inc->updated_at, now);
	}

	unsigned char k[TIME_KEY];
	if (exists) {
		time_key(k, &old);
		if ((e = db_del(t, DB_INC_TIME, k, sizeof k)) != BC_OK && e != BC_NOTFOUND)
			return e;
	}
	if ((e = put_incident(t, inc)) != BC_OK)
		return e;
	if (inc->draft) {               /* only in the draft index: no public list sees it */
		if ((e = db_del(t, DB_INC_OPEN, inc->id, strlen(inc->id))) != BC_OK && e != BC_NOTFOUND)
			return e;
		return store_kv_put(t, NS_DRAFT, inc->id, "", 0);
	}
	if (exists && old.draft && (e = draft_unindex(t, inc->id)) != BC_OK)
		return e;
	time_key(k, inc);
	if ((e = db_put(t, DB_INC_TIME, k, sizeof k, "", 0)) != BC_OK)
		return e;
	if (!inc_status_is_closed(inc->status))
		return db_put(t, DB_INC_OPEN, inc->id, strlen(inc->id), "", 0);
	e = db_del(t, DB_INC_OPEN, inc->id, strlen(inc->id));
	return e == BC_NOTFOUND ? BC_OK : e;
}

struct key_list {
	struct stx *t;
	size_t off, len;        /* the part of each key to keep */
	bool bounded;           /* an inc_time walk: stop below sort time "from" */
	int64_t from;
	size_t limit;           /* 0: all */
	size_t n, cap;
	bc_id *ids;
};

static bool keep_key(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct key_list *l = ctx;
	if (key->mv_size < l->off + l->len)
		return true;
	if (l->bounded && key64_get(key->mv_data) < l->from)
		return false;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		bc_id *bigger = arena_alloc(l->t->a, cap * sizeof *bigger);
		if (l->n)
			memcpy(bigger, l->ids, l->n * sizeof *bigger);
		l->ids = bigger;
		l->cap = cap;
	}
	memcpy(l->ids[l->n], (const char *)key->mv_data + l->off, ID_LEN);
	l->ids[l->n][ID_LEN] = '\0';
	l->n++;
	return l->limit == 0 || l->n < l->limit;
}

/* Loads the incidents named by ids, in that order. */
static enum bc_err load_incidents(struct stx *t, const struct key_list *l, struct incident **out, size_t *n)
{
	struct incident *incs = arena_alloc(t->a, (l->n + 1) * sizeof *incs);
	size_t got = 0;
	for (size_t i = 0; i < l->n; i++) {
		enum bc_err e = store_incident_get(t, l->ids[i], &incs[got]);
		if (e != BC_OK)
			return e == BC_NOTFOUND ? BC_STORE : e;     /* an index entry without its incident */
		got++;
	}
	*out = incs;
	*n = got;
	return BC_OK;
}

enum bc_err store_incident_del(struct stx *t, const char *id)
{
	struct incident old;
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK)
		e = store_incident_get(t, id, &old);
	if (e != BC_OK)
		return e;
	unsigned char k[TIME_KEY];
	time_key(k, &old);
	if ((e = db_del(t, DB_INCIDENTS, id, strlen(id))) != BC_OK)
		return e;
	if ((e = db_del(t, DB_INC_TIME, k, sizeof k)) != BC_OK && e != BC_NOTFOUND)
		return e;
	if ((e = db_del(t, DB_INC_OPEN, id, strlen(id))) != BC_OK && e != BC_NOTFOUND)
		return e;
	if (old.draft && (e = draft_unindex(t, id)) != BC_OK)
		return e;
	/* its updates, and their by-id index entries */
	unsigned char prefix[ID_LEN];
	id_key(prefix, id);
	struct key_list ups = { .t = t, .off = ID_LEN + 8, .len = ID_LEN };
	e = db_scan(t, DB_UPDATES, prefix, sizeof prefix, NULL, 0, false, keep_key, &ups);
	for (size_t i = 0; e == BC_OK && i < ups.n; i++) {
		e = db_del(t, DB_UPDATE_IX, ups.ids[i], strnlen(ups.ids[i], ID_LEN));
		if (e == BC_NOTFOUND)
			e = BC_OK;
	}
	return e == BC_OK ? db_del_prefix(t, DB_UPDATES, prefix, sizeof prefix) : e;
}

static int newest_first(const void *pa, const void *pb)
{
	const struct incident *a = pa, *b = pb;
	int64_t ta = sort_time(a), tb = sort_time(b);
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(b->id, a->id);
}

enum bc_err store_incident_list_open(struct stx *t, struct incident **out, size_t *n)
{
	struct key_list l = { .t = t, .off = 0, .len = ID_LEN };
	*out = NULL;
	*n = 0;
	enum bc_err e = db_scan(t, DB_INC_OPEN, "", 0, NULL, 0, false, keep_key, &l);
	if (e == BC_OK)
		e = load_incidents(t, &l, out, n);
	if (e == BC_OK && *n > 1)
		qsort(*out, *n, sizeof **out, newest_first);
	return e;
}

enum bc_err store_incident_range(struct stx *t, int64_t from_ms, int64_t to_ms, size_t limit,
                                 struct incident **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (to_ms <= from_ms)
		return BC_OK;
	unsigned char start[8];
	key64_put(start, to_ms);
	struct key_list l = { .t = t, .off = 8, .len = ID_LEN, .bounded = true, .from = from_ms, .limit = limit };
	enum bc_err e = db_scan(t, DB_INC_TIME, "", 0, start, sizeof start, true, keep_key, &l);
	return e == BC_OK ? load_incidents(t, &l, out, n) : e;
}

enum bc_err store_incident_recent(struct stx *t, int64_t before_ms, size_t limit,
                                  struct incident **out, size_t *n)
{
	return store_incident_range(t, INT64_MIN, before_ms ? before_ms : INT64_MAX, limit, out, n);
}

static int drafts_newest_first(const void *pa, const void *pb)
{
	const struct incident *a = pa, *b = pb;
	if (a->created_at != b->created_at)
		return a->created_at > b->created_at ? -1 : 1;
	return strcmp(b->id, a->id);
}

enum bc_err store_incident_list_drafts(struct stx *t, struct incident **out, size_t *n)
{
	struct kv_item *items;
	size_t ni;
	*out = NULL;
	*n = 0;
	enum bc_err e = store_kv_list(t, NS_DRAFT, NULL, 0, &items, &ni);
	if (e != BC_OK)
		return e;
	struct key_list l = { .t = t, .n = ni, .ids = arena_alloc(t->a, (ni + 1) * sizeof(bc_id)) };
	for (size_t i = 0; i < ni; i++)
		id_copy(l.ids[i], items[i].key);
	if ((e = load_incidents(t, &l, out, n)) == BC_OK && *n > 1)
		qsort(*out, *n, sizeof **out, drafts_newest_first);
	return e;
}

size_t store_incident_count(struct stx *t)
{
	return db_count(t, DB_INCIDENTS);
}

/* ---- updates ---- */

static void update_key(unsigned char k[UPDATE_KEY], const char *incident_id, int64_t display_at, const char *id)
{
	id_key(k, incident_id);
	key64_put(k + ID_LEN, display_at);
	id_key(k + ID_LEN + 8, id);
}

/* Finds the updates key of update id; BC_NOTFOUND unless it belongs to incident_id. */
static enum bc_err find_update(struct stx *t, const char *incident_id, const char *id, unsigned char k[UPDATE_KEY])
{
	MDB_val v;
	if (!id_valid(incident_id) || !id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_get(t, DB_UPDATE_IX, id, strlen(id), &v);
	if (e != BC_OK)
		return e;
	unsigned char prefix[ID_LEN];
	id_key(prefix, incident_id);
	if (v.mv_size != UPDATE_KEY || memcmp(v.mv_data, prefix, ID_LEN) != 0)
		return BC_NOTFOUND;
	memcpy(k, v.mv_data, UPDATE_KEY);
	return BC_OK;
}

enum bc_err store_update_get(struct stx *t, const char *incident_id, const char *id, struct incident_update *out)
{
	unsigned char k[UPDATE_KEY];
	MDB_val v;
	enum bc_err e = find_update(t, incident_id, id, k);
	if (e == BC_OK)
		e = db_get(t, DB_UPDATES, k, sizeof k, &v);
	if (e == BC_NOTFOUND)
		return e;
	return e == BC_OK ? dec_update(t->a, &v, out) : e;
}

static enum bc_err check_update(struct stx *t, const struct incident_update *u, const struct incident_update *old)
{
	enum bc_err e = check_text(u->body, LIM_BODY, false, false);
	if (e != BC_OK)
		return e;
	if ((unsigned)u->status >= IS__MAX)
		return BC_INVALID;
	if (u->naffected > LIM_AFFECTED)
		return BC_TOOBIG;
	for (size_t i = 0; i < u->naffected; i++) {
		const struct affected *a = &u->affected[i];
		bool known = false;
		for (size_t j = 0; old && j < old->naffected; j++)
			known |= strcmp(old->affected[j].component_id, a->component_id) == 0;
		if ((unsigned)a->old_status >= CS__MAX || (unsigned)a->new_status >= CS__MAX || !id_valid(a->component_id) ||
		    !(known || db_exists(t, DB_COMPONENTS, a->component_id, strlen(a->component_id))))
			return BC_INVALID;
	}
	return BC_OK;
}

enum bc_err store_update_put(struct stx *t, struct incident_update *u)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if (!id_valid(u->incident_id) || !db_exists(t, DB_INCIDENTS, u->incident_id, strlen(u->incident_id)))
		return BC_NOTFOUND;
	bool exists;
	struct incident_update old = { 0 };
	unsigned char oldk[UPDATE_KEY] = { 0 };
	if (u->id[0] && id_valid(u->id) && db_exists(t, DB_UPDATE_IX, u->id, strlen(u->id))) {
		if (find_update(t, u->incident_id, u->id, oldk) != BC_OK)
			return BC_INVALID;          /* an update of another incident */
		if ((e = store_update_get(t, u->incident_id, u->id, &old)) != BC_OK)
			return e;
	}
	if ((e = put_prepare_id(t, DB_UPDATE_IX, u->id, &exists)) != BC_OK)
		return e;
	if ((e = check_update(t, u, exists ? &old : NULL)) != BC_OK)
		return e;
	int64_t now = now_ms();
	if (exists) {
		u->created_at = t->keep_times && u->created_at ? u->created_at : old.created_at;
		u->updated_at = updated_stamp(t, u->updated_at, now);
		u->seq = old.seq;
	} else {
		u->seq = (store_generation(t) + 1) << 16 | (t->updates_written++ & 0xffff);   /* write order, also inside one txn */
		if (u->created_at == 0)
			u->created_at = now;
		u->updated_at = created_stamp(u->created_at, u->updated_at, now);
	}
	if (u->display_at == 0)
		u->display_at = exists ? old.display_at : u->created_at;
	if (exists && (e = db_del(t, DB_UPDATES, oldk, sizeof oldk)) != BC_OK && e != BC_NOTFOUND)
		return e;
	unsigned char k[UPDATE_KEY];
	update_key(k, u->incident_id, u->display_at, u->id);
	if ((e = db_put_json(t, DB_UPDATES, k, sizeof k, enc_update(u))) != BC_OK)
		return e;
	return db_put(t, DB_UPDATE_IX, u->id, strlen(u->id), k, sizeof k);
}

enum bc_err store_update_del(struct stx *t, const char *incident_id, const char *id)
{
	unsigned char k[UPDATE_KEY];
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK)
		e = find_update(t, incident_id, id, k);
	if (e == BC_OK)
		e = db_del(t, DB_UPDATE_IX, id, strlen(id));
	if (e == BC_OK)
		e = db_del(t, DB_UPDATES, k, sizeof k);
	return e;
}

struct update_walk {
	struct stx *t;
	size_t n, cap;
	struct incident_update *items;
	enum bc_err err;
};

static bool update_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct update_walk *w = ctx;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct incident_update *bigger = arena_alloc(w->t->a, cap * sizeof *bigger);
		if (w->n)
			memcpy(bigger, w->items, w->n * sizeof *bigger);
		w->items = bigger;
		w->cap = cap;
	}
	w->err = dec_update(w->t->a, val, &w->items[w->n]);
	if (w->err != BC_OK)
		return false;
	w->n++;
	return true;
}

/* Oldest first; updates shown at the same time keep the order they were written in. */
static int update_order(const void *a, const void *b)
{
	const struct incident_update *x = a, *y = b;
	if (x->display_at != y->display_at)
		return x->display_at < y->display_at ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

enum bc_err store_update_list(struct stx *t, const char *incident_id, struct incident_update **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!id_valid(incident_id))
		return BC_NOTFOUND;
	unsigned char prefix[ID_LEN];
	id_key(prefix, incident_id);
	struct update_walk w = { .t = t };
	enum bc_err e = db_scan(t, DB_UPDATES, prefix, sizeof prefix, NULL, 0, false, update_one, &w);
	if (e == BC_OK)
		e = w.err;
	if (e == BC_OK) {
		if (w.n > 1)
			qsort(w.items, w.n, sizeof *w.items, update_order);
		*out = w.items;
		*n = w.n;
	}
	return e;
}
