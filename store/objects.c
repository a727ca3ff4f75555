/* objects.c: page settings, groups, components (ordered listing) and each component's status log. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "store_internal.h"
#include "log.h"

#define PAGE_KEY "page"
#define LOG_PREFIX (ID_LEN + 8)         /* component id || key64(at) */

enum bc_err put_prepare_id(struct stx *t, enum db d, bc_id id, bool *exists)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if (id[0] == '\0') {
		store_new_id(id);
		*exists = false;
		return BC_OK;
	}
	if (!id_valid(id))
		return BC_INVALID;
	*exists = db_exists(t, d, id, strlen(id));
	return BC_OK;
}

int64_t created_stamp(int64_t created_at, int64_t updated_at, int64_t now)
{
	return updated_at != 0 && updated_at >= created_at ? updated_at : now;
}

int64_t updated_stamp(struct stx *t, int64_t updated_at, int64_t now)
{
	return t->keep_times && updated_at ? updated_at : now;
}

void store_keep_times(struct stx *t, bool on)
{
	t->keep_times = on;
}

/* ---- page settings ---- */

enum bc_err store_page_get(struct stx *t, struct page_settings *out)
{
	MDB_val v;
	enum bc_err e = db_get(t, DB_PAGE, PAGE_KEY, strlen(PAGE_KEY), &v);
	if (e != BC_OK)
		return e;
	json_t *o = json_from_val(&v);
	if (o == NULL)
		return BC_STORE;
	memset(out, 0, sizeof *out);
	id_copy(out->id, jstr(o, "id"));
	out->name = jdup(t->a, o, "name");
	out->url = jdup(t->a, o, "url");
	out->time_zone = jdup(t->a, o, "time_zone");
	out->default_language = jdup(t->a, o, "default_language");
	out->languages = jdup(t->a, o, "languages");
	out->created_at = jint(o, "created_at");
	out->updated_at = jint(o, "updated_at");
	json_decref(o);
	return out->name ? BC_OK : BC_STORE;
}

enum bc_err store_page_put(struct stx *t, struct page_settings *p)
{
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK)
		e = check_name(p->name, LIM_NAME);
	if (e == BC_OK)
		e = check_text(p->url, LIM_URL, false, true);
	if (e == BC_OK)
		e = check_text(p->time_zone, LIM_SHORT, false, true);
	if (e == BC_OK)
		e = check_text(p->default_language, LIM_SHORT, false, true);
	if (e == BC_OK)
		e = check_text(p->languages, LIM_NAME, false, true);
	if (e != BC_OK)
		return e;
	struct page_settings old;
	int64_t now = now_ms();
	if (store_page_get(t, &old) == BC_OK) {
		if (!id_valid(p->id))           /* a new id: beacon init --page-id, import --page */
			memcpy(p->id, old.id, sizeof p->id);
		p->created_at = old.created_at;
		p->updated_at = now;
	} else {
		if (!id_valid(p->id))
			store_new_id(p->id);
		if (p->created_at == 0)
			p->created_at = now;
		p->updated_at = created_stamp(p->created_at, p->updated_at, now);
	}
	json_t *rec = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "id", p->id, "name", p->name,
	                        "url", json_str_or_null(p->url), "time_zone", json_str_or_null(p->time_zone),
	                        "default_language", json_str_or_null(p->default_language),
	                        "languages", json_str_or_null(p->languages),
	                        "created_at", (json_int_t)p->created_at, "updated_at", (json_int_t)p->updated_at);
	return db_put_json(t, DB_PAGE, PAGE_KEY, strlen(PAGE_KEY), rec);
}

/* ---- groups ---- */

enum bc_err store_group_get(struct stx *t, const char *id, struct group *out)
{
	MDB_val v;
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_get(t, DB_GROUPS, id, strlen(id), &v);
	return e == BC_OK ? dec_group(t->a, &v, out) : e;
}

enum bc_err store_group_put(struct stx *t, struct group *g)
{
	enum bc_err e = check_name(g->name, LIM_NAME);
	if (e == BC_OK)
		e = check_text(g->description, LIM_DESCRIPTION, false, false);
	bool exists;
	if (e == BC_OK)
		e = put_prepare_id(t, DB_GROUPS, g->id, &exists);
	if (e != BC_OK)
		return e;
	struct group old;
	int64_t now = now_ms();
	if (exists && store_group_get(t, g->id, &old) == BC_OK) {
		g->created_at = old.created_at;
		g->updated_at = updated_stamp(t, g->updated_at, now);
	} else {
		if (g->created_at == 0)
			g->created_at = now;
		g->updated_at = created_stamp(g->created_at, g->updated_at, now);
	}
	return put_group(t, g);
}

struct collect {
	struct stx *t;
	size_t n, cap, elem;
	void *items;
	enum bc_err err;
	enum bc_err (*decode)(struct arena *a, const MDB_val *v, void *out);
};

static bool collect_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct collect *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *bigger = arena_alloc(c->t->a, cap * c->elem);
		if (c->n)
			memcpy(bigger, c->items, c->n * c->elem);
		c->items = bigger;
		c->cap = cap;
	}
	c->err = c->decode(c->t->a, val, (char *)c->items + c->n * c->elem);
	if (c->err != BC_OK)
		return false;
	c->n++;
	return true;
}

static enum bc_err dec_group_any(struct arena *a, const MDB_val *v, void *out)
{
	return dec_group(a, v, out);
}

static enum bc_err dec_component_any(struct arena *a, const MDB_val *v, void *out)
{
	return dec_component(a, v, out);
}

/* Decodes every record of a database into an arena array. */
static enum bc_err collect_all(struct stx *t, enum db d, size_t elem,
                               enum bc_err (*decode)(struct arena *, const MDB_val *, void *),
                               void **out, size_t *n)
{
	struct collect c = { .t = t, .elem = elem, .decode = decode };
	enum bc_err e = db_scan(t, d, "", 0, NULL, 0, false, collect_one, &c);
	if (e == BC_OK)
		e = c.err;
	*out = c.items;
	*n = e == BC_OK ? c.n : 0;
	return e;
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	if (a->position != b->position)
		return a->position < b->position ? -1 : 1;
	int r = strcmp(a->name, b->name);
	return r ? r : strcmp(a->id, b->id);
}

enum bc_err store_group_list(struct stx *t, struct group **out, size_t *n)
{
	void *items;
	enum bc_err e = collect_all(t, DB_GROUPS, sizeof(struct group), dec_group_any, &items, n);
	*out = items;
	if (e == BC_OK && *n > 1)
		qsort(*out, *n, sizeof **out, group_cmp);
	return e;
}

enum bc_err store_group_del(struct stx *t, const char *id)
{
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_del(t, DB_GROUPS, id, strlen(id));
	if (e != BC_OK)
		return e;
	struct component *cs;
	size_t n;
	void *items;
	e = collect_all(t, DB_COMPONENTS, sizeof *cs, dec_component_any, &items, &n);
	cs = items;
	int64_t now = now_ms();
	for (size_t i = 0; e == BC_OK && i < n; i++) {
		if (strcmp(cs[i].group_id, id) != 0)
			continue;
		cs[i].group_id[0] = '\0';
		cs[i].updated_at = now;
		e = put_component(t, &cs[i]);
	}
	return e;
}

/* ---- components ---- */

enum bc_err store_component_get(struct stx *t, const char *id, struct component *out)
{
	MDB_val v;
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_get(t, DB_COMPONENTS, id, strlen(id), &v);
	return e == BC_OK ? dec_component(t->a, &v, out) : e;
}

enum bc_err store_component_put(struct stx *t, struct component *c, const char *incident_id)
{
	return store_component_put_at(t, c, incident_id, now_ms());
}

enum bc_err store_component_put_at(struct stx *t, struct component *c, const char *incident_id, int64_t at)
{
	enum bc_err e = check_name(c->name, LIM_NAME);
	if (e == BC_OK)
		e = check_text(c->description, LIM_DESCRIPTION, false, false);
	if (e == BC_OK && ((unsigned)c->status >= CS__MAX || (incident_id && *incident_id && !id_valid(incident_id))))
		e = BC_INVALID;
	if (e == BC_OK && c->group_id[0] && (!id_valid(c->group_id) || !db_exists(t, DB_GROUPS, c->group_id, strlen(c->group_id))))
		e = BC_INVALID;     /* a group that does not exist */
	bool exists;
	if (e == BC_OK)
		e = put_prepare_id(t, DB_COMPONENTS, c->id, &exists);
	if (e != BC_OK)
		return e;
	struct component old;
	int64_t now = now_ms();
	enum comp_status want = c->status;
	if (exists && store_component_get(t, c->id, &old) == BC_OK) {
		c->created_at = old.created_at;
		c->updated_at = updated_stamp(t, c->updated_at, now);
		c->status = old.status;         /* a status change goes through the log below */
	} else {
		if (c->created_at == 0)
			c->created_at = now;
		c->updated_at = created_stamp(c->created_at, c->updated_at, now);
		exists = false;
	}
	if ((e = put_component(t, c)) != BC_OK)
		return e;
	if (exists && want == c->status && at >= now)
		return BC_OK;
	/* a new operational component logs nothing: "operational" is every log's status before its first
	 * entry, so history entered later (an incident dated before the component was added) is not
	 * hidden behind a creation entry */
	if (!exists && want == CS_OPERATIONAL)
		return BC_OK;
	enum comp_status was;
	if ((e = store_component_status_set(t, c->id, at, want, incident_id, &was)) != BC_OK)
		return e;
	struct component now_c;         /* the caller's strings stay its own: only status and stamp change */
	if ((e = store_component_get(t, c->id, &now_c)) != BC_OK)
		return e;
	c->status = now_c.status;
	c->updated_at = now_c.updated_at;
	return BC_OK;
}

enum bc_err store_component_del(struct stx *t, const char *id)
{
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = db_del(t, DB_COMPONENTS, id, strlen(id));
	if (e != BC_OK)
		return e;
	unsigned char prefix[ID_LEN];
	id_key(prefix, id);
	return db_del_prefix(t, DB_STATUS_LOG, prefix, sizeof prefix);
}

/* Where a component sorts: its group's place among top-level items, then its place in the group. */
struct comp_sort {
	struct component c;
	int top, sub;
	const char *group_name, *group_id;     /* "" for ungrouped: before a group at the same position */
};

static int comp_cmp(const void *pa, const void *pb)
{
	const struct comp_sort *a = pa, *b = pb;
	int r;
	if (a->top != b->top)
		return a->top < b->top ? -1 : 1;
	if ((r = strcmp(a->group_name, b->group_name)) != 0 || (r = strcmp(a->group_id, b->group_id)) != 0)
		return r;
	if (a->sub != b->sub)
		return a->sub < b->sub ? -1 : 1;
	r = strcmp(a->c.name, b->c.name);
	return r ? r : strcmp(a->c.id, b->c.id);
}

enum bc_err store_component_list(struct stx *t, struct component **out, size_t *n)
{
	struct group *gs;
	size_t ng;
	void *items;
	*out = NULL;
	*n = 0;
	enum bc_err e = store_group_list(t, &gs, &ng);
	if (e == BC_OK)
		e = collect_all(t, DB_COMPONENTS, sizeof(struct component), dec_component_any, &items, n);
	if (e != BC_OK || *n == 0)
		return e;
	struct component *cs = items;
	struct comp_sort *sorted = arena_alloc(t->a, *n * sizeof *sorted);
	for (size_t i = 0; i < *n; i++) {
		struct comp_sort *s = &sorted[i];
		s->c = cs[i];
		s->top = s->sub = cs[i].position;
		s->group_name = s->group_id = "";
		for (size_t j = 0; cs[i].group_id[0] && j < ng; j++) {
			if (strcmp(gs[j].id, cs[i].group_id) == 0) {
				s->top = gs[j].position;
				s->group_name = gs[j].name;
				s->group_id = gs[j].id;
				break;
			}
		}
	}
	qsort(sorted, *n, sizeof *sorted, comp_cmp);
	for (size_t i = 0; i < *n; i++)
		cs[i] = sorted[i].c;
	*out = cs;
	return BC_OK;
}

/* ---- status log ---- */

static bool take_last_key(void *ctx, const MDB_val *key, const MDB_val *val)
{
	const unsigned char *k = key->mv_data;
	*(uint32_t *)ctx = be32_get(k + LOG_PREFIX) + 1;
	return false;
}

enum bc_err store_status_log_add(struct stx *t, const char *component_id, const struct status_change *c)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if ((unsigned)c->status >= CS__MAX || (c->incident_id[0] && !id_valid(c->incident_id)))
		return BC_INVALID;
	if (!id_valid(component_id) || !db_exists(t, DB_COMPONENTS, component_id, strlen(component_id)))
		return BC_NOTFOUND;
	unsigned char key[LOG_PREFIX + 4];
	id_key(key, component_id);
	key64_put(key + ID_LEN, c->at);
	uint32_t seq = 0;       /* several changes in one millisecond keep their order */
	e = db_scan(t, DB_STATUS_LOG, key, LOG_PREFIX, NULL, 0, true, take_last_key, &seq);
	if (e != BC_OK)
		return e;
	be32_put(key + LOG_PREFIX, seq);
	/* "<status> <incident id>": plain text, read back without a JSON parse (the home page reads
	 * every component's 90 days of log on each render) */
	char rec[64];
	int len = snprintf(rec, sizeof rec, "%s %s", comp_status_name(c->status), c->incident_id);
	return db_put(t, DB_STATUS_LOG, key, sizeof key, rec, (size_t)len);
}

struct log_walk {
	struct stx *t;
	int64_t from, to;
	size_t limit;           /* 0: no limit */
	size_t n, cap;
	struct status_change *items;
	enum bc_err err;
};

static enum bc_err bad_log_record(const MDB_val *key)
{
	log_warnx("store: a status log record of component %.12s is damaged", (const char *)key->mv_data);
	return BC_STORE;
}

static bool log_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct log_walk *w = ctx;
	int64_t at = key64_get((const unsigned char *)key->mv_data + ID_LEN);
	if (key->mv_size != LOG_PREFIX + 4 || at >= w->to)
		return false;
	struct status_change sc = { .at = at };
	char rec[64];
	char *sp = NULL;
	if (val->mv_size < sizeof rec) {
		memcpy(rec, val->mv_data, val->mv_size);
		rec[val->mv_size] = '\0';
		sp = strchr(rec, ' ');
	}
	if (sp == NULL || (*sp = '\0', !comp_status_parse(rec, &sc.status)) ||
	    (sp[1] && !id_valid(sp + 1))) {
		w->err = bad_log_record(key);
		return false;
	}
	memcpy(sc.incident_id, sp + 1, strlen(sp + 1) + 1);   /* checked above: empty or an id */
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct status_change *bigger = arena_alloc(w->t->a, cap * sizeof *bigger);
		if (w->n)
			memcpy(bigger, w->items, w->n * sizeof *bigger);
		w->items = bigger;
		w->cap = cap;
	}
	w->items[w->n++] = sc;
	return w->limit == 0 || w->n < w->limit;
}

/* log_one, but the entry before w->from (the first one seen, if any) is taken whatever w->to says. */
static bool objects_log_with_previous(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct log_walk *w = ctx;
	if (w->n == 0 && key->mv_size >= LOG_PREFIX &&
	    key64_get((const unsigned char *)key->mv_data + ID_LEN) < w->from) {
		int64_t to = w->to;
		w->to = INT64_MAX;
		log_one(w, key, val);
		w->to = to;
		return w->err == BC_OK;
	}
	return log_one(w, key, val);
}

enum bc_err store_status_log(struct stx *t, const char *component_id, int64_t from_ms, int64_t to_ms,
                             struct status_change **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!id_valid(component_id))
		return BC_NOTFOUND;
	unsigned char start[LOG_PREFIX];
	id_key(start, component_id);
	key64_put(start + ID_LEN, from_ms);
	/* the last change before from_ms gives the status at from_ms, then the changes up to to_ms */
	struct log_walk w = { .t = t, .from = from_ms, .to = to_ms };
	enum bc_err e = db_scan_from_previous(t, DB_STATUS_LOG, start, ID_LEN, start, sizeof start, objects_log_with_previous, &w);
	if (e == BC_OK)
		e = w.err;
	if (e != BC_OK)
		return e;
	*out = w.items;
	*n = w.n;
	return BC_OK;
}

/* The newest log entry of a component at or before at; *found false when there is none. */
struct last_entry {
	struct status_change sc;
	bool found;
	enum bc_err err;
};

static bool take_entry(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct last_entry *l = ctx;
	struct log_walk w = { .to = INT64_MAX, .limit = 1, .cap = 1, .items = &l->sc };
	log_one(&w, key, val);
	l->err = w.err;
	l->found = w.n == 1;
	return false;
}

static enum bc_err last_entry_at(struct stx *t, const char *id, int64_t at, struct last_entry *l)
{
	unsigned char start[LOG_PREFIX];
	id_key(start, id);
	key64_put(start + ID_LEN, at == INT64_MAX ? at : at + 1);
	*l = (struct last_entry){ .found = false };
	enum bc_err e = at == INT64_MAX ? db_scan(t, DB_STATUS_LOG, start, ID_LEN, NULL, 0, true, take_entry, l)
	                                : db_scan(t, DB_STATUS_LOG, start, ID_LEN, start, sizeof start, true, take_entry, l);
	return e == BC_OK ? l->err : e;
}

enum bc_err store_component_status_at(struct stx *t, const char *id, int64_t at, enum comp_status *out)
{
	struct last_entry l;
	if (!id_valid(id))
		return BC_NOTFOUND;
	enum bc_err e = last_entry_at(t, id, at, &l);
	*out = l.found ? l.sc.status : CS_OPERATIONAL;
	return e;
}

enum bc_err store_component_status_set(struct stx *t, const char *id, int64_t at, enum comp_status status,
                                       const char *incident_id, enum comp_status *old)
{
	struct component c;
	enum bc_err e = stx_need_write(t);
	if (e == BC_OK && (unsigned)status >= CS__MAX)
		e = BC_INVALID;
	if (e == BC_OK)
		e = store_component_get(t, id, &c);
	if (e != BC_OK)
		return e;
	int64_t now = now_ms();
	if (at > now)
		at = now;                       /* the current state is the latest entry at or before now */
	struct last_entry then;
	if ((e = last_entry_at(t, id, at, &then)) != BC_OK)
		return e;
	*old = then.found ? then.sc.status : CS_OPERATIONAL;
	if (!then.found || then.sc.status != status) {
		struct status_change sc = { .at = at, .status = status };
		id_copy(sc.incident_id, incident_id);
		if ((e = store_status_log_add(t, id, &sc)) != BC_OK)
			return e;
	}
	struct last_entry cur;
	if ((e = last_entry_at(t, id, now, &cur)) != BC_OK)
		return e;
	if (!cur.found || cur.sc.status == c.status)
		return BC_OK;
	c.status = cur.sc.status;
	c.updated_at = now;
	return put_component(t, &c);
}

struct move_walk {
	const char *incident_id;
	size_t n;
	unsigned char keys[8][LOG_PREFIX + 4];
	struct status_change sc[8];
	enum bc_err err;
};

static bool take_moved(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct move_walk *m = ctx;
	struct status_change sc;
	struct log_walk w = { .to = INT64_MAX, .limit = 1, .cap = 1, .items = &sc };
	log_one(&w, key, val);
	if (w.err != BC_OK) {
		m->err = w.err;
		return false;
	}
	if (w.n == 1 && strcmp(sc.incident_id, m->incident_id) == 0 && m->n < 8) {
		memcpy(m->keys[m->n], key->mv_data, LOG_PREFIX + 4);
		m->sc[m->n++] = sc;
	}
	return true;
}

enum bc_err store_status_log_move(struct stx *t, const char *component_id, int64_t from_ms, int64_t to_ms,
                                  const char *incident_id)
{
	enum bc_err e = stx_need_write(t);
	if (e != BC_OK)
		return e;
	if (!id_valid(component_id) || incident_id == NULL || !id_valid(incident_id))
		return BC_NOTFOUND;
	unsigned char prefix[LOG_PREFIX];
	id_key(prefix, component_id);
	key64_put(prefix + ID_LEN, from_ms);
	struct move_walk m = { .incident_id = incident_id };
	if ((e = db_scan(t, DB_STATUS_LOG, prefix, sizeof prefix, NULL, 0, false, take_moved, &m)) != BC_OK)
		return e;
	if (m.err != BC_OK)
		return m.err;
	if (m.n == 0)
		return BC_NOTFOUND;
	for (size_t i = 0; i < m.n; i++) {
		if ((e = db_del(t, DB_STATUS_LOG, m.keys[i], sizeof m.keys[i])) != BC_OK)
			return e;
		m.sc[i].at = to_ms;
		if ((e = store_status_log_add(t, component_id, &m.sc[i])) != BC_OK)
			return e;
	}
	/* the current status is the latest entry at or before now */
	struct component c;
	struct last_entry cur;
	if ((e = store_component_get(t, component_id, &c)) != BC_OK ||
	    (e = last_entry_at(t, component_id, now_ms(), &cur)) != BC_OK)
		return e;
	if (!cur.found || cur.sc.status == c.status)
		return BC_OK;
	c.status = cur.sc.status;
	c.updated_at = now_ms();
	return put_component(t, &c);
}
