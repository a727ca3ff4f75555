/* write_intake.c: the write layer for monitoring intake: rules and heartbeat checks added and deleted, a group's incident, and alerts kept during a maintenance taking effect when it ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <mbedtls/sha256.h>
#include "intake.h"
#include "write.h"

#define WRITE_INTAKE_MAX_LABEL 256
#define WRITE_INTAKE_MAX_VALUE 1024

static bool write_intake_text_ok(const char *s, size_t max)
{
	if (s == NULL || *s == '\0' || strlen(s) > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static enum bc_err write_intake_component(struct write_ctx *w, const char *id, struct component *out)
{
	enum bc_err e = store_component_get(w->t, id, out);
	if (e == BC_NOTFOUND)
		return write_refuse(w, BC_INVALID, "component", "no such component '%.40s'", id);
	return e == BC_OK ? BC_OK : write_refuse(w, e, NULL, "cannot read the component");
}

/* Removes the active signals actor ("intake:<id>") raised, and lets the component rule give each
 * component its status back. */
static enum bc_err write_intake_drop_signals(struct write_ctx *w, const char *actor)
{
	struct kv_item *it;
	size_t n;
	enum bc_err e = store_kv_list(w->t, "isig", NULL, 0, &it, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the active alerts");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loadb(it[i].val, it[i].len, 0, NULL);
		bool mine = o && strcmp(json_string_value(json_object_get(o, "actor")) ?: "", actor) == 0;
		json_decref(o);
		if (!mine)
			continue;
		if ((e = intake_signal_del(w->t, it[i].key)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot remove an active alert");
		struct write_ctx sw = { .t = w->t, .a = w->a, .actor = actor, .now = w->now };
		char *comp = arena_strndup(w->a, it[i].key, strcspn(it[i].key, "|"));
		if ((e = intake_component_apply(&sw, comp)) != BC_OK) {
			memcpy(w->err, sw.err, sizeof w->err);
			return e;
		}
	}
	return BC_OK;
}

/* ---- rules ---- */

enum bc_err write_intake_rule_add(struct write_ctx *w, struct intake_rule *r)
{
	struct component comp;
	enum bc_err e = write_intake_component(w, r->component_id, &comp);
	if (e != BC_OK)
		return e;
	if (r->nmatch == 0 || r->nmatch > INTAKE_MAX_MATCHERS)
		return write_refuse(w, BC_INVALID, "match", "1 to %d LABEL=VALUE matchers", INTAKE_MAX_MATCHERS);
	for (size_t i = 0; i < r->nmatch; i++)
		if (!write_intake_text_ok(r->match[i].label, WRITE_INTAKE_MAX_LABEL) ||
		    (*r->match[i].value && !write_intake_text_ok(r->match[i].value, WRITE_INTAKE_MAX_VALUE)))
			return write_refuse(w, BC_INVALID, "match", "expected LABEL=VALUE (a label of 1 to %d bytes, no control characters)",
			                    WRITE_INTAKE_MAX_LABEL);
	if (r->nmap > INTAKE_MAX_MAP)
		return write_refuse(w, BC_INVALID, "map", "at most %d VALUE=STATUS entries", INTAKE_MAX_MAP);
	for (size_t i = 0; i < r->nmap; i++) {
		int l;
		if (!write_intake_text_ok(r->map[i].label, WRITE_INTAKE_MAX_VALUE) || !intake_level_parse(r->map[i].value, &l))
			return write_refuse(w, BC_INVALID, "map", "expected VALUE=STATUS with STATUS one of none, degraded_performance, "
			                    "partial_outage, major_outage");
	}
	if (r->status_label == NULL)
		r->status_label = "severity";
	if (!write_intake_text_ok(r->status_label, WRITE_INTAKE_MAX_LABEL))
		return write_refuse(w, BC_INVALID, "status_label", "a label name of 1 to %d bytes", WRITE_INTAKE_MAX_LABEL);
	if (r->dflt != INTAKE_LEVEL_NONE && r->dflt != CS_DEGRADED_PERFORMANCE && r->dflt != CS_PARTIAL_OUTAGE &&
	    r->dflt != CS_MAJOR_OUTAGE)
		return write_refuse(w, BC_INVALID, "default", "one of none, degraded_performance, partial_outage, major_outage");
	if (r->incident && !write_intake_text_ok(r->incident, LIM_NAME))
		return write_refuse(w, BC_INVALID, "incident", "an incident name of 1 to %d bytes", LIM_NAME);
	const void *tv;
	size_t tl;
	if (r->incident_template && store_kv_get(w->t, "tmpl", r->incident_template, &tv, &tl) != BC_OK)
		return write_refuse(w, BC_INVALID, "incident_template", "no template named '%.80s' (save one in the admin's "
		                    "incident composer)", r->incident_template);
	if (r->draft && r->incident == NULL && r->incident_template == NULL)
		return write_refuse(w, BC_INVALID, "draft", "needs an incident name or an incident template");
	if (r->stale_after_ms != 0 && (r->stale_after_ms < 1000 || r->stale_after_ms > 30LL * 86400000))
		return write_refuse(w, BC_INVALID, "stale_after", "from 1s to 30d");
	struct intake_rule *all;
	size_t n;
	if ((e = intake_rule_list(w->t, w->a, &all, &n)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the rules");
	if (n >= INTAKE_MAX_RULES)
		return write_refuse(w, BC_CONFLICT, NULL, "at most %d rules", INTAKE_MAX_RULES);
	store_new_id(r->id);
	r->created_at = write_now(w);
	if ((e = intake_rule_put(w->t, r)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the rule");
	struct buf sum;
	buf_init(&sum);
	buf_printf(&sum, "%s:", comp.name);
	for (size_t i = 0; i < r->nmatch; i++)
		buf_printf(&sum, "%s%s=%s", i ? "," : " ", r->match[i].label, r->match[i].value);
	char *summary = arena_strndup(w->a, sum.p ? sum.p : "", LIM_NAME);
	buf_free(&sum);
	return write_event(w, "intake.rule.created", "intake_rule", r->id, NULL, NULL, false, summary);
}

enum bc_err write_intake_rule_delete(struct write_ctx *w, const char *id)
{
	struct intake_rule *rs;
	size_t n;
	enum bc_err e = intake_rule_list(w->t, w->a, &rs, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the rules");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rs[i].id, id) != 0)
			continue;
		if ((e = store_kv_del(w->t, "irule", id)) != BC_OK || (e = intake_stale_set(w->t, rs[i].component_id, id, 0)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot delete the rule");
		if ((e = write_intake_drop_signals(w, arena_printf(w->a, "intake:%s", id))) != BC_OK)
			return e;
		return write_event(w, "intake.rule.deleted", "intake_rule", id, NULL, NULL, false, id);
	}
	return write_refuse(w, BC_NOTFOUND, NULL, "no rule '%.40s'", id);
}

/* ---- heartbeat checks ---- */

enum bc_err write_intake_check_add(struct write_ctx *w, struct intake_check *k)
{
	struct component comp;
	enum bc_err e = write_intake_component(w, k->component_id, &comp);
	if (e != BC_OK)
		return e;
	if (k->period_ms < 1000 || k->period_ms > 30LL * 86400000)
		return write_refuse(w, BC_INVALID, "period", "from 1s to 30d");
	if (k->grace_ms < 1000 || k->grace_ms > 30LL * 86400000)
		return write_refuse(w, BC_INVALID, "grace", "from 1s to 30d");
	if (k->status != CS_DEGRADED_PERFORMANCE && k->status != CS_PARTIAL_OUTAGE && k->status != CS_MAJOR_OUTAGE)
		return write_refuse(w, BC_INVALID, "status", "a heartbeat sets degraded_performance, partial_outage or major_outage");
	struct intake_check *all;
	size_t n;
	if ((e = intake_check_list(w->t, w->a, &all, &n)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the heartbeat checks");
	if (n >= INTAKE_MAX_CHECKS)
		return write_refuse(w, BC_CONFLICT, NULL, "at most %d heartbeat checks", INTAKE_MAX_CHECKS);
	intake_uuid_new(k->uuid);
	store_new_id(k->id);
	k->down = k->late = false;
	k->created_at = write_now(w);
	if ((e = intake_check_put(w->t, k)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the heartbeat check");
	return write_event(w, "intake.heartbeat.created", "intake_heartbeat", k->id, NULL, NULL, false, comp.name);
}

enum bc_err write_intake_check_delete(struct write_ctx *w, const char *ref)
{
	struct intake_check *ks;
	size_t n;
	enum bc_err e = intake_check_list(w->t, w->a, &ks, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the heartbeat checks");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ks[i].id, ref) != 0 && strcmp(ks[i].uuid, ref) != 0)
			continue;
		if ((e = store_kv_del(w->t, "ihb", ks[i].uuid)) != BC_OK ||
		    (e = intake_stale_set(w->t, ks[i].component_id, ks[i].id, 0)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot delete the heartbeat check");
		if ((e = write_intake_drop_signals(w, arena_printf(w->a, "intake:%s", ks[i].id))) != BC_OK)
			return e;
		return write_event(w, "intake.heartbeat.deleted", "intake_heartbeat", ks[i].id, NULL, NULL, false, ks[i].id);
	}
	return write_refuse(w, BC_NOTFOUND, NULL, "no heartbeat check '%.40s'", ref);
}

/* ---- a group's incident ---- */

/* "<rule id>|<16 hex of SHA-256(groupKey)>": the open incident of one group of one rule. */
static char *write_intake_group_key(struct arena *a, const char *rule_id, const char *group)
{
	unsigned char h[32];
	mbedtls_sha256_ret((const unsigned char *)group, strlen(group), h, 0);
	char hex[17];
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return arena_printf(a, "%s|%s", rule_id, hex);
}

/* Whether an alert of this rule (actor) and group is still firing and in effect. */
static bool write_intake_group_firing(struct stx *t, const char *actor, const char *group)
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
static void write_intake_template(struct write_ctx *w, const struct intake_rule *r, struct incident_change *ch)
{
	const void *v;
	size_t len;
	if (r->incident_template == NULL || store_kv_get(w->t, "tmpl", r->incident_template, &v, &len) != BC_OK)
		return;
	json_t *o = json_loadb(v, len, 0, NULL);
	const char *title = json_string_value(json_object_get(o, "title"));
	const char *body = json_string_value(json_object_get(o, "body"));
	enum inc_status st;
	if (r->incident == NULL && title && *title)
		ch->name = arena_strdup(w->a, title);
	if (inc_status_parse(json_string_value(json_object_get(o, "status")), &st) && !inc_status_is_closed(st))
		ch->status = (int)st;
	if (body && *body)
		ch->body = arena_strdup(w->a, body);
	json_decref(o);
}

enum bc_err write_intake_group_incident(struct write_ctx *w, const struct intake_rule *r, const char *group,
                                        const char *alert_name, bool firing)
{
	char *gk = write_intake_group_key(w->a, r->id, group);
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
	struct component_status cs = { .id = r->component_id, .status = WRITE_KEEP };
	enum bc_err err = BC_OK;
	if (firing && id[0] == '\0') {
		ch.name = r->incident ? r->incident : r->incident_template;
		ch.status = IS_INVESTIGATING;
		ch.body = arena_printf(w->a, "Alertmanager: %s is firing.", alert_name ? alert_name : "an alert");
		write_intake_template(w, r, &ch);
		ch.draft = r->draft;
		ch.ncomponents = 1;
		ch.components = &cs;
		if ((err = write_incident(w, &ch, &inc, NULL)) == BC_OK)
			err = store_kv_put(w->t, "igroup", gk, inc.id, strlen(inc.id));
	} else if (!firing && id[0] && !write_intake_group_firing(w->t, w->actor, group) && inc.draft) {
		if ((err = write_incident_discard(w, id)) == BC_OK)
			err = store_kv_del(w->t, "igroup", gk);
	} else if (!firing && id[0] && !write_intake_group_firing(w->t, w->actor, group)) {
		snprintf(ch.id, sizeof ch.id, "%s", id);
		ch.status = IS_RESOLVED;
		ch.keep_components = true;
		ch.body = "All alerts of this group have resolved.";
		if ((err = write_incident(w, &ch, NULL, NULL)) == BC_OK)
			err = store_kv_del(w->t, "igroup", gk);
	}
	return err;
}

/* ---- the end of a maintenance ---- */

/* The rule of actor "intake:<id>", or NULL (a heartbeat, or deleted). */
static const struct intake_rule *write_intake_rule_of(const struct intake_rule *rs, size_t n, const char *actor)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(actor, "intake:", 7) == 0 && strcmp(actor + 7, rs[i].id) == 0)
			return &rs[i];
	return NULL;
}

enum bc_err write_intake_release(struct write_ctx *w, const char *component_id)
{
	int64_t now = write_now(w);
	if (intake_maintenance_covers(w->t, component_id, now))
		return BC_OK;                    /* another maintenance still covers it */
	struct kv_item *it;
	size_t n;
	enum bc_err e = store_kv_list(w->t, "isig", arena_printf(w->a, "%s|", component_id), 0, &it, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the active alerts");
	if (n == 0)
		return BC_OK;
	struct intake_rule *rs;
	size_t nr;
	if ((e = intake_rule_list(w->t, w->a, &rs, &nr)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the rules");
	const char *actor = NULL;
	int worst = INTAKE_LEVEL_NONE;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loadb(it[i].val, it[i].len, 0, NULL);
		if (o == NULL)
			continue;
		const char *ac = arena_strdup(w->a, json_string_value(json_object_get(o, "actor")) ?: "");
		int level;
		if (intake_level_parse(json_string_value(json_object_get(o, "level")), &level) && level > worst) {
			worst = level;
			actor = ac;
		}
		bool was_suppressed = json_is_true(json_object_get(o, "suppressed"));
		const char *group = json_string_value(json_object_get(o, "group"));
		const char *name = json_string_value(json_object_get(o, "name"));
		const struct intake_rule *r = write_intake_rule_of(rs, nr, ac);
		if (was_suppressed) {             /* kept during the maintenance, still firing: in effect now */
			json_object_set_new(o, "suppressed", json_false());
			char *s = json_dumps(o, JSON_COMPACT);
			e = s ? store_kv_put(w->t, "isig", it[i].key, s, strlen(s)) : BC_ENOMEM;
			free(s);
			if (e == BC_OK && r && (r->incident || r->incident_template) && group) {
				struct write_ctx sw = { .t = w->t, .a = w->a, .actor = ac, .now = now };
				e = write_intake_group_incident(&sw, r, group, name, true);
				if (e != BC_OK)
					memcpy(w->err, sw.err, sizeof w->err);
			}
		}
		json_decref(o);
		if (e != BC_OK)
			return w->err[0] ? e : write_refuse(w, e, NULL, "cannot update an active alert");
	}
	/* the maintenance moved the component, not a person: intake takes it afresh from its status now */
	const void *v;
	size_t len;
	struct component c;
	if (store_kv_get(w->t, "icomp", component_id, &v, &len) == BC_OK &&
	    store_component_get(w->t, component_id, &c) == BC_OK) {
		json_t *o = json_loadb(v, len, 0, NULL);
		int set;
		bool moved = !intake_level_parse(json_string_value(json_object_get(o, "set")), &set) || set != (int)c.status;
		json_decref(o);
		if (moved && (e = store_kv_del(w->t, "icomp", component_id)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot update the component's intake state");
	}
	if (actor == NULL)
		return BC_OK;
	struct write_ctx sw = { .t = w->t, .a = w->a, .actor = actor, .now = now };
	if ((e = intake_component_apply(&sw, component_id)) != BC_OK)
		memcpy(w->err, sw.err, sizeof w->err);
	return e;
}
