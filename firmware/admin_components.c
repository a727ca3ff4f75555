/* admin_components.c: admin pages for components and groups: create, edit, delete, status, order (write_component.c). */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "out.h"

#define NCOMP_STATUS 5
static const char *const comp_vals[] = { "operational", "degraded_performance", "partial_outage", "major_outage",
                                         "under_maintenance" };
static const char *const comp_labels[] = { "Operational", "Degraded performance", "Partial outage", "Major outage",
                                           "Under maintenance" };

static const char *comp_label(enum comp_status s)
{
	for (int i = 0; i < NCOMP_STATUS; i++)
		if (strcmp(comp_vals[i], comp_status_name(s)) == 0)
			return comp_labels[i];
	return "?";
}

static void move_buttons(struct admin *ad, const char *action, const char *id)
{
	struct buf *b = ad->b;
	admin_form_open(ad, action, "inline");
	admin_hidden(ad, "id", id);
	out_raw_trusted(b, "<button type=\"submit\" name=\"dir\" value=\"up\" aria-label=\"");
	out_attr(b, A(ad, "Move up"));
	out_raw_trusted(b, "\">↑</button><button type=\"submit\" name=\"dir\" value=\"down\" aria-label=\"");
	out_attr(b, A(ad, "Move down"));
	out_raw_trusted(b, "\">↓</button></form>");
}

/* The fields of a component (new or edited): name, description, group, and the two display options. */
static void component_fields(struct admin *ad, const struct component *c, const struct group *groups, size_t ng)
{
	struct buf *b = ad->b;
	admin_label(ad, "cname", "Name");
	out_raw_trusted(b, "<input id=\"cname\" name=\"name\" required maxlength=\"255\" value=\"");
	out_attr(b, c ? c->name : "");
	out_raw_trusted(b, "\">");
	admin_label(ad, "cdesc", "Description");
	out_raw_trusted(b, "<textarea id=\"cdesc\" name=\"description\" rows=\"2\" maxlength=\"1000\">");
	out_text(b, c && c->description ? c->description : "");
	out_raw_trusted(b, "</textarea>");
	const char **vals = arena_alloc(ad->a, (ng + 1) * sizeof *vals), **labels = arena_alloc(ad->a, (ng + 1) * sizeof *labels);
	vals[0] = "";
	labels[0] = "No group";
	for (size_t g = 0; g < ng; g++) {
		vals[g + 1] = groups[g].id;
		labels[g + 1] = groups[g].name;     /* A() returns a name without an entry as it is */
	}
	admin_label(ad, "group_id", "Group");
	admin_select(ad, "group_id", vals, labels, ng + 1, c ? c->group_id : "");
	out_raw_trusted(b, "<input type=\"hidden\" name=\"options\" value=\"1\"><label class=\"check\"><input type=\"checkbox\" "
	                   "name=\"showcase\" value=\"1\"");
	out_raw_trusted(b, c == NULL || c->showcase ? " checked> " : "> ");
	out_text(b, A(ad, "Show its uptime bars"));
	out_raw_trusted(b, "</label><label class=\"check\"><input type=\"checkbox\" name=\"only_show_if_degraded\" value=\"1\"");
	out_raw_trusted(b, c && c->only_show_if_degraded ? " checked> " : "> ");
	out_text(b, A(ad, "Hide it on the page while operational"));
	out_raw_trusted(b, "</label>");
}

void admin_components_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct component *comps;
	struct group *groups;
	size_t nc, ng;
	if (store_component_list(ad->tx, &comps, &nc) != BC_OK || store_group_list(ad->tx, &groups, &ng) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	bool edit = ad->user.role >= ROLE_EDITOR && !ad->readonly;
	admin_begin(ad, A(ad, "Components"));
	out_raw_trusted(b, "<table class=\"list\" id=\"components\"><thead><tr>");
	admin_th(ad, "Group");
	admin_th(ad, "Component");
	admin_th(ad, "Status");
	admin_th(ad, "Order");
	admin_th(ad, "");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < nc; i++) {
		const char *gname = "";
		for (size_t g = 0; g < ng; g++)
			if (strcmp(groups[g].id, comps[i].group_id) == 0)
				gname = groups[g].name;
		out_raw_trusted(b, "<tr><td>");
		out_text(b, gname);
		out_raw_trusted(b, "</td><td>");
		out_text(b, comps[i].name);
		out_raw_trusted(b, "</td><td>");
		if (edit) {
			admin_form_open(ad, "/admin/components/status", "inline");
			admin_hidden(ad, "id", comps[i].id);
			admin_select(ad, arena_printf(ad->a, "status_%s", comps[i].id), comp_vals, comp_labels, NCOMP_STATUS,
			             comp_status_name(comps[i].status));
			admin_button(ad, "Set", NULL, NULL);
			out_raw_trusted(b, "</form>");
		} else {
			out_text(b, A(ad, comp_label(comps[i].status)));
		}
		out_raw_trusted(b, "</td><td>");
		if (edit)
			move_buttons(ad, "/admin/components/move", comps[i].id);
		else
			buf_printf(b, "%d", comps[i].position);
		out_raw_trusted(b, "</td><td><a href=\"/admin/component?id=");
		out_url_arg(b, comps[i].id);
		out_raw_trusted(b, "\" id=\"edit-");
		out_attr(b, comps[i].id);
		out_raw_trusted(b, "\">");
		out_text(b, A(ad, edit ? "Edit" : "Details"));
		out_raw_trusted(b, "</a></td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (edit) {
		admin_form_open(ad, "/admin/components/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "New component"));
		out_raw_trusted(b, "</h2>");
		component_fields(ad, NULL, groups, ng);
		admin_button(ad, "Add component", "add-component", NULL);
		out_raw_trusted(b, "</form>");
	}
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Groups"));
	out_raw_trusted(b, "</h2><table class=\"list\" id=\"groups\"><thead><tr>");
	admin_th(ad, "Group");
	admin_th(ad, "Order");
	if (edit) {
		admin_th(ad, "Rename");
		admin_th(ad, "");
	}
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t g = 0; g < ng; g++) {
		out_raw_trusted(b, "<tr><td>");
		out_text(b, groups[g].name);
		out_raw_trusted(b, "</td><td>");
		if (edit)
			move_buttons(ad, "/admin/groups/move", groups[g].id);
		else
			buf_printf(b, "%d", groups[g].position);
		out_raw_trusted(b, "</td>");
		if (edit) {
			out_raw_trusted(b, "<td>");
			admin_form_open(ad, "/admin/groups/rename", "inline");
			admin_hidden(ad, "id", groups[g].id);
			out_raw_trusted(b, "<input name=\"name\" required maxlength=\"255\" aria-label=\"");
			out_attr(b, A(ad, "Name"));
			out_raw_trusted(b, "\" value=\"");
			out_attr(b, groups[g].name);
			out_raw_trusted(b, "\">");
			admin_button(ad, "Rename", arena_printf(ad->a, "rename-%s", groups[g].id), NULL);
			out_raw_trusted(b, "</form></td><td>");
			admin_form_open(ad, "/admin/groups/delete", "inline");
			admin_hidden(ad, "id", groups[g].id);
			admin_button(ad, "Delete", arena_printf(ad->a, "delete-group-%s", groups[g].id),
			             "Delete this group? Its components stay, without a group.");
			out_raw_trusted(b, "</form></td>");
		}
		out_raw_trusted(b, "</tr>");
	}
	if (ng == 0) {
		out_raw_trusted(b, "<tr><td colspan=\"4\" class=\"empty\">");
		out_text(b, A(ad, "None."));
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (edit) {
		admin_form_open(ad, "/admin/groups/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "New group"));
		out_raw_trusted(b, "</h2>");
		admin_label(ad, "gname", "Name");
		out_raw_trusted(b, "<input id=\"gname\" name=\"name\" required maxlength=\"255\">");
		admin_button(ad, "Add group", "add-group", NULL);
		out_raw_trusted(b, "</form>");
	}
	admin_end(ad);
}

/* GET /admin/component?id=: its fields to edit, and its deletion. */
void admin_component_page(struct admin *ad)
{
	struct buf *b = ad->b;
	const char *id = req_query(ad->r, "id");
	struct component c;
	struct group *groups;
	size_t ng;
	if (id == NULL || strlen(id) > ID_LEN || store_component_get(ad->tx, id, &c) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such component."));
		return;
	}
	if (store_group_list(ad->tx, &groups, &ng) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, c.name);
	out_raw_trusted(b, "<p><span class=\"st\" id=\"component-status\">");
	out_text(b, A(ad, comp_label(c.status)));
	out_raw_trusted(b, "</span> <a href=\"/admin/components\">");
	out_text(b, A(ad, "All components"));
	out_raw_trusted(b, "</a></p>");
	if (ad->user.role < ROLE_EDITOR || ad->readonly) {
		if (c.description) {
			out_raw_trusted(b, "<p>");
			out_text(b, c.description);
			out_raw_trusted(b, "</p>");
		}
		admin_end(ad);
		return;
	}
	admin_form_open(ad, "/admin/component/edit", "card");
	admin_hidden(ad, "id", c.id);
	component_fields(ad, &c, groups, ng);
	admin_button(ad, "Save", "save-component", NULL);
	out_raw_trusted(b, "</form>");
	admin_form_open(ad, "/admin/component/delete", "card danger");
	admin_hidden(ad, "id", c.id);
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Delete"));
	out_raw_trusted(b, "</h2><p>");
	out_text(b, A(ad, "Its history stays in past incidents; it leaves the page and the API."));
	out_raw_trusted(b, "</p>");
	admin_button(ad, "Delete component", "delete-component", "Delete this component?");
	out_raw_trusted(b, "</form>");
	admin_end(ad);
}

static bool load_component(struct admin *ad, struct component *c)
{
	const char *id = admin_form(ad, "id");
	if (id == NULL || strlen(id) > ID_LEN || store_component_get(ad->tx, id, c) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such component."));
		return false;
	}
	return true;
}

static bool load_group(struct admin *ad, struct group *g)
{
	const char *id = admin_form(ad, "id");
	if (id == NULL || strlen(id) > ID_LEN || store_group_get(ad->tx, id, g) != BC_OK) {
		admin_error_page(ad, 404, A(ad, "No such group."));
		return false;
	}
	return true;
}

/* Runs one write (the write layer checks everything) and goes back to to with notice. */
enum admin_components_op { OP_COMPONENT, OP_COMPONENT_DELETE, OP_GROUP, OP_GROUP_DELETE, OP_COMPONENT_MOVE, OP_GROUP_MOVE };
struct admin_components_write {
	enum admin_components_op op;
	struct component_change *comp;
	struct group_change *group;
	const char *id;
	bool up;
};

static void components_write(struct admin *ad, const struct admin_components_write *cw, const char *to, const char *notice)
{
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = BC_INVALID;
	switch (cw->op) {
	case OP_COMPONENT:        e = write_component(&w, cw->comp, NULL); break;
	case OP_COMPONENT_DELETE: e = write_component_delete(&w, cw->id, false); break;
	case OP_GROUP:            e = write_group(&w, cw->group, NULL); break;
	case OP_GROUP_DELETE:     e = write_group_delete(&w, cw->id); break;
	case OP_COMPONENT_MOVE:   e = write_component_move(&w, cw->id, cw->up); break;
	case OP_GROUP_MOVE:       e = write_group_move(&w, cw->id, cw->up); break;
	}
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, to, notice);
}

/* Component and group order: the write layer swaps with the neighbour (write_*_move). */
static void move(struct admin *ad, bool group)
{
	const char *id = admin_form(ad, "id"), *dir = admin_form(ad, "dir");
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, group ? "No such group." : "No such component."));
		return;
	}
	struct admin_components_write cw = { .op = group ? OP_GROUP_MOVE : OP_COMPONENT_MOVE, .id = id,
	                                     .up = dir && strcmp(dir, "up") == 0 };
	components_write(ad, &cw, "/admin/components", "Saved.");
}

void admin_group_move(struct admin *ad)
{
	move(ad, true);
}

void admin_component_move(struct admin *ad)
{
	move(ad, false);
}

void admin_component_status(struct admin *ad)
{
	struct component c;
	if (!load_component(ad, &c))
		return;
	const char *v = admin_form(ad, arena_printf(ad->a, "status_%s", c.id));
	if (v == NULL)
		v = admin_form(ad, "status");
	enum comp_status s;
	if (v == NULL || !comp_status_parse(v, &s)) {
		admin_error_page(ad, 422, A(ad, "Unknown component status."));
		return;
	}
	struct component_change ch;
	write_component_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", c.id);
	ch.status = (int)s;
	struct admin_components_write cw = { .op = OP_COMPONENT, .comp = &ch };
	components_write(ad, &cw, "/admin/components", "Saved.");
}

/* The form's component fields into ch (what the write layer checks: name, lengths, the group exists). */
static void component_form(struct admin *ad, struct component_change *ch)
{
	const char *desc = admin_form(ad, "description"), *group = admin_form(ad, "group_id");
	ch->name = admin_form(ad, "name");
	if (ch->name == NULL)
		ch->name = "";                  /* refused by the write layer as empty, naming the field */
	ch->set_description = desc != NULL;
	ch->description = desc && *desc ? desc : NULL;
	if (group) {
		ch->set_group = true;
		snprintf(ch->group_id, sizeof ch->group_id, "%.*s", ID_LEN, group);
	}
	if (admin_form(ad, "options")) {    /* the form has the checkboxes: unchecked means off */
		ch->showcase = admin_form(ad, "showcase") != NULL;
		ch->only_show_if_degraded = admin_form(ad, "only_show_if_degraded") != NULL;
	}
}

void admin_component_new(struct admin *ad)
{
	struct component_change ch;
	write_component_change_init(&ch);
	component_form(ad, &ch);
	struct admin_components_write cw = { .op = OP_COMPONENT, .comp = &ch };
	components_write(ad, &cw, "/admin/components", "Component added.");
}

void admin_component_edit(struct admin *ad)
{
	struct component c;
	if (!load_component(ad, &c))
		return;
	struct component_change ch;
	write_component_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", c.id);
	component_form(ad, &ch);
	struct admin_components_write cw = { .op = OP_COMPONENT, .comp = &ch };
	components_write(ad, &cw, arena_printf(ad->a, "/admin/component?id=%s", c.id), "Saved.");
}

void admin_component_delete(struct admin *ad)
{
	struct component c;
	if (!load_component(ad, &c) ||
	    !admin_confirmed(ad, "Delete this component?", c.name, arena_printf(ad->a, "/admin/component?id=%s", c.id)))
		return;
	struct admin_components_write cw = { .op = OP_COMPONENT_DELETE, .id = c.id };
	components_write(ad, &cw, "/admin/components", "Component deleted.");
}

void admin_group_new(struct admin *ad)
{
	struct group_change ch;
	write_group_change_init(&ch);
	ch.name = admin_form(ad, "name");
	if (ch.name == NULL)
		ch.name = "";
	struct admin_components_write cw = { .op = OP_GROUP, .group = &ch };
	components_write(ad, &cw, "/admin/components", "Group added.");
}

void admin_group_rename(struct admin *ad)
{
	struct group g;
	if (!load_group(ad, &g))
		return;
	struct group_change ch;
	write_group_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", g.id);
	ch.name = admin_form(ad, "name");
	if (ch.name == NULL)
		ch.name = "";
	struct admin_components_write cw = { .op = OP_GROUP, .group = &ch };
	components_write(ad, &cw, "/admin/components", "Saved.");
}

void admin_group_delete(struct admin *ad)
{
	struct group g;
	if (!load_group(ad, &g) ||
	    !admin_confirmed(ad, "Delete this group? Its components stay, without a group.", g.name, "/admin/components"))
		return;
	struct admin_components_write cw = { .op = OP_GROUP_DELETE, .id = g.id };
	components_write(ad, &cw, "/admin/components", "Group deleted.");
}
