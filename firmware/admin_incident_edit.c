/* admin_incident_edit.c: admin pages that change what was already written: an update's text and time, a maintenance's schedule, incident and template deletion. */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "out.h"

static bool load_incident(struct admin *ad, const char *id, struct incident *inc)
{
	if (id == NULL || strlen(id) > ID_LEN || store_incident_get(ad->tx, id, inc) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such incident."));
		return false;
	}
	return true;
}

static const char *incident_path(struct admin *ad, const char *id)
{
	return arena_printf(ad->a, "/admin/incident?id=%s", id);
}

static void textarea(struct admin *ad, const char *name, const char *text, const char *value)
{
	admin_label(ad, name, text);
	out_raw_trusted(ad->b, "<textarea name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" id=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" rows=\"8\" maxlength=\"65536\" data-preview>");
	out_text(ad->b, value ? value : "");
	out_raw_trusted(ad->b, "</textarea><div class=\"preview\" hidden></div>");
}

static void time_input(struct admin *ad, const char *name, const char *text, int64_t ms)
{
	admin_label(ad, name, text);
	out_raw_trusted(ad->b, "<input type=\"datetime-local\" id=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" required value=\"");
	out_attr(ad->b, admin_local_input(ad, ms));
	out_raw_trusted(ad->b, "\">");
}

/* ---- one update's text and time (write_update_edit) ---- */

/* GET /admin/incident/update/edit?id=<incident>&update=<update> */
void admin_update_edit_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct incident inc;
	struct incident_update u;
	const char *uid = req_query(ad->r, "update");
	if (!load_incident(ad, req_query(ad->r, "id"), &inc))
		return;
	if (uid == NULL || strlen(uid) > ID_LEN || store_update_get(ad->tx, inc.id, uid, &u) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such update."));
		return;
	}
	admin_begin(ad, A(ad, "Edit update"));
	out_raw_trusted(b, "<p><a href=\"");
	out_attr(b, incident_path(ad, inc.id));
	out_raw_trusted(b, "\">");
	out_text(b, inc.name);
	out_raw_trusted(b, "</a></p>");
	admin_form_open(ad, "/admin/incident/update/edit", "card");
	admin_hidden(ad, "id", inc.id);
	admin_hidden(ad, "update", u.id);
	textarea(ad, "body", "Message (Markdown)", u.body);
	time_input(ad, "at", "Shown at", u.display_at);
	admin_hidden(ad, "at_was", admin_local_input(ad, u.display_at));
	out_raw_trusted(b, "<p class=\"hint\">");
	out_text(b, A(ad, "Times are in the page's time zone:"));
	out_raw_trusted(b, " ");
	out_text(b, ad->zone);
	out_raw_trusted(b, "</p>");
	admin_button(ad, "Save", "save-update", NULL);
	out_raw_trusted(b, "</form>");
	admin_end(ad);
}

void admin_update_edit(struct admin *ad)
{
	struct update_edit ed = { .notify = WRITE_KEEP };
	const char *id = admin_form(ad, "id"), *uid = admin_form(ad, "update"), *at = admin_form(ad, "at"),
	           *was = admin_form(ad, "at_was");
	if (id == NULL || strlen(id) > ID_LEN || uid == NULL || strlen(uid) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such update."));
		return;
	}
	snprintf(ed.incident_id, sizeof ed.incident_id, "%s", id);
	snprintf(ed.update_id, sizeof ed.update_id, "%s", uid);
	ed.body = admin_form(ad, "body");
	if (at && *at && !(was && strcmp(at, was) == 0) && !admin_parse_local(ad, at, &ed.display_at)) {
		admin_error_page(ad, 422, A(ad, "Times look like 2026-03-16T08:50 (in the page's time zone)."));
		return;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_update_edit(&w, &ed, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, incident_path(ad, ed.incident_id), "Saved.");
}

/* ---- a maintenance's name and window ---- */

/* GET /admin/maintenance/edit?id= : the schedule, and cancelling (deleting) it. */
void admin_maintenance_edit_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct incident inc;
	if (!load_incident(ad, req_query(ad->r, "id"), &inc))
		return;
	if (!inc.is_maintenance) {
		admin_error_page(ad, 404, A(ad, "No such maintenance."));
		return;
	}
	admin_begin(ad, A(ad, "Edit maintenance"));
	out_raw_trusted(b, "<p><a href=\"");
	out_attr(b, incident_path(ad, inc.id));
	out_raw_trusted(b, "\">");
	out_text(b, inc.name);
	out_raw_trusted(b, "</a></p>");
	admin_form_open(ad, "/admin/maintenance/edit", "card");
	admin_hidden(ad, "id", inc.id);
	out_raw_trusted(b, "<p class=\"hint\">");
	out_text(b, A(ad, "Times are in the page's time zone:"));
	out_raw_trusted(b, " ");
	out_text(b, ad->zone);
	out_raw_trusted(b, "</p>");
	admin_label(ad, "name", "Name");
	out_raw_trusted(b, "<input id=\"name\" name=\"name\" required maxlength=\"255\" value=\"");
	out_attr(b, inc.name);
	out_raw_trusted(b, "\">");
	time_input(ad, "from", "Starts", inc.scheduled_for);
	time_input(ad, "until", "Ends", inc.scheduled_until);
	out_raw_trusted(b, "<label class=\"check\"><input type=\"checkbox\" name=\"auto_start\" value=\"1\"");
	out_raw_trusted(b, inc.scheduled_auto_in_progress ? " checked> " : "> ");
	out_text(b, A(ad, "Start automatically"));
	out_raw_trusted(b, "</label><label class=\"check\"><input type=\"checkbox\" name=\"auto_complete\" value=\"1\"");
	out_raw_trusted(b, inc.scheduled_auto_completed ? " checked> " : "> ");
	out_text(b, A(ad, "Complete automatically"));
	out_raw_trusted(b, "</label>");
	admin_button(ad, "Save", "save-maintenance", NULL);
	out_raw_trusted(b, "</form>");
	admin_form_open(ad, "/admin/incident/delete", "card danger");
	admin_hidden(ad, "id", inc.id);
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Cancel this maintenance"));
	out_raw_trusted(b, "</h2><p>");
	out_text(b, A(ad, "It is deleted: it leaves the page, the feeds and the API."));
	out_raw_trusted(b, "</p>");
	admin_button(ad, "Cancel and delete it", "cancel-maintenance", "Delete this maintenance?");
	out_raw_trusted(b, "</form>");
	admin_end(ad);
}

void admin_maintenance_edit(struct admin *ad)
{
	struct incident inc;
	if (!load_incident(ad, admin_form(ad, "id"), &inc))
		return;
	if (!inc.is_maintenance) {
		admin_error_page(ad, 404, A(ad, "No such maintenance."));
		return;
	}
	struct incident_change ch;
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.name = admin_form(ad, "name");
	if (ch.name == NULL)
		ch.name = "";
	if (!admin_parse_local(ad, admin_form(ad, "from"), &ch.scheduled_for) ||
	    !admin_parse_local(ad, admin_form(ad, "until"), &ch.scheduled_until)) {
		admin_error_page(ad, 422, A(ad, "Times look like 2026-03-16T08:50 (in the page's time zone)."));
		return;
	}
	ch.auto_in_progress = admin_form(ad, "auto_start") != NULL;
	ch.auto_completed = admin_form(ad, "auto_complete") != NULL;
	ch.notify = false;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_incident(&w, &ch, NULL, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, incident_path(ad, inc.id), "Saved.");
}

/* ---- deleting an incident or a maintenance ---- */

void admin_incident_delete(struct admin *ad)
{
	struct incident inc;
	if (!load_incident(ad, admin_form(ad, "id"), &inc) ||
	    !admin_confirmed(ad, inc.is_maintenance ? "Delete this maintenance?" : "Delete this incident?", inc.name,
	                     incident_path(ad, inc.id)))
		return;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_incident_delete(&w, inc.id);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, inc.is_maintenance ? "/admin/maintenance" : "/admin/incidents",
		               inc.is_maintenance ? "Maintenance deleted." : "Incident deleted.");
}

/* ---- saved templates of the composer ---- */

void admin_templates_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct kv_item *items;
	size_t n;
	if (admin_template_list(ad, &items, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	bool edit = ad->user.role >= ROLE_EDITOR && !ad->readonly;
	admin_begin(ad, A(ad, "Templates"));
	out_raw_trusted(b, "<p class=\"hint\">");
	out_text(b, A(ad, "Save a template from the incident composer (\"Also save as a template named\")."));
	out_raw_trusted(b, "</p><table class=\"list\" id=\"templates\"><thead><tr>");
	admin_th(ad, "Name");
	admin_th(ad, "");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, "<tr><td><a href=\"/admin/incidents/new?template=");
		out_url_arg(b, items[i].key);
		out_raw_trusted(b, "\">");
		out_text(b, items[i].key);
		out_raw_trusted(b, "</a></td><td>");
		if (edit) {
			admin_form_open(ad, "/admin/templates/delete", "inline");
			admin_hidden(ad, "name", items[i].key);
			admin_button(ad, "Delete", NULL, "Delete this template?");
			out_raw_trusted(b, "</form>");
		}
		out_raw_trusted(b, "</td></tr>");
	}
	if (n == 0) {
		out_raw_trusted(b, "<tr><td colspan=\"2\" class=\"empty\">");
		out_text(b, A(ad, "None."));
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	admin_end(ad);
}

void admin_template_delete(struct admin *ad)
{
	const char *name = admin_form(ad, "name");
	const void *v;
	size_t len;
	if (name == NULL || strlen(name) > 64 || store_kv_get(ad->tx, "tmpl", name, &v, &len) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such template."));
		return;
	}
	if (!admin_confirmed(ad, "Delete this template?", name, "/admin/templates"))
		return;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_template_delete(&w, name);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/templates", "Template deleted.");
}
