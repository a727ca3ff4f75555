/* intake_am.c: Alertmanager webhook (version 4) payloads: checked, matched against rules, and applied only where something changed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <mbedtls/sha256.h>
#include "intake.h"
#include "jsonlimit.h"
#include "log.h"

#define AM_MAX_DEPTH      6
#define AM_MAX_LABELS     64
#define AM_MAX_LABEL_NAME 256
#define AM_MAX_LABEL_VAL  1024
#define AM_MAX_GROUPKEY   1024
#define AM_MAX_FP         64
#define AM_MAX_TIME       40

struct am_plan {
	char *key;                 /* "<component>|am|<fingerprint>|<startsAt>" */
	bc_id component_id;
	const char *actor;         /* "intake:<rule id>" */
	int level;
	bool firing;
	const char *name;          /* alertname */
	const char *rule_id;
	const char *incident;      /* the rule's incident name, or NULL */
	const char *tmpl;          /* the rule's incident template, or NULL */
	bool draft;                /* the rule's incident is held as a draft */
};

static bool fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return false;
}

static bool token_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr(extra, c)))
			return false;
	}
	return true;
}

/* The fingerprint Alertmanager sends, or (older senders) a hash of the sorted labels. */
static const char *alert_fingerprint(struct arena *a, json_t *alert, json_t *labels)
{
	json_t *fp = json_object_get(alert, "fingerprint");
	if (json_is_string(fp))
		return json_string_value(fp);
	char *dump = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	if (dump == NULL)
		return NULL;
	unsigned char h[32];
	mbedtls_sha256_ret((const unsigned char *)dump, strlen(dump), h, 0);
	free(dump);
	char *out = arena_alloc(a, 17);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return out;
}

static bool labels_ok(json_t *labels, size_t idx, char *err, size_t errlen)
{
	if (!json_is_object(labels))
		return fail(err, errlen, "alerts[%zu].labels: must be an object of strings", idx);
	if (json_object_size(labels) > AM_MAX_LABELS)
		return fail(err, errlen, "alerts[%zu].labels: more than %d labels", idx, AM_MAX_LABELS);
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v) {
		if (!json_is_string(v))
			return fail(err, errlen, "alerts[%zu].labels: values must be strings", idx);
		if (strlen(k) > AM_MAX_LABEL_NAME || json_string_length(v) > AM_MAX_LABEL_VAL)
			return fail(err, errlen, "alerts[%zu].labels: a label is longer than %d bytes", idx, AM_MAX_LABEL_VAL);
	}
	return true;
}

static bool rule_matches(const struct intake_rule *r, json_t *labels)
{
	for (size_t i = 0; i < r->nmatch; i++) {
		const char *v = json_string_value(json_object_get(labels, r->match[i].label));
		if (v == NULL || strcmp(v, r->match[i].value) != 0)
			return false;
	}
	return r->nmatch > 0;
}

/* Checks the payload and builds one plan entry per (alert, matching rule). */
static bool am_plan_build(struct arena *a, json_t *root, const struct intake_rule *rules, size_t nrules,
                          struct am_plan **out, size_t *nout, size_t *nalerts, char *err, size_t errlen)
{
	if (!json_is_object(root))
		return fail(err, errlen, "the body must be a JSON object (Alertmanager webhook, version 4)");
	const char *version = json_string_value(json_object_get(root, "version"));
	if (version == NULL || strcmp(version, "4") != 0)
		return fail(err, errlen, "version: must be \"4\" (Alertmanager webhook payload version 4)");
	const char *group = json_string_value(json_object_get(root, "groupKey"));
	if (group == NULL || strlen(group) > AM_MAX_GROUPKEY)
		return fail(err, errlen, "groupKey: must be a string of at most %d bytes", AM_MAX_GROUPKEY);
	json_t *alerts = json_object_get(root, "alerts");
	if (!json_is_array(alerts))
		return fail(err, errlen, "alerts: must be an array");
	size_t n = json_array_size(alerts);
	if (n > INTAKE_AM_MAX_ALERTS)
		return fail(err, errlen, "alerts: more than %d alerts in one notification", INTAKE_AM_MAX_ALERTS);
	*nalerts = n;
	size_t cap = n * (nrules ? nrules : 1) + 1;
	struct am_plan *p = arena_alloc(a, cap * sizeof *p);
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *al = json_array_get(alerts, i);
		if (!json_is_object(al))
			return fail(err, errlen, "alerts[%zu]: must be an object", i);
		const char *st = json_string_value(json_object_get(al, "status"));
		if (st == NULL || (strcmp(st, "firing") != 0 && strcmp(st, "resolved") != 0))
			return fail(err, errlen, "alerts[%zu].status: must be \"firing\" or \"resolved\"", i);
		json_t *labels = json_object_get(al, "labels");
		if (!labels_ok(labels, i, err, errlen))
			return false;
		const char *starts = json_string_value(json_object_get(al, "startsAt"));
		if (starts == NULL || !token_ok(starts, AM_MAX_TIME, ":.+-"))
			return fail(err, errlen, "alerts[%zu].startsAt: must be an RFC 3339 time", i);
		const char *fp = alert_fingerprint(a, al, labels);
		if (fp == NULL || !token_ok(fp, AM_MAX_FP, ""))
			return fail(err, errlen, "alerts[%zu].fingerprint: must be 1 to %d letters or digits", i, AM_MAX_FP);
		const char *name = json_string_value(json_object_get(labels, "alertname"));
		for (size_t r = 0; r < nrules; r++) {
			if (!rule_matches(&rules[r], labels))
				continue;
			const char *lv = rules[r].status_label ? json_string_value(json_object_get(labels, rules[r].status_label)) : NULL;
			int level = intake_rule_level(&rules[r], lv);
			if (level < 0)
				continue;           /* mapped to "no change" (info) */
			struct am_plan *e = &p[np++];
			snprintf(e->component_id, sizeof e->component_id, "%s", rules[r].component_id);
			e->key = arena_printf(a, "%s|am|%s|%s", rules[r].component_id, fp, starts);
			e->actor = arena_printf(a, "intake:%s", rules[r].id);
			e->level = level;
			e->firing = strcmp(st, "firing") == 0;
			e->name = name ? arena_strndup(a, name, strnlen(name, LIM_NAME)) : NULL;
			e->rule_id = rules[r].id;
			e->incident = rules[r].incident;
			e->tmpl = rules[r].incident_template;
			e->draft = rules[r].draft;
		}
	}
	*out = p;
	*nout = np;
	return true;
}

/* Whether applying e would change the stored signals (a repeat changes nothing). */
static bool plan_changes(struct stx *t, const struct am_plan *e)
{
	const void *v;
	size_t len;
	bool exists = store_kv_get(t, "isig", e->key, &v, &len) == BC_OK;
	return e->firing != exists;
}

/* "<rule id>|<16 hex of SHA-256(groupKey)>": the open incident of one group of one rule. */
static char *group_key(struct arena *a, const char *rule_id, const char *group)
{
	unsigned char h[32];
	mbedtls_sha256_ret((const unsigned char *)group, strlen(group), h, 0);
	char hex[17];
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return arena_printf(a, "%s|%s", rule_id, hex);
}

/* Whether an alert of this rule and group is still firing. */
static bool group_firing(struct stx *t, const char *actor, const char *group)
{
	struct kv_item *it;
	size_t n;
	bool firing = false;
	if (store_kv_list(t, "isig", NULL, 0, &it, &n) != BC_OK)
		return true;            /* when in doubt, keep the incident open */
	for (size_t i = 0; i < n && !firing; i++) {
		json_t *o = json_loadb(it[i].val, it[i].len, 0, NULL);
		const char *ac = json_string_value(json_object_get(o, "actor"));
		const char *g = json_string_value(json_object_get(o, "group"));
		firing = ac && g && strcmp(ac, actor) == 0 && strcmp(g, group) == 0;
		json_decref(o);
	}
	return firing;
}

/* The rule's template (kv "tmpl"): its title, status and body where it has them. A template
 * deleted since leaves the defaults. */
static void am_template(struct write_ctx *w, const struct am_plan *e, struct incident_change *ch)
{
	const void *v;
	size_t len;
	if (e->tmpl == NULL || store_kv_get(w->t, "tmpl", e->tmpl, &v, &len) != BC_OK)
		return;
	json_t *o = json_loadb(v, len, 0, NULL);
	const char *title = json_string_value(json_object_get(o, "title"));
	const char *body = json_string_value(json_object_get(o, "body"));
	enum inc_status st;
	if (e->incident == NULL && title && *title)
		ch->name = arena_strdup(w->a, title);
	if (inc_status_parse(json_string_value(json_object_get(o, "status")), &st) && !inc_status_is_closed(st))
		ch->status = (int)st;
	if (body && *body)
		ch->body = arena_strdup(w->a, body);
	json_decref(o);
}

/* The rule's incident for this group: opened (one per group) when it fires, from the rule's
 * template when it has one and as a draft when it says so; resolved when every alert of the group
 * has resolved (a draft nobody published by then is discarded: there is nothing left to announce).
 * Component statuses are the component rule's (the incident lists the component, status
 * unchanged, and resolving keeps them). */
static enum bc_err am_incident(struct write_ctx *w, const struct am_plan *e, const char *group)
{
	char *gk = group_key(w->a, e->rule_id, group);
	const void *v;
	size_t len;
	struct incident inc;
	bc_id id = "";
	if (store_kv_get(w->t, "igroup", gk, &v, &len) == BC_OK && len <= ID_LEN) {
		memcpy(id, v, len);
		id[len] = '\0';
		if (store_incident_get(w->t, id, &inc) != BC_OK || inc_status_is_closed(inc.status))
			id[0] = '\0';      /* deleted or closed by someone: the next firing opens a new one */
	}
	struct incident_change ch;
	write_incident_change_init(&ch);
	ch.notify = true;
	struct component_status cs = { .id = e->component_id, .status = WRITE_KEEP };
	enum bc_err err = BC_OK;
	if (e->firing && id[0] == '\0') {
		ch.name = e->incident ? e->incident : e->tmpl;
		ch.status = IS_INVESTIGATING;
		ch.body = arena_printf(w->a, "Alertmanager: %s is firing.", e->name ? e->name : "an alert");
		am_template(w, e, &ch);
		ch.draft = e->draft;
		ch.ncomponents = 1;
		ch.components = &cs;
		if ((err = write_incident(w, &ch, &inc, NULL)) == BC_OK)
			err = store_kv_put(w->t, "igroup", gk, inc.id, strlen(inc.id));
	} else if (!e->firing && id[0] && !group_firing(w->t, e->actor, group) && inc.draft) {
		if ((err = write_incident_discard(w, id)) == BC_OK)
			err = store_kv_del(w->t, "igroup", gk);
	} else if (!e->firing && id[0] && !group_firing(w->t, e->actor, group)) {
		snprintf(ch.id, sizeof ch.id, "%s", id);
		ch.status = IS_RESOLVED;
		ch.keep_components = true;
		ch.body = "All alerts of this group have resolved.";
		if ((err = write_incident(w, &ch, NULL, NULL)) == BC_OK)
			err = store_kv_del(w->t, "igroup", gk);
	}
	return err;
}

static enum bc_err am_write(struct store *s, struct arena *a, const char *group, const struct am_plan *p, size_t np,
                            size_t *changed, char *err, size_t errlen)
{
	struct stx *t;
	enum bc_err e = store_begin_write(s, a, &t);
	if (e != BC_OK)
		return e;
	int64_t now = now_ms();
	const char **touched = arena_alloc(a, (np + 1) * sizeof *touched);
	const char **actors = arena_alloc(a, (np + 1) * sizeof *actors);
	size_t nt = 0;
	bool *did = arena_alloc(a, (np + 1) * sizeof *did);
	for (size_t i = 0; i < np && e == BC_OK; i++) {
		if (!plan_changes(t, &p[i]))
			continue;
		(*changed)++;
		did[i] = true;
		if (p[i].firing) {
			bool sup = intake_maintenance_covers(t, p[i].component_id, now);
			did[i] = !sup;      /* a suppressed alert opens no incident either */
			e = intake_signal_put(t, p[i].key, p[i].actor, p[i].level, group, p[i].name, sup);
		} else {
			e = intake_signal_del(t, p[i].key);
		}
		bool seen = false;
		for (size_t j = 0; j < nt; j++)
			seen |= strcmp(touched[j], p[i].component_id) == 0;
		if (!seen) {
			touched[nt] = p[i].component_id;
			actors[nt++] = p[i].actor;
		}
	}
	for (size_t j = 0; j < nt && e == BC_OK; j++) {
		struct write_ctx w = { .t = t, .a = a, .actor = actors[j], .now = now };
		e = intake_component_apply(&w, touched[j]);
		if (e != BC_OK)
			snprintf(err, errlen, "%s", w.err[0] ? w.err : bc_strerror(e));
	}
	for (size_t i = 0; i < np && e == BC_OK; i++) {
		if (!did[i] || (p[i].incident == NULL && p[i].tmpl == NULL))
			continue;
		struct write_ctx w = { .t = t, .a = a, .actor = p[i].actor, .now = now };
		e = am_incident(&w, &p[i], group);
		if (e != BC_OK)
			snprintf(err, errlen, "%s", w.err[0] ? w.err : bc_strerror(e));
	}
	if (e == BC_OK && *changed)
		return store_commit(t);
	store_abort(t);
	return e;
}

enum bc_err intake_am_apply(struct store *s, const char *body, size_t len, struct intake_am_result *res,
                            char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	err[0] = '\0';
	if (len > INTAKE_AM_MAX_BODY) {
		fail(err, errlen, "the notification is larger than %d bytes", INTAKE_AM_MAX_BODY);
		return BC_TOOBIG;
	}
	char deep[128];
	if (!jsonlimit_depth_ok(body, len, AM_MAX_DEPTH, deep, sizeof deep)) {
		fail(err, errlen, "the JSON is nested deeper than %d levels (at %s)", AM_MAX_DEPTH, deep);
		return BC_INVALID;
	}
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		fail(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
		return BC_INVALID;
	}
	struct arena *a = arena_new();
	struct stx *t;
	enum bc_err e = store_begin_read(s, a, &t);
	struct am_plan *p = NULL;
	size_t np = 0;
	if (e == BC_OK) {
		struct intake_rule *rules;
		size_t nrules;
		e = intake_rule_list(t, a, &rules, &nrules);
		if (e == BC_OK && !am_plan_build(a, root, rules, nrules, &p, &np, &res->alerts, err, errlen))
			e = BC_INVALID;
		bool any = false;
		for (size_t i = 0; e == BC_OK && i < np && !any; i++)
			any = plan_changes(t, &p[i]);
		store_abort(t);
		res->matched = np;
		if (e == BC_OK && any) {
			const char *group = json_string_value(json_object_get(root, "groupKey"));
			e = am_write(s, a, group, p, np, &res->changed, err, errlen);
		}
	}
	if (e != BC_OK && e != BC_INVALID)
		log_warnx("intake: alertmanager: %s", err[0] ? err : bc_strerror(e));
	json_decref(root);
	arena_free(a);
	return e;
}
