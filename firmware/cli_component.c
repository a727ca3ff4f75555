/* cli_component.c: `beacon component add|set|del|list` and `beacon group add|set|del|list`. */
#include <stdio.h>
#include <string.h>
#include "cli_util.h"

#define COMP_OPTS "[--description TEXT] [--group NAME|ID|none] [--status STATUS [--at TIME]] [--position N]\n" \
	"       [--showcase yes|no] [--only-show-if-degraded yes|no] [--start-date YYYY-MM-DD]"
#define POSITION_MAX 100000

static void comp_opts(struct opt *o)
{
	static const char *const names[] = { "name", "description", "group", "status", "position", "showcase",
	                                     "only-show-if-degraded", "start-date", "at" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		o[i] = (struct opt){ .name = names[i], .kind = OPT_VAL };
	o[sizeof names / sizeof names[0]] = (struct opt){ 0 };
}

/* --name, --description and --position, as components and groups both take them. */
static bool common_apply(struct cli *c, const struct opt *opts, const char **name, bool *set_description,
                         const char **description, int *position)
{
	const char *v;
	long n;
	if ((v = opt_get(opts, "name")) != NULL) {
		if (!cli_text(c, "name", v, LIM_NAME))
			return false;
		*name = v;
	}
	if ((v = opt_get(opts, "description")) != NULL) {
		if (!cli_text(c, "description", v, LIM_DESCRIPTION))
			return false;
		*set_description = true;
		*description = v;
	}
	if ((v = opt_get(opts, "position")) != NULL) {
		if (!cli_int(c, "position", v, 0, POSITION_MAX, &n))
			return false;
		*position = (int)n;
	}
	return true;
}

/* Checks every given option into ch (the group is found in the open txn by apply_group). */
static bool comp_apply(struct cli *c, const struct opt *opts, struct component_change *ch)
{
	const char *v;
	bool b;
	enum comp_status st;
	if (!common_apply(c, opts, &ch->name, &ch->set_description, &ch->description, &ch->position))
		return false;
	if ((v = opt_get(opts, "status")) != NULL) {
		if (!cli_comp_status(c, "status", v, &st))
			return false;
		ch->status = (int)st;
	}
	if ((v = opt_get(opts, "at")) != NULL) {
		if (ch->status == WRITE_KEEP)
			return cli_bad(c, "at", "the time of a --status change; give --status too");
		if (!cli_time(c, "at", v, &ch->at))
			return false;
	}
	if ((v = opt_get(opts, "showcase")) != NULL) {
		if (!cli_yesno(c, "showcase", v, &b))
			return false;
		ch->showcase = b;
	}
	if ((v = opt_get(opts, "only-show-if-degraded")) != NULL) {
		if (!cli_yesno(c, "only-show-if-degraded", v, &b))
			return false;
		ch->only_show_if_degraded = b;
	}
	if ((v = opt_get(opts, "start-date")) != NULL) {
		ch->set_start_date = true;
		if (v[0] != '\0' && !cli_date(c, "start-date", v, &ch->start_date))
			return false;
	}
	return true;
}

/* --group NAME|ID|none, in the open txn. */
static int apply_group(struct cli *c, const struct opt *opts, struct component_change *ch)
{
	const char *v = opt_get(opts, "group");
	if (v == NULL)
		return 0;
	ch->set_group = true;
	if (v[0] == '\0' || strcmp(v, "none") == 0)
		return 0;
	return cli_find_group(c, "group", v, ch->group_id);
}

static int comp_write(struct cli *c, struct component_change *ch, bool print_id)
{
	struct write_ctx w;
	struct component comp;
	cli_write_ctx(c, &w);
	enum bc_err e = write_component(&w, ch, &comp);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
		return 1;
	if (print_id)
		printf("%s\n", comp.id);
	return 0;
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
	struct component_change ch;
	write_component_change_init(&ch);
	if (!comp_apply(c, opts, &ch) || cli_begin(c, 0) || apply_group(c, opts, &ch))
		return 1;
	return comp_write(c, &ch, true);
}

static int component_set(struct cli *c, int argc, char **argv)
{
	struct opt opts[16];
	comp_opts(opts);
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct component_change ch;
	write_component_change_init(&ch);
	if (!comp_apply(c, opts, &ch) || cli_begin(c, 0) || cli_find_component(c, "component", c->pos[0], ch.id) ||
	    apply_group(c, opts, &ch))
		return 1;
	return comp_write(c, &ch, false);
}

static int component_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	bc_id id;
	struct write_ctx w;
	if (cli_begin(c, 0) || cli_find_component(c, "component", c->pos[0], id))
		return 1;
	cli_write_ctx(c, &w);
	enum bc_err e = write_component_delete(&w, id, false);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
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
		{ "set",  component_set,  "component set NAME|ID [--name NAME] " COMP_OPTS },
		{ "del",  component_del,  "component del NAME|ID" },
		{ "list", component_list, "component list [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "component", subs, argc, argv);
}

static int group_write(struct cli *c, struct group_change *ch, bool print_id)
{
	struct write_ctx w;
	struct group g;
	cli_write_ctx(c, &w);
	enum bc_err e = write_group(&w, ch, &g);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
		return 1;
	if (print_id)
		printf("%s\n", g.id);
	return 0;
}

static int group_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("description"), OPTV("position"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (opt_get(opts, "name") == NULL)
		return cli_usage_fail(c, "--name is required");
	struct group_change ch;
	write_group_change_init(&ch);
	if (!common_apply(c, opts, &ch.name, &ch.set_description, &ch.description, &ch.position) || cli_begin(c, 0))
		return 1;
	return group_write(c, &ch, true);
}

static int group_set(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("description"), OPTV("position"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct group_change ch;
	write_group_change_init(&ch);
	if (!common_apply(c, opts, &ch.name, &ch.set_description, &ch.description, &ch.position) || cli_begin(c, 0) ||
	    cli_find_group(c, "group", c->pos[0], ch.id))
		return 1;
	return group_write(c, &ch, false);
}

static int group_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	bc_id id;
	struct write_ctx w;
	if (cli_begin(c, 0) || cli_find_group(c, "group", c->pos[0], id))
		return 1;
	cli_write_ctx(c, &w);
	enum bc_err e = write_group_delete(&w, id);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
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
		{ "set",  group_set,  "group set NAME|ID [--name NAME] [--description TEXT] [--position N]" },
		{ "del",  group_del,  "group del NAME|ID" },
		{ "list", group_list, "group list [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "group", subs, argc, argv);
}
