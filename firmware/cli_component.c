/* cli_component.c: `beacon component add|set|del|list` and `beacon group add|set|del|list`. */
#include <stdio.h>
#include <string.h>
#include "cli_util.h"

#define COMP_OPTS "[--description TEXT] [--group ID|none] [--status STATUS] [--position N]\n" \
	"       [--showcase yes|no] [--only-show-if-degraded yes|no] [--start-date YYYY-MM-DD]"
#define POSITION_MAX 100000

static void comp_opts(struct opt *o)
{
	static const char *const names[] = { "name", "description", "group", "status", "position", "showcase",
	                                     "only-show-if-degraded", "start-date" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		o[i] = (struct opt){ .name = names[i], .kind = OPT_VAL };
	o[sizeof names / sizeof names[0]] = (struct opt){ 0 };
}

/* --name, --description and --position, as components and groups both take them. */
static bool common_apply(struct cli *c, const struct opt *opts, const char **name, const char **description, int *position)
{
	const char *v;
	long n;
	if ((v = opt_get(opts, "name")) != NULL) {
		if (!cli_text(c, "name", v, LIM_NAME))
			return false;
		if (v[0] == '\0')
			return cli_bad(c, "name", "must not be empty");
		*name = v;
	}
	if ((v = opt_get(opts, "description")) != NULL) {
		if (!cli_text(c, "description", v, LIM_DESCRIPTION))
			return false;
		*description = v[0] ? v : NULL;
	}
	if ((v = opt_get(opts, "position")) != NULL) {
		if (!cli_int(c, "position", v, 0, POSITION_MAX, &n))
			return false;
		*position = (int)n;
	}
	return true;
}

/* Checks and copies every given option into comp; the group's existence is checked in txn later. */
static bool comp_apply(struct cli *c, const struct opt *opts, struct component *comp)
{
	const char *v;
	if (!common_apply(c, opts, &comp->name, &comp->description, &comp->position))
		return false;
	if ((v = opt_get(opts, "group")) != NULL) {
		if (v[0] == '\0' || strcmp(v, "none") == 0)
			comp->group_id[0] = '\0';
		else if (!cli_id_ok(v))
			return cli_bad(c, "group", "no group '%s'", v);
		else
			memcpy(comp->group_id, v, sizeof comp->group_id);
	}
	if ((v = opt_get(opts, "status")) != NULL && !cli_comp_status(c, "status", v, &comp->status))
		return false;
	if ((v = opt_get(opts, "showcase")) != NULL && !cli_yesno(c, "showcase", v, &comp->showcase))
		return false;
	if ((v = opt_get(opts, "only-show-if-degraded")) != NULL &&
	    !cli_yesno(c, "only-show-if-degraded", v, &comp->only_show_if_degraded))
		return false;
	if ((v = opt_get(opts, "start-date")) != NULL) {
		if (v[0] == '\0')
			comp->start_date = 0;
		else if (!cli_date(c, "start-date", v, &comp->start_date))
			return false;
	}
	return true;
}

static int check_group(struct cli *c, const char *group_id)
{
	struct group g;
	if (group_id[0] == '\0')
		return 0;
	enum bc_err e = store_group_get(c->t, group_id, &g);
	if (e == BC_NOTFOUND)
		return cli_fail(c, "--group: no group '%s'", group_id);
	return e == BC_OK ? 0 : cli_store_fail(c, "group", e);
}

static int comp_put(struct cli *c, struct component *comp, const char *action)
{
	enum bc_err e = store_component_put(c->t, comp, "");
	if (e == BC_TOOBIG || e == BC_INVALID)
		return cli_fail(c, "component: %s", bc_strerror(e));
	if (e != BC_OK)
		return cli_store_fail(c, "component", e);
	return cli_audit(c, action, comp->id, comp->name) || cli_commit(c);
}

static int component_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[16];
	comp_opts(opts);
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (opt_get(opts, "name") == NULL)
		return cli_usage_fail(c, "--name is required");
	struct component comp = { .showcase = true };
	if (!comp_apply(c, opts, &comp) || cli_begin(c, 0) || check_group(c, comp.group_id))
		return 1;
	if (opt_get(opts, "position") == NULL) {         /* append after the last of its group */
		struct component *all;
		size_t n;
		enum bc_err e = store_component_list(c->t, &all, &n);
		if (e != BC_OK)
			return cli_store_fail(c, "components", e);
		for (size_t i = 0; i < n; i++)
			if (strcmp(all[i].group_id, comp.group_id) == 0 && all[i].position >= comp.position)
				comp.position = all[i].position + 1;
	}
	if (comp_put(c, &comp, "component.create"))
		return 1;
	printf("%s\n", comp.id);
	return 0;
}

static int get_component(struct cli *c, const char *id, struct component *comp)
{
	enum bc_err e = cli_id_ok(id) ? store_component_get(c->t, id, comp) : BC_NOTFOUND;
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no component '%s'", id);
	return e == BC_OK ? 0 : cli_store_fail(c, "component", e);
}

static int component_set(struct cli *c, int argc, char **argv)
{
	struct opt opts[16];
	comp_opts(opts);
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct component comp;
	if (cli_begin(c, 0) || get_component(c, c->pos[0], &comp))
		return 1;
	if (!comp_apply(c, opts, &comp) || check_group(c, comp.group_id))
		return 1;
	return comp_put(c, &comp, "component.update");
}

static int component_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct component comp;
	if (cli_begin(c, 0) || get_component(c, c->pos[0], &comp))
		return 1;
	enum bc_err e = store_component_del(c->t, comp.id);
	if (e != BC_OK)
		return cli_store_fail(c, "component", e);
	return cli_audit(c, "component.delete", comp.id, comp.name) || cli_commit(c);
}

static const char *group_name(const struct group *gs, size_t ng, const char *id)
{
	for (size_t i = 0; i < ng; i++)
		if (strcmp(gs[i].id, id) == 0)
			return gs[i].name;
	return "-";
}

static const char *date_str(struct cli *c, int64_t ms)
{
	const char *s = cli_time_str(c, ms);
	return ms ? arena_strndup(c->a, s, 10) : NULL;
}

static int component_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	struct component *cs;
	struct group *gs;
	size_t n, ng;
	enum bc_err e;
	if (cli_begin_read(c))
		return 1;
	if ((e = store_component_list(c->t, &cs, &n)) != BC_OK || (e = store_group_list(c->t, &gs, &ng)) != BC_OK)
		return cli_store_fail(c, "components", e);
	if (opt_get(opts, "json") == NULL) {
		for (size_t i = 0; i < n; i++)
			printf("%s  %-20s  %-16.16s  %3d  %s\n", cs[i].id, comp_status_name(cs[i].status),
			       group_name(gs, ng, cs[i].group_id), cs[i].position, cs[i].name);
		return 0;
	}
	struct jw w;
	struct buf b;
	cli_json_begin(&w, &b);
	jw_arr_open(&w, NULL);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "id", cs[i].id);
		jw_str(&w, "name", cs[i].name);
		jw_str(&w, "description", cs[i].description);
		jw_str(&w, "status", comp_status_name(cs[i].status));
		jw_str(&w, "group_id", cs[i].group_id[0] ? cs[i].group_id : NULL);
		jw_int(&w, "position", cs[i].position);
		jw_bool(&w, "showcase", cs[i].showcase);
		jw_bool(&w, "only_show_if_degraded", cs[i].only_show_if_degraded);
		jw_str(&w, "start_date", date_str(c, cs[i].start_date));
		jw_int(&w, "created_at", cs[i].created_at);
		jw_int(&w, "updated_at", cs[i].updated_at);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	return cli_json_end(c, &w, &b);
}

int cmd_component(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add",  component_add,  "component add --name NAME " COMP_OPTS },
		{ "set",  component_set,  "component set ID [--name NAME] " COMP_OPTS },
		{ "del",  component_del,  "component del ID" },
		{ "list", component_list, "component list [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "component", subs, argc, argv);
}

static bool group_apply(struct cli *c, const struct opt *opts, struct group *g)
{
	return common_apply(c, opts, &g->name, &g->description, &g->position);
}

static int group_put(struct cli *c, struct group *g, const char *action)
{
	enum bc_err e = store_group_put(c->t, g);
	if (e != BC_OK)
		return cli_store_fail(c, "group", e);
	return cli_audit(c, action, g->id, g->name) || cli_commit(c);
}

static int group_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("description"), OPTV("position"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (opt_get(opts, "name") == NULL)
		return cli_usage_fail(c, "--name is required");
	struct group g = { .position = 0 };
	if (!group_apply(c, opts, &g) || cli_begin(c, 0))
		return 1;
	if (opt_get(opts, "position") == NULL) {
		struct group *gs;
		size_t n;
		enum bc_err e = store_group_list(c->t, &gs, &n);
		if (e != BC_OK)
			return cli_store_fail(c, "groups", e);
		for (size_t i = 0; i < n; i++)
			if (gs[i].position >= g.position)
				g.position = gs[i].position + 1;
	}
	if (group_put(c, &g, "group.create"))
		return 1;
	printf("%s\n", g.id);
	return 0;
}

static int get_group(struct cli *c, const char *id, struct group *g)
{
	enum bc_err e = cli_id_ok(id) ? store_group_get(c->t, id, g) : BC_NOTFOUND;
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no group '%s'", id);
	return e == BC_OK ? 0 : cli_store_fail(c, "group", e);
}

static int group_set(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("description"), OPTV("position"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct group g;
	if (cli_begin(c, 0) || get_group(c, c->pos[0], &g) || !group_apply(c, opts, &g))
		return 1;
	return group_put(c, &g, "group.update");
}

static int group_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct group g;
	if (cli_begin(c, 0) || get_group(c, c->pos[0], &g))
		return 1;
	enum bc_err e = store_group_del(c->t, g.id);
	if (e != BC_OK)
		return cli_store_fail(c, "group", e);
	return cli_audit(c, "group.delete", g.id, g.name) || cli_commit(c);
}

static int group_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	struct group *gs;
	size_t n;
	if (cli_begin_read(c))
		return 1;
	enum bc_err e = store_group_list(c->t, &gs, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "groups", e);
	if (opt_get(opts, "json") == NULL) {
		for (size_t i = 0; i < n; i++)
			printf("%s  %3d  %s\n", gs[i].id, gs[i].position, gs[i].name);
		return 0;
	}
	struct jw w;
	struct buf b;
	cli_json_begin(&w, &b);
	jw_arr_open(&w, NULL);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "id", gs[i].id);
		jw_str(&w, "name", gs[i].name);
		jw_str(&w, "description", gs[i].description);
		jw_int(&w, "position", gs[i].position);
		jw_int(&w, "created_at", gs[i].created_at);
		jw_int(&w, "updated_at", gs[i].updated_at);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	return cli_json_end(c, &w, &b);
}

int cmd_group(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add",  group_add,  "group add --name NAME [--description TEXT] [--position N]" },
		{ "set",  group_set,  "group set ID [--name NAME] [--description TEXT] [--position N]" },
		{ "del",  group_del,  "group del ID" },
		{ "list", group_list, "group list [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "group", subs, argc, argv);
}
