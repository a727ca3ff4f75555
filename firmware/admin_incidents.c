/* admin_incidents.c: admin dashboard, incident composer, update/resolve/postmortem editor, Markdown preview, maintenance scheduler. */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "admin.h"
#include "markdown.h"
#include "out.h"
#include "status.h"

#define NCOMP_STATUS 5
static const char *const comp_vals[] = { "operational", "degraded_performance", "partial_outage", "major_outage",
                                         "under_maintenance" };
static const char *const comp_labels[] = { "Operational", "Degraded performance", "Partial outage", "Major outage",
                                           "Under maintenance" };
static const char *const open_vals[] = { "investigating", "identified", "monitoring" };
static const char *const open_labels[] = { "Investigating", "Identified", "Monitoring" };
static const char *const upd_vals[] = { "investigating", "identified", "monitoring", "resolved" };
static const char *const upd_labels[] = { "Investigating", "Identified", "Monitoring", "Resolved" };
static const char *const maint_vals[] = { "scheduled", "in_progress", "verifying", "completed" };
static const char *const maint_labels[] = { "Scheduled", "In progress", "Verifying", "Completed" };
static const char *const impact_vals[] = { "", "none", "minor", "major", "critical" };
static const char *const impact_labels[] = { "From the components", "None", "Minor", "Major", "Critical" };

static const char *status_label(struct admin *ad, enum inc_status s)
{
	static const char *const names[] = { "Investigating", "Identified", "Monitoring", "Resolved", "Postmortem",
	                                     "Scheduled", "In progress", "Verifying", "Completed" };
	return A(ad, (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?");
}

static void incident_link(struct admin *ad, const struct incident *inc)
{
	out_raw_trusted(ad->b, "<a href=\"/admin/incident?id=");
	out_url_arg(ad->b, inc->id);
	out_raw_trusted(ad->b, "\">");
	out_text(ad->b, inc->name);
	out_raw_trusted(ad->b, "</a>");
}

static void incident_rows(struct admin *ad, const struct incident *incs, size_t n, bool maint)
{
	struct buf *b = ad->b;
	size_t shown = 0;
	int64_t now = now_ms();
	out_raw_trusted(b, "<table class=\"list\"><thead><tr><th>");
	out_text(b, A(ad, "Name"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, "Status"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, maint ? "Window" : "Started"));
	out_raw_trusted(b, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		if (incs[i].is_maintenance != maint)
			continue;
		shown++;
		out_raw_trusted(b, "<tr><td>");
		incident_link(ad, &incs[i]);
		enum inc_status state = status_maintenance_state(&incs[i], now);
		out_raw_trusted(b, "</td><td><span class=\"st st-");
		out_attr(b, inc_status_name(state));
		out_raw_trusted(b, "\">");
		out_text(b, status_label(ad, state));
		out_raw_trusted(b, "</span></td><td>");
		if (maint) {
			out_text(b, admin_local_text(ad, incs[i].scheduled_for));
			out_raw_trusted(b, " – ");
			out_text(b, admin_local_text(ad, incs[i].scheduled_until));
		} else {
			out_text(b, admin_local_text(ad, incs[i].started_at ? incs[i].started_at : incs[i].created_at));
		}
		out_raw_trusted(b, "</td></tr>");
	}
	if (shown == 0) {
		out_raw_trusted(b, "<tr><td colspan=\"3\" class=\"empty\">");
		out_text(b, A(ad, "None."));
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
}

void admin_dashboard(struct admin *ad)
{
	struct buf *b = ad->b;
	struct component *comps;
	struct incident *open;
	size_t nc, no;
	if (store_component_list(ad->tx, &comps, &nc) != BC_OK || store_incident_list_open(ad->tx, &open, &no) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Dashboard"));
	/* the banner readers see, by the one set of read rules (status.c) */
	int64_t now = now_ms();
	struct status_rollup st = status_rollup(comps, nc, open, no, now);
	size_t bad = 0;
	for (size_t i = 0; i < nc; i++)
		bad += comps[i].status != CS_OPERATIONAL;
	out_raw_trusted(b, "<p class=\"banner lvl-");
	out_attr(b, comp_status_name(status_indicator_level(st.indicator)));
	out_raw_trusted(b, "\" id=\"current-status\">");
	out_text(b, i18n_text(ad->lang, status_banner_msg(st.what)));
	buf_printf(b, " · %zu/%zu ", bad, nc);
	out_text(b, A(ad, "components not operational"));
	out_raw_trusted(b, "</p>");
	out_raw_trusted(b, "<section><h2>");
	out_text(b, A(ad, "Open incidents"));
	out_raw_trusted(b, "</h2>");
	incident_rows(ad, open, no, false);
	if (ad->user.role >= ROLE_EDITOR) {
		out_raw_trusted(b, "<p><a class=\"button\" id=\"new-incident\" href=\"/admin/incidents/new\">");
		out_text(b, A(ad, "New incident"));
		out_raw_trusted(b, "</a></p>");
	}
	out_raw_trusted(b, "</section>");
	admin_drafts_section(ad);
	out_raw_trusted(b, "<section><h2>");
	out_text(b, A(ad, "Upcoming and active maintenance"));
	out_raw_trusted(b, "</h2>");
	incident_rows(ad, open, no, true);
	out_raw_trusted(b, "</section>");
	admin_end(ad);
}

void admin_incidents_page(struct admin *ad)
{
	struct incident *incs;
	size_t n;
	int64_t before = 0;
	const char *q = req_query(ad->r, "before");
	if (q)
		sscanf(q, "%ld", (long *)&before);
	if (store_incident_recent(ad->tx, before, 50, &incs, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Incidents"));
	if (ad->user.role >= ROLE_EDITOR) {
		out_raw_trusted(ad->b, "<p><a class=\"button\" id=\"new-incident\" href=\"/admin/incidents/new\">");
		out_text(ad->b, A(ad, "New incident"));
		out_raw_trusted(ad->b, "</a></p>");
	}
	admin_drafts_section(ad);
	incident_rows(ad, incs, n, false);
	if (n == 50)
		buf_printf(ad->b, "<p><a href=\"/admin/incidents?before=%lld\">%s</a></p>",
		           (long long)(incs[n - 1].started_at ? incs[n - 1].started_at : incs[n - 1].created_at),
		           strcmp(ad->lang, "es") == 0 ? "Anteriores" : "Older");
	admin_end(ad);
}

/* ---- form pieces ---- */

static void body_field(struct admin *ad, const char *name, const char *text, const char *value)
{
	admin_label(ad, name, text);
	out_raw_trusted(ad->b, "<textarea name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" id=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" rows=\"6\" maxlength=\"65536\" data-preview>");
	out_text(ad->b, value ? value : "");
	out_raw_trusted(ad->b, "</textarea><div class=\"preview\" hidden></div>");
}

static void notify_box(struct admin *ad)
{
	out_raw_trusted(ad->b, "<label class=\"check\"><input type=\"checkbox\" name=\"notify\" value=\"1\" checked> ");
	out_text(ad->b, A(ad, "Notify subscribers"));
	out_raw_trusted(ad->b, "</label>");
}

/* One row per component: "not affected" or the status it has in this change. */
static void components_field(struct admin *ad, const bc_id *affected, size_t naff)
{
	struct component *comps;
	size_t n;
	if (store_component_list(ad->tx, &comps, &n) != BC_OK || n == 0)
		return;
	struct buf *b = ad->b;
	out_raw_trusted(b, "<fieldset class=\"components\"><legend>");
	out_text(b, A(ad, "Affected components"));
	out_raw_trusted(b, "</legend>");
	for (size_t i = 0; i < n; i++) {
		bool is_aff = false;
		for (size_t k = 0; k < naff; k++)
			is_aff |= strcmp(affected[k], comps[i].id) == 0;
		char *name = arena_printf(ad->a, "c_%s", comps[i].id);
		out_raw_trusted(b, "<div class=\"comp\">");
		admin_label(ad, name, comps[i].name);
		const char *vals[NCOMP_STATUS + 1], *labels[NCOMP_STATUS + 1];
		vals[0] = "";
		labels[0] = "Not affected";
		for (int s = 0; s < NCOMP_STATUS; s++) {
			vals[s + 1] = comp_vals[s];
			labels[s + 1] = comp_labels[s];
		}
		admin_select(ad, name, vals, labels, NCOMP_STATUS + 1, is_aff ? comp_status_name(comps[i].status) : "");
		out_raw_trusted(b, "</div>");
	}
	out_raw_trusted(b, "</fieldset>");
}

/* The c_<id> fields of the form into the change's component list. */
static bool parse_components(struct admin *ad, struct incident_change *ch)
{
	ch->components = arena_alloc(ad->a, ADMIN_MAXFORM * sizeof *ch->components);
	for (size_t i = 0; i < ad->nform; i++) {
		const char *k = ad->form[i].key, *v = ad->form[i].val;
		if (strncmp(k, "c_", 2) != 0 || *v == '\0')
			continue;
		enum comp_status s;
		if (!comp_status_parse(v, &s)) {
			admin_error_page(ad, 422, A(ad, "Unknown component status."));
			return false;
		}
		ch->components[ch->ncomponents].id = k + 2;
		ch->components[ch->ncomponents++].status = (int)s;
	}
	return true;
}

static bool parse_impact(struct admin *ad, struct incident_change *ch)
{
	const char *imp = admin_form(ad, "impact");
	enum impact i;
	if (imp == NULL || *imp == '\0')
		return true;
	if (!impact_parse(imp, &i) || i == IMP_MAINTENANCE) {
		admin_error_page(ad, 422, A(ad, "Unknown impact."));
		return false;
	}
	ch->impact_override = (int)i;
	return true;
}

/* ---- composer ---- */

enum bc_err admin_template_list(struct admin *ad, struct kv_item **items, size_t *n)
{
	return store_kv_list(ad->tx, "tmpl", NULL, ADMIN_TEMPLATES_SHOWN, items, n);
}

/* The saved template named by ?template=, into title/status/body (all NULL when none). */
static void template_load(struct admin *ad, const char **title, const char **status, const char **body)
{
	*title = *status = *body = NULL;
	const char *name = req_query(ad->r, "template");
	const void *v;
	size_t len;
	if (name == NULL || store_kv_get(ad->tx, "tmpl", name, &v, &len) != BC_OK)
		return;
	json_t *o = json_loadb(v, len, 0, NULL);
	const char *t = json_string_value(json_object_get(o, "title")), *s = json_string_value(json_object_get(o, "status")),
	           *b = json_string_value(json_object_get(o, "body"));
	*title = t ? arena_strdup(ad->a, t) : NULL;
	*status = s ? arena_strdup(ad->a, s) : NULL;
	*body = b ? arena_strdup(ad->a, b) : NULL;
	json_decref(o);
}

static void template_picker(struct admin *ad)
{
	struct kv_item *items;
	size_t n;
	if (admin_template_list(ad, &items, &n) != BC_OK || n == 0)
		return;
	struct buf *b = ad->b;
	const char **names = arena_alloc(ad->a, n * sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = items[i].key;
	out_raw_trusted(b, "<form method=\"get\" action=\"/admin/incidents/new\" class=\"filters\"><label for=\"template\">");
	out_text(b, A(ad, "Template"));
	out_raw_trusted(b, "</label>");
	admin_select(ad, "template", names, names, n, req_query(ad->r, "template"));
	out_raw_trusted(b, "<button type=\"submit\" id=\"use-template\">");
	out_text(b, A(ad, "Use"));
	out_raw_trusted(b, "</button></form>");
}

void admin_incident_new_page(struct admin *ad)
{
	struct buf *b = ad->b;
	const char *title, *status, *body;
	template_load(ad, &title, &status, &body);
	admin_begin(ad, A(ad, "New incident"));
	template_picker(ad);
	out_raw_trusted(b, "<p><a href=\"/admin/templates\" id=\"manage-templates\">");
	out_text(b, A(ad, "Manage templates"));
	out_raw_trusted(b, "</a></p>");
	admin_form_open(ad, "/admin/incidents/new", "card");
	admin_label(ad, "name", "Name");
	out_raw_trusted(b, "<input id=\"name\" name=\"name\" required maxlength=\"255\" value=\"");
	out_attr(b, title ? title : "");
	out_raw_trusted(b, "\">");
	admin_label(ad, "status", "Status");
	admin_select(ad, "status", open_vals, open_labels, 3, status ? status : "investigating");
	admin_label(ad, "impact", "Impact");
	admin_select(ad, "impact", impact_vals, impact_labels, 5, "");
	components_field(ad, NULL, 0);
	body_field(ad, "body", "Message (Markdown)", body);
	notify_box(ad);
	admin_label(ad, "save_template", "Also save as a template named");
	out_raw_trusted(b, "<input id=\"save_template\" name=\"save_template\" maxlength=\"64\">");
	out_raw_trusted(b, "<button type=\"submit\" id=\"create-incident\">");
	out_text(b, A(ad, "Open incident"));
	out_raw_trusted(b, "</button> <button type=\"submit\" name=\"draft\" value=\"1\" id=\"save-draft\">");
	out_text(b, A(ad, "Save as draft"));
	out_raw_trusted(b, "</button></form>");
	admin_end(ad);
}

void admin_incident_new(struct admin *ad)
{
	struct incident_change ch;
	write_incident_change_init(&ch);
	ch.name = admin_form(ad, "name");
	const char *st = admin_form(ad, "status");
	enum inc_status s;
	if (st == NULL || !inc_status_parse(st, &s) || s > IS_MONITORING) {
		admin_error_page(ad, 422, A(ad, "Unknown incident status."));
		return;
	}
	ch.status = (int)s;
	const char *body = admin_form(ad, "body");
	ch.body = body && *body ? body : NULL;
	ch.notify = admin_form(ad, "notify") != NULL;
	ch.draft = admin_form(ad, "draft") != NULL;
	if (!parse_impact(ad, &ch) || !parse_components(ad, &ch))
		return;
	struct write_ctx w;
	struct incident inc;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_incident(&w, &ch, &inc, NULL);
	const char *tmpl = admin_form(ad, "save_template");
	if (e == BC_OK && tmpl && *tmpl)
		e = write_template(&w, tmpl, ch.name, s, ch.body);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, arena_printf(ad->a, "/admin/incident?id=%s", inc.id), "Saved.");
}

/* ---- one incident: update, resolve, postmortem ---- */

void admin_incident_page(struct admin *ad)
{
	struct buf *b = ad->b;
	const char *id = req_query(ad->r, "id");
	struct incident inc;
	struct incident_update *ups;
	size_t nu;
	if (id == NULL || store_incident_get(ad->tx, id, &inc) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such incident."));
		return;
	}
	if (store_update_list(ad->tx, inc.id, &ups, &nu) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, inc.name);
	out_raw_trusted(b, "<p><span class=\"st st-");
	out_attr(b, inc_status_name(inc.status));
	out_raw_trusted(b, "\" id=\"incident-status\">");
	out_text(b, status_label(ad, inc.status));
	out_raw_trusted(b, "</span>");
	if (!inc.draft) {
		out_raw_trusted(b, " <a href=\"/incidents/");
		out_url_arg(b, inc.id);
		out_raw_trusted(b, "\">");
		out_text(b, A(ad, "Public page"));
		out_raw_trusted(b, "</a>");
	}
	bool editor = ad->user.role >= ROLE_EDITOR && !ad->readonly;
	if (editor && inc.is_maintenance) {
		out_raw_trusted(b, " <a href=\"/admin/maintenance/edit?id=");
		out_url_arg(b, inc.id);
		out_raw_trusted(b, "\" id=\"edit-maintenance\">");
		out_text(b, A(ad, "Edit schedule or cancel"));
		out_raw_trusted(b, "</a>");
	}
	out_raw_trusted(b, "</p>");
	if (inc.draft)
		admin_draft_actions(ad, &inc);
	if (editor) {
		admin_form_open(ad, "/admin/incident/update", "card");
		out_raw_trusted(b, "<input type=\"hidden\" name=\"id\" value=\"");
		out_attr(b, inc.id);
		out_raw_trusted(b, "\"><h2>");
		out_text(b, A(ad, "Post an update"));
		out_raw_trusted(b, "</h2>");
		admin_label(ad, "status", "Status");
		if (inc.is_maintenance)
			admin_select(ad, "status", maint_vals, maint_labels, 4, inc_status_name(inc.status));
		else
			admin_select(ad, "status", upd_vals, upd_labels, 4, inc_status_name(inc.status));
		components_field(ad, (const bc_id *)inc.component_ids, inc.ncomponents);
		body_field(ad, "body", "Message (Markdown)", NULL);
		notify_box(ad);
		out_raw_trusted(b, "<button type=\"submit\" id=\"post-update\">");
		out_text(b, A(ad, "Post update"));
		out_raw_trusted(b, "</button></form>");
	}
	out_raw_trusted(b, "<section><h2>");
	out_text(b, A(ad, "Updates"));
	out_raw_trusted(b, "</h2><ol class=\"timeline\">");
	for (size_t i = nu; i-- > 0;) {
		out_raw_trusted(b, "<li><strong>");
		out_text(b, status_label(ad, ups[i].status));
		out_raw_trusted(b, "</strong> <small>");
		out_text(b, admin_local_text(ad, ups[i].display_at));
		out_raw_trusted(b, "</small>");
		if (editor) {
			out_raw_trusted(b, " <a class=\"edit\" href=\"/admin/incident/update/edit?id=");
			out_url_arg(b, inc.id);
			out_raw_trusted(b, "&amp;update=");
			out_url_arg(b, ups[i].id);
			out_raw_trusted(b, "\" id=\"edit-update-");
			out_attr(b, ups[i].id);
			out_raw_trusted(b, "\">");
			out_text(b, A(ad, "Edit"));
			out_raw_trusted(b, "</a>");
		}
		out_raw_trusted(b, "<div class=\"md\">");
		markdown_html(b, ups[i].body ? ups[i].body : "", ups[i].body ? strlen(ups[i].body) : 0);
		out_raw_trusted(b, "</div></li>");
	}
	out_raw_trusted(b, "</ol></section>");
	if (!inc.is_maintenance) {
		out_raw_trusted(b, "<section class=\"card\"><h2>");
		out_text(b, A(ad, "Postmortem"));
		out_raw_trusted(b, "</h2><p id=\"postmortem-state\">");
		out_text(b, A(ad, inc.postmortem_published_at ? "Published." : inc.postmortem_draft ? "Draft." : "None yet."));
		out_raw_trusted(b, "</p>");
		if (editor) {
			admin_form_open(ad, "/admin/incident/postmortem", NULL);
			out_raw_trusted(b, "<input type=\"hidden\" name=\"id\" value=\"");
			out_attr(b, inc.id);
			out_raw_trusted(b, "\">");
			body_field(ad, "pm_body", "Postmortem (Markdown)",
			           inc.postmortem_draft ? inc.postmortem_draft : inc.postmortem_body);
			out_raw_trusted(b, "<button type=\"submit\" name=\"op\" value=\"draft\" id=\"pm-draft\">");
			out_text(b, A(ad, "Save draft"));
			out_raw_trusted(b, "</button> <button type=\"submit\" name=\"op\" value=\"publish\" id=\"pm-publish\">");
			out_text(b, A(ad, "Publish"));
			out_raw_trusted(b, "</button></form>");
		}
		out_raw_trusted(b, "</section>");
	}
	if (editor) {
		admin_form_open(ad, "/admin/incident/delete", "card danger");
		admin_hidden(ad, "id", inc.id);
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, inc.is_maintenance ? "Delete this maintenance" : "Delete this incident"));
		out_raw_trusted(b, "</h2><p>");
		out_text(b, A(ad, "It is deleted: it leaves the page, the feeds and the API."));
		out_raw_trusted(b, "</p>");
		admin_button(ad, "Delete", "delete-incident", inc.is_maintenance ? "Delete this maintenance?" : "Delete this incident?");
		out_raw_trusted(b, "</form>");
	}
	admin_end(ad);
}

void admin_incident_update(struct admin *ad)
{
	struct incident_change ch;
	write_incident_change_init(&ch);
	const char *id = admin_form(ad, "id"), *st = admin_form(ad, "status");
	enum inc_status s;
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such incident."));
		return;
	}
	if (st == NULL || !inc_status_parse(st, &s) || s == IS_POSTMORTEM) {
		admin_error_page(ad, 422, A(ad, "Unknown incident status."));
		return;
	}
	snprintf(ch.id, sizeof ch.id, "%s", id);
	ch.status = (int)s;
	const char *body = admin_form(ad, "body");
	ch.body = body && *body ? body : NULL;
	ch.notify = admin_form(ad, "notify") != NULL;
	if (!parse_components(ad, &ch))
		return;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_incident(&w, &ch, NULL, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, arena_printf(ad->a, "/admin/incident?id=%s", ch.id), "Saved.");
}

void admin_incident_postmortem(struct admin *ad)
{
	const char *id = admin_form(ad, "id"), *op = admin_form(ad, "op"), *body = admin_form(ad, "pm_body");
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such incident."));
		return;
	}
	bool publish = op && strcmp(op, "publish") == 0;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_postmortem(&w, id, publish ? PM_PUBLISH : PM_SAVE_DRAFT, body, publish, 0, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, arena_printf(ad->a, "/admin/incident?id=%s", id), publish ? "Published." : "Draft saved.");
}

/* POST /admin/preview: the Markdown of field md as the public pages render it (a fragment). */
void admin_preview(struct admin *ad)
{
	const char *md = admin_form(ad, "md");
	ad->r->content_type_out = "text/html; charset=utf-8";
	if (md && strlen(md) <= LIM_BODY)
		markdown_html(ad->b, md, strlen(md));
}

/* ---- maintenance ---- */

void admin_maintenance_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct incident *open;
	size_t no;
	if (store_incident_list_open(ad->tx, &open, &no) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Maintenance"));
	incident_rows(ad, open, no, true);
	if (ad->user.role >= ROLE_EDITOR && !ad->readonly) {
		int64_t start = (now_ms() / 3600000 + 1) * 3600000;
		admin_form_open(ad, "/admin/maintenance/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "Schedule maintenance"));
		out_raw_trusted(b, "</h2><p class=\"hint\">");
		out_text(b, A(ad, "Times are in the page's time zone:"));
		out_raw_trusted(b, " ");
		out_text(b, ad->zone);
		out_raw_trusted(b, "</p>");
		admin_label(ad, "name", "Name");
		out_raw_trusted(b, "<input id=\"name\" name=\"name\" required maxlength=\"255\">");
		admin_label(ad, "from", "Starts");
		out_raw_trusted(b, "<input type=\"datetime-local\" id=\"from\" name=\"from\" required value=\"");
		out_attr(b, admin_local_input(ad, start));
		out_raw_trusted(b, "\">");
		admin_label(ad, "until", "Ends");
		out_raw_trusted(b, "<input type=\"datetime-local\" id=\"until\" name=\"until\" required value=\"");
		out_attr(b, admin_local_input(ad, start + 3600000));
		out_raw_trusted(b, "\">");
		components_field(ad, NULL, 0);
		body_field(ad, "body", "Message (Markdown)", NULL);
		out_raw_trusted(b, "<label class=\"check\"><input type=\"checkbox\" name=\"auto_start\" value=\"1\" checked> ");
		out_text(b, A(ad, "Start automatically"));
		out_raw_trusted(b, "</label><label class=\"check\"><input type=\"checkbox\" name=\"auto_complete\" value=\"1\" checked> ");
		out_text(b, A(ad, "Complete automatically"));
		out_raw_trusted(b, "</label>");
		notify_box(ad);
		out_raw_trusted(b, "<button type=\"submit\" id=\"schedule\">");
		out_text(b, A(ad, "Schedule"));
		out_raw_trusted(b, "</button></form>");
	}
	admin_end(ad);
}

void admin_maintenance_new(struct admin *ad)
{
	struct incident_change ch;
	write_incident_change_init(&ch);
	ch.maintenance = true;
	ch.name = admin_form(ad, "name");
	ch.status = IS_SCHEDULED;
	if (!admin_parse_local(ad, admin_form(ad, "from"), &ch.scheduled_for) ||
	    !admin_parse_local(ad, admin_form(ad, "until"), &ch.scheduled_until)) {
		admin_error_page(ad, 422, A(ad, "Times look like 2026-03-16T08:50 (in the page's time zone)."));
		return;
	}
	const char *body = admin_form(ad, "body");
	ch.body = body && *body ? body : NULL;
	ch.notify = admin_form(ad, "notify") != NULL;
	ch.auto_in_progress = admin_form(ad, "auto_start") != NULL;
	ch.auto_completed = admin_form(ad, "auto_complete") != NULL;
	if (!parse_components(ad, &ch))
		return;
	for (size_t i = 0; i < ch.ncomponents; i++)
		ch.components[i].status = WRITE_KEEP;   /* affected; the window moves them (auto transitions) */
	struct write_ctx w;
	struct incident inc;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_incident(&w, &ch, &inc, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/maintenance", "Scheduled.");
}
