/* cli_intake.c: `beacon rule add|list|del|alerts` (Alertmanager rules) and `beacon heartbeat add|list|del` (heartbeat checks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli_util.h"
#include "intake.h"

#define CHOICES_LEVEL "none, " CHOICES_COMP_STATUS

/* "60s", "5m", "2h", "1d" or plain seconds, 1 s to 30 days, in ms. */
static bool duration(struct cli *c, const char *opt, const char *v, int64_t *out)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || end == v || n <= 0)
		return cli_bad(c, opt, "expected a duration like 60s, 5m, 2h or 1d, not '%s'", v ? v : "");
	int64_t mul = 1000;
	if (*end == 'm')
		mul = 60000;
	else if (*end == 'h')
		mul = 3600000;
	else if (*end == 'd')
		mul = 86400000;
	else if (*end != 's' && *end != '\0')
		return cli_bad(c, opt, "expected a duration like 60s, 5m, 2h or 1d, not '%s'", v);
	if (*end && end[1])
		return cli_bad(c, opt, "expected a duration like 60s, 5m, 2h or 1d, not '%s'", v);
	*out = (int64_t)n * mul;
	if (*out > 30LL * 86400000)
		return cli_bad(c, opt, "at most 30 days");
	return true;
}

static bool level(struct cli *c, const char *opt, const char *v, int *out)
{
	enum comp_status s;
	if (v && strcmp(v, "none") == 0) {
		*out = INTAKE_LEVEL_NONE;
		return true;
	}
	if (v == NULL || !comp_status_parse(v, &s) || s == CS_UNDER_MAINTENANCE || s == CS_OPERATIONAL)
		return cli_bad(c, opt, "expected one of none, degraded_performance, partial_outage, major_outage, not '%s'",
		               v ? v : "");
	*out = (int)s;
	return true;
}

/* "LABEL=VALUE" into m (arena copies). */
static bool pair(struct cli *c, const char *opt, const char *v, struct intake_matcher *m)
{
	const char *eq = strchr(v, '=');
	if (eq == NULL || eq == v || strlen(v) > 1024)
		return cli_bad(c, opt, "expected LABEL=VALUE, not '%s'", v);
	m->label = arena_strndup(c->a, v, (size_t)(eq - v));
	m->value = arena_strdup(c->a, eq + 1);
	return true;
}

static const char *component_name(struct cli *c, const char *id)
{
	struct component comp;
	return store_component_get(c->t, id, &comp) == BC_OK ? comp.name : "(deleted component)";
}

/* Removes the active signals a rule or check raised and lets the component rule give the status back. */
static int drop_signals(struct cli *c, const char *actor)
{
	struct kv_item *it;
	size_t n;
	enum bc_err e = store_kv_list(c->t, "isig", NULL, 0, &it, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "signals", e);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loadb(it[i].val, it[i].len, 0, NULL);
		bool mine = o && strcmp(json_string_value(json_object_get(o, "actor")) ?: "", actor) == 0;
		json_decref(o);
		if (!mine)
			continue;
		if ((e = intake_signal_del(c->t, it[i].key)) != BC_OK)
			return cli_store_fail(c, "signals", e);
		struct write_ctx w;
		cli_write_ctx(c, &w);
		char *comp = arena_strndup(c->a, it[i].key, strcspn(it[i].key, "|"));
		if ((e = intake_component_apply(&w, comp)) != BC_OK)
			return cli_write_fail(c, &w, e);
	}
	return 0;
}

/* ---- rule ---- */

static int rule_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("component"), OPTM("match"), OPTV("status-label"), OPTM("map"), OPTV("default"),
	                      OPTV("incident"), OPTV("incident-template"), OPTF("draft"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const struct opt *m = opt_find(opts, "match"), *mp = opt_find(opts, "map");
	if (opt_get(opts, "component") == NULL || m->nvals == 0)
		return cli_usage_fail(c, "--component and at least one --match are required");
	if (m->nvals > INTAKE_MAX_MATCHERS || mp->nvals > INTAKE_MAX_MAP)
		return cli_usage_fail(c, "at most %d --match and %d --map", INTAKE_MAX_MATCHERS, INTAKE_MAX_MAP);
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	for (size_t i = 0; i < m->nvals; i++)
		if (!pair(c, "match", m->vals[i], &r.match[r.nmatch++]))
			return 1;
	for (size_t i = 0; i < mp->nvals; i++) {
		int l;
		if (!pair(c, "map", mp->vals[i], &r.map[r.nmap]) || !level(c, "map", r.map[r.nmap].value, &l))
			return 1;
		r.nmap++;
	}
	const char *sl = opt_get(opts, "status-label");
	r.status_label = sl ? sl : "severity";
	if (!cli_text(c, "status-label", r.status_label, 256))
		return 1;
	r.incident = opt_get(opts, "incident");
	if (r.incident && (!cli_text(c, "incident", r.incident, LIM_NAME) || !*r.incident))
		return !cli_bad(c, "incident", "an incident name of 1 to %d characters", LIM_NAME);
	r.incident_template = opt_get(opts, "incident-template");
	r.draft = opt_get(opts, "draft") != NULL;
	if (r.draft && r.incident == NULL && r.incident_template == NULL)
		return cli_usage_fail(c, "--draft needs --incident NAME or --incident-template NAME");
	r.dflt = CS_PARTIAL_OUTAGE;
	if (opt_get(opts, "default") && !level(c, "default", opt_get(opts, "default"), &r.dflt))
		return 1;
	if (cli_begin(c, 0) || cli_find_component(c, "component", opt_get(opts, "component"), r.component_id))
		return 1;
	const void *tv;
	size_t tl;
	if (r.incident_template && store_kv_get(c->t, "tmpl", r.incident_template, &tv, &tl) != BC_OK)
		return !cli_bad(c, "incident-template", "no template named '%s' (save one in the admin's incident composer)",
		                r.incident_template);
	struct intake_rule *all;
	size_t n;
	enum bc_err e = intake_rule_list(c->t, c->a, &all, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "rules", e);
	if (n >= INTAKE_MAX_RULES)
		return cli_fail(c, "at most %d rules", INTAKE_MAX_RULES);
	store_new_id(r.id);
	r.created_at = now_ms();
	if ((e = intake_rule_put(c->t, &r)) != BC_OK)
		return cli_store_fail(c, "rule", e);
	if (cli_audit(c, "intake.rule.add", r.id, component_name(c, r.component_id)) || cli_commit(c))
		return 1;
	printf("%s\n", r.id);
	return 0;
}

static int rule_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct intake_rule *rs;
	size_t n;
	enum bc_err e = intake_rule_list(c->t, c->a, &rs, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "rules", e);
	struct jw w;
	struct buf b;
	bool json = opt_get(opts, "json") != NULL;
	if (json) {
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		struct buf mb;
		buf_init(&mb);
		for (size_t j = 0; j < rs[i].nmatch; j++)
			buf_printf(&mb, "%s%s=%s", j ? "," : "", rs[i].match[j].label, rs[i].match[j].value);
		if (json) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "id", rs[i].id);
			jw_str(&w, "component_id", rs[i].component_id);
			jw_str(&w, "component", component_name(c, rs[i].component_id));
			jw_str(&w, "match", mb.p ? mb.p : "");
			jw_str(&w, "status_label", rs[i].status_label);
			jw_str(&w, "incident", rs[i].incident);
			jw_str(&w, "incident_template", rs[i].incident_template);
			jw_bool(&w, "draft", rs[i].draft);
			jw_obj_close(&w);
		} else {
			printf("%-12s  %-24s  %s  (status from label '%s')%s%s%s%s%s\n", rs[i].id,
			       component_name(c, rs[i].component_id), mb.p ? mb.p : "",
			       rs[i].status_label ? rs[i].status_label : "", rs[i].incident ? "  incident: " : "",
			       rs[i].incident ? rs[i].incident : "", rs[i].incident_template ? "  template: " : "",
			       rs[i].incident_template ? rs[i].incident_template : "", rs[i].draft ? "  (as a draft)" : "");
		}
		buf_free(&mb);
	}
	if (json) {
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	return 0;
}

static int rule_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *id = c->pos[0];
	if (!cli_id_ok(id))
		return cli_fail(c, "no rule '%s'", id);
	if (cli_begin(c, 0))
		return 1;
	enum bc_err e = store_kv_del(c->t, "irule", id);
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no rule '%s'", id);
	if (e != BC_OK)
		return cli_store_fail(c, "rule", e);
	return drop_signals(c, arena_printf(c->a, "intake:%s", id)) || cli_audit(c, "intake.rule.del", id, NULL) ||
	       cli_commit(c);
}

/* The active signals: firing alerts and failing checks, with the suppressed ones (maintenance). */
static int rule_alerts(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct kv_item *it;
	size_t n;
	enum bc_err e = store_kv_list(c->t, "isig", NULL, 0, &it, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "signals", e);
	bool json = opt_get(opts, "json") != NULL;
	struct jw w;
	struct buf b;
	if (json) {
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loadb(it[i].val, it[i].len, 0, NULL);
		if (o == NULL)
			continue;
		char *comp = arena_strndup(c->a, it[i].key, strcspn(it[i].key, "|"));
		const char *actor = json_string_value(json_object_get(o, "actor")) ?: "";
		const char *lvl = json_string_value(json_object_get(o, "level")) ?: "";
		const char *name = json_string_value(json_object_get(o, "name")) ?: "";
		bool sup = json_is_true(json_object_get(o, "suppressed"));
		int64_t at = json_integer_value(json_object_get(o, "at"));
		if (json) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "key", it[i].key);
			jw_str(&w, "component", component_name(c, comp));
			jw_str(&w, "actor", actor);
			jw_str(&w, "level", lvl);
			jw_str(&w, "name", name);
			jw_bool(&w, "suppressed", sup);
			jw_int(&w, "at", at);
			jw_obj_close(&w);
		} else {
			printf("%s  %-24s  %-20s  %-20s  %s%s\n", cli_time_str(c, at), component_name(c, comp), lvl, actor,
			       name, sup ? "  (suppressed: maintenance)" : "");
		}
		json_decref(o);
	}
	if (json) {
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	return 0;
}

int cmd_rule(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add", rule_add, "rule add --component NAME --match LABEL=VALUE [--match ...] [--status-label severity]\n"
		                   "       [--map VALUE=STATUS ...] [--default STATUS] [--incident NAME]   (STATUS: " CHOICES_LEVEL ")\n"
		                   "       [--incident-template NAME] [--draft]\n"
		                   "       --incident: open an incident NAME when a group fires, resolve it when all its alerts resolved;\n"
		                   "       --incident-template: from the saved template NAME (its title unless --incident, status, body);\n"
		                   "       --draft: held as a draft for a human to publish (discarded if all alerts resolve first)" },
		{ "list", rule_list, "rule list [--json]" },
		{ "del", rule_del, "rule del ID" },
		{ "alerts", rule_alerts, "rule alerts [--json]   (firing alerts and failing heartbeats, suppressed ones too)" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cfg, "rule", subs, argc, argv);
}

/* ---- heartbeat ---- */

static const char *ping_url(struct cli *c, const char *prefix, const char *uuid)
{
	const char *base = c->cfg->page_url;
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	return arena_printf(c->a, "%.*s%s%s", (int)n, base, prefix, uuid);
}

static int heartbeat_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("component"), OPTV("period"), OPTV("grace"), OPTV("status"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (opt_get(opts, "component") == NULL)
		return cli_usage_fail(c, "--component is required");
	struct intake_check k;
	memset(&k, 0, sizeof k);
	k.period_ms = 60000;
	k.grace_ms = 30000;
	k.status = CS_MAJOR_OUTAGE;
	if ((opt_get(opts, "period") && !duration(c, "period", opt_get(opts, "period"), &k.period_ms)) ||
	    (opt_get(opts, "grace") && !duration(c, "grace", opt_get(opts, "grace"), &k.grace_ms)) ||
	    (opt_get(opts, "status") && !level(c, "status", opt_get(opts, "status"), &k.status)))
		return 1;
	if (k.status < 0)
		return !cli_bad(c, "status", "a heartbeat sets a status (degraded_performance, partial_outage, major_outage)");
	if (cli_begin(c, 0) || cli_find_component(c, "component", opt_get(opts, "component"), k.component_id))
		return 1;
	struct intake_check *all;
	size_t n;
	enum bc_err e = intake_check_list(c->t, c->a, &all, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "heartbeats", e);
	if (n >= INTAKE_MAX_CHECKS)
		return cli_fail(c, "at most %d heartbeat checks", INTAKE_MAX_CHECKS);
	intake_uuid_new(k.uuid);
	store_new_id(k.id);
	k.created_at = now_ms();
	if ((e = intake_check_put(c->t, &k)) != BC_OK)
		return cli_store_fail(c, "heartbeat", e);
	if (cli_audit(c, "intake.heartbeat.add", k.id, component_name(c, k.component_id)) || cli_commit(c))
		return 1;
	printf("%s\n", ping_url(c, "/ping/", k.uuid));
	return 0;
}

static int heartbeat_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct intake_check *ks;
	size_t n;
	enum bc_err e = intake_check_list(c->t, c->a, &ks, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "heartbeats", e);
	bool json = opt_get(opts, "json") != NULL;
	struct jw w;
	struct buf b;
	if (json) {
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		const char *state = ks[i].down ? (ks[i].late ? "late" : "failing") : "up";
		if (json) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "id", ks[i].id);
			jw_str(&w, "component", component_name(c, ks[i].component_id));
			jw_int(&w, "period_s", ks[i].period_ms / 1000);
			jw_int(&w, "grace_s", ks[i].grace_ms / 1000);
			jw_str(&w, "status", comp_status_name((enum comp_status)ks[i].status));
			jw_str(&w, "state", state);
			jw_str(&w, "ping_url", ping_url(c, "/ping/", ks[i].uuid));
			jw_str(&w, "push_url", ping_url(c, "/api/push/", ks[i].uuid));
			jw_obj_close(&w);
		} else {
			printf("%-12s  %-24s  every %llds grace %llds  -> %-20s  %-7s  %s\n", ks[i].id,
			       component_name(c, ks[i].component_id), (long long)(ks[i].period_ms / 1000),
			       (long long)(ks[i].grace_ms / 1000), comp_status_name((enum comp_status)ks[i].status), state,
			       ping_url(c, "/ping/", ks[i].uuid));
		}
	}
	if (json) {
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	return 0;
}

static int heartbeat_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *ref = c->pos[0];
	if (cli_begin(c, 0))
		return 1;
	struct intake_check *ks;
	size_t n;
	enum bc_err e = intake_check_list(c->t, c->a, &ks, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "heartbeats", e);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ks[i].id, ref) != 0 && strcmp(ks[i].uuid, ref) != 0)
			continue;
		if ((e = store_kv_del(c->t, "ihb", ks[i].uuid)) != BC_OK ||
		    (ks[i].late && (e = intake_stale_set(c->t, ks[i].component_id, ks[i].id, 0)) != BC_OK))
			return cli_store_fail(c, "heartbeat", e);
		return drop_signals(c, arena_printf(c->a, "intake:%s", ks[i].id)) ||
		       cli_audit(c, "intake.heartbeat.del", ks[i].id, NULL) || cli_commit(c);
	}
	return cli_fail(c, "no heartbeat check '%s'", ref);
}

int cmd_heartbeat(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add", heartbeat_add, "heartbeat add --component NAME [--period 60s] [--grace 30s] [--status major_outage]\n"
		                        "       prints the ping URL (healthchecks.io style; /api/push/<uuid> for Uptime Kuma)" },
		{ "list", heartbeat_list, "heartbeat list [--json]" },
		{ "del", heartbeat_del, "heartbeat del ID|UUID" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cfg, "heartbeat", subs, argc, argv);
}
