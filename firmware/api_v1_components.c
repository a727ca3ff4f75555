/* api_v1_components.c: v1 components and component groups: list, get, create, update, delete. */
#include <stdio.h>
#include <string.h>
#include "api_v1.h"

/* One row of the flat components listing: a component or a group row. */
struct row {
	const struct component *c;
	const struct group *g;
};

/* Display order, as in v2 components.json: top-level groups and components by position, each
 * group followed by its children. */
static size_t display_rows(const struct sp_view *v, struct row *rows)
{
	size_t n = 0, gi = 0, ci = 0;
	for (;;) {
		while (ci < v->ncomps && v->comps[ci].group_id[0] && sp_find_group(v, v->comps[ci].group_id))
			ci++;
		bool have_g = gi < v->ngroups, have_c = ci < v->ncomps;
		if (!have_g && !have_c)
			return n;
		if (have_g && (!have_c || v->groups[gi].position <= v->comps[ci].position)) {
			const struct group *g = &v->groups[gi++];
			rows[n++] = (struct row){ NULL, g };
			for (size_t k = 0; k < v->ncomps; k++)
				if (strcmp(v->comps[k].group_id, g->id) == 0)
					rows[n++] = (struct row){ &v->comps[k], NULL };
		} else {
			rows[n++] = (struct row){ &v->comps[ci++], NULL };
		}
	}
}

void v1_components_list(struct req *r)
{
	struct v1_ctx c;
	struct v1_paging pg;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	struct row *rows = arena_alloc(r->arena, (c.v.ncomps + c.v.ngroups + 1) * sizeof *rows);
	size_t n = display_rows(&c.v, rows);
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	for (size_t i = pg.offset; i < n && i < pg.offset + pg.limit; i++) {
		if (rows[i].c)
			sp_write_component(&w, NULL, &c.v, rows[i].c);
		else
			sp_write_group_component(&w, NULL, &c.v, rows[i].g);
	}
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

void v1_component_get(struct req *r)
{
	struct v1_ctx c;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	const char *id = v1_param(r, 1);
	const struct component *comp = sp_find_component(&c.v, id);
	const struct group *g = comp ? NULL : sp_find_group(&c.v, id);
	if (comp == NULL && g == NULL) {
		resp_json_error(r, 404, "component not found: %.40s", id);
		return;
	}
	v1_json_begin(r, &w, 200);
	if (comp)
		sp_write_component(&w, NULL, &c.v, comp);
	else
		sp_write_group_component(&w, NULL, &c.v, g);
	v1_json_end(r, &w);
}

/* Next position at the top level (groups and ungrouped components share it) or in a group. */
static int next_position(const struct sp_view *v, const char *group_id)
{
	int max = 0;
	for (size_t i = 0; i < v->ncomps; i++)
		if (strcmp(v->comps[i].group_id, group_id) == 0 && v->comps[i].position > max)
			max = v->comps[i].position;
	if (*group_id == '\0')
		for (size_t i = 0; i < v->ngroups; i++)
			if (v->groups[i].position > max)
				max = v->groups[i].position;
	return max + 1;
}

/* Answers with one component re-read from the write txn, then commits. */
static void answer_component(struct v1_ctx *c, int status, const char *id, const char *action)
{
	struct jw w;
	if (!v1_reload(c))
		return;
	const struct component *comp = sp_find_component(&c->v, id);
	if (comp == NULL) {
		v1_fail(c, 500, "the component vanished");
		return;
	}
	v1_json_begin(c->r, &w, status);
	sp_write_component(&w, NULL, &c->v, comp);
	if (!v1_json_end(c->r, &w)) {
		v1_fail(c, 500, "could not serialize the component");
		return;
	}
	v1_commit(c, action, comp->id, comp->name);
}

/* Applies the validated fields to comp; false after answering. */
static bool apply_component(struct v1_ctx *c, const struct v1_input *in, struct component *comp)
{
	const struct v1_value *v = in->v;
	if (v[CF_NAME].set && !v[CF_NAME].null)
		comp->name = v[CF_NAME].s;
	if (v[CF_DESCRIPTION].set)
		comp->description = v[CF_DESCRIPTION].null ? NULL : v[CF_DESCRIPTION].s;
	if (v[CF_STATUS].set)
		comp->status = (enum comp_status)v[CF_STATUS].e;
	if (v[CF_SHOWCASE].set)
		comp->showcase = v[CF_SHOWCASE].b;
	if (v[CF_ONLY_SHOW_IF_DEGRADED].set)
		comp->only_show_if_degraded = v[CF_ONLY_SHOW_IF_DEGRADED].b;
	if (v[CF_START_DATE].set)
		comp->start_date = v[CF_START_DATE].null ? 0 : v[CF_START_DATE].t;
	if (v[CF_GROUP_ID].set) {
		const char *gid = v[CF_GROUP_ID].null ? "" : v[CF_GROUP_ID].s;
		if (*gid && sp_find_group(&c->v, gid) == NULL) {
			v1_fail(c, 422, "component.group_id: no such group '%.40s'", gid);
			return false;
		}
		if (strcmp(gid, comp->group_id) != 0 || comp->position == 0) {
			snprintf(comp->group_id, sizeof comp->group_id, "%s", gid);
			comp->position = next_position(&c->v, gid);
		}
	}
	return true;
}

void v1_component_create(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	if (!v1_check(r) || !v1_input_req(r, V1R_COMPONENT, true, &in) || !v1_write(r, &c))
		return;
	struct component comp = { .status = CS_OPERATIONAL, .showcase = true };
	if (!apply_component(&c, &in, &comp))
		return;
	if (comp.position == 0)
		comp.position = next_position(&c.v, "");
	enum bc_err e = store_component_put(c.t, &comp, NULL);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot create the component");
		return;
	}
	answer_component(&c, 201, comp.id, "component.create");
}

void v1_component_update(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct component comp;
	if (!v1_check(r) || !v1_input_req(r, V1R_COMPONENT, false, &in) || !v1_write(r, &c))
		return;
	const char *id = v1_param(r, 1);
	enum bc_err e = store_component_get(c.t, id, &comp);
	if (e != BC_OK) {
		v1_fail(&c, e == BC_NOTFOUND ? 404 : 500, "component not found: %.40s", id);
		return;
	}
	if (!apply_component(&c, &in, &comp))
		return;
	if ((e = store_component_put(c.t, &comp, NULL)) != BC_OK) {
		v1_fail_err(&c, e, "cannot update the component");
		return;
	}
	answer_component(&c, 200, comp.id, "component.update");
}

static size_t group_size(const struct sp_view *v, const char *gid, const char *except)
{
	size_t n = 0;
	for (size_t i = 0; i < v->ncomps; i++)
		if (strcmp(v->comps[i].group_id, gid) == 0 && strcmp(v->comps[i].id, except) != 0)
			n++;
	return n;
}

/* DELETE: 204. A group left without children is deleted with it (spec: groups cannot be empty). */
void v1_component_delete(struct req *r)
{
	struct v1_ctx c;
	if (!v1_check(r) || !v1_write(r, &c))
		return;
	const char *id = v1_param(r, 1);
	const struct component *comp = sp_find_component(&c.v, id);
	if (comp == NULL) {
		v1_fail(&c, 404, "component not found: %.40s", id);
		return;
	}
	enum bc_err e = store_component_del(c.t, id);
	if (e == BC_OK && comp->group_id[0] && group_size(&c.v, comp->group_id, id) == 0)
		e = store_group_del(c.t, comp->group_id);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot delete the component");
		return;
	}
	r->status = 204;
	buf_reset(&r->body_out);
	r->content_type_out = "application/json; charset=utf-8";
	v1_commit(&c, "component.delete", id, comp->name);
}

/* ---- component groups ---- */

void v1_groups_list(struct req *r)
{
	struct v1_ctx c;
	struct v1_paging pg;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	v1_paging(r, &pg);
	v1_json_begin(r, &w, 200);
	jw_arr_open(&w, NULL);
	for (size_t i = pg.offset; i < c.v.ngroups && i < pg.offset + pg.limit; i++)
		sp_write_component_group(&w, NULL, &c.v, &c.v.groups[i]);
	jw_arr_close(&w);
	v1_json_end(r, &w);
}

void v1_group_get(struct req *r)
{
	struct v1_ctx c;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c))
		return;
	const struct group *g = sp_find_group(&c.v, v1_param(r, 1));
	if (g == NULL) {
		resp_json_error(r, 404, "component group not found: %.40s", v1_param(r, 1));
		return;
	}
	v1_json_begin(r, &w, 200);
	sp_write_component_group(&w, NULL, &c.v, g);
	v1_json_end(r, &w);
}

/* Makes exactly the listed components the group's children, in list order. */
static bool set_members(struct v1_ctx *c, const char *gid, const struct v1_value *list)
{
	if (list->n == 0) {
		v1_fail(c, 422, "component_group.components: a group cannot be empty");
		return false;
	}
	for (size_t i = 0; i < list->n; i++) {
		const struct component *m = sp_find_component(&c->v, list->ids[i]);
		if (m == NULL) {
			v1_fail(c, 422, "component_group.components: no such component '%.40s'", list->ids[i]);
			return false;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(list->ids[k], list->ids[i]) == 0) {
				v1_fail(c, 422, "component_group.components: '%.40s' is listed twice", list->ids[i]);
				return false;
			}
	}
	int top = next_position(&c->v, "");
	for (size_t i = 0; i < c->v.ncomps; i++) {
		struct component comp = c->v.comps[i];
		int pos = 0;
		for (size_t k = 0; k < list->n && pos == 0; k++)
			if (strcmp(list->ids[k], comp.id) == 0)
				pos = (int)k + 1;
		if (pos) {
			snprintf(comp.group_id, sizeof comp.group_id, "%s", gid);
			comp.position = pos;
		} else if (strcmp(comp.group_id, gid) == 0) {
			comp.group_id[0] = '\0';          /* released from the group */
			comp.position = top++;
		} else {
			continue;
		}
		enum bc_err e = store_component_put(c->t, &comp, NULL);
		if (e != BC_OK) {
			v1_fail_err(c, e, "cannot move a component into the group");
			return false;
		}
	}
	return true;
}

static void answer_group(struct v1_ctx *c, int status, const char *id, const char *action)
{
	struct jw w;
	if (!v1_reload(c))
		return;
	const struct group *g = sp_find_group(&c->v, id);
	if (g == NULL) {
		v1_fail(c, 500, "the group vanished");
		return;
	}
	v1_json_begin(c->r, &w, status);
	sp_write_component_group(&w, NULL, &c->v, g);
	if (!v1_json_end(c->r, &w)) {
		v1_fail(c, 500, "could not serialize the group");
		return;
	}
	v1_commit(c, action, g->id, g->name);
}

static void group_write(struct req *r, bool create)
{
	struct v1_input in;
	struct v1_ctx c;
	struct group g = { .position = 0 };
	if (!v1_check(r) || !v1_input_req(r, V1R_GROUP, create, &in) || !v1_write(r, &c))
		return;
	if (!create) {
		const struct group *old = sp_find_group(&c.v, v1_param(r, 1));
		if (old == NULL) {
			v1_fail(&c, 404, "component group not found: %.40s", v1_param(r, 1));
			return;
		}
		g = *old;
	} else {
		g.position = next_position(&c.v, "");
	}
	const struct v1_value *v = in.v;
	if (v[GF_NAME].set && !v[GF_NAME].null)
		g.name = v[GF_NAME].s;
	if (v[GF_DESCRIPTION].set)
		g.description = v[GF_DESCRIPTION].null ? NULL : v[GF_DESCRIPTION].s;
	enum bc_err e = store_group_put(c.t, &g);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot save the group");
		return;
	}
	if (v[GF_COMPONENTS].set && !set_members(&c, g.id, &v[GF_COMPONENTS]))
		return;
	answer_group(&c, create ? 201 : 200, g.id, create ? "group.create" : "group.update");
}

void v1_group_create(struct req *r)
{
	group_write(r, true);
}

void v1_group_update(struct req *r)
{
	group_write(r, false);
}

/* DELETE: 200 with the deleted group; its components become ungrouped. */
void v1_group_delete(struct req *r)
{
	struct v1_ctx c;
	struct jw w;
	if (!v1_check(r) || !v1_write(r, &c))
		return;
	const struct group *g = sp_find_group(&c.v, v1_param(r, 1));
	if (g == NULL) {
		v1_fail(&c, 404, "component group not found: %.40s", v1_param(r, 1));
		return;
	}
	v1_json_begin(r, &w, 200);
	sp_write_component_group(&w, NULL, &c.v, g);
	if (!v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the group");
		return;
	}
	enum bc_err e = store_group_del(c.t, g->id);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot delete the group");
		return;
	}
	v1_commit(&c, "group.delete", g->id, g->name);
}
