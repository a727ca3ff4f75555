/* admin_drafts.c: the admin's draft incidents: the "Drafts" list (dashboard, incidents page) with Publish and Discard. */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "out.h"

/* One button form posting id to action (CSRF token included by admin_form_open). */
static void draft_button(struct admin *ad, const char *action, const char *id, const char *btn_id, const char *text)
{
	struct buf *b = ad->b;
	admin_form_open(ad, action, "inline");
	out_raw_trusted(b, "<input type=\"hidden\" name=\"id\" value=\"");
	out_attr(b, id);
	out_raw_trusted(b, "\"><button type=\"submit\" id=\"");
	out_attr(b, btn_id);
	out_raw_trusted(b, "\">");
	out_text(b, A(ad, text));
	out_raw_trusted(b, "</button></form>");
}

void admin_drafts_section(struct admin *ad)
{
	struct buf *b = ad->b;
	struct incident *drafts;
	size_t n;
	if (store_incident_list_drafts(ad->tx, &drafts, &n) != BC_OK)
		return;
	bool editor = ad->user.role >= ROLE_EDITOR && !ad->readonly;
	out_raw_trusted(b, "<section id=\"drafts\"><h2>");
	out_text(b, A(ad, "Drafts"));
	out_raw_trusted(b, "</h2><p class=\"hint\">");
	out_text(b, A(ad, "Not published: readers and subscribers see nothing until you publish."));
	out_raw_trusted(b, "</p><table class=\"list\"><thead><tr><th>");
	out_text(b, A(ad, "Name"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, "Created"));
	out_raw_trusted(b, "</th><th></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, "<tr class=\"draft\"><td><a href=\"/admin/incident?id=");
		out_url_arg(b, drafts[i].id);
		out_raw_trusted(b, "\">");
		out_text(b, drafts[i].name);
		out_raw_trusted(b, "</a></td><td>");
		out_text(b, admin_local_text(ad, drafts[i].created_at));
		out_raw_trusted(b, "</td><td>");
		if (editor) {
			draft_button(ad, "/admin/drafts/publish", drafts[i].id, arena_printf(ad->a, "publish-%s", drafts[i].id),
			             "Publish");
			draft_button(ad, "/admin/drafts/discard", drafts[i].id, arena_printf(ad->a, "discard-%s", drafts[i].id),
			             "Discard");
		}
		out_raw_trusted(b, "</td></tr>");
	}
	if (n == 0) {
		out_raw_trusted(b, "<tr><td colspan=\"3\" class=\"empty\">");
		out_text(b, A(ad, "None."));
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table></section>");
}

/* The Publish and Discard buttons of one draft's own page. */
void admin_draft_actions(struct admin *ad, const struct incident *inc)
{
	struct buf *b = ad->b;
	out_raw_trusted(b, "<p class=\"notice\" id=\"draft-state\">");
	out_text(b, A(ad, "Draft: not published. Its components take their statuses when it is published."));
	out_raw_trusted(b, "</p>");
	if (ad->user.role < ROLE_EDITOR || ad->readonly)
		return;
	out_raw_trusted(b, "<p>");
	draft_button(ad, "/admin/drafts/publish", inc->id, "publish-draft", "Publish");
	draft_button(ad, "/admin/drafts/discard", inc->id, "discard-draft", "Discard");
	out_raw_trusted(b, "</p>");
}

static void draft_post(struct admin *ad, bool publish)
{
	const char *id = admin_form(ad, "id");
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such incident."));
		return;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = publish ? write_incident_publish(&w, id, NULL) : write_incident_discard(&w, id);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, publish ? arena_printf(ad->a, "/admin/incident?id=%s", id) : "/admin",
		               publish ? "Published." : "Discarded.");
}

void admin_draft_publish(struct admin *ad)
{
	draft_post(ad, true);
}

void admin_draft_discard(struct admin *ad)
{
	draft_post(ad, false);
}
