/* cli_incident.c: `beacon incident ...` and `beacon maintenance ...`: incidents, their updates, components. */
#include <stdio.h>
#include <string.h>
#include "cli_util.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100000

/* Parses every --component value, "NAME|ID=STATUS" (or "NAME|ID" when !with_status), and finds
 * each component in the open txn. */
static int parse_components(struct cli *c, const struct opt *o, bool with_status, struct incident_change *ch)
{
	if (o->nvals > LIM_AFFECTED)
		return !cli_bad(c, "component", "at most %d components", LIM_AFFECTED);
	ch->components = arena_alloc(c->a, (o->nvals + 1) * sizeof *ch->components);
	for (size_t i = 0; i < o->nvals; i++) {
		const char *v = o->vals[i], *eq = strrchr(v, '=');
		struct component_status *cs = &ch->components[ch->ncomponents++];
		enum comp_status st;
		cs->status = WRITE_KEEP;
		if (with_status && eq == NULL)
			return !cli_bad(c, "component", "expected NAME=STATUS or ID=STATUS, not '%s'", v);
		if (!with_status)
			eq = NULL;
		if (eq) {
			if (!cli_comp_status(c, "component", eq + 1, &st))
				return 1;
			cs->status = (int)st;
		}
		char *id = arena_alloc(c->a, sizeof(bc_id));
		if (cli_find_component(c, "component", eq ? arena_strndup(c->a, v, (size_t)(eq - v)) : v, id))
			return 1;
		cs->id = id;
		for (size_t j = 0; j + 1 < ch->ncomponents; j++)
			if (strcmp(ch->components[j].id, id) == 0)
				return !cli_bad(c, "component", "'%s' given twice", v);
	}
	return 0;
}

/* --at TIME (or now). */
static bool parse_at(struct cli *c, const struct opt *opts, int64_t *at)
{
	const char *v = opt_get(opts, "at");
	*at = 0;
	return v == NULL || cli_time(c, "at", v, at);
}

static int get_incident(struct cli *c, const char *id, bool maintenance, struct incident *inc)
{
	enum bc_err e = cli_id_ok(id) ? store_incident_get(c->t, id, inc) : BC_NOTFOUND;
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no %s '%s'", maintenance ? "maintenance" : "incident", id);
	if (e != BC_OK)
		return cli_store_fail(c, "incident", e);
	if (inc->is_maintenance != maintenance)
		return cli_fail(c, "'%s' is %s; use 'beacon %s'", id, maintenance ? "an incident" : "a maintenance",
		                maintenance ? "incident" : "maintenance");
	return 0;
}

/* Applies one change through the write layer and commits; prints the id when asked. */
static int run_change(struct cli *c, struct incident_change *ch, bool print_id)
{
	struct write_ctx w;
	struct incident inc;
	cli_write_ctx(c, &w);
	enum bc_err e = write_incident(&w, ch, &inc, NULL);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
		return 1;
	if (print_id)
		printf("%s\n", inc.id);
	return 0;
}

static int incident_open(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("status"), OPTV("impact"), OPTV("body"), OPTV("body-file"),
	                      OPTM("component"), OPTV("at"), OPTF("draft"), OPTF("quiet"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *name = opt_get(opts, "name"), *status = opt_get(opts, "status"), *impact = opt_get(opts, "impact");
	if (name == NULL || status == NULL)
		return cli_usage_fail(c, "--name and --status are required");
	struct incident_change ch;
	enum inc_status st;
	enum impact im;
	write_incident_change_init(&ch);
	ch.name = name;
	const char *body;
	if (!cli_text(c, "name", name, LIM_NAME) || !cli_choice(c, "status", status, CHOICES_INC_UPDATE) ||
	    !inc_status_parse(status, &st) || (impact && (!cli_choice(c, "impact", impact, CHOICES_IMPACT) ||
	                                                   !impact_parse(impact, &im))) ||
	    !cli_body(c, opts, write_default_body(st), &body) || !parse_at(c, opts, &ch.at))
		return 1;
	ch.status = (int)st;
	ch.body = body;
	ch.draft = opt_get(opts, "draft") != NULL;
	ch.notify = opt_get(opts, "quiet") == NULL;
	if (impact)
		ch.impact_override = (int)im;
	if (cli_begin(c, 0) || parse_components(c, opt_find(opts, "component"), true, &ch))
		return 1;
	return run_change(c, &ch, true);
}

/* One step of an incident's life: a new update with status st. */
static int incident_step(struct cli *c, struct opt *opts, enum inc_status st, bool keep_components)
{
	struct incident inc;
	struct incident_change ch;
	const char *body;
	write_incident_change_init(&ch);
	if (!parse_at(c, opts, &ch.at) || !cli_body(c, opts, write_default_body(st), &body) ||
	    cli_begin(c, 0) || get_incident(c, c->pos[0], false, &inc))
		return 1;
	if (st == IS_RESOLVED && inc.status == IS_RESOLVED)
		return cli_fail(c, "incident '%s' is already resolved", inc.id);
	if (opt_find(opts, "component") && parse_components(c, opt_find(opts, "component"), true, &ch))
		return 1;
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = (int)st;
	ch.body = body;
	ch.keep_components = keep_components;
	return run_change(c, &ch, false);
}

static int incident_update(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("status"), OPTV("body"), OPTV("body-file"), OPTM("component"), OPTV("at"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *status = opt_get(opts, "status");
	if (status == NULL)
		return cli_usage_fail(c, "--status is required");
	enum inc_status st;
	if (!cli_choice(c, "status", status, CHOICES_INC_UPDATE) || !inc_status_parse(status, &st))
		return 1;
	return incident_step(c, opts, st, false);
}

static int incident_resolve(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("body"), OPTV("body-file"), OPTV("at"), OPTF("keep-components"), OPTM("component"),
	                      OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	return incident_step(c, opts, IS_RESOLVED, opt_get(opts, "keep-components") != NULL);
}

static int incident_postmortem(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("body"), OPTV("body-file"), OPTF("publish"), OPTV("at"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	if (opt_get(opts, "body") == NULL && opt_get(opts, "body-file") == NULL)
		return cli_usage_fail(c, "--body-file is required");
	struct incident inc;
	struct write_ctx w;
	const char *body;
	int64_t at;
	if (!cli_body(c, opts, NULL, &body) || !parse_at(c, opts, &at) || cli_begin(c, 0) ||
	    get_incident(c, c->pos[0], false, &inc))
		return 1;
	cli_write_ctx(c, &w);
	enum bc_err e = write_postmortem(&w, inc.id, PM_SAVE_DRAFT, body, opt_get(opts, "publish") != NULL, at, NULL);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
}

static void json_incident(struct jw *w, const struct incident *inc,
                          const struct incident_update *us, size_t nu)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", inc->id);
	jw_str(w, "name", inc->name);
	jw_str(w, "status", inc_status_name(inc->status));
	jw_str(w, "impact", impact_name(inc->impact));
	jw_bool(w, "maintenance", inc->is_maintenance);
	jw_bool(w, "draft", inc->draft);
	jw_int(w, "created_at", inc->created_at);
	jw_int(w, "updated_at", inc->updated_at);
	jw_int(w, "started_at", inc->started_at);
	jw_int(w, "monitoring_at", inc->monitoring_at);
	jw_int(w, "resolved_at", inc->resolved_at);
	if (inc->is_maintenance) {
		jw_int(w, "scheduled_for", inc->scheduled_for);
		jw_int(w, "scheduled_until", inc->scheduled_until);
		jw_bool(w, "auto_start", inc->scheduled_auto_in_progress);
		jw_bool(w, "auto_complete", inc->scheduled_auto_completed);
	}
	jw_str(w, "postmortem_body", inc->postmortem_body);
	jw_int(w, "postmortem_published_at", inc->postmortem_published_at);
	jw_str(w, "postmortem_draft", inc->postmortem_draft);
	jw_arr_open(w, "components");
	for (size_t i = 0; i < inc->ncomponents; i++)
		jw_str(w, NULL, inc->component_ids[i]);
	jw_arr_close(w);
	if (us) {
		jw_arr_open(w, "updates");
		for (size_t i = 0; i < nu; i++) {
			jw_obj_open(w, NULL);
			jw_str(w, "id", us[i].id);
			jw_str(w, "status", inc_status_name(us[i].status));
			jw_str(w, "body", us[i].body);
			jw_int(w, "display_at", us[i].display_at);
			jw_int(w, "created_at", us[i].created_at);
			jw_arr_open(w, "affected");
			for (size_t j = 0; j < us[i].naffected; j++) {
				jw_obj_open(w, NULL);
				jw_str(w, "component_id", us[i].affected[j].component_id);
				jw_str(w, "old_status", comp_status_name(us[i].affected[j].old_status));
				jw_str(w, "new_status", comp_status_name(us[i].affected[j].new_status));
				jw_obj_close(w);
			}
			jw_arr_close(w);
			jw_obj_close(w);
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

/* Incidents (or maintenances) newest first: the open ones, or all, at most limit. */
static int list_kind(struct cli *c, const struct opt *opts, bool maintenance)
{
	long limit = LIST_LIMIT_DEFAULT;
	const char *v = opt_get(opts, "limit");
	if (v && !cli_int(c, "limit", v, 1, LIST_LIMIT_MAX, &limit))
		return 1;
	if (cli_begin_read(c))
		return 1;
	struct incident *all, *drafts = NULL;
	size_t n, nd = 0, kept = 0;
	bool only_drafts = !maintenance && opt_get(opts, "drafts");
	enum bc_err e = only_drafts ? BC_OK : opt_get(opts, "open") ? store_incident_list_open(c->t, &all, &n)
	                                      : store_incident_range(c->t, 0, INT64_MAX, 0, &all, &n);
	if (e == BC_OK && !maintenance)                /* drafts first: they wait for someone */
		e = store_incident_list_drafts(c->t, &drafts, &nd);
	if (e != BC_OK)
		return cli_store_fail(c, "incidents", e);
	if (only_drafts) {
		all = drafts;
		n = nd;
	} else if (nd) {
		struct incident *both = arena_alloc(c->a, (n + nd) * sizeof *both);
		memcpy(both, drafts, nd * sizeof *both);
		if (n)
			memcpy(both + nd, all, n * sizeof *both);
		all = both;
		n += nd;
	}
	for (size_t i = 0; i < n && kept < (size_t)limit; i++)
		if (all[i].is_maintenance == maintenance)
			all[kept++] = all[i];
	if (opt_get(opts, "json")) {
		struct jw w;
		struct buf b;
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
		for (size_t i = 0; i < kept; i++)
			json_incident(&w, &all[i], NULL, 0);
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	for (size_t i = 0; i < kept; i++)
		printf("%s  %-13s  %-11s  %s  %s%s\n", all[i].id, all[i].draft ? "draft" : inc_status_name(all[i].status),
		       impact_name(all[i].impact), cli_time_str(c, maintenance ? all[i].scheduled_for : all[i].started_at),
		       all[i].name, all[i].draft ? "  (not published)" : "");
	return 0;
}

static int incident_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("open"), OPTF("drafts"), OPTF("json"), OPTV("limit"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	return rc >= 0 ? rc : list_kind(c, opts, false);
}

/* `incident publish ID` and `incident discard ID`: a draft goes public (and notifies) or goes away. */
static int draft_step(struct cli *c, int argc, char **argv, bool publish)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct incident inc;
	struct write_ctx w;
	if (cli_begin(c, 0) || get_incident(c, c->pos[0], false, &inc))
		return 1;
	cli_write_ctx(c, &w);
	enum bc_err e = publish ? write_incident_publish(&w, inc.id, NULL) : write_incident_discard(&w, inc.id);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
}

static int incident_publish(struct cli *c, int argc, char **argv)
{
	return draft_step(c, argc, argv, true);
}

static int incident_discard(struct cli *c, int argc, char **argv)
{
	return draft_step(c, argc, argv, false);
}

static int incident_show(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct incident inc;
	struct incident_update *us;
	size_t nu;
	if (cli_begin_read(c))
		return 1;
	enum bc_err e = cli_id_ok(c->pos[0]) ? store_incident_get(c->t, c->pos[0], &inc) : BC_NOTFOUND;
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no incident '%s'", c->pos[0]);
	if (e != BC_OK || (e = store_update_list(c->t, inc.id, &us, &nu)) != BC_OK)
		return cli_store_fail(c, "incident", e);
	if (opt_get(opts, "json")) {
		struct jw w;
		struct buf b;
		cli_json_begin(&w, &b);
		json_incident(&w, &inc, us, nu);
		return cli_json_end(c, &w, &b);
	}
	if (inc.draft)
		printf("draft (not published: `beacon incident publish %s`)\n", inc.id);
	printf("%s  %s\nstatus: %s  impact: %s\nstarted: %s  resolved: %s\n", inc.id, inc.name,
	       inc_status_name(inc.status), impact_name(inc.impact), cli_time_str(c, inc.started_at),
	       cli_time_str(c, inc.resolved_at));
	if (inc.is_maintenance)
		printf("window: %s .. %s\n", cli_time_str(c, inc.scheduled_for), cli_time_str(c, inc.scheduled_until));
	for (size_t i = 0; i < inc.ncomponents; i++)
		printf("component: %s\n", inc.component_ids[i]);
	for (size_t i = nu; i-- > 0;) {
		printf("\n%s  %s\n", cli_time_str(c, us[i].display_at), inc_status_name(us[i].status));
		for (size_t j = 0; j < us[i].naffected; j++)
			printf("  %s: %s -> %s\n", us[i].affected[j].component_id,
			       comp_status_name(us[i].affected[j].old_status), comp_status_name(us[i].affected[j].new_status));
		printf("%s\n", us[i].body ? us[i].body : "");
	}
	if (inc.postmortem_body && inc.postmortem_published_at)
		printf("\npostmortem (published):\n%s\n", inc.postmortem_body);
	if (inc.postmortem_draft && (inc.postmortem_body == NULL || strcmp(inc.postmortem_draft, inc.postmortem_body) != 0))
		printf("\npostmortem draft:\n%s\n", inc.postmortem_draft);
	return 0;
}

static int del_kind(struct cli *c, int argc, char **argv, bool maintenance)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct incident inc;
	struct write_ctx w;
	if (cli_begin(c, 0) || get_incident(c, c->pos[0], maintenance, &inc))
		return 1;
	cli_write_ctx(c, &w);
	enum bc_err e = write_incident_delete(&w, inc.id);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
}

static int incident_del(struct cli *c, int argc, char **argv)
{
	return del_kind(c, argc, argv, false);
}

int cmd_incident(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "open", incident_open, "incident open --name NAME --status investigating|identified|monitoring|resolved\n"
		  "       [--impact none|minor|major|critical] [--body MD | --body-file FILE]\n"
		  "       [--component NAME|ID=STATUS ...] [--at TIME] [--draft] [--quiet]\n"
		  "       TIME: '2026-03-16 08:50' in the page's time zone, 2026-03-16T08:50-05:00, ...Z, or now.\n"
		  "       --impact overrides the impact; else it is the worst its components reach.\n"
		  "       --draft holds it unpublished (no public read, no notification, components unchanged)\n"
		  "       until `incident publish ID`; --quiet: publishing it sends no notification" },
		{ "update", incident_update, "incident update ID --status investigating|identified|monitoring|resolved\n"
		  "       [--body MD | --body-file FILE] [--component NAME|ID=STATUS ...] [--at TIME]" },
		{ "resolve", incident_resolve, "incident resolve ID [--body MD | --body-file FILE] [--at TIME]\n"
		  "       [--component NAME|ID=STATUS ...] [--keep-components]" },
		{ "postmortem", incident_postmortem, "incident postmortem ID --body-file FILE [--publish] [--at TIME]" },
		{ "list", incident_list, "incident list [--open | --drafts] [--json] [--limit N]   (drafts first)" },
		{ "publish", incident_publish, "incident publish ID   (a draft: created now, its components take their\n"
		  "       statuses now, subscribers are notified)" },
		{ "discard", incident_discard, "incident discard ID   (a draft: deleted, nothing sent)" },
		{ "show", incident_show, "incident show ID [--json]" },
		{ "del", incident_del, "incident del ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "incident", subs, argc, argv);
}

static int maintenance_schedule(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("from"), OPTV("until"), OPTM("component"), OPTV("body"),
	                      OPTV("body-file"), OPTV("auto-start"), OPTV("auto-complete"), OPTV("set-components"),
	                      OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *name = opt_get(opts, "name"), *from = opt_get(opts, "from"), *until = opt_get(opts, "until");
	const char *as = opt_get(opts, "auto-start"), *ac = opt_get(opts, "auto-complete");
	const char *sc = opt_get(opts, "set-components");
	if (name == NULL || from == NULL || until == NULL)
		return cli_usage_fail(c, "--name, --from and --until are required");
	struct incident_change ch;
	bool auto_start = true, auto_complete = true, set_components = true;
	const char *body;
	write_incident_change_init(&ch);
	ch.maintenance = true;
	ch.name = name;
	if (!cli_text(c, "name", name, LIM_NAME) || !cli_time(c, "from", from, &ch.scheduled_for) ||
	    !cli_time(c, "until", until, &ch.scheduled_until) ||
	    (as && !cli_yesno(c, "auto-start", as, &auto_start)) ||
	    (ac && !cli_yesno(c, "auto-complete", ac, &auto_complete)) ||
	    (sc && !cli_yesno(c, "set-components", sc, &set_components)) ||
	    !cli_body(c, opts, write_default_body(IS_SCHEDULED), &body))
		return 1;
	ch.body = body;
	ch.auto_in_progress = auto_start;
	ch.auto_completed = auto_complete;
	ch.auto_to_maintenance = ch.auto_to_operational = set_components;
	if (cli_begin(c, 0) || parse_components(c, opt_find(opts, "component"), false, &ch))
		return 1;
	return run_change(c, &ch, true);
}

/* Moves a maintenance to st; the write layer moves its components (auto_transition_* settings). */
static int maintenance_step(struct cli *c, const struct opt *opts, enum inc_status st)
{
	struct incident inc;
	struct incident_change ch;
	const char *body;
	write_incident_change_init(&ch);
	if (!parse_at(c, opts, &ch.at) || !cli_body(c, opts, write_default_body(st), &body) || cli_begin(c, 0) ||
	    get_incident(c, c->pos[0], true, &inc))
		return 1;
	if (inc_status_is_closed(inc.status))
		return cli_fail(c, "maintenance '%s' is already completed", inc.id);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = (int)st;
	ch.body = body;
	return run_change(c, &ch, false);
}

static int maintenance_update(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("status"), OPTV("body"), OPTV("body-file"), OPTV("at"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *status = opt_get(opts, "status");
	enum inc_status st;
	if (status == NULL)
		return cli_usage_fail(c, "--status is required");
	if (!cli_choice(c, "status", status, CHOICES_MAINT) || !inc_status_parse(status, &st))
		return 1;
	return maintenance_step(c, opts, st);
}

static int maintenance_complete(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("body"), OPTV("body-file"), OPTV("at"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	return rc >= 0 ? rc : maintenance_step(c, opts, IS_COMPLETED);
}

static int maintenance_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("open"), OPTF("json"), OPTV("limit"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	return rc >= 0 ? rc : list_kind(c, opts, true);
}

static int maintenance_del(struct cli *c, int argc, char **argv)
{
	return del_kind(c, argc, argv, true);
}

int cmd_maintenance(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "schedule", maintenance_schedule, "maintenance schedule --name NAME --from TIME --until TIME\n"
		  "       [--component NAME|ID ...] [--body MD | --body-file FILE] [--auto-start yes|no] [--auto-complete yes|no]\n"
		  "       [--set-components yes|no]  (in progress puts the components under maintenance, completed back)" },
		{ "update", maintenance_update, "maintenance update ID --status in_progress|verifying|completed\n"
		  "       [--body MD | --body-file FILE] [--at TIME]" },
		{ "complete", maintenance_complete, "maintenance complete ID [--body MD | --body-file FILE] [--at TIME]" },
		{ "list", maintenance_list, "maintenance list [--open] [--json] [--limit N]" },
		{ "del", maintenance_del, "maintenance del ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "maintenance", subs, argc, argv);
}
