/* cli_incident.c: `beacon incident ...` and `beacon maintenance ...`: incidents, their updates, components. */
#include <stdio.h>
#include <string.h>
#include "cli_util.h"

#define FUTURE_SLACK_MS (5 * 60 * 1000)      /* --at may be this far ahead of the clock */
#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100000

/* One --component ID[=STATUS] of a command: the component as stored and the status it gets. */
struct change {
	const char *id;
	enum comp_status status;
	struct component comp;
};

/* Default update texts, as Statuspage writes them. */
static const char *default_body(enum inc_status s)
{
	switch (s) {
	case IS_INVESTIGATING: return "We are currently investigating this issue.";
	case IS_IDENTIFIED:    return "The issue has been identified and a fix is being implemented.";
	case IS_MONITORING:    return "A fix has been implemented and we are monitoring the results.";
	case IS_RESOLVED:      return "This incident has been resolved.";
	case IS_SCHEDULED:     return "We will be undergoing scheduled maintenance during this time.";
	case IS_IN_PROGRESS:   return "Scheduled maintenance is currently in progress. We will provide updates as necessary.";
	case IS_VERIFYING:     return "Verification is currently underway for the maintenance items.";
	case IS_COMPLETED:     return "The scheduled maintenance has been completed.";
	default:               return "";
	}
}

/* Parses every --component value: "ID=STATUS" when with_status, else "ID" (status fixed by the caller). */
static bool parse_changes(struct cli *c, const struct opt *o, bool with_status, struct change **out, size_t *n)
{
	struct change *ch = arena_alloc(c->a, (o->nvals + 1) * sizeof *ch);
	if (o->nvals > LIM_AFFECTED)
		return cli_bad(c, "component", "at most %d components", LIM_AFFECTED);
	for (size_t i = 0; i < o->nvals; i++) {
		const char *v = o->vals[i], *eq = strchr(v, '=');
		if (with_status && eq == NULL)
			return cli_bad(c, "component", "expected ID=STATUS, not '%s'", v);
		if (!with_status && eq != NULL)
			return cli_bad(c, "component", "expected a component ID, not '%s'", v);
		ch[i].id = eq ? arena_strndup(c->a, v, (size_t)(eq - v)) : v;
		if (!cli_id_ok(ch[i].id))
			return cli_bad(c, "component", "no component '%s'", ch[i].id);
		if (eq && !cli_comp_status(c, "component", eq + 1, &ch[i].status))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(ch[j].id, ch[i].id) == 0)
				return cli_bad(c, "component", "'%s' given twice", ch[i].id);
	}
	*out = ch;
	*n = o->nvals;
	return true;
}

/* Loads each change's component in the open txn. */
static int load_changes(struct cli *c, struct change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum bc_err e = store_component_get(c->t, ch[i].id, &ch[i].comp);
		if (e == BC_NOTFOUND)
			return !cli_bad(c, "component", "no component '%s'", ch[i].id);
		if (e != BC_OK)
			return cli_store_fail(c, "component", e);
	}
	return 0;
}

/* --at TIME, or now; refuses times before not_before (ms) and in the future. */
static bool parse_at(struct cli *c, const struct opt *opts, int64_t not_before, int64_t *at)
{
	const char *v = opt_get(opts, "at");
	int64_t now = now_ms();
	if (v == NULL) {
		*at = now > not_before ? now : not_before;
		return true;
	}
	if (!cli_time(c, "at", v, at))
		return false;
	if (*at > now + FUTURE_SLACK_MS)
		return cli_bad(c, "at", "%s is in the future", v);
	if (*at < not_before)
		return cli_bad(c, "at", "%s is before the incident's last update (%s)", v, cli_time_str(c, not_before));
	return true;
}

static void add_component_id(struct cli *c, struct incident *inc, const char *id)
{
	for (size_t i = 0; i < inc->ncomponents; i++)
		if (strcmp(inc->component_ids[i], id) == 0)
			return;
	bc_id *ids = arena_alloc(c->a, (inc->ncomponents + 1) * sizeof *ids);
	if (inc->ncomponents)
		memcpy(ids, inc->component_ids, inc->ncomponents * sizeof *ids);
	memcpy(ids[inc->ncomponents++], id, sizeof(bc_id));
	inc->component_ids = ids;
}

/* Applies the changes at time at: new component statuses (logged against the incident),
 * the update's affected list, and the incident's component list. */
static int apply_changes(struct cli *c, struct incident *inc, struct incident_update *u,
                         struct change *ch, size_t n, int64_t at)
{
	u->affected = arena_alloc(c->a, (n + 1) * sizeof *u->affected);
	for (size_t i = 0; i < n; i++) {
		struct component *comp = &ch[i].comp;
		struct affected *af = &u->affected[u->naffected++];
		memcpy(af->component_id, comp->id, sizeof af->component_id);
		af->old_status = comp->status;
		af->new_status = ch[i].status;
		add_component_id(c, inc, comp->id);
		if (inc->ncomponents > LIM_AFFECTED)
			return !cli_bad(c, "component", "an incident affects at most %d components", LIM_AFFECTED);
		if (comp->status == ch[i].status)
			continue;
		comp->status = ch[i].status;
		enum bc_err e = store_component_put_at(c->t, comp, inc->id, at);
		if (e != BC_OK)
			return cli_store_fail(c, "component", e);
	}
	return 0;
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

/* The display time of the incident's newest update (0 without updates). */
static int last_update_at(struct cli *c, const char *id, int64_t *at)
{
	struct incident_update *us;
	size_t n;
	enum bc_err e = store_update_list(c->t, id, &us, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "updates", e);
	*at = n ? us[n - 1].display_at : 0;
	return 0;
}

/* Writes one update of inc (already stored) and the incident itself, with its audit entry; commits. */
static int write_update(struct cli *c, struct incident *inc, struct incident_update *u, const char *action)
{
	enum bc_err e;
	memcpy(u->incident_id, inc->id, sizeof u->incident_id);
	u->created_at = u->updated_at = u->display_at;           /* back-dated updates are created then too */
	if ((e = store_incident_put(c->t, inc)) != BC_OK)
		return cli_store_fail(c, "incident", e);
	if ((e = store_update_put(c->t, u)) != BC_OK)
		return cli_store_fail(c, "update", e);
	return cli_audit(c, action, inc->id, inc_status_name(u->status)) || cli_commit(c);
}

static int incident_open(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("status"), OPTV("impact"), OPTV("body"), OPTV("body-file"),
	                      OPTM("component"), OPTV("at"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *name = opt_get(opts, "name"), *status = opt_get(opts, "status"), *impact = opt_get(opts, "impact");
	if (name == NULL || status == NULL || impact == NULL)
		return cli_usage_fail(c, "--name, --status and --impact are required");
	struct incident inc = { .name = name };
	struct incident_update u = { .body = NULL };
	struct change *ch;
	size_t nch;
	int64_t at;
	if (!cli_text(c, "name", name, LIM_NAME) || (name[0] == '\0' && !cli_bad(c, "name", "must not be empty")) ||
	    !cli_choice(c, "status", status, CHOICES_INC_OPEN) || !inc_status_parse(status, &inc.status) ||
	    !cli_choice(c, "impact", impact, CHOICES_IMPACT) || !impact_parse(impact, &inc.impact) ||
	    !cli_body(c, opts, default_body(inc.status), &u.body) ||
	    !parse_changes(c, opt_find(opts, "component"), true, &ch, &nch) || !parse_at(c, opts, 0, &at))
		return 1;
	if (cli_begin(c, 0) || load_changes(c, ch, nch))
		return 1;
	inc.started_at = inc.created_at = inc.updated_at = at;
	if (inc.status == IS_MONITORING)
		inc.monitoring_at = at;
	enum bc_err e = store_incident_put(c->t, &inc);          /* creates it: the id is needed below */
	if (e != BC_OK)
		return cli_store_fail(c, "incident", e);
	u.status = inc.status;
	u.display_at = at;
	if (apply_changes(c, &inc, &u, ch, nch, at) || write_update(c, &inc, &u, "incident.create"))
		return 1;
	printf("%s\n", inc.id);
	return 0;
}

/* One step of an incident's life: a new update with status st at time at. */
static int incident_step(struct cli *c, struct opt *opts, enum inc_status st, struct change *ch, size_t nch,
                         bool restore_components)
{
	struct incident inc;
	struct incident_update u = { .status = st };
	int64_t at, last;
	if (cli_begin(c, 0) || get_incident(c, c->pos[0], false, &inc) || load_changes(c, ch, nch) ||
	    last_update_at(c, inc.id, &last))
		return 1;
	if (st == IS_RESOLVED && inc.status == IS_RESOLVED)
		return cli_fail(c, "incident '%s' is already resolved", inc.id);
	if (!parse_at(c, opts, last, &at) || !cli_body(c, opts, default_body(st), &u.body))
		return 1;
	if (restore_components) {                  /* every affected component not named back to operational */
		struct change *all = arena_alloc(c->a, (inc.ncomponents + nch + 1) * sizeof *all);
		if (nch)
			memcpy(all, ch, nch * sizeof *ch);
		for (size_t i = 0; i < inc.ncomponents; i++) {
			struct change *x = &all[nch];
			x->id = inc.component_ids[i];
			x->status = CS_OPERATIONAL;
			bool named = false;
			for (size_t j = 0; j < nch; j++)
				named |= strcmp(all[j].id, x->id) == 0;
			if (named)
				continue;
			enum bc_err e = store_component_get(c->t, x->id, &x->comp);
			if (e == BC_NOTFOUND)          /* deleted since: nothing to restore */
				continue;
			if (e != BC_OK)
				return cli_store_fail(c, "component", e);
			nch++;
		}
		ch = all;
	}
	if (st == IS_MONITORING && inc.status != IS_MONITORING)
		inc.monitoring_at = at;
	inc.resolved_at = st == IS_RESOLVED ? at : 0;
	inc.status = st;
	u.display_at = at;
	if (apply_changes(c, &inc, &u, ch, nch, at))
		return 1;
	return write_update(c, &inc, &u, st == IS_RESOLVED ? "incident.resolve" : "incident.update");
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
	struct change *ch;
	size_t nch;
	if (!cli_choice(c, "status", status, CHOICES_INC_UPDATE) || !inc_status_parse(status, &st) ||
	    !parse_changes(c, opt_find(opts, "component"), true, &ch, &nch))
		return 1;
	return incident_step(c, opts, st, ch, nch, false);
}

static int incident_resolve(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("body"), OPTV("body-file"), OPTV("at"), OPTF("keep-components"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	return incident_step(c, opts, IS_RESOLVED, NULL, 0, opt_get(opts, "keep-components") == NULL);
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
	const char *body;
	int64_t at;
	if (!cli_body(c, opts, NULL, &body) || cli_begin(c, 0) || get_incident(c, c->pos[0], false, &inc))
		return 1;
	if (inc.status != IS_RESOLVED)
		return cli_fail(c, "incident '%s' is %s; a postmortem follows its resolution", inc.id,
		                inc_status_name(inc.status));
	if (!parse_at(c, opts, inc.resolved_at, &at))
		return 1;
	inc.postmortem_draft = body;
	if (opt_get(opts, "publish")) {
		inc.postmortem_body = body;
		inc.postmortem_published_at = at;
	}
	enum bc_err e = store_incident_put(c->t, &inc);
	if (e != BC_OK)
		return cli_store_fail(c, "incident", e);
	return cli_audit(c, inc.postmortem_published_at ? "postmortem.publish" : "postmortem.draft", inc.id, NULL) ||
	       cli_commit(c);
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
	struct incident *all;
	size_t n, kept = 0;
	enum bc_err e = opt_get(opts, "open") ? store_incident_list_open(c->t, &all, &n)
	                                      : store_incident_range(c->t, 0, INT64_MAX, 0, &all, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "incidents", e);
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
		printf("%s  %-13s  %-11s  %s  %s\n", all[i].id, inc_status_name(all[i].status), impact_name(all[i].impact),
		       cli_time_str(c, maintenance ? all[i].scheduled_for : all[i].started_at), all[i].name);
	return 0;
}

static int incident_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("open"), OPTF("json"), OPTV("limit"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	return rc >= 0 ? rc : list_kind(c, opts, false);
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
	if (cli_begin(c, 0) || get_incident(c, c->pos[0], maintenance, &inc))
		return 1;
	enum bc_err e = store_incident_del(c->t, inc.id);
	if (e != BC_OK)
		return cli_store_fail(c, "incident", e);
	return cli_audit(c, maintenance ? "maintenance.delete" : "incident.delete", inc.id, inc.name) || cli_commit(c);
}

static int incident_del(struct cli *c, int argc, char **argv)
{
	return del_kind(c, argc, argv, false);
}

int cmd_incident(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "open", incident_open, "incident open --name NAME --status investigating|identified|monitoring\n"
		  "       --impact none|minor|major|critical [--body MD | --body-file FILE]\n"
		  "       [--component ID=STATUS ...] [--at TIME]" },
		{ "update", incident_update, "incident update ID --status investigating|identified|monitoring|resolved\n"
		  "       [--body MD | --body-file FILE] [--component ID=STATUS ...] [--at TIME]" },
		{ "resolve", incident_resolve, "incident resolve ID [--body MD | --body-file FILE] [--at TIME] [--keep-components]" },
		{ "postmortem", incident_postmortem, "incident postmortem ID --body-file FILE [--publish] [--at TIME]" },
		{ "list", incident_list, "incident list [--open] [--json] [--limit N]" },
		{ "show", incident_show, "incident show ID [--json]" },
		{ "del", incident_del, "incident del ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "incident", subs, argc, argv);
}

static int maintenance_schedule(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("name"), OPTV("from"), OPTV("until"), OPTM("component"), OPTV("body"),
	                      OPTV("body-file"), OPTV("auto-start"), OPTV("auto-complete"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *name = opt_get(opts, "name"), *from = opt_get(opts, "from"), *until = opt_get(opts, "until");
	const char *as = opt_get(opts, "auto-start"), *ac = opt_get(opts, "auto-complete");
	if (name == NULL || from == NULL || until == NULL)
		return cli_usage_fail(c, "--name, --from and --until are required");
	struct incident inc = { .name = name, .status = IS_SCHEDULED, .impact = IMP_MAINTENANCE,
	                        .is_maintenance = true, .scheduled_auto_in_progress = true,
	                        .scheduled_auto_completed = true };
	struct incident_update u = { .status = IS_SCHEDULED };
	struct change *ch;
	size_t nch;
	if (!cli_text(c, "name", name, LIM_NAME) || (name[0] == '\0' && !cli_bad(c, "name", "must not be empty")) ||
	    !cli_time(c, "from", from, &inc.scheduled_for) || !cli_time(c, "until", until, &inc.scheduled_until) ||
	    (as && !cli_yesno(c, "auto-start", as, &inc.scheduled_auto_in_progress)) ||
	    (ac && !cli_yesno(c, "auto-complete", ac, &inc.scheduled_auto_completed)) ||
	    !cli_body(c, opts, default_body(IS_SCHEDULED), &u.body) ||
	    !parse_changes(c, opt_find(opts, "component"), false, &ch, &nch))
		return 1;
	if (inc.scheduled_until <= inc.scheduled_for)
		return !cli_bad(c, "until", "must be after --from");
	if (cli_begin(c, 0) || load_changes(c, ch, nch))
		return 1;
	for (size_t i = 0; i < nch; i++)
		add_component_id(c, &inc, ch[i].id);
	u.display_at = now_ms();
	enum bc_err e = store_incident_put(c->t, &inc);
	if (e != BC_OK)
		return cli_store_fail(c, "maintenance", e);
	if (write_update(c, &inc, &u, "maintenance.create"))
		return 1;
	printf("%s\n", inc.id);
	return 0;
}

/* Moves a maintenance to st: in progress puts its components under maintenance, completed back to operational. */
static int maintenance_step(struct cli *c, const struct opt *opts, enum inc_status st)
{
	struct incident inc;
	struct incident_update u = { .status = st };
	int64_t at, last;
	if (cli_begin(c, 0) || get_incident(c, c->pos[0], true, &inc) || last_update_at(c, inc.id, &last))
		return 1;
	if (inc_status_is_closed(inc.status))
		return cli_fail(c, "maintenance '%s' is already completed", inc.id);
	if (!parse_at(c, opts, last, &at) || !cli_body(c, opts, default_body(st), &u.body))
		return 1;
	struct change *ch = arena_alloc(c->a, (inc.ncomponents + 1) * sizeof *ch);
	size_t nch = 0;
	for (size_t i = 0; st != IS_VERIFYING && i < inc.ncomponents; i++) {
		struct change *x = &ch[nch];
		x->id = inc.component_ids[i];
		x->status = st == IS_IN_PROGRESS ? CS_UNDER_MAINTENANCE : CS_OPERATIONAL;
		enum bc_err e = store_component_get(c->t, x->id, &x->comp);
		if (e == BC_NOTFOUND)
			continue;
		if (e != BC_OK)
			return cli_store_fail(c, "component", e);
		/* completing restores only what the maintenance itself put under maintenance */
		if (st == IS_COMPLETED && x->comp.status != CS_UNDER_MAINTENANCE)
			continue;
		nch++;
	}
	if (st == IS_IN_PROGRESS && inc.started_at == 0)
		inc.started_at = at;
	if (st == IS_COMPLETED)
		inc.resolved_at = at;
	inc.status = st;
	u.display_at = at;
	if (apply_changes(c, &inc, &u, ch, nch, at))
		return 1;
	return write_update(c, &inc, &u, "maintenance.update");
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
		  "       [--component ID ...] [--body MD | --body-file FILE] [--auto-start yes|no] [--auto-complete yes|no]" },
		{ "update", maintenance_update, "maintenance update ID --status in_progress|verifying|completed\n"
		  "       [--body MD | --body-file FILE] [--at TIME]" },
		{ "complete", maintenance_complete, "maintenance complete ID [--body MD | --body-file FILE] [--at TIME]" },
		{ "list", maintenance_list, "maintenance list [--open] [--json] [--limit N]" },
		{ "del", maintenance_del, "maintenance del ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "maintenance", subs, argc, argv);
}
