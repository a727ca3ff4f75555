/* codec.c: enum spellings, input validation, and the JSON records of groups, components, incidents, updates. */
#include <string.h>
#include "store_internal.h"
#include "log.h"

static const char *const comp_status_names[CS__MAX] = {
	"operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage",
};
static const char *const inc_status_names[IS__MAX] = {
	"investigating", "identified", "monitoring", "resolved", "postmortem",
	"scheduled", "in_progress", "verifying", "completed",
};
static const char *const impact_names[IMP__MAX] = { "none", "minor", "major", "critical", "maintenance" };
static const char *const scope_names[] = { NULL, "read", "write", "admin", "replication" };
#define SCOPE__END 5

static bool name_lookup(const char *const *names, int lo, int hi, const char *s, int *out)
{
	if (s == NULL)
		return false;
	for (int i = lo; i < hi; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return true;
		}
	}
	return false;
}

const char *comp_status_name(enum comp_status s)
{
	return (unsigned)s < CS__MAX ? comp_status_names[s] : "unknown";
}

bool comp_status_parse(const char *s, enum comp_status *out)
{
	int i;
	if (!name_lookup(comp_status_names, 0, CS__MAX, s, &i))
		return false;
	*out = (enum comp_status)i;
	return true;
}

const char *inc_status_name(enum inc_status s)
{
	return (unsigned)s < IS__MAX ? inc_status_names[s] : "unknown";
}

bool inc_status_parse(const char *s, enum inc_status *out)
{
	int i;
	if (!name_lookup(inc_status_names, 0, IS__MAX, s, &i))
		return false;
	*out = (enum inc_status)i;
	return true;
}

bool inc_status_is_closed(enum inc_status s)
{
	return s == IS_RESOLVED || s == IS_POSTMORTEM || s == IS_COMPLETED;
}

const char *impact_name(enum impact i)
{
	return (unsigned)i < IMP__MAX ? impact_names[i] : "unknown";
}

bool impact_parse(const char *s, enum impact *out)
{
	int i;
	if (!name_lookup(impact_names, 0, IMP__MAX, s, &i))
		return false;
	*out = (enum impact)i;
	return true;
}

const char *scope_name(enum scope s)
{
	return s >= SCOPE_READ && s <= SCOPE_REPLICATION ? scope_names[s] : "unknown";
}

bool scope_parse(const char *s, enum scope *out)
{
	int i;
	if (!name_lookup(scope_names, SCOPE_READ, SCOPE__END, s, &i))
		return false;
	*out = (enum scope)i;
	return true;
}

bool id_valid(const char *id)
{
	size_t n = 0;
	if (id == NULL)
		return false;
	for (; id[n]; n++)
		if (n >= ID_LEN || !((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= '0' && id[n] <= '9')))
			return false;
	return n > 0;
}

void id_copy(bc_id dst, const char *src)
{
	if (src != NULL && id_valid(src))
		memcpy(dst, src, strlen(src) + 1);
	else
		dst[0] = '\0';
}

/* Length of the UTF-8 sequence at p (shortest form, no surrogates, <= U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* Text checks for every stored string: size limit, valid UTF-8, no control characters
 * (multi-line text may hold tab, CR and LF). */
enum bc_err check_text(const char *s, size_t max, bool required, bool single_line)
{
	if (s == NULL)
		return required ? BC_INVALID : BC_OK;
	size_t len = strlen(s);
	if (len > max)
		return BC_TOOBIG;
	if (required && len == 0)
		return BC_INVALID;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			if (single_line || (*p != '\t' && *p != '\n' && *p != '\r'))
				return BC_INVALID;
		}
		size_t n = utf8_seq(p);
		if (n == 0)
			return BC_INVALID;
		p += n;
	}
	return BC_OK;
}

json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int64_t jint(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

bool jbool(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

char *jdup(struct arena *a, json_t *o, const char *k)
{
	return arena_strdup(a, jstr(o, k));
}

json_t *json_from_val(const MDB_val *v)
{
	json_error_t err;
	json_t *o = json_loadb(v->mv_data, v->mv_size, JSON_REJECT_DUPLICATES, &err);
	if (o == NULL || !json_is_object(o)) {
		log_warnx("store: unreadable record: %s", o ? "not an object" : err.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

static enum bc_err bad_record(json_t *o, const char *what)
{
	log_warnx("store: unreadable %s record", what);
	json_decref(o);
	return BC_STORE;
}

/*
 * A fast path for the flat records written by enc_component and enc_incident: one object of
 * strings, integers, booleans, nulls and arrays of strings, read without building a jansson tree.
 * Anything outside that subset or not well-formed (a real number, a nested object, an escape it
 * does not take, a duplicate key, bad UTF-8) makes the fast path give up, and the decoder reads
 * the record with jansson as before, so both paths see exactly the same records the same way.
 */
#define FLAT_MAX 24

enum flat_type { FT_STR, FT_INT, FT_TRUE, FT_FALSE, FT_NULL, FT_ARR };

struct flat_val {
	const char *key;
	size_t klen;
	enum flat_type type;
	const char *p;                  /* FT_STR: after the opening quote; FT_ARR: after '[' */
	size_t len;                     /* FT_STR: bytes up to the closing quote; FT_ARR: number of items */
	bool escaped;                   /* FT_STR: holds a backslash */
	int64_t i;                      /* FT_INT */
};

struct flat {
	struct flat_val v[FLAT_MAX];
	size_t n;
};

static const char *flat_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Scans a string after its opening quote; returns the closing quote, or NULL. */
static const char *flat_scan_str(const char *p, const char *end, bool *escaped)
{
	*escaped = false;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			*escaped = true;
			p += 2;
			continue;
		}
		if (c < 0x80) {
			p++;
			continue;
		}
		if (end - p < 4) {          /* utf8_seq may look up to 3 bytes ahead */
			unsigned char tail[4] = { 0 };
			memcpy(tail, p, (size_t)(end - p));
			size_t n = utf8_seq(tail);
			if (n == 0 || n > (size_t)(end - p))
				return NULL;
			p += n;
			continue;
		}
		size_t n = utf8_seq((const unsigned char *)p);
		if (n == 0)
			return NULL;
		p += n;
	}
	return NULL;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decodes string bytes [p, p+len) (escapes included) into dst (room for len + 1); false if not taken. */
static bool flat_unescape(const char *p, size_t len, char *dst)
{
	const char *end = p + len;
	char *o = dst;
	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (end - p < 2)
			return false;
		char c = p[1];
		p += 2;
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int u = end - p >= 4 ? hex4(p) : -1;
			p += 4;
			if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;   /* \u0000 and lone low surrogates: jansson decides */
			long cp = u;
			if (u >= 0xd800 && u <= 0xdbff) {
				int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
				p += 6;
				cp = 0x10000 + (((long)u - 0xd800) << 10) + (lo - 0xdc00);
			}
			/* the UTF-8 form is never longer than the escape it replaces */
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xe0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xf0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			return false;
		}
	}
	*o = '\0';
	return true;
}

/* One value at p; fills fv (type, span) and returns the byte after it, or NULL. */
static const char *flat_value(const char *p, const char *end, struct flat_val *fv)
{
	if (p >= end)
		return NULL;
	if (*p == '"') {
		const char *q = flat_scan_str(p + 1, end, &fv->escaped);
		if (q == NULL)
			return NULL;
		fv->type = FT_STR;
		fv->p = p + 1;
		fv->len = (size_t)(q - p - 1);
		return q + 1;
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		bool neg = *p == '-';
		const char *q = p + neg;
		uint64_t v = 0;
		int digits = 0;
		while (q < end && *q >= '0' && *q <= '9') {
			v = v * 10 + (uint64_t)(*q - '0');
			q++;
			if (++digits > 18)
				return NULL;
		}
		if (digits == 0 || (digits > 1 && p[neg] == '0'))
			return NULL;
		if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
			return NULL;    /* reals: jansson's rules */
		fv->type = FT_INT;
		fv->i = neg ? -(int64_t)v : (int64_t)v;
		return q;
	}
	static const struct { const char *w; size_t n; enum flat_type t; } words[] = {
		{ "true", 4, FT_TRUE }, { "false", 5, FT_FALSE }, { "null", 4, FT_NULL },
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if ((size_t)(end - p) >= words[i].n && memcmp(p, words[i].w, words[i].n) == 0) {
			fv->type = words[i].t;
			return p + words[i].n;
		}
	if (*p == '[') {                /* an array of strings only */
		fv->type = FT_ARR;
		fv->p = p + 1;
		fv->len = 0;
		p = flat_ws(p + 1, end);
		if (p < end && *p == ']')
			return p + 1;
		for (;;) {
			bool esc;
			if (p >= end || *p != '"')
				return NULL;
			const char *q = flat_scan_str(p + 1, end, &esc);
			if (q == NULL)
				return NULL;
			fv->len++;
			p = flat_ws(q + 1, end);
			if (p < end && *p == ']')
				return p + 1;
			if (p >= end || *p != ',')
				return NULL;
			p = flat_ws(p + 1, end);
		}
	}
	return NULL;
}

/* Parses a whole record; false when it is not a flat object this path takes. */
static bool flat_parse(const MDB_val *mv, struct flat *f)
{
	const char *p = mv->mv_data, *end = p + mv->mv_size;
	f->n = 0;
	p = flat_ws(p, end);
	if (p >= end || *p != '{')
		return false;
	p = flat_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
	} else {
		for (;;) {
			if (p >= end || *p != '"' || f->n == FLAT_MAX)
				return false;
			struct flat_val *fv = &f->v[f->n];
			bool esc;
			const char *q = flat_scan_str(p + 1, end, &esc);
			if (q == NULL || esc)
				return false;
			fv->key = p + 1;
			fv->klen = (size_t)(q - p - 1);
			for (size_t i = 0; i < f->n; i++)
				if (f->v[i].klen == fv->klen && memcmp(f->v[i].key, fv->key, fv->klen) == 0)
					return false;      /* duplicate key: jansson rejects it */
			p = flat_ws(q + 1, end);
			if (p >= end || *p != ':')
				return false;
			p = flat_value(flat_ws(p + 1, end), end, fv);
			if (p == NULL)
				return false;
			f->n++;
			p = flat_ws(p, end);
			if (p < end && *p == '}') {
				p++;
				break;
			}
			if (p >= end || *p != ',')
				return false;
			p = flat_ws(p + 1, end);
		}
	}
	return flat_ws(p, end) == end;
}

static const struct flat_val *flat_get(const struct flat *f, const char *k)
{
	size_t kl = strlen(k);
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].klen == kl && memcmp(f->v[i].key, k, kl) == 0)
			return &f->v[i];
	return NULL;
}

/*
 * Field access over either representation: r->f (fast path) or r->o (jansson). The same decoder
 * body runs on both; on the fast path any value it cannot take sets r->miss, and the caller then
 * decodes the record again with jansson.
 */
struct rec {
	const struct flat *f;
	json_t *o;
	struct arena *a;
	bool miss;
};

static char *rec_dup(struct rec *r, const char *k)
{
	if (r->o)
		return jdup(r->a, r->o, k);
	const struct flat_val *fv = flat_get(r->f, k);
	if (fv == NULL || fv->type != FT_STR)
		return NULL;
	if (!fv->escaped)
		return arena_strndup(r->a, fv->p, fv->len);
	char *s = arena_alloc(r->a, fv->len + 1);
	if (!flat_unescape(fv->p, fv->len, s)) {
		r->miss = true;
		return NULL;
	}
	return s;
}

/* A short string (id, enum spelling) into dst; "" when missing, not a string or too long. */
static const char *rec_short(struct rec *r, const char *k, char *dst, size_t cap)
{
	if (r->o)
		return jstr(r->o, k);
	const struct flat_val *fv = flat_get(r->f, k);
	if (fv == NULL || fv->type != FT_STR)
		return NULL;
	if (fv->escaped || fv->len >= cap) {
		r->miss = true;
		return NULL;
	}
	memcpy(dst, fv->p, fv->len);
	dst[fv->len] = '\0';
	return dst;
}

static int64_t rec_int(struct rec *r, const char *k)
{
	if (r->o)
		return jint(r->o, k);
	const struct flat_val *fv = flat_get(r->f, k);
	return fv && fv->type == FT_INT ? fv->i : 0;
}

static bool rec_bool(struct rec *r, const char *k)
{
	if (r->o)
		return jbool(r->o, k);
	const struct flat_val *fv = flat_get(r->f, k);
	return fv && fv->type == FT_TRUE;
}

/* Array of ids: count and fill (arena); an item that is not a short string sets r->miss. */
static bc_id *rec_ids(struct rec *r, const char *k, size_t *n)
{
	if (r->o) {
		json_t *ids = json_object_get(r->o, k);
		*n = json_array_size(ids);
		bc_id *out = arena_alloc(r->a, (*n + 1) * sizeof(bc_id));
		for (size_t i = 0; i < *n; i++)
			id_copy(out[i], json_string_value(json_array_get(ids, i)));
		return out;
	}
	const struct flat_val *fv = flat_get(r->f, k);
	*n = fv && fv->type == FT_ARR ? fv->len : 0;
	bc_id *out = arena_alloc(r->a, (*n + 1) * sizeof(bc_id));
	const char *p = *n ? fv->p : NULL;
	for (size_t i = 0; i < *n; i++) {
		while (*p != '"')
			p++;
		const char *q = ++p;
		while (*q != '"' && *q != '\\')
			q++;
		if (*q == '\\' || q - p > ID_LEN) {
			r->miss = true;
			return out;
		}
		char tmp[ID_LEN + 1];
		memcpy(tmp, p, (size_t)(q - p));
		tmp[q - p] = '\0';
		id_copy(out[i], tmp);
		p = q + 1;
	}
	return out;
}

json_t *enc_group(const struct group *g)
{
	return json_pack("{s:s, s:s, s:o, s:i, s:I, s:I}", "id", g->id, "name", g->name,
	                 "description", json_str_or_null(g->description), "position", g->position,
	                 "created_at", (json_int_t)g->created_at, "updated_at", (json_int_t)g->updated_at);
}

static bool rec_group(struct rec *r, struct group *g)
{
	char tmp[32];
	memset(g, 0, sizeof *g);
	id_copy(g->id, rec_short(r, "id", tmp, sizeof tmp));
	g->name = rec_dup(r, "name");
	g->description = rec_dup(r, "description");
	g->position = (int)rec_int(r, "position");
	g->created_at = rec_int(r, "created_at");
	g->updated_at = rec_int(r, "updated_at");
	return !r->miss && g->name != NULL && g->id[0] != '\0';
}

enum bc_err dec_group(struct arena *a, const MDB_val *v, struct group *g)
{
	struct flat f;
	struct rec r = { .f = &f, .a = a };
	if (flat_parse(v, &f) && rec_group(&r, g))
		return BC_OK;
	r = (struct rec){ .o = json_from_val(v), .a = a };
	if (r.o == NULL)
		return BC_STORE;
	if (!rec_group(&r, g))
		return bad_record(r.o, "group");
	json_decref(r.o);
	return BC_OK;
}

json_t *enc_component(const struct component *c)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:b, s:b, s:I, s:I, s:I}",
	                 "id", c->id, "group_id", c->group_id, "name", c->name,
	                 "description", json_str_or_null(c->description),
	                 "status", comp_status_name(c->status), "position", c->position,
	                 "showcase", c->showcase, "only_show_if_degraded", c->only_show_if_degraded,
	                 "start_date", (json_int_t)c->start_date, "created_at", (json_int_t)c->created_at,
	                 "updated_at", (json_int_t)c->updated_at);
}

/* The fields of a component; false when the record is not one (or the fast path must give up). */
static bool rec_component(struct rec *r, struct component *c)
{
	char tmp[32];
	memset(c, 0, sizeof *c);
	id_copy(c->id, rec_short(r, "id", tmp, sizeof tmp));
	id_copy(c->group_id, rec_short(r, "group_id", tmp, sizeof tmp));
	c->name = rec_dup(r, "name");
	c->description = rec_dup(r, "description");
	c->position = (int)rec_int(r, "position");
	c->showcase = rec_bool(r, "showcase");
	c->only_show_if_degraded = rec_bool(r, "only_show_if_degraded");
	c->start_date = rec_int(r, "start_date");
	c->created_at = rec_int(r, "created_at");
	c->updated_at = rec_int(r, "updated_at");
	return !r->miss && c->name != NULL && c->id[0] != '\0' &&
	       comp_status_parse(rec_short(r, "status", tmp, sizeof tmp), &c->status) && !r->miss;
}

enum bc_err dec_component(struct arena *a, const MDB_val *v, struct component *c)
{
	struct flat f;
	struct rec r = { .f = &f, .a = a };
	if (flat_parse(v, &f) && rec_component(&r, c))
		return BC_OK;
	r = (struct rec){ .o = json_from_val(v), .a = a };
	if (r.o == NULL)
		return BC_STORE;
	if (!rec_component(&r, c))
		return bad_record(r.o, "component");
	json_decref(r.o);
	return BC_OK;
}

json_t *enc_incident(const struct incident *inc)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < inc->ncomponents; i++)
		json_array_append_new(ids, json_string(inc->component_ids[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:o, s:I, s:o}",
	                 "id", inc->id, "name", inc->name, "status", inc_status_name(inc->status),
	                 "impact", impact_name(inc->impact), "maintenance", inc->is_maintenance,
	                 "created_at", (json_int_t)inc->created_at, "updated_at", (json_int_t)inc->updated_at,
	                 "started_at", (json_int_t)inc->started_at, "monitoring_at", (json_int_t)inc->monitoring_at,
	                 "resolved_at", (json_int_t)inc->resolved_at, "scheduled_for", (json_int_t)inc->scheduled_for,
	                 "scheduled_until", (json_int_t)inc->scheduled_until,
	                 "auto_in_progress", inc->scheduled_auto_in_progress,
	                 "auto_completed", inc->scheduled_auto_completed,
	                 "postmortem_body", json_str_or_null(inc->postmortem_body),
	                 "postmortem_published_at", (json_int_t)inc->postmortem_published_at,
	                 "components", ids);
}

static bool rec_incident(struct rec *r, struct incident *inc)
{
	char tmp[32];
	memset(inc, 0, sizeof *inc);
	id_copy(inc->id, rec_short(r, "id", tmp, sizeof tmp));
	inc->name = rec_dup(r, "name");
	inc->is_maintenance = rec_bool(r, "maintenance");
	inc->created_at = rec_int(r, "created_at");
	inc->updated_at = rec_int(r, "updated_at");
	inc->started_at = rec_int(r, "started_at");
	inc->monitoring_at = rec_int(r, "monitoring_at");
	inc->resolved_at = rec_int(r, "resolved_at");
	inc->scheduled_for = rec_int(r, "scheduled_for");
	inc->scheduled_until = rec_int(r, "scheduled_until");
	inc->scheduled_auto_in_progress = rec_bool(r, "auto_in_progress");
	inc->scheduled_auto_completed = rec_bool(r, "auto_completed");
	inc->postmortem_body = rec_dup(r, "postmortem_body");
	inc->postmortem_published_at = rec_int(r, "postmortem_published_at");
	inc->component_ids = rec_ids(r, "components", &inc->ncomponents);
	return !r->miss && inc->name != NULL && inc->id[0] != '\0' &&
	       inc_status_parse(rec_short(r, "status", tmp, sizeof tmp), &inc->status) &&
	       impact_parse(rec_short(r, "impact", tmp, sizeof tmp), &inc->impact) && !r->miss;
}

enum bc_err dec_incident(struct arena *a, const MDB_val *v, struct incident *inc)
{
	struct flat f;
	struct rec r = { .f = &f, .a = a };
	if (flat_parse(v, &f) && rec_incident(&r, inc))
		return BC_OK;
	r = (struct rec){ .o = json_from_val(v), .a = a };
	if (r.o == NULL)
		return BC_STORE;
	if (!rec_incident(&r, inc))
		return bad_record(r.o, "incident");
	json_decref(r.o);
	return BC_OK;
}

json_t *enc_update(const struct incident_update *u)
{
	json_t *aff = json_array();
	for (size_t i = 0; i < u->naffected; i++)
		json_array_append_new(aff, json_pack("{s:s, s:s, s:s}", "component_id", u->affected[i].component_id,
		                                     "old_status", comp_status_name(u->affected[i].old_status),
		                                     "new_status", comp_status_name(u->affected[i].new_status)));
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "id", u->id, "incident_id", u->incident_id,
	                 "status", inc_status_name(u->status), "body", u->body ? u->body : "",
	                 "created_at", (json_int_t)u->created_at, "updated_at", (json_int_t)u->updated_at,
	                 "display_at", (json_int_t)u->display_at, "seq", (json_int_t)u->seq, "affected", aff);
}

enum bc_err dec_update(struct arena *a, const MDB_val *v, struct incident_update *u)
{
	json_t *o = json_from_val(v);
	if (o == NULL)
		return BC_STORE;
	memset(u, 0, sizeof *u);
	id_copy(u->id, jstr(o, "id"));
	id_copy(u->incident_id, jstr(o, "incident_id"));
	u->body = jdup(a, o, "body");
	u->created_at = jint(o, "created_at");
	u->updated_at = jint(o, "updated_at");
	u->display_at = jint(o, "display_at");
	u->seq = (uint64_t)jint(o, "seq");
	json_t *aff = json_object_get(o, "affected");
	u->naffected = json_array_size(aff);
	u->affected = arena_alloc(a, (u->naffected + 1) * sizeof *u->affected);
	bool ok = u->body && u->id[0] && u->incident_id[0] && inc_status_parse(jstr(o, "status"), &u->status);
	for (size_t i = 0; ok && i < u->naffected; i++) {
		json_t *e = json_array_get(aff, i);
		id_copy(u->affected[i].component_id, jstr(e, "component_id"));
		ok = comp_status_parse(jstr(e, "old_status"), &u->affected[i].old_status) &&
		     comp_status_parse(jstr(e, "new_status"), &u->affected[i].new_status);
	}
	if (!ok)
		return bad_record(o, "incident update");
	json_decref(o);
	return BC_OK;
}
