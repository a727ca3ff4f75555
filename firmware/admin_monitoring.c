/* admin_monitoring.c: the admin's monitoring page: Alertmanager rules, heartbeat checks (ping URLs, last ping, state), active and suppressed alerts; add and delete through write_intake.c. */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "intake.h"
#include "intake_hb.h"
#include "out.h"

static const char *const level_vals[] = { "none", "degraded_performance", "partial_outage", "major_outage" };
static const char *const level_labels[] = { "No change", "Degraded performance", "Partial outage", "Major outage" };

static void admin_monitoring_td(struct admin *ad, const char *text)
{
	out_raw_trusted(ad->b, "<td>");
	out_text(ad->b, text);
	out_raw_trusted(ad->b, "</td>");
}

/* A one-button form posting id to action (admin.js asks first; without it admin_confirmed does). */
static void admin_monitoring_delete(struct admin *ad, const char *action, const char *id, const char *confirm)
{
	admin_form_open(ad, action, "inline");
	admin_hidden(ad, "id", id);
	admin_button(ad, "Delete", arena_printf(ad->a, "delete-%s", id), confirm);
	out_raw_trusted(ad->b, "</form>");
}

static void admin_monitoring_input(struct admin *ad, const char *name, const char *label, const char *value,
                                   const char *placeholder)
{
	admin_label(ad, name, label);
	out_raw_trusted(ad->b, "<input name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" id=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" value=\"");
	out_attr(ad->b, value ? value : "");
	out_raw_trusted(ad->b, "\" placeholder=\"");
	out_attr(ad->b, placeholder ? placeholder : "");
	out_raw_trusted(ad->b, "\">");
}

static const char *admin_monitoring_component(const struct component *cs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i].id, id) == 0)
			return cs[i].name;
	return "—";
}

static void admin_monitoring_component_select(struct admin *ad, const char *name, const struct component *cs, size_t n)
{
	const char **vals = arena_alloc(ad->a, (n + 1) * sizeof *vals);
	const char **labels = arena_alloc(ad->a, (n + 1) * sizeof *labels);
	for (size_t i = 0; i < n; i++) {
		vals[i] = cs[i].id;
		labels[i] = cs[i].name;
	}
	admin_label(ad, name, "Component");
	admin_select(ad, name, vals, labels, n, NULL);
}

static const char *admin_monitoring_level(struct admin *ad, const char *level)
{
	for (size_t i = 0; i < sizeof level_vals / sizeof level_vals[0]; i++)
		if (strcmp(level_vals[i], level) == 0)
			return A(ad, level_labels[i]);
	return level;
}


/* The saved templates an opened incident may come from ("" = none). */
static void admin_monitoring_template_select(struct admin *ad)
{
	struct kv_item *items;
	size_t n;
	if (admin_template_list(ad, &items, &n) != BC_OK || n == 0)
		return;
	const char **names = arena_alloc(ad->a, (n + 1) * sizeof *names), **labels = arena_alloc(ad->a, (n + 1) * sizeof *labels);
	names[0] = "";
	labels[0] = A(ad, "No template");
	for (size_t i = 0; i < n; i++)
		names[i + 1] = labels[i + 1] = items[i].key;
	admin_label(ad, "incident_template", "Open the incident from a saved template (optional)");
	admin_select(ad, "incident_template", names, labels, n + 1, "");
}
static void admin_monitoring_rules(struct admin *ad, const struct component *cs, size_t nc, bool edit)
{
	struct buf *b = ad->b;
	struct intake_rule *rs;
	size_t n;
	if (intake_rule_list(ad->tx, ad->a, &rs, &n) != BC_OK)
		n = 0;
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Alertmanager rules"));
	out_raw_trusted(b, "</h2><table class=\"list\" id=\"rules\"><thead><tr>");
	admin_th(ad, "Component");
	admin_th(ad, "Matches");
	admin_th(ad, "Status from label");
	admin_th(ad, "Incident");
	admin_th(ad, "Stale after");
	admin_th(ad, "Last notification");
	if (edit)
		admin_th(ad, "Actions");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		struct buf m;
		buf_init(&m);
		for (size_t j = 0; j < rs[i].nmatch; j++)
			buf_printf(&m, "%s%s=%s", j ? ", " : "", rs[i].match[j].label, rs[i].match[j].value);
		out_raw_trusted(b, "<tr id=\"rule-");
		out_attr(b, rs[i].id);
		out_raw_trusted(b, "\">");
		admin_monitoring_td(ad, admin_monitoring_component(cs, nc, rs[i].component_id));
		admin_monitoring_td(ad, m.p ? m.p : "");
		buf_free(&m);
		admin_monitoring_td(ad, rs[i].status_label ? rs[i].status_label : "");
		const char *inc = rs[i].incident ? rs[i].incident : rs[i].incident_template;
		admin_monitoring_td(ad, inc == NULL ? "—" : rs[i].draft ? arena_printf(ad->a, "%s (%s)", inc, A(ad, "draft")) : inc);
		admin_monitoring_td(ad, rs[i].stale_after_ms ? intake_duration_text(ad->a, rs[i].stale_after_ms) : "—");
		out_raw_trusted(b, "<td>");
		out_text(b, admin_local_text(ad, intake_am_last_seen(rs[i].id)));
		if (intake_stale_marked(ad->tx, rs[i].component_id, rs[i].id)) {
			out_raw_trusted(b, " <strong class=\"stale\">");
			out_text(b, A(ad, "silent: the component shows stale"));
			out_raw_trusted(b, "</strong>");
		}
		out_raw_trusted(b, "</td>");
		if (edit) {
			out_raw_trusted(b, "<td>");
			admin_monitoring_delete(ad, "/admin/monitoring/rules/del", rs[i].id, "Delete this rule?");
			out_raw_trusted(b, "</td>");
		}
		out_raw_trusted(b, "</tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (!edit || nc == 0)
		return;
	admin_form_open(ad, "/admin/monitoring/rules/new", "card");
	out_raw_trusted(b, "<h3>");
	out_text(b, A(ad, "Add a rule"));
	out_raw_trusted(b, "</h3>");
	admin_monitoring_component_select(ad, "component_id", cs, nc);
	admin_label(ad, "match", "Label matchers, one LABEL=VALUE a line (all must match)");
	out_raw_trusted(b, "<textarea name=\"match\" id=\"match\" rows=\"2\" placeholder=\"service=api\"></textarea>");
	admin_monitoring_input(ad, "status_label", "Status from label", "severity", NULL);
	admin_label(ad, "map", "Label values, one VALUE=STATUS a line (besides critical, error, warning, info)");
	out_raw_trusted(b, "<textarea name=\"map\" id=\"map\" rows=\"2\" placeholder=\"p1=major_outage\"></textarea>");
	admin_label(ad, "default", "Status when the label is missing or unknown");
	admin_select(ad, "default", level_vals, level_labels, 4, "partial_outage");
	admin_monitoring_input(ad, "incident", "Open an incident named (optional)", NULL, NULL);
	admin_monitoring_template_select(ad);
	out_raw_trusted(b, "<label class=\"check\"><input type=\"checkbox\" name=\"draft\" value=\"1\"> ");
	out_text(b, A(ad, "Hold the incident as a draft for a person to publish"));
	out_raw_trusted(b, "</label>");
	admin_monitoring_input(ad, "stale_after", "Stale after no notification for (optional)", NULL, "10m");
	admin_button(ad, "Add rule", "add-rule", NULL);
	out_raw_trusted(b, "</form>");
}

static void admin_monitoring_checks(struct admin *ad, const struct component *cs, size_t nc, bool edit)
{
	struct buf *b = ad->b;
	struct intake_check *ks;
	size_t n;
	if (intake_check_list(ad->tx, ad->a, &ks, &n) != BC_OK)
		n = 0;
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Heartbeats"));
	out_raw_trusted(b, "</h2><table class=\"list\" id=\"heartbeats\"><thead><tr>");
	admin_th(ad, "Component");
	admin_th(ad, "Period");
	admin_th(ad, "Grace");
	admin_th(ad, "When late or failing");
	admin_th(ad, "Ping URL");
	admin_th(ad, "Last ping");
	admin_th(ad, "State");
	if (edit)
		admin_th(ad, "Actions");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, "<tr id=\"heartbeat-");
		out_attr(b, ks[i].id);
		out_raw_trusted(b, "\">");
		admin_monitoring_td(ad, admin_monitoring_component(cs, nc, ks[i].component_id));
		admin_monitoring_td(ad, intake_duration_text(ad->a, ks[i].period_ms));
		admin_monitoring_td(ad, intake_duration_text(ad->a, ks[i].grace_ms));
		admin_monitoring_td(ad, admin_monitoring_level(ad, comp_status_name((enum comp_status)ks[i].status)));
		out_raw_trusted(b, "<td><code>");
		out_text(b, intake_ping_url(ad->a, ad->r->cfg->page_url, "/ping/", ks[i].uuid));
		out_raw_trusted(b, "</code><br><small>");
		out_text(b, A(ad, "Uptime Kuma push:"));
		out_raw_trusted(b, " <code>");
		out_text(b, intake_ping_url(ad->a, ad->r->cfg->page_url, "/api/push/", ks[i].uuid));
		out_raw_trusted(b, "</code></small></td>");
		admin_monitoring_td(ad, admin_local_text(ad, intake_hb_last_ping(ks[i].uuid)));
		out_raw_trusted(b, ks[i].down ? "<td class=\"state-down\">" : "<td class=\"state-ok\">");
		out_text(b, A(ad, ks[i].down ? (ks[i].late ? "late" : "failing") : "ok"));
		out_raw_trusted(b, "</td>");
		if (edit) {
			out_raw_trusted(b, "<td>");
			admin_monitoring_delete(ad, "/admin/monitoring/heartbeats/del", ks[i].id, "Delete this heartbeat?");
			out_raw_trusted(b, "</td>");
		}
		out_raw_trusted(b, "</tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (!edit || nc == 0)
		return;
	admin_form_open(ad, "/admin/monitoring/heartbeats/new", "card");
	out_raw_trusted(b, "<h3>");
	out_text(b, A(ad, "Add a heartbeat"));
	out_raw_trusted(b, "</h3>");
	admin_monitoring_component_select(ad, "hb_component_id", cs, nc);
	admin_monitoring_input(ad, "period", "Period", "60s", NULL);
	admin_monitoring_input(ad, "grace", "Grace", "30s", NULL);
	admin_label(ad, "status", "When late or failing");
	admin_select(ad, "status", level_vals + 1, level_labels + 1, 3, "major_outage");
	admin_button(ad, "Add heartbeat", "add-heartbeat", NULL);
	out_raw_trusted(b, "</form>");
}

static void admin_monitoring_alerts(struct admin *ad, const struct component *cs, size_t nc)
{
	struct buf *b = ad->b;
	struct intake_signal *sg;
	size_t n;
	if (intake_signal_list(ad->tx, ad->a, &sg, &n) != BC_OK)
		n = 0;
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Active alerts"));
	out_raw_trusted(b, "</h2><table class=\"list\" id=\"alerts\"><thead><tr>");
	admin_th(ad, "Since");
	admin_th(ad, "Component");
	admin_th(ad, "Alert");
	admin_th(ad, "Status");
	admin_th(ad, "From");
	admin_th(ad, "Effect");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, sg[i].suppressed ? "<tr class=\"suppressed\">" : "<tr>");
		admin_monitoring_td(ad, admin_local_text(ad, sg[i].at));
		admin_monitoring_td(ad, admin_monitoring_component(cs, nc, sg[i].component_id));
		admin_monitoring_td(ad, sg[i].name);
		admin_monitoring_td(ad, admin_monitoring_level(ad, sg[i].level));
		admin_monitoring_td(ad, sg[i].actor);
		admin_monitoring_td(ad, A(ad, sg[i].suppressed ? "suppressed: maintenance (applies when it ends, if still firing)"
		                                               : "in effect"));
		out_raw_trusted(b, "</tr>");
	}
	if (n == 0) {
		out_raw_trusted(b, "<tr><td colspan=\"6\">");
		out_text(b, A(ad, "No alert is firing."));
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
}

void admin_monitoring_page(struct admin *ad)
{
	struct component *cs;
	size_t nc;
	if (store_component_list(ad->tx, &cs, &nc) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	bool edit = ad->user.role >= ROLE_EDITOR && !ad->readonly;
	admin_begin(ad, A(ad, "Monitoring intake"));
	out_raw_trusted(ad->b, "<p>");
	out_text(ad->b, A(ad, "Alertmanager posts to /intake/alertmanager with an intake token; heartbeats ping their URL."));
	out_raw_trusted(ad->b, "</p>");
	admin_monitoring_alerts(ad, cs, nc);
	admin_monitoring_rules(ad, cs, nc, edit);
	admin_monitoring_checks(ad, cs, nc, edit);
	admin_end(ad);
}

/* The lines of a textarea ("a=b\r\nc=d") as matchers; false with a 422 page when one is not LABEL=VALUE. */
static bool admin_monitoring_pairs(struct admin *ad, const char *text, struct intake_matcher *out, size_t max,
                                   size_t *n, const char *what)
{
	*n = 0;
	for (const char *p = text ? text : ""; *p;) {
		size_t len = strcspn(p, "\r\n");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		const char *eq = memchr(p, '=', len);
		if (len) {
			if (eq == NULL || eq == p || *n == max) {
				admin_error_page(ad, 422, arena_printf(ad->a, "%s: %s", what,
				                                       A(ad, "one LABEL=VALUE a line, at most 16 lines.")));
				return false;
			}
			out[*n].label = arena_strndup(ad->a, p, (size_t)(eq - p));
			out[(*n)++].value = arena_strndup(ad->a, eq + 1, len - (size_t)(eq - p) - 1);
		}
		p += strcspn(p, "\r\n");
		p += strspn(p, "\r\n");
	}
	return true;
}

void admin_monitoring_rule_new(struct admin *ad)
{
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	const char *comp = admin_form(ad, "component_id"), *stale = admin_form(ad, "stale_after");
	const char *incident = admin_form(ad, "incident"), *label = admin_form(ad, "status_label");
	snprintf(r.component_id, sizeof r.component_id, "%s", comp ? comp : "");
	if (!admin_monitoring_pairs(ad, admin_form(ad, "match"), r.match, INTAKE_MAX_MATCHERS, &r.nmatch, "match") ||
	    !admin_monitoring_pairs(ad, admin_form(ad, "map"), r.map, INTAKE_MAX_MAP, &r.nmap, "map"))
		return;
	r.status_label = label && *label ? label : NULL;
	r.incident = incident && *incident ? incident : NULL;
	const char *tmpl = admin_form(ad, "incident_template"), *draft = admin_form(ad, "draft");
	r.incident_template = tmpl && *tmpl ? tmpl : NULL;
	r.draft = draft && strcmp(draft, "1") == 0;
	if (!intake_level_parse(admin_form(ad, "default"), &r.dflt)) {
		admin_error_page(ad, 422, A(ad, "default: choose one of the statuses."));
		return;
	}
	if (stale && *stale && !intake_duration_parse(stale, &r.stale_after_ms)) {
		admin_error_page(ad, 422, A(ad, "stale_after: a duration from 1s to 30d like 90s, 10m or 2h."));
		return;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_intake_rule_add(&w, &r);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/monitoring", "Rule added.");
}

void admin_monitoring_check_new(struct admin *ad)
{
	struct intake_check k;
	memset(&k, 0, sizeof k);
	const char *comp = admin_form(ad, "hb_component_id");
	snprintf(k.component_id, sizeof k.component_id, "%s", comp ? comp : "");
	if (!intake_duration_parse(admin_form(ad, "period"), &k.period_ms) ||
	    !intake_duration_parse(admin_form(ad, "grace"), &k.grace_ms)) {
		admin_error_page(ad, 422, A(ad, "period, grace: durations from 1s to 30d like 90s, 10m or 2h."));
		return;
	}
	if (!intake_level_parse(admin_form(ad, "status"), &k.status)) {
		admin_error_page(ad, 422, A(ad, "status: choose one of the statuses."));
		return;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_intake_check_add(&w, &k);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/monitoring", "Heartbeat added: its ping URL is in the list.");
}

/* What the delete form's id names ("API: service=api" or "DB heartbeat"), or NULL when nothing. */
static const char *admin_monitoring_named(struct admin *ad, bool rule, const char *id)
{
	struct component c;
	if (rule) {
		struct intake_rule *rs;
		size_t n;
		if (intake_rule_list(ad->tx, ad->a, &rs, &n) != BC_OK)
			return NULL;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rs[i].id, id) != 0)
				continue;
			struct buf m;
			buf_init(&m);
			buf_printf(&m, "%s:", store_component_get(ad->tx, rs[i].component_id, &c) == BC_OK ? c.name : "—");
			for (size_t j = 0; j < rs[i].nmatch; j++)
				buf_printf(&m, "%s%s=%s", j ? ", " : " ", rs[i].match[j].label, rs[i].match[j].value);
			const char *what = arena_strdup(ad->a, m.p ? m.p : "");
			buf_free(&m);
			return what;
		}
		return NULL;
	}
	struct intake_check *ks;
	size_t n;
	if (intake_check_list(ad->tx, ad->a, &ks, &n) != BC_OK)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ks[i].id, id) == 0 || strcmp(ks[i].uuid, id) == 0)
			return arena_printf(ad->a, "%s (%s)", store_component_get(ad->tx, ks[i].component_id, &c) == BC_OK ? c.name : "—",
			                    intake_duration_text(ad->a, ks[i].period_ms));
	return NULL;
}

static void admin_monitoring_del(struct admin *ad, bool rule, const char *question, const char *done)
{
	const char *id = admin_form(ad, "id");
	const char *what = id && strlen(id) <= INTAKE_UUID_LEN ? admin_monitoring_named(ad, rule, id) : NULL;
	if (what == NULL) {
		admin_error_page(ad, 404, A(ad, rule ? "No such rule." : "No such heartbeat."));
		return;
	}
	if (!admin_confirmed(ad, question, what, "/admin/monitoring"))
		return;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = rule ? write_intake_rule_delete(&w, id) : write_intake_check_delete(&w, id);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/monitoring", done);
}

void admin_monitoring_rule_del(struct admin *ad)
{
	admin_monitoring_del(ad, true, "Delete this rule?", "Rule deleted.");
}

void admin_monitoring_check_del(struct admin *ad)
{
	admin_monitoring_del(ad, false, "Delete this heartbeat?", "Heartbeat deleted.");
}
