/* write_component.c: the write layer for components and groups: positions, group membership, status changes at a time. */
#include <stdio.h>
#include <string.h>
#include "write.h"

#define POSITION_MAX 100000

void write_component_change_init(struct component_change *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->position = ch->status = ch->showcase = ch->only_show_if_degraded = WRITE_KEEP;
	ch->notify = true;
}

void write_group_change_init(struct group_change *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->position = WRITE_KEEP;
}

/* The next free position: at the top level, groups and ungrouped components share one order;
 * in a group, after its last member. */
static enum bc_err next_position(struct write_ctx *w, const char *group_id, const char *except, int *out)
{
	struct component *cs;
	struct group *gs;
	size_t n, ng;
	enum bc_err e = store_component_list(w->t, &cs, &n);
	if (e == BC_OK)
		e = store_group_list(w->t, &gs, &ng);
	if (e != BC_OK)
		return e;
	int max = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i].group_id, group_id) == 0 && strcmp(cs[i].id, except) != 0 && cs[i].position > max)
			max = cs[i].position;
	if (*group_id == '\0')
		for (size_t i = 0; i < ng; i++)
			if (gs[i].position > max)
				max = gs[i].position;
	*out = max + 1;
	return BC_OK;
}

static enum bc_err check_name(struct write_ctx *w, const char *field, const char *name, bool required)
{
	if (name == NULL)
		return required ? write_refuse(w, BC_INVALID, field, "required") : BC_OK;
	if (*name == '\0')
		return write_refuse(w, BC_INVALID, field, "must not be empty");
	if (strlen(name) > LIM_NAME)
		return write_refuse(w, BC_TOOBIG, field, "at most %d bytes", LIM_NAME);
	return BC_OK;
}

static enum bc_err check_common(struct write_ctx *w, const char *name, bool create, bool set_description,
                                const char *description, int position)
{
	enum bc_err e = check_name(w, "name", name, create);
	if (e != BC_OK)
		return e;
	if (set_description && description && strlen(description) > LIM_DESCRIPTION)
		return write_refuse(w, BC_TOOBIG, "description", "at most %d bytes", LIM_DESCRIPTION);
	if (position != WRITE_KEEP && (position < 0 || position > POSITION_MAX))
		return write_refuse(w, BC_INVALID, "position", "a whole number from 0 to %d", POSITION_MAX);
	return BC_OK;
}

enum bc_err write_component(struct write_ctx *w, struct component_change *ch, struct component *out)
{
	struct component c = { .status = CS_OPERATIONAL, .showcase = true }, before = { .name = NULL };
	bool create = ch->id[0] == '\0';
	enum bc_err e;
	if (!create) {
		e = store_component_get(w->t, ch->id, &before);
		if (e == BC_NOTFOUND && ch->upsert)
			create = true;
		else if (e == BC_NOTFOUND)
			return write_refuse(w, e, NULL, "component not found: %.40s", ch->id);
		else if (e != BC_OK)
			return write_refuse(w, e, NULL, "cannot read the component");
		else
			c = before;
	}
	if ((e = check_common(w, ch->name, create, ch->set_description, ch->description, ch->position)) != BC_OK)
		return e;
	if (ch->status != WRITE_KEEP && (unsigned)ch->status >= CS__MAX)
		return write_refuse(w, BC_INVALID, "status", "unknown component status");
	int64_t now = write_now(w), at = ch->at ? ch->at : now;
	if (at > now + WRITE_FUTURE_SLACK_MS)
		return write_refuse(w, BC_INVALID, "at", "is in the future");
	if (ch->set_group && ch->group_id[0]) {
		struct group g;
		if ((e = store_group_get(w->t, ch->group_id, &g)) != BC_OK)
			return write_refuse(w, e == BC_NOTFOUND ? BC_INVALID : e, "group_id", "no such group '%.40s'", ch->group_id);
	}
	if (create)
		snprintf(c.id, sizeof c.id, "%s", ch->id);
	if (ch->name)
		c.name = ch->name;
	if (ch->set_description)
		c.description = ch->description && *ch->description ? ch->description : NULL;
	if (ch->showcase != WRITE_KEEP)
		c.showcase = ch->showcase != 0;
	if (ch->only_show_if_degraded != WRITE_KEEP)
		c.only_show_if_degraded = ch->only_show_if_degraded != 0;
	if (ch->set_start_date)
		c.start_date = ch->start_date;
	bool moved = ch->set_group && strcmp(ch->group_id, c.group_id) != 0;
	if (ch->set_group)
		snprintf(c.group_id, sizeof c.group_id, "%s", ch->group_id);
	if (ch->position != WRITE_KEEP)
		c.position = ch->position;
	else if (create || moved)
		if ((e = next_position(w, c.group_id, c.id, &c.position)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot read the components");
	if (ch->status != WRITE_KEEP)
		c.status = (enum comp_status)ch->status;
	if (ch->upsert) {
		c.created_at = ch->created_at;
		c.updated_at = ch->updated_at;
	}
	store_keep_times(w->t, ch->upsert);
	e = store_component_put_at(w->t, &c, "", at);
	store_keep_times(w->t, false);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the component: %s", bc_strerror(e));
	if ((e = write_event(w, create ? "component.created" : "component.updated", "component", c.id,
	                     create ? NULL : write_json_component(w, &before), write_json_component(w, &c),
	                     ch->notify, c.name)) != BC_OK)
		return e;
	/* out of under_maintenance: alerts kept meanwhile that still fire take effect */
	if (!create && before.status == CS_UNDER_MAINTENANCE && c.status != CS_UNDER_MAINTENANCE &&
	    (e = write_intake_release(w, c.id)) != BC_OK)
		return e;
	if (out)
		*out = c;
	return BC_OK;
}

enum bc_err write_component_delete(struct write_ctx *w, const char *id, bool drop_empty_group)
{
	struct component c, *cs;
	size_t n;
	enum bc_err e = store_component_get(w->t, id, &c);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "component not found: %.40s", id);
	if ((e = store_component_del(w->t, id)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot delete the component");
	bool last = false;             /* the last child of its group: the group goes with it (in this event) */
	if (drop_empty_group && c.group_id[0]) {
		if ((e = store_component_list(w->t, &cs, &n)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot read the components");
		last = true;
		for (size_t i = 0; i < n && last; i++)
			last = strcmp(cs[i].group_id, c.group_id) != 0;
		if (last && (e = store_group_del(w->t, c.group_id)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot delete the emptied group");
	}
	return write_event(w, "component.deleted", "component", c.id, write_json_component(w, &c), NULL, true,
	                   last ? arena_printf(w->a, "%s (and its emptied group %s)", c.name, c.group_id) : c.name);
}

/* Makes exactly the listed components the group's children, in list order; others leave it. */
static enum bc_err set_members(struct write_ctx *w, const char *gid, const struct group_change *ch)
{
	if (ch->nmembers == 0)
		return write_refuse(w, BC_INVALID, "components", "a group cannot be empty");
	struct component *cs;
	size_t n;
	enum bc_err e = store_component_list(w->t, &cs, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the components");
	for (size_t i = 0; i < ch->nmembers; i++) {
		bool known = false;
		for (size_t k = 0; k < n && !known; k++)
			known = strcmp(cs[k].id, ch->members[i]) == 0;
		if (!known)
			return write_refuse(w, BC_INVALID, "components", "no such component '%.40s'", ch->members[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(ch->members[k], ch->members[i]) == 0)
				return write_refuse(w, BC_INVALID, "components", "'%.40s' is listed twice", ch->members[i]);
	}
	int top;
	if ((e = next_position(w, "", "", &top)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the components");
	for (size_t i = 0; i < n; i++) {
		struct component comp = cs[i];
		int pos = 0;
		for (size_t k = 0; k < ch->nmembers && pos == 0; k++)
			if (strcmp(ch->members[k], comp.id) == 0)
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
		if ((e = store_component_put(w->t, &comp, NULL)) != BC_OK)
			return write_refuse(w, e, NULL, "cannot move a component into the group");
	}
	return BC_OK;
}

enum bc_err write_group(struct write_ctx *w, struct group_change *ch, struct group *out)
{
	struct group g = { .position = 0 }, before = { .name = NULL };
	bool create = ch->id[0] == '\0';
	enum bc_err e;
	if (!create) {
		e = store_group_get(w->t, ch->id, &before);
		if (e == BC_NOTFOUND && ch->upsert)
			create = true;
		else if (e != BC_OK)
			return write_refuse(w, e, NULL, "component group not found: %.40s", ch->id);
		else
			g = before;
	}
	if ((e = check_common(w, ch->name, create, ch->set_description, ch->description, ch->position)) != BC_OK)
		return e;
	if (create)
		snprintf(g.id, sizeof g.id, "%s", ch->id);
	if (ch->name)
		g.name = ch->name;
	if (ch->set_description)
		g.description = ch->description && *ch->description ? ch->description : NULL;
	if (ch->position != WRITE_KEEP)
		g.position = ch->position;
	else if (create && (e = next_position(w, "", "", &g.position)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the components");
	if (ch->upsert) {
		g.created_at = ch->created_at;
		g.updated_at = ch->updated_at;
	}
	store_keep_times(w->t, ch->upsert);
	e = store_group_put(w->t, &g);
	store_keep_times(w->t, false);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the group: %s", bc_strerror(e));
	if (ch->set_members && (e = set_members(w, g.id, ch)) != BC_OK)
		return e;
	if ((e = write_event(w, create ? "group.created" : "group.updated", "group", g.id,
	                     create ? NULL : write_json_group(w, &before), write_json_group(w, &g), true, g.name)) != BC_OK)
		return e;
	if (out)
		*out = g;
	return BC_OK;
}

enum bc_err write_group_delete(struct write_ctx *w, const char *id)
{
	struct group g;
	enum bc_err e = store_group_get(w->t, id, &g);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "component group not found: %.40s", id);
	if ((e = store_group_del(w->t, id)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot delete the group");
	return write_event(w, "group.deleted", "group", g.id, write_json_group(w, &g), NULL, true, g.name);
}

/* Positions for n siblings in display order with entries i and j swapped: the renumbered order. */
static void swapped_order(size_t n, size_t i, size_t j, size_t *order)
{
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	order[i] = j;
	order[j] = i;
}

enum bc_err write_component_move(struct write_ctx *w, const char *id, bool up)
{
	struct component *cs, *me = NULL;
	size_t n;
	enum bc_err e = store_component_list(w->t, &cs, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the components");
	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i].id, id) == 0)
			me = &cs[i];
	if (me == NULL)
		return write_refuse(w, BC_NOTFOUND, "id", "no such component");
	struct component **sib = arena_alloc(w->a, n * sizeof *sib);
	size_t ns = 0, at = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i].group_id, me->group_id) == 0) {
			if (&cs[i] == me)
				at = ns;
			sib[ns++] = &cs[i];
		}
	if ((up && at == 0) || (!up && at + 1 >= ns))
		return BC_OK;
	size_t *order = arena_alloc(w->a, ns * sizeof *order);
	swapped_order(ns, at, up ? at - 1 : at + 1, order);
	for (size_t k = 0; k < ns; k++) {
		struct component *c = sib[order[k]];
		if (c->position == (int)k + 1)
			continue;
		struct component_change ch;
		write_component_change_init(&ch);
		snprintf(ch.id, sizeof ch.id, "%s", c->id);
		ch.position = (int)k + 1;
		if ((e = write_component(w, &ch, NULL)) != BC_OK)
			return e;
	}
	return BC_OK;
}

enum bc_err write_group_move(struct write_ctx *w, const char *id, bool up)
{
	struct group *gs;
	size_t n, at = SIZE_MAX;
	enum bc_err e = store_group_list(w->t, &gs, &n);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the groups");
	for (size_t i = 0; i < n; i++)
		if (strcmp(gs[i].id, id) == 0)
			at = i;
	if (at == SIZE_MAX)
		return write_refuse(w, BC_NOTFOUND, "id", "no such group");
	if ((up && at == 0) || (!up && at + 1 >= n))
		return BC_OK;
	/* groups share the top-level order with ungrouped components: the two swap their positions
	 * (distinct ones, so the swap shows even when they were equal) */
	size_t other = up ? at - 1 : at + 1;
	int a = gs[at].position, b = gs[other].position;
	if (a == b) {
		if (up)
			a = b + 1 > POSITION_MAX ? b : b + 1;
		else
			b = a + 1 > POSITION_MAX ? a : a + 1;
	}
	const struct group *g2[2] = { &gs[at], &gs[other] };
	int pos[2] = { b, a };
	for (int k = 0; k < 2; k++) {
		struct group_change ch;
		write_group_change_init(&ch);
		snprintf(ch.id, sizeof ch.id, "%s", g2[k]->id);
		ch.position = pos[k];
		if ((e = write_group(w, &ch, NULL)) != BC_OK)
			return e;
	}
	return BC_OK;
}
