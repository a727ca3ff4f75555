/* cli_intake.c: `beacon rule add|list|del|alerts` (Alertmanager rules) and `beacon heartbeat add|list|del` (heartbeat checks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_util.h"
#include "intake.h"

#define CHOICES_LEVEL "none, " CHOICES_COMP_STATUS

static bool duration(struct cli *c, const char *opt, const char *v, int64_t *out)
{
	if (!intake_duration_parse(v, out))
		return cli_bad(c, opt, "expected a duration from 1s to 30d like 60s, 5m, 2h or 1d, not '%s'", v ? v : "");
	return true;
}

static bool level(struct cli *c, const char *opt, const char *v, int *out)
{
	if (!intake_level_parse(v, out))
		return cli_bad(c, opt, "expected one of none, degraded_performance, partial_outage, major_outage, not '%s'",
		               v ? v : "");
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

/* ---- rule ---- */

static int rule_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("component"), OPTM("match"), OPTV("status-label"), OPTM("map"), OPTV("default"),
	                      OPTV("incident"), OPTV("incident-template"), OPTF("draft"), OPTV("stale-after"), OPT_END };
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
	for (size_t i = 0; i < mp->nvals; i++)
		if (!pair(c, "map", mp->vals[i], &r.map[r.nmap++]))
			return 1;
	r.status_label = opt_get(opts, "status-label");
	r.incident = opt_get(opts, "incident");
	r.incident_template = opt_get(opts, "incident-template");
	r.draft = opt_get(opts, "draft") != NULL;
	r.dflt = CS_PARTIAL_OUTAGE;
	if (opt_get(opts, "default") && !level(c, "default", opt_get(opts, "default"), &r.dflt))
		return 1;
	if (opt_get(opts, "stale-after") && !duration(c, "stale-after", opt_get(opts, "stale-after"), &r.stale_after_ms))
		return 1;
	if (cli_begin(c, 0) || cli_find_component(c, "component", opt_get(opts, "component"), r.component_id))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_intake_rule_add(&w, &r);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
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
			jw_int(&w, "stale_after_s", rs[i].stale_after_ms / 1000);
			jw_obj_close(&w);
		} else {
			printf("%-12s  %-24s  %s  (status from label '%s')%s%s%s%s%s%s%s\n", rs[i].id,
			       component_name(c, rs[i].component_id), mb.p ? mb.p : "",
			       rs[i].status_label ? rs[i].status_label : "", rs[i].incident ? "  incident: " : "",
			       rs[i].incident ? rs[i].incident : "", rs[i].incident_template ? "  template: " : "",
			       rs[i].incident_template ? rs[i].incident_template : "", rs[i].draft ? "  (as a draft)" : "",
			       rs[i].stale_after_ms ? "  stale after " : "",
			       rs[i].stale_after_ms ? intake_duration_text(c->a, rs[i].stale_after_ms) : "");
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
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_intake_rule_delete(&w, id);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
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
	struct intake_signal *sg;
	size_t n;
	enum bc_err e = intake_signal_list(c->t, c->a, &sg, &n);
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
		if (json) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "key", sg[i].key);
			jw_str(&w, "component", component_name(c, sg[i].component_id));
			jw_str(&w, "actor", sg[i].actor);
			jw_str(&w, "level", sg[i].level);
			jw_str(&w, "name", sg[i].name);
			jw_bool(&w, "suppressed", sg[i].suppressed);
			jw_int(&w, "at", sg[i].at);
			jw_obj_close(&w);
		} else {
			printf("%s  %-24s  %-20s  %-20s  %s%s\n", cli_time_str(c, sg[i].at), component_name(c, sg[i].component_id),
			       sg[i].level, sg[i].actor, sg[i].name, sg[i].suppressed ? "  (suppressed: maintenance)" : "");
		}
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
		                   "       [--incident-template NAME] [--draft] [--stale-after 10m]\n"
		                   "       --incident: open an incident NAME when a group fires, resolve it when all its alerts resolved;\n"
		                   "       --incident-template: from the saved template NAME (its title unless --incident, status, body);\n"
		                   "       --draft: held as a draft for a human to publish (discarded if all alerts resolve first);\n"
		                   "       --stale-after: no notification matching the rule for that long shows the component stale\n"
		                   "       (a rule on alertname=Watchdog with --default none makes Alertmanager's Watchdog its heartbeat)" },
		{ "list", rule_list, "rule list [--json]" },
		{ "del", rule_del, "rule del ID" },
		{ "alerts", rule_alerts, "rule alerts [--json]   (firing alerts and failing heartbeats; those kept during a maintenance\n"
		                         "       are marked suppressed and take effect when it ends, if still firing)" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cfg, "rule", subs, argc, argv);
}

/* ---- heartbeat ---- */

static const char *ping_url(struct cli *c, const char *prefix, const char *uuid)
{
	return intake_ping_url(c->a, c->cfg->page_url, prefix, uuid);
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
	if (cli_begin(c, 0) || cli_find_component(c, "component", opt_get(opts, "component"), k.component_id))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_intake_check_add(&w, &k);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
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
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_intake_check_delete(&w, ref);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
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
