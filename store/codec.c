/* codec.c: enum spellings, input validation, and the JSON records of updates, page settings, tokens and audit. */
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
static const char *const scope_names[] = { NULL, "read", "write", "admin", "replication", "intake" };
#define SCOPE__END 6

static bool name_lookup(const char *const *names, int lo, int hi, const char *s, int *out)
{
	if (s == NULL)
		return false;
	for (int i = lo; i < hi; i++) {
		if (names[i][0] == s[0] && strcmp(names[i], s) == 0) {
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
	return s >= SCOPE_READ && s <= SCOPE_INTAKE ? scope_names[s] : "unknown";
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
	static const unsigned char id_char[256] = {   /* [a-z0-9] */
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
		['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
		['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1,
		['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	};
	if (id == NULL)
		return false;
	size_t n = 0;
	while (n < ID_LEN && id_char[(unsigned char)id[n]])
		n++;
	return n > 0 && id[n] == '\0';
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

/* Whitespace a name may not consist of: ASCII space and tab, U+00A0, U+1680, U+2000-U+200B, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF. Returns the length of the sequence at p, 0 when not whitespace. */
static size_t name_space(const unsigned char *p)
{
	if (p[0] == ' ' || p[0] == '\t')
		return 1;
	if (p[0] == 0xc2 && p[1] == 0xa0)
		return 2;
	if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8b) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
		return 3;
	if ((p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) || (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))
		return 3;
	return 0;
}

static bool name_bidi(const unsigned char *p)
{
	return p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

enum bc_err check_name(const char *s, size_t max)
{
	enum bc_err e = check_text(s, max, true, true);
	if (e != BC_OK)
		return e;
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; ) {
		if (name_bidi(p))
			return BC_BADNAME;
		size_t sp = name_space(p);
		if (sp == 0)
			blank = false;
		p += sp ? sp : utf8_seq(p);
	}
	return blank ? BC_BADNAME : BC_OK;
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

json_t *enc_update(const struct incident_update *u)
{
	json_t *aff = json_array();
	for (size_t i = 0; i < u->naffected; i++)
		json_array_append_new(aff, json_pack("{s:s, s:s, s:s}", "component_id", u->affected[i].component_id,
		                                     "old_status", comp_status_name(u->affected[i].old_status),
		                                     "new_status", comp_status_name(u->affected[i].new_status)));
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:o}", "id", u->id, "incident_id", u->incident_id,
	                 "status", inc_status_name(u->status), "body", u->body ? u->body : "",
	                 "created_at", (json_int_t)u->created_at, "updated_at", (json_int_t)u->updated_at,
	                 "display_at", (json_int_t)u->display_at, "seq", (json_int_t)u->seq, "quiet", u->quiet,
	                 "affected", aff);
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
	u->quiet = json_is_true(json_object_get(o, "quiet"));
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
