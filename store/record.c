/* record.c: the binary layout of the hot records (groups, components, incidents): fields in a fixed order, read without parsing. */
#include <string.h>
#include "store_internal.h"
#include "log.h"

/*
 * A record is a version byte then its fields in the order its encoder writes them:
 * integers as 8 bytes little-endian, booleans and enums as 1 byte, strings as a 4-byte length
 * (REC_NULL for none) and their bytes, id lists as a 4-byte count and 12 bytes per id.
 * The home page reads hundreds of these per render; JSON was most of its cost.
 */
#define REC_VERSION 1
#define REC_NULL 0xffffffffu

struct rec_out {
	struct buf b;
};

struct rec_in {
	const unsigned char *p, *end;
	struct arena *a;
	bool bad;
};

static void put_bytes(struct rec_out *o, const void *p, size_t n)
{
	buf_append(&o->b, p, n);
}

static void put_u8(struct rec_out *o, unsigned v)
{
	unsigned char c = (unsigned char)v;
	put_bytes(o, &c, 1);
}

static void put_u32(struct rec_out *o, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 24) };
	put_bytes(o, c, 4);
}

static void put_i64(struct rec_out *o, int64_t v)
{
	uint64_t u = (uint64_t)v;
	put_u32(o, (uint32_t)u);
	put_u32(o, (uint32_t)(u >> 32));
}

static void put_str(struct rec_out *o, const char *s)
{
	if (s == NULL) {
		put_u32(o, REC_NULL);
		return;
	}
	size_t n = strlen(s);
	put_u32(o, (uint32_t)n);
	put_bytes(o, s, n);
}

static void put_id(struct rec_out *o, const char *id)
{
	unsigned char k[ID_LEN];
	id_key(k, id);
	put_bytes(o, k, ID_LEN);
}

static void put_ids(struct rec_out *o, const bc_id *ids, size_t n)
{
	put_u32(o, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_id(o, ids[i]);
}

static const unsigned char *take(struct rec_in *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const unsigned char *p = r->p;
	r->p += n;
	return p;
}

static unsigned get_u8(struct rec_in *r)
{
	const unsigned char *p = take(r, 1);
	return p ? *p : 0;
}

static uint32_t get_u32(struct rec_in *r)
{
	const unsigned char *p = take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

static int64_t get_i64(struct rec_in *r)
{
	uint64_t lo = get_u32(r), hi = get_u32(r);
	return (int64_t)(lo | hi << 32);
}

static char *get_str(struct rec_in *r)
{
	uint32_t n = get_u32(r);
	if (n == REC_NULL || r->bad)
		return NULL;
	const unsigned char *p = take(r, n);
	return p ? arena_strndup(r->a, (const char *)p, n) : NULL;
}

/* An id key (12 bytes, NUL-padded) into a NUL-terminated id. */
static void key_to_id(const unsigned char k[ID_LEN], bc_id out)
{
	memcpy(out, k, ID_LEN);
	out[ID_LEN] = '\0';
}

/* An id; a record whose id is not one is damaged. */
static void get_id(struct rec_in *r, bc_id out)
{
	const unsigned char *p = take(r, ID_LEN);
	out[0] = '\0';
	if (p)
		key_to_id(p, out);
	if (!id_valid(out))
		r->bad = true;
}

static bc_id *get_ids(struct rec_in *r, size_t *n)
{
	uint32_t count = get_u32(r);
	if (r->bad || count > (size_t)(r->end - r->p) / ID_LEN) {
		r->bad = true;
		count = 0;
	}
	bc_id *ids = arena_alloc(r->a, (count + 1) * sizeof *ids);
	for (uint32_t i = 0; i < count; i++)
		get_id(r, ids[i]);
	*n = count;
	return ids;
}

/* Incidents of version 2 end with impact_overridden, auto_to_maintenance, auto_to_operational;
 * version 1 records read with those false. Version 3 adds draft after them; older records read
 * with draft false (published). */
#define REC_INCIDENT_VERSION_2 2
#define REC_INCIDENT_VERSION 3

static void rec_begin(struct rec_out *o)
{
	buf_init(&o->b);
	put_u8(o, REC_VERSION);
}

static bool rec_open(struct rec_in *r, struct arena *a, const MDB_val *v)
{
	*r = (struct rec_in){ .p = v->mv_data, .end = (const unsigned char *)v->mv_data + v->mv_size, .a = a };
	return get_u8(r) == REC_VERSION;
}

/* Writes the encoded record and frees it. */
static enum bc_err rec_put(struct stx *t, enum db d, const char *id, struct rec_out *o)
{
	enum bc_err e = db_put(t, d, id, strlen(id), o->b.p, o->b.len);
	buf_free(&o->b);
	return e;
}

static enum bc_err rec_done(struct rec_in *r, bool ok, const char *what)
{
	if (ok && !r->bad && r->p == r->end)
		return BC_OK;
	log_warnx("store: unreadable %s record", what);
	return BC_STORE;
}

enum bc_err put_group(struct stx *t, const struct group *g)
{
	struct rec_out o;
	rec_begin(&o);
	put_id(&o, g->id);
	put_str(&o, g->name);
	put_str(&o, g->description);
	put_i64(&o, g->position);
	put_i64(&o, g->created_at);
	put_i64(&o, g->updated_at);
	return rec_put(t, DB_GROUPS, g->id, &o);
}

enum bc_err dec_group(struct arena *a, const MDB_val *v, struct group *g)
{
	struct rec_in r;
	memset(g, 0, sizeof *g);
	bool ok = rec_open(&r, a, v);
	get_id(&r, g->id);
	g->name = get_str(&r);
	g->description = get_str(&r);
	g->position = (int)get_i64(&r);
	g->created_at = get_i64(&r);
	g->updated_at = get_i64(&r);
	return rec_done(&r, ok && g->name != NULL, "group");
}

enum bc_err put_component(struct stx *t, const struct component *c)
{
	struct rec_out o;
	rec_begin(&o);
	put_id(&o, c->id);
	put_str(&o, c->group_id[0] ? c->group_id : NULL);
	put_str(&o, c->name);
	put_str(&o, c->description);
	put_u8(&o, (unsigned)c->status);
	put_i64(&o, c->position);
	put_u8(&o, c->showcase);
	put_u8(&o, c->only_show_if_degraded);
	put_i64(&o, c->start_date);
	put_i64(&o, c->created_at);
	put_i64(&o, c->updated_at);
	return rec_put(t, DB_COMPONENTS, c->id, &o);
}

enum bc_err dec_component(struct arena *a, const MDB_val *v, struct component *c)
{
	struct rec_in r;
	memset(c, 0, sizeof *c);
	bool ok = rec_open(&r, a, v);
	get_id(&r, c->id);
	char *group = get_str(&r);
	ok = ok && (group == NULL || id_valid(group));
	if (ok && group)
		id_copy(c->group_id, group);
	c->name = get_str(&r);
	c->description = get_str(&r);
	unsigned status = get_u8(&r);
	c->status = (enum comp_status)status;
	c->position = (int)get_i64(&r);
	c->showcase = get_u8(&r) != 0;
	c->only_show_if_degraded = get_u8(&r) != 0;
	c->start_date = get_i64(&r);
	c->created_at = get_i64(&r);
	c->updated_at = get_i64(&r);
	return rec_done(&r, ok && c->name != NULL && status < CS__MAX, "component");
}

enum bc_err put_incident(struct stx *t, const struct incident *inc)
{
	struct rec_out o;
	rec_begin(&o);
	put_id(&o, inc->id);
	put_str(&o, inc->name);
	put_u8(&o, (unsigned)inc->status);
	put_u8(&o, (unsigned)inc->impact);
	put_u8(&o, inc->is_maintenance);
	put_i64(&o, inc->created_at);
	put_i64(&o, inc->updated_at);
	put_i64(&o, inc->started_at);
	put_i64(&o, inc->monitoring_at);
	put_i64(&o, inc->resolved_at);
	put_i64(&o, inc->scheduled_for);
	put_i64(&o, inc->scheduled_until);
	put_u8(&o, inc->scheduled_auto_in_progress);
	put_u8(&o, inc->scheduled_auto_completed);
	put_str(&o, inc->postmortem_body);
	put_i64(&o, inc->postmortem_published_at);
	put_str(&o, inc->postmortem_draft);
	put_str(&o, inc->metadata);
	put_str(&o, inc->reminder_intervals);
	put_u8(&o, inc->backfilled);
	put_ids(&o, inc->component_ids, inc->ncomponents);
	put_u8(&o, inc->impact_overridden);
	put_u8(&o, inc->auto_to_maintenance);
	put_u8(&o, inc->auto_to_operational);
	put_u8(&o, inc->draft);
	o.b.p[0] = REC_INCIDENT_VERSION;
	return rec_put(t, DB_INCIDENTS, inc->id, &o);
}

enum bc_err dec_incident(struct arena *a, const MDB_val *v, struct incident *inc)
{
	struct rec_in r;
	memset(inc, 0, sizeof *inc);
	r = (struct rec_in){ .p = v->mv_data, .end = (const unsigned char *)v->mv_data + v->mv_size, .a = a };
	unsigned version = get_u8(&r);
	bool ok = version == REC_VERSION || version == REC_INCIDENT_VERSION_2 || version == REC_INCIDENT_VERSION;
	get_id(&r, inc->id);
	inc->name = get_str(&r);
	unsigned status = get_u8(&r), impact = get_u8(&r);
	inc->status = (enum inc_status)status;
	inc->impact = (enum impact)impact;
	inc->is_maintenance = get_u8(&r) != 0;
	inc->created_at = get_i64(&r);
	inc->updated_at = get_i64(&r);
	inc->started_at = get_i64(&r);
	inc->monitoring_at = get_i64(&r);
	inc->resolved_at = get_i64(&r);
	inc->scheduled_for = get_i64(&r);
	inc->scheduled_until = get_i64(&r);
	inc->scheduled_auto_in_progress = get_u8(&r) != 0;
	inc->scheduled_auto_completed = get_u8(&r) != 0;
	inc->postmortem_body = get_str(&r);
	inc->postmortem_published_at = get_i64(&r);
	inc->postmortem_draft = get_str(&r);
	inc->metadata = get_str(&r);
	inc->reminder_intervals = get_str(&r);
	inc->backfilled = get_u8(&r) != 0;
	inc->component_ids = get_ids(&r, &inc->ncomponents);
	if (version >= REC_INCIDENT_VERSION_2) {
		inc->impact_overridden = get_u8(&r) != 0;
		inc->auto_to_maintenance = get_u8(&r) != 0;
		inc->auto_to_operational = get_u8(&r) != 0;
	}
	if (version >= REC_INCIDENT_VERSION)
		inc->draft = get_u8(&r) != 0;
	return rec_done(&r, ok && inc->name != NULL && status < IS__MAX && impact < IMP__MAX,
	                "incident");
}
