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
	v1_commit(c, action, comp->id);
}

static void component_write(struct req *r, bool create)
{
	struct v1_input in;
	struct v1_ctx c;
	struct write_ctx wc;
	struct component_change ch;
	struct component comp;
	if (!v1_check(r) || !v1_input_req(r, V1R_COMPONENT, create, &in) || !v1_write(r, &c))
		return;
	const struct v1_value *v = in.v;
	write_component_change_init(&ch);
	if (!create)
		snprintf(ch.id, sizeof ch.id, "%s", v1_param(r, 1));
	if (v[CF_NAME].set && !v[CF_NAME].null)
		ch.name = v[CF_NAME].s;
	ch.set_description = v[CF_DESCRIPTION].set;
	ch.description = v[CF_DESCRIPTION].null ? NULL : v[CF_DESCRIPTION].s;
	if (v[CF_STATUS].set)
		ch.status = v[CF_STATUS].e;
	if (v[CF_SHOWCASE].set)
		ch.showcase = v[CF_SHOWCASE].b;
	if (v[CF_ONLY_SHOW_IF_DEGRADED].set)
		ch.only_show_if_degraded = v[CF_ONLY_SHOW_IF_DEGRADED].b;
	ch.set_start_date = v[CF_START_DATE].set;
	ch.start_date = v[CF_START_DATE].null ? 0 : v[CF_START_DATE].t;
	ch.set_group = v[CF_GROUP_ID].set;
	snprintf(ch.group_id, sizeof ch.group_id, "%s", v[CF_GROUP_ID].null || !v[CF_GROUP_ID].s ? "" : v[CF_GROUP_ID].s);
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_component(&wc, &ch, &comp);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "component");
		return;
	}
	answer_component(&c, create ? 201 : 200, comp.id, create ? "component.create" : "component.update");
}

void v1_component_create(struct req *r)
{
	component_write(r, true);
}

void v1_component_update(struct req *r)
{
	component_write(r, false);
}

/* DELETE: 204. A group left without children is deleted with it (spec: groups cannot be empty). */
void v1_component_delete(struct req *r)
{
	struct v1_ctx c;
	struct write_ctx wc;
	if (!v1_check(r) || !v1_write(r, &c))
		return;
	const char *id = v1_param(r, 1);
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_component_delete(&wc, id, true);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "component");
		return;
	}
	r->status = 204;
	buf_reset(&r->body_out);
	r->content_type_out = "application/json; charset=utf-8";
	v1_commit(&c, "component.delete", id);
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
	v1_commit(c, action, g->id);
}

static void group_write(struct req *r, bool create)
{
	struct v1_input in;
	struct v1_ctx c;
	struct write_ctx wc;
	struct group_change ch;
	struct group g;
	if (!v1_check(r) || !v1_input_req(r, V1R_GROUP, create, &in) || !v1_write(r, &c))
		return;
	const struct v1_value *v = in.v;
	write_group_change_init(&ch);
	if (!create)
		snprintf(ch.id, sizeof ch.id, "%s", v1_param(r, 1));
	if (v[GF_NAME].set && !v[GF_NAME].null)
		ch.name = v[GF_NAME].s;
	ch.set_description = v[GF_DESCRIPTION].set;
	ch.description = v[GF_DESCRIPTION].null ? NULL : v[GF_DESCRIPTION].s;
	ch.set_members = v[GF_COMPONENTS].set;
	ch.nmembers = v[GF_COMPONENTS].n;
	ch.members = v[GF_COMPONENTS].ids;
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_group(&wc, &ch, &g);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "component_group");
		return;
	}
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
	struct write_ctx wc;
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
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_group_delete(&wc, g->id);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "component_group");
		return;
	}
	v1_commit(&c, "group.delete", g->id);
}
