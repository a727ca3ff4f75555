/* intake_am.c: Alertmanager webhook (version 4) payloads: checked, matched against rules, and applied only where something changed. */
#include <pthread.h>
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
	const struct intake_rule *rule;
};

/* When this process last saw a notification matching each rule (for stale-after); lost on restart,
 * which gives every rule its full stale-after time again (no false alarm on deploy). */
struct am_seen {
	bc_id rule_id;
	int64_t last;              /* the last matching notification, or when this process first knew the rule */
	bool live;                 /* still listed in the store at the last pass */
};
static pthread_mutex_t am_mu = PTHREAD_MUTEX_INITIALIZER;
static struct am_seen am_seen[INTAKE_MAX_RULES];
static size_t am_nseen;
static int64_t am_epoch;

/* The entry of rule id (added when missing), with am_mu held; NULL when the table is full. */
static struct am_seen *am_seen_get(const char *id, int64_t now, int64_t created_at)
{
	if (am_epoch == 0)
		am_epoch = now;
	for (size_t i = 0; i < am_nseen; i++)
		if (strcmp(am_seen[i].rule_id, id) == 0)
			return &am_seen[i];
	if (am_nseen == INTAKE_MAX_RULES)
		return NULL;
	struct am_seen *e = &am_seen[am_nseen++];
	memset(e, 0, sizeof *e);
	snprintf(e->rule_id, sizeof e->rule_id, "%s", id);
	e->last = created_at > am_epoch ? created_at : am_epoch;
	e->live = true;
	return e;
}

int64_t intake_am_last_seen(const char *rule_id)
{
	int64_t last = 0;
	pthread_mutex_lock(&am_mu);
	for (size_t i = 0; i < am_nseen; i++)
		if (strcmp(am_seen[i].rule_id, rule_id) == 0)
			last = am_seen[i].last;
	pthread_mutex_unlock(&am_mu);
	return last;
}

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
                          struct am_plan **out, size_t *nout, size_t *nalerts, bool *matched, char *err, size_t errlen)
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
			matched[r] = true;      /* data from this rule's feeder, whatever it says */
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
			e->rule = &rules[r];
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

/* Writes the plan's changes, and clears the staleness marks of the rules in fresh (data again). */
static enum bc_err am_write(struct store *s, struct arena *a, const char *group, const struct am_plan *p, size_t np,
                            const struct intake_rule *const *fresh, size_t nfresh, size_t *changed, char *err,
                            size_t errlen)
{
	struct stx *t;
	enum bc_err e = store_begin_write(s, a, &t);
	if (e != BC_OK)
		return e;
	int64_t now = now_ms();
	size_t cleared = 0;
	for (size_t i = 0; i < nfresh && e == BC_OK; i++)
		if (intake_stale_marked(t, fresh[i]->component_id, fresh[i]->id)) {
			e = intake_stale_set(t, fresh[i]->component_id, fresh[i]->id, 0);
			cleared++;
		}
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
		if (!did[i] || (p[i].rule->incident == NULL && p[i].rule->incident_template == NULL))
			continue;
		struct write_ctx w = { .t = t, .a = a, .actor = p[i].actor, .now = now };
		e = write_intake_group_incident(&w, p[i].rule, group, p[i].name, p[i].firing);
		if (e != BC_OK)
			snprintf(err, errlen, "%s", w.err[0] ? w.err : bc_strerror(e));
	}
	if (e == BC_OK && (*changed || cleared))
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
		bool *matched = arena_alloc(a, (nrules + 1) * sizeof *matched);
		if (e == BC_OK && !am_plan_build(a, root, rules, nrules, &p, &np, &res->alerts, matched, err, errlen))
			e = BC_INVALID;
		bool any = false;
		for (size_t i = 0; e == BC_OK && i < np && !any; i++)
			any = plan_changes(t, &p[i]);
		/* feeders heard from: remembered in memory; a write only to clear a staleness mark */
		const struct intake_rule **fresh = arena_alloc(a, (nrules + 1) * sizeof *fresh);
		size_t nfresh = 0;
		int64_t now = now_ms();
		for (size_t r = 0; e == BC_OK && r < nrules; r++) {
			if (!matched[r] || rules[r].stale_after_ms == 0)
				continue;
			pthread_mutex_lock(&am_mu);
			struct am_seen *seen = am_seen_get(rules[r].id, now, rules[r].created_at);
			if (seen)
				seen->last = now;
			pthread_mutex_unlock(&am_mu);
			if (intake_stale_marked(t, rules[r].component_id, rules[r].id))
				fresh[nfresh++] = &rules[r];
		}
		store_abort(t);
		res->matched = np;
		if (e == BC_OK && (any || nfresh)) {
			const char *group = json_string_value(json_object_get(root, "groupKey"));
			e = am_write(s, a, group, p, np, fresh, nfresh, &res->changed, err, errlen);
		}
	}
	if (e != BC_OK && e != BC_INVALID)
		log_warnx("intake: alertmanager: %s", err[0] ? err : bc_strerror(e));
	json_decref(root);
	arena_free(a);
	return e;
}

enum bc_err intake_am_tick(struct store *s, size_t *done)
{
	*done = 0;
	struct arena *a = arena_new();
	struct stx *t;
	enum bc_err e = store_begin_read(s, a, &t);
	if (e != BC_OK) {
		arena_free(a);
		return e;
	}
	struct intake_rule *rs;
	size_t n;
	e = intake_rule_list(t, a, &rs, &n);
	int64_t now = now_ms();
	size_t *silent = arena_alloc(a, (n + 1) * sizeof *silent);
	int64_t *since = arena_alloc(a, (n + 1) * sizeof *since);
	size_t nsilent = 0;
	pthread_mutex_lock(&am_mu);
	for (size_t i = 0; i < am_nseen; i++)
		am_seen[i].live = false;
	for (size_t i = 0; e == BC_OK && i < n; i++) {
		if (rs[i].stale_after_ms == 0)
			continue;
		struct am_seen *seen = am_seen_get(rs[i].id, now, rs[i].created_at);
		if (seen == NULL)
			continue;
		seen->live = true;
		if (now > seen->last + rs[i].stale_after_ms) {
			silent[nsilent] = i;
			since[nsilent++] = seen->last;
		}
	}
	size_t k = 0;               /* forget deleted rules */
	for (size_t i = 0; i < am_nseen; i++)
		if (am_seen[i].live)
			am_seen[k++] = am_seen[i];
	am_nseen = k;
	pthread_mutex_unlock(&am_mu);
	size_t nunmarked = 0;       /* silent rules whose mark is not written yet */
	for (size_t i = 0; i < nsilent; i++)
		if (!intake_stale_marked(t, rs[silent[i]].component_id, rs[silent[i]].id))
			silent[nunmarked] = silent[i], since[nunmarked++] = since[i];
	store_abort(t);
	if (e == BC_OK && nunmarked && (e = store_begin_write(s, a, &t)) == BC_OK) {
		for (size_t i = 0; e == BC_OK && i < nunmarked; i++) {
			const struct intake_rule *r = &rs[silent[i]];
			/* a notification may have come in meanwhile: only a rule still silent is marked */
			int64_t last = intake_am_last_seen(r->id);
			if (intake_stale_marked(t, r->component_id, r->id) || (last && now_ms() <= last + r->stale_after_ms))
				continue;
			if ((e = intake_stale_set(t, r->component_id, r->id, since[i])) == BC_OK)
				++*done;
		}
		if (e == BC_OK && *done)
			e = store_commit(t);
		else
			store_abort(t);
	}
	if (e != BC_OK)
		log_warnx("intake: alertmanager staleness: %s", bc_strerror(e));
	arena_free(a);
	return e;
}
