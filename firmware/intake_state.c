/* intake_state.c: intake's records (rules, checks, active signals) and the one rule that turns signals into component status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "intake.h"
#include "status.h"

static char *astr(struct arena *a, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? arena_strdup(a, s) : NULL;
}

static json_t *load(const void *v, size_t len)
{
	return json_loadb(v, len, 0, NULL);
}

static enum bc_err put_json(struct stx *t, const char *ns, const char *key, json_t *o)
{
	if (o == NULL)
		return BC_ENOMEM;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return BC_ENOMEM;
	enum bc_err e = store_kv_put(t, ns, key, s, strlen(s));
	free(s);
	return e;
}

static int level_parse(const char *s)
{
	enum comp_status cs;
	if (s == NULL || strcmp(s, "none") == 0)
		return INTAKE_LEVEL_NONE;
	return comp_status_parse(s, &cs) ? (int)cs : INTAKE_LEVEL_NONE;
}

static const char *level_name(int l)
{
	return l < 0 ? "none" : comp_status_name((enum comp_status)l);
}

/* ---- rules ---- */

static bool rule_decode(struct arena *a, const char *v, size_t len, struct intake_rule *r)
{
	json_t *o = load(v, len);
	if (o == NULL)
		return false;
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", json_string_value(json_object_get(o, "id")) ?: "");
	snprintf(r->component_id, sizeof r->component_id, "%s", json_string_value(json_object_get(o, "component_id")) ?: "");
	r->status_label = astr(a, o, "status_label");
	r->incident = astr(a, o, "incident");
	r->incident_template = astr(a, o, "incident_template");
	r->draft = json_is_true(json_object_get(o, "draft"));
	r->dflt = level_parse(json_string_value(json_object_get(o, "default")));
	r->stale_after_ms = json_integer_value(json_object_get(o, "stale_after_ms"));
	r->created_at = json_integer_value(json_object_get(o, "created_at"));
	json_t *m = json_object_get(o, "match"), *p;
	size_t i;
	json_array_foreach(m, i, p) {
		if (r->nmatch == INTAKE_MAX_MATCHERS)
			break;
		r->match[r->nmatch].label = arena_strdup(a, json_string_value(json_array_get(p, 0)) ?: "");
		r->match[r->nmatch++].value = arena_strdup(a, json_string_value(json_array_get(p, 1)) ?: "");
	}
	m = json_object_get(o, "map");
	json_array_foreach(m, i, p) {
		if (r->nmap == INTAKE_MAX_MAP)
			break;
		r->map[r->nmap].label = arena_strdup(a, json_string_value(json_array_get(p, 0)) ?: "");
		r->map[r->nmap++].value = arena_strdup(a, json_string_value(json_array_get(p, 1)) ?: "");
	}
	json_decref(o);
	return r->id[0] && r->component_id[0];
}

enum bc_err intake_rule_put(struct stx *t, const struct intake_rule *r)
{
	json_t *m = json_array(), *mp = json_array();
	for (size_t i = 0; i < r->nmatch; i++)
		json_array_append_new(m, json_pack("[s, s]", r->match[i].label, r->match[i].value));
	for (size_t i = 0; i < r->nmap; i++)
		json_array_append_new(mp, json_pack("[s, s]", r->map[i].label, r->map[i].value));
	json_t *o = json_pack("{s:s, s:s, s:o, s:s?, s:o, s:s, s:s?, s:I}", "id", r->id, "component_id", r->component_id,
	                      "match", m, "status_label", r->status_label, "map", mp, "default", level_name(r->dflt),
	                      "incident", r->incident, "created_at", (json_int_t)r->created_at);
	if (o && r->incident_template)
		json_object_set_new(o, "incident_template", json_string(r->incident_template));
	if (o && r->draft)
		json_object_set_new(o, "draft", json_true());
	if (o && r->stale_after_ms)
		json_object_set_new(o, "stale_after_ms", json_integer(r->stale_after_ms));
	return put_json(t, "irule", r->id, o);
}

enum bc_err intake_rule_list(struct stx *t, struct arena *a, struct intake_rule **out, size_t *n)
{
	struct kv_item *items;
	size_t ni;
	enum bc_err e = store_kv_list(t, "irule", NULL, INTAKE_MAX_RULES, &items, &ni);
	if (e != BC_OK)
		return e;
	*out = arena_alloc(a, (ni ? ni : 1) * sizeof **out);
	*n = 0;
	for (size_t i = 0; i < ni; i++)
		if (rule_decode(a, items[i].val, items[i].len, &(*out)[*n]))
			(*n)++;
	return BC_OK;
}

int intake_rule_level(const struct intake_rule *r, const char *v)
{
	if (v == NULL)
		return r->dflt;
	for (size_t i = 0; i < r->nmap; i++)
		if (strcmp(r->map[i].label, v) == 0)
			return level_parse(r->map[i].value);
	static const struct { const char *v; int level; } dflt[] = {
		{ "critical", CS_MAJOR_OUTAGE }, { "page", CS_MAJOR_OUTAGE }, { "error", CS_PARTIAL_OUTAGE },
		{ "major", CS_PARTIAL_OUTAGE }, { "warning", CS_DEGRADED_PERFORMANCE },
		{ "minor", CS_DEGRADED_PERFORMANCE }, { "info", INTAKE_LEVEL_NONE }, { "none", INTAKE_LEVEL_NONE },
	};
	for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
		if (strcmp(dflt[i].v, v) == 0)
			return dflt[i].level;
	return r->dflt;
}

bool intake_level_parse(const char *s, int *out)
{
	enum comp_status cs;
	if (s && strcmp(s, "none") == 0) {
		*out = INTAKE_LEVEL_NONE;
		return true;
	}
	if (s == NULL || !comp_status_parse(s, &cs) || cs == CS_UNDER_MAINTENANCE || cs == CS_OPERATIONAL)
		return false;
	*out = (int)cs;
	return true;
}

bool intake_duration_parse(const char *s, int64_t *out_ms)
{
	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 12)
		return false;
	char *end;
	long long n = strtoll(s, &end, 10);
	int64_t mul = 1000;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': mul = 60000; break;
	case 'h': mul = 3600000; break;
	case 'd': mul = 86400000; break;
	default: return false;
	}
	if ((*end && end[1]) || n <= 0 || n > 30LL * 86400)
		return false;
	*out_ms = (int64_t)n * mul;
	return *out_ms <= 30LL * 86400000;
}

const char *intake_duration_text(struct arena *a, int64_t ms)
{
	int64_t s = ms / 1000;
	if (s && s % 86400 == 0)
		return arena_printf(a, "%lldd", (long long)(s / 86400));
	if (s && s % 3600 == 0)
		return arena_printf(a, "%lldh", (long long)(s / 3600));
	if (s && s % 60 == 0)
		return arena_printf(a, "%lldm", (long long)(s / 60));
	return arena_printf(a, "%llds", (long long)s);
}

/* ---- heartbeat checks ---- */

static bool check_decode(const char *v, size_t len, struct intake_check *c)
{
	json_t *o = load(v, len);
	if (o == NULL)
		return false;
	memset(c, 0, sizeof *c);
	snprintf(c->uuid, sizeof c->uuid, "%s", json_string_value(json_object_get(o, "uuid")) ?: "");
	snprintf(c->id, sizeof c->id, "%s", json_string_value(json_object_get(o, "id")) ?: "");
	snprintf(c->component_id, sizeof c->component_id, "%s", json_string_value(json_object_get(o, "component_id")) ?: "");
	c->period_ms = json_integer_value(json_object_get(o, "period_ms"));
	c->grace_ms = json_integer_value(json_object_get(o, "grace_ms"));
	c->status = level_parse(json_string_value(json_object_get(o, "status")));
	c->down = json_is_true(json_object_get(o, "down"));
	c->late = json_is_true(json_object_get(o, "late"));
	c->created_at = json_integer_value(json_object_get(o, "created_at"));
	json_decref(o);
	return c->uuid[0] && c->id[0] && c->component_id[0] && c->status >= 0;
}

enum bc_err intake_check_get(struct stx *t, const char *uuid, struct intake_check *out)
{
	const void *v;
	size_t len;
	enum bc_err e = store_kv_get(t, "ihb", uuid, &v, &len);
	if (e != BC_OK)
		return e;
	return check_decode(v, len, out) ? BC_OK : BC_STORE;
}

enum bc_err intake_check_put(struct stx *t, const struct intake_check *c)
{
	return put_json(t, "ihb", c->uuid,
	                json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:b, s:I}", "uuid", c->uuid, "id", c->id,
	                          "component_id", c->component_id, "period_ms", (json_int_t)c->period_ms,
	                          "grace_ms", (json_int_t)c->grace_ms, "status", level_name(c->status), "down", c->down,
	                          "late", c->late, "created_at", (json_int_t)c->created_at));
}

enum bc_err intake_check_list(struct stx *t, struct arena *a, struct intake_check **out, size_t *n)
{
	struct kv_item *items;
	size_t ni;
	enum bc_err e = store_kv_list(t, "ihb", NULL, INTAKE_MAX_CHECKS, &items, &ni);
	if (e != BC_OK)
		return e;
	*out = arena_alloc(a, (ni ? ni : 1) * sizeof **out);
	*n = 0;
	for (size_t i = 0; i < ni; i++)
		if (check_decode(items[i].val, items[i].len, &(*out)[*n]))
			(*n)++;
	return BC_OK;
}

bool intake_uuid_valid(const char *s)
{
	if (s == NULL || strlen(s) != INTAKE_UUID_LEN)
		return false;
	for (int i = 0; i < INTAKE_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return true;
}

void intake_uuid_new(char out[INTAKE_UUID_LEN + 1])
{
	unsigned char b[16];
	if (store_random(b, sizeof b) != BC_OK)
		memset(b, 0, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);     /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
	snprintf(out, INTAKE_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

const char *intake_ping_url(struct arena *a, const char *page_url, const char *prefix, const char *uuid)
{
	size_t n = strlen(page_url);
	while (n && page_url[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s%s", (int)n, page_url, prefix, uuid);
}

/* ---- signals and the component rule ---- */

enum bc_err intake_signal_list(struct stx *t, struct arena *a, struct intake_signal **out, size_t *n)
{
	struct kv_item *it;
	size_t ni;
	enum bc_err e = store_kv_list(t, "isig", NULL, 0, &it, &ni);
	if (e != BC_OK)
		return e;
	*out = arena_alloc(a, (ni ? ni : 1) * sizeof **out);
	*n = 0;
	for (size_t i = 0; i < ni; i++) {
		json_t *o = load(it[i].val, it[i].len);
		if (o == NULL)
			continue;
		struct intake_signal *sg = &(*out)[(*n)++];
		sg->key = it[i].key;
		snprintf(sg->component_id, sizeof sg->component_id, "%.*s", (int)strcspn(it[i].key, "|"), it[i].key);
		sg->actor = astr(a, o, "actor") ?: "";
		sg->level = astr(a, o, "level") ?: "";
		sg->name = astr(a, o, "name") ?: "";
		sg->suppressed = json_is_true(json_object_get(o, "suppressed"));
		sg->at = json_integer_value(json_object_get(o, "at"));
		json_decref(o);
	}
	return BC_OK;
}

bool intake_maintenance_covers(struct stx *t, const char *component_id, int64_t now)
{
	struct component c;
	if (store_component_get(t, component_id, &c) == BC_OK && c.status == CS_UNDER_MAINTENANCE)
		return true;
	struct incident *open;
	size_t n;
	if (store_incident_list_open(t, &open, &n) != BC_OK)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!status_maintenance_active(&open[i], now))
			continue;
		for (size_t j = 0; j < open[i].ncomponents; j++)
			if (strcmp(open[i].component_ids[j], component_id) == 0)
				return true;
	}
	return false;
}

enum bc_err intake_signal_put(struct stx *t, const char *key, const char *actor, int level, const char *group,
                              const char *name, bool suppressed)
{
	return put_json(t, "isig", key,
	                json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:I}", "actor", actor, "level", level_name(level),
	                          "group", group, "name", name, "suppressed", suppressed, "at", (json_int_t)now_ms()));
}

enum bc_err intake_signal_del(struct stx *t, const char *key)
{
	enum bc_err e = store_kv_del(t, "isig", key);
	return e == BC_NOTFOUND ? BC_OK : e;
}

enum bc_err intake_component_apply(struct write_ctx *w, const char *component_id)
{
	struct kv_item *sig;
	size_t nsig;
	enum bc_err e = store_kv_list(w->t, "isig", arena_printf(w->a, "%s|", component_id), 0, &sig, &nsig);
	if (e != BC_OK)
		return e;
	int worst = INTAKE_LEVEL_NONE;
	for (size_t i = 0; i < nsig; i++) {
		json_t *o = load(sig[i].val, sig[i].len);
		if (o && !json_is_true(json_object_get(o, "suppressed"))) {
			int l = level_parse(json_string_value(json_object_get(o, "level")));
			if (l > worst)
				worst = l;
		}
		json_decref(o);
	}
	struct component c;
	if ((e = store_component_get(w->t, component_id, &c)) != BC_OK)
		return e == BC_NOTFOUND ? BC_OK : e;     /* the component was deleted: nothing to set */
	const void *v;
	size_t len;
	int prior = -1, set = -1;
	if (store_kv_get(w->t, "icomp", component_id, &v, &len) == BC_OK) {
		json_t *o = load(v, len);
		prior = level_parse(json_string_value(json_object_get(o, "prior")));
		set = level_parse(json_string_value(json_object_get(o, "set")));
		json_decref(o);
	}
	int want = -1;
	if (worst >= 0) {
		if (set < 0) {                       /* intake takes the component */
			prior = (int)c.status;
			want = worst;
		} else if ((int)c.status == set) {   /* still as intake left it */
			want = worst;
		} else {
			return BC_OK;                    /* someone changed it meanwhile: theirs */
		}
		if ((e = put_json(w->t, "icomp", component_id,
		                  json_pack("{s:s, s:s}", "prior", level_name(prior), "set", level_name(worst)))) != BC_OK)
			return e;
	} else if (set >= 0) {
		if ((e = store_kv_del(w->t, "icomp", component_id)) != BC_OK)
			return e;
		if ((int)c.status == set && prior >= 0)
			want = prior;                    /* all clear: give back what it had */
	}
	if (want < 0 || want == (int)c.status)
		return BC_OK;
	struct component_change ch;
	write_component_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", component_id);
	ch.status = want;
	ch.notify = true;
	return write_component(w, &ch, NULL);
}

enum bc_err intake_stale_get(struct stx *t, const char *component_id, int64_t *since)
{
	struct kv_item *it;
	size_t n;
	*since = 0;
	enum bc_err e = store_kv_list(t, "istale", arena_printf(store_txn_arena(t), "%s|", component_id), 0, &it, &n);
	if (e != BC_OK)
		return e == BC_NOTFOUND ? BC_OK : e;
	for (size_t i = 0; i < n; i++) {
		json_t *o = load(it[i].val, it[i].len);
		int64_t s = json_integer_value(json_object_get(o, "since"));
		json_decref(o);
		if (s > 0 && (*since == 0 || s < *since))
			*since = s;
	}
	return BC_OK;
}

bool intake_stale_any(struct stx *t)
{
	struct kv_item *items;
	size_t n;
	return store_kv_list(t, "istale", NULL, 1, &items, &n) != BC_OK || n > 0;
}

bool intake_stale_marked(struct stx *t, const char *component_id, const char *feeder_id)
{
	const void *v;
	size_t len;
	char key[2 * sizeof(bc_id) + 2];
	snprintf(key, sizeof key, "%s|%s", component_id, feeder_id);
	return store_kv_get(t, "istale", key, &v, &len) == BC_OK;
}

enum bc_err intake_stale_set(struct stx *t, const char *component_id, const char *feeder_id, int64_t since)
{
	char key[2 * sizeof(bc_id) + 2];
	snprintf(key, sizeof key, "%s|%s", component_id, feeder_id);
	if (since == 0) {
		enum bc_err e = store_kv_del(t, "istale", key);
		return e == BC_NOTFOUND ? BC_OK : e;
	}
	return put_json(t, "istale", key, json_pack("{s:I}", "since", (json_int_t)since));
}
