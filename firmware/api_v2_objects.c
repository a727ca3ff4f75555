/* api_v2_objects.c: Statuspage object serializers and time formats (the status rules are in status.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "asof.h"
#include "api_v2_objects.h"

/* ---- times ---- */

char *sp_time(char buf[SP_TIME_MAX], const struct zone *tz, int64_t ms)
{
	int64_t milli = ms % 1000;
	if (milli < 0)
		milli += 1000;
	struct tm tm;
	zone_local(tz, ms, &tm);
	size_t n = strftime(buf, SP_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff;
	if (off == 0) {
		snprintf(buf + n, SP_TIME_MAX - n, ".%03dZ", (int)milli);
	} else {
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		snprintf(buf + n, SP_TIME_MAX - n, ".%03d%c%02ld:%02ld", (int)milli, sign, off / 3600, off / 60 % 60);
	}
	return buf;
}

char *sp_date(char buf[SP_TIME_MAX], int64_t ms)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL)
		tm = (struct tm){ .tm_year = 70, .tm_mday = 1 };
	strftime(buf, SP_TIME_MAX, "%Y-%m-%d", &tm);
	return buf;
}

void sp_write_time(struct jw *w, const struct sp_view *v, const char *key, int64_t ms)
{
	char t[SP_TIME_MAX];
	if (ms == 0)
		jw_null(w, key);
	else
		jw_str(w, key, sp_time(t, v->tz, ms));
}

/* ---- the view ---- */

enum bc_err sp_view_load(struct sp_view *v, struct stx *t, struct arena *a, int64_t now)
{
	memset(v, 0, sizeof *v);
	v->t = t;
	v->a = a;
	v->now = now;
	enum bc_err e = store_page_get(t, &v->page);
	if (e == BC_OK)
		e = store_component_list(t, &v->comps, &v->ncomps);
	if (e == BC_OK)
		e = store_group_list(t, &v->groups, &v->ngroups);
	if (e != BC_OK)
		return e;
	v->tz = zone_or_utc(v->page.time_zone);
	v->updated_at = store_generation_time(t);
	if (v->updated_at == 0)
		v->updated_at = v->page.updated_at;
	return BC_OK;
}

const struct component *sp_find_component(const struct sp_view *v, const char *id)
{
	for (size_t i = 0; i < v->ncomps; i++)
		if (strcmp(v->comps[i].id, id) == 0)
			return &v->comps[i];
	return NULL;
}

const struct group *sp_find_group(const struct sp_view *v, const char *id)
{
	for (size_t i = 0; i < v->ngroups; i++)
		if (strcmp(v->groups[i].id, id) == 0)
			return &v->groups[i];
	return NULL;
}

enum comp_status sp_group_status(const struct sp_view *v, const struct group *g)
{
	enum comp_status worst = CS_OPERATIONAL;
	for (size_t i = 0; i < v->ncomps; i++)
		if (strcmp(v->comps[i].group_id, g->id) == 0 && v->comps[i].status > worst)
			worst = v->comps[i].status;
	return worst;
}

const char *sp_component_display_name(const struct sp_view *v, const struct component *c)
{
	const struct group *g = c->group_id[0] ? sp_find_group(v, c->group_id) : NULL;
	if (g == NULL)
		return c->name;
	return arena_printf(v->a, "%s - %s", g->name, c->name);
}

const char *sp_page_url(const struct sp_view *v)
{
	const char *u = v->page.url;
	if (u == NULL || !url_is_safe(u) || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
		return "";
	size_t n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		n--;
	return arena_strndup(v->a, u, n);
}

const char *sp_incident_url(const struct sp_view *v, const char *incident_id)
{
	return arena_printf(v->a, "%s/incidents/%s", sp_page_url(v), incident_id);
}

/* ---- objects ---- */

void sp_write_page(struct jw *w, const char *key, const struct sp_view *v)
{
	jw_obj_open(w, key);
	jw_str(w, "id", v->page.id);
	jw_str(w, "name", v->page.name ? v->page.name : "");
	jw_str(w, "url", sp_page_url(v));
	/* the zone the times are written in: a stored name that is no zone reads as UTC */
	jw_str(w, "time_zone", v->page.time_zone && zone_get(v->page.time_zone) ? v->page.time_zone : "Etc/UTC");
	sp_write_time(w, v, "updated_at", v->updated_at);
	jw_obj_close(w);
}

void sp_write_status(struct jw *w, const char *key, const struct status_rollup *s)
{
	jw_obj_open(w, key);
	jw_str(w, "indicator", status_indicator_name(s->indicator));
	jw_str(w, "description", s->description);
	jw_obj_close(w);
}

static void write_start_date(struct jw *w, int64_t ms)
{
	char d[SP_TIME_MAX];
	if (ms == 0)
		jw_null(w, "start_date");
	else
		jw_str(w, "start_date", sp_date(d, ms));
}

void sp_write_component(struct jw *w, const char *key, const struct sp_view *v, const struct component *c)
{
	const char *group_id = c->group_id[0] ? c->group_id : NULL;
	jw_obj_open(w, key);
	jw_str(w, "id", c->id);
	if (v->style == SP_V1) {
		jw_str(w, "page_id", v->page.id);
		jw_str(w, "group_id", group_id);
		sp_write_time(w, v, "created_at", c->created_at);
		sp_write_time(w, v, "updated_at", c->updated_at);
		jw_bool(w, "group", false);
		jw_str(w, "name", c->name);
		jw_str(w, "description", c->description);
		jw_int(w, "position", c->position);
		jw_str(w, "status", comp_status_name(c->status));
		jw_bool(w, "showcase", c->showcase);
		jw_bool(w, "only_show_if_degraded", c->only_show_if_degraded);
		jw_null(w, "automation_email");
		write_start_date(w, c->start_date);
	} else {
		jw_str(w, "name", c->name);
		jw_str(w, "status", comp_status_name(c->status));
		sp_write_time(w, v, "created_at", c->created_at);
		sp_write_time(w, v, "updated_at", c->updated_at);
		jw_int(w, "position", c->position);
		jw_str(w, "description", c->description);
		jw_bool(w, "showcase", c->showcase);
		write_start_date(w, c->start_date);
		jw_str(w, "group_id", group_id);
		jw_str(w, "page_id", v->page.id);
		jw_bool(w, "group", false);
		jw_bool(w, "only_show_if_degraded", c->only_show_if_degraded);
	}
	jw_obj_close(w);
}

static void write_child_ids(struct jw *w, const struct sp_view *v, const struct group *g)
{
	jw_arr_open(w, "components");
	for (size_t i = 0; i < v->ncomps; i++)
		if (strcmp(v->comps[i].group_id, g->id) == 0)
			jw_str(w, NULL, v->comps[i].id);
	jw_arr_close(w);
}

void sp_write_group_component(struct jw *w, const char *key, const struct sp_view *v, const struct group *g)
{
	const char *status = comp_status_name(sp_group_status(v, g));
	jw_obj_open(w, key);
	jw_str(w, "id", g->id);
	if (v->style == SP_V1) {
		jw_str(w, "page_id", v->page.id);
		jw_null(w, "group_id");
		sp_write_time(w, v, "created_at", g->created_at);
		sp_write_time(w, v, "updated_at", g->updated_at);
		jw_bool(w, "group", true);
		jw_str(w, "name", g->name);
		jw_str(w, "description", g->description);
		jw_int(w, "position", g->position);
		jw_str(w, "status", status);
		jw_bool(w, "showcase", false);
		jw_bool(w, "only_show_if_degraded", false);
		jw_null(w, "automation_email");
		jw_null(w, "start_date");
	} else {
		jw_str(w, "name", g->name);
		jw_str(w, "status", status);
		sp_write_time(w, v, "created_at", g->created_at);
		sp_write_time(w, v, "updated_at", g->updated_at);
		jw_int(w, "position", g->position);
		jw_str(w, "description", g->description);
		jw_bool(w, "showcase", false);
		jw_null(w, "start_date");
		jw_null(w, "group_id");
		jw_str(w, "page_id", v->page.id);
		jw_bool(w, "group", true);
		jw_bool(w, "only_show_if_degraded", false);
	}
	write_child_ids(w, v, g);
	jw_obj_close(w);
}

void sp_write_component_group(struct jw *w, const char *key, const struct sp_view *v, const struct group *g)
{
	jw_obj_open(w, key);
	jw_str(w, "id", g->id);
	jw_str(w, "page_id", v->page.id);
	jw_str(w, "name", g->name);
	jw_str(w, "description", g->description);
	write_child_ids(w, v, g);
	jw_int(w, "position", g->position);
	sp_write_time(w, v, "created_at", g->created_at);
	sp_write_time(w, v, "updated_at", g->updated_at);
	jw_obj_close(w);
}

/* Top level in display order: groups and ungrouped components by position (groups first on ties). */
void sp_write_component_list(struct jw *w, const char *key, const struct sp_view *v)
{
	size_t gi = 0, ci = 0;
	jw_arr_open(w, key);
	for (;;) {
		while (ci < v->ncomps && v->comps[ci].group_id[0] && sp_find_group(v, v->comps[ci].group_id))
			ci++;
		bool have_g = gi < v->ngroups, have_c = ci < v->ncomps;
		if (!have_g && !have_c)
			break;
		if (have_g && (!have_c || v->groups[gi].position <= v->comps[ci].position)) {
			const struct group *g = &v->groups[gi++];
			sp_write_group_component(w, NULL, v, g);
			for (size_t k = 0; k < v->ncomps; k++)
				if (strcmp(v->comps[k].group_id, g->id) == 0)
					sp_write_component(w, NULL, v, &v->comps[k]);
		} else {
			sp_write_component(w, NULL, v, &v->comps[ci++]);
		}
	}
	jw_arr_close(w);
}

static void write_affected(struct jw *w, const struct sp_view *v, const struct incident_update *u)
{
	size_t known = 0;
	for (size_t i = 0; i < u->naffected; i++)
		if (sp_find_component(v, u->affected[i].component_id))
			known++;
	if (known == 0) {
		jw_null(w, "affected_components");
		return;
	}
	jw_arr_open(w, "affected_components");
	for (size_t i = 0; i < u->naffected; i++) {
		const struct component *c = sp_find_component(v, u->affected[i].component_id);
		if (c == NULL)
			continue;
		jw_obj_open(w, NULL);
		jw_str(w, "code", c->id);
		jw_str(w, "name", sp_component_display_name(v, c));
		jw_str(w, "old_status", comp_status_name(u->affected[i].old_status));
		jw_str(w, "new_status", comp_status_name(u->affected[i].new_status));
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void sp_write_update(struct jw *w, const char *key, const struct sp_view *v, const struct incident_update *u)
{
	jw_obj_open(w, key);
	jw_str(w, "id", u->id);
	if (v->style == SP_V1) {
		jw_str(w, "incident_id", u->incident_id);
		write_affected(w, v, u);
		jw_str(w, "body", u->body ? u->body : "");
		sp_write_time(w, v, "created_at", u->created_at);
		jw_null(w, "custom_tweet");
		jw_bool(w, "deliver_notifications", !u->quiet);
		sp_write_time(w, v, "display_at", u->display_at);
		jw_str(w, "status", inc_status_name(u->status));
		jw_null(w, "tweet_id");
		jw_null(w, "twitter_updated_at");
		sp_write_time(w, v, "updated_at", u->updated_at);
		jw_bool(w, "wants_twitter_update", false);
	} else {
		jw_str(w, "status", inc_status_name(u->status));
		jw_str(w, "body", u->body ? u->body : "");
		jw_str(w, "incident_id", u->incident_id);
		sp_write_time(w, v, "created_at", u->created_at);
		sp_write_time(w, v, "updated_at", u->updated_at);
		sp_write_time(w, v, "display_at", u->display_at);
		write_affected(w, v, u);
		jw_bool(w, "deliver_notifications", !u->quiet);
		jw_null(w, "custom_tweet");
		jw_null(w, "tweet_id");
	}
	jw_obj_close(w);
}

static void write_updates(struct jw *w, const struct sp_view *v, const struct incident_update *u, size_t n)
{
	jw_arr_open(w, "incident_updates");
	for (size_t i = n; i-- > 0;)
		sp_write_update(w, NULL, v, &u[i]);
	jw_arr_close(w);
}

static void write_incident_components(struct jw *w, const struct sp_view *v, const struct incident *inc)
{
	jw_arr_open(w, "components");
	for (size_t i = 0; i < inc->ncomponents; i++) {
		const struct component *c = sp_find_component(v, inc->component_ids[i]);
		const struct group *g = c ? NULL : sp_find_group(v, inc->component_ids[i]);
		if (c)
			sp_write_component(w, NULL, v, c);
		else if (g)
			sp_write_group_component(w, NULL, v, g);
	}
	jw_arr_close(w);
}

static void write_incident_v1(struct jw *w, const struct sp_view *v, const struct incident *inc,
                              const struct incident_update *u, size_t nu, enum inc_status status, int64_t resolved_at)
{
	write_incident_components(w, v, inc);
	sp_write_time(w, v, "created_at", inc->created_at);
	jw_str(w, "impact", impact_name(inc->impact));
	jw_null(w, "impact_override");
	write_updates(w, v, u, nu);
	if (inc->metadata) {
		jw_raw(w, "metadata", inc->metadata);     /* validated and serialized by the v1 input table */
	} else {
		jw_obj_open(w, "metadata");
		jw_obj_close(w);
	}
	sp_write_time(w, v, "monitoring_at", inc->monitoring_at);
	jw_str(w, "name", inc->name);
	jw_str(w, "page_id", v->page.id);
	jw_str(w, "postmortem_body", inc->postmortem_published_at ? inc->postmortem_body : NULL);   /* never a draft */
	jw_null(w, "postmortem_body_last_updated_at");
	jw_bool(w, "postmortem_ignored", false);
	jw_bool(w, "postmortem_notified_subscribers", false);
	jw_bool(w, "postmortem_notified_twitter", false);
	sp_write_time(w, v, "postmortem_published_at", inc->postmortem_published_at);
	sp_write_time(w, v, "resolved_at", resolved_at);
	jw_bool(w, "scheduled_auto_completed", inc->scheduled_auto_completed);
	jw_bool(w, "scheduled_auto_in_progress", inc->scheduled_auto_in_progress);
	sp_write_time(w, v, "scheduled_for", inc->scheduled_for);
	jw_null(w, "auto_transition_deliver_notifications_at_end");
	jw_null(w, "auto_transition_deliver_notifications_at_start");
	jw_null(w, "auto_transition_to_maintenance_state");
	jw_null(w, "auto_transition_to_operational_state");
	jw_bool(w, "scheduled_remind_prior", false);
	jw_null(w, "scheduled_reminded_at");
	sp_write_time(w, v, "scheduled_until", inc->scheduled_until);
	jw_str(w, "shortlink", sp_incident_url(v, inc->id));
	jw_str(w, "status", inc_status_name(status));
	sp_write_time(w, v, "updated_at", inc->updated_at);
	jw_str(w, "reminder_intervals", inc->reminder_intervals);
	sp_write_time(w, v, "started_at", inc->started_at);
	jw_bool(w, "backfilled", inc->backfilled);
	if (inc->draft)
		jw_bool(w, "draft", true);     /* Beacon (v1 only: no public read ever gets a draft) */
}

enum bc_err sp_write_incident(struct jw *w, const char *key, const struct sp_view *v, const struct incident *inc)
{
	struct incident_update *u = NULL;
	size_t nu = 0;
	enum bc_err e = store_update_list(v->t, inc->id, &u, &nu);
	if (e != BC_OK)
		return e;
	if (v->asof)
		nu = asof_updates_visible(u, nu, v->asof);
	enum inc_status status = v->style == SP_V1 ? status_maintenance_state(inc, v->now)
	                                           : status_public_state(inc, v->now);
	int64_t resolved_at = inc->resolved_at;
	if (resolved_at == 0 && status == IS_COMPLETED)
		resolved_at = inc->scheduled_until;

	jw_obj_open(w, key);
	jw_str(w, "id", inc->id);
	if (v->style == SP_V1) {
		write_incident_v1(w, v, inc, u, nu, status, resolved_at);
		jw_obj_close(w);
		return BC_OK;
	}
	jw_str(w, "name", inc->name);
	jw_str(w, "status", inc_status_name(status));
	sp_write_time(w, v, "created_at", inc->created_at);
	sp_write_time(w, v, "updated_at", v->asof && inc->updated_at > v->asof && nu ?
	              (u[nu - 1].display_at ? u[nu - 1].display_at : u[nu - 1].created_at) : inc->updated_at);
	sp_write_time(w, v, "monitoring_at", inc->monitoring_at);
	sp_write_time(w, v, "resolved_at", resolved_at);
	jw_str(w, "impact", impact_name(inc->impact));
	jw_str(w, "shortlink", sp_incident_url(v, inc->id));
	sp_write_time(w, v, "started_at", inc->started_at ? inc->started_at : inc->created_at);
	jw_str(w, "page_id", v->page.id);
	write_updates(w, v, u, nu);
	write_incident_components(w, v, inc);
	if (inc->is_maintenance) {
		sp_write_time(w, v, "scheduled_for", inc->scheduled_for);
		sp_write_time(w, v, "scheduled_until", inc->scheduled_until);
	} else {
		jw_null(w, "reminder_intervals");
	}
	jw_obj_close(w);
	return BC_OK;
}

/* ---- listings ---- */

static int64_t sort_time(const struct incident *inc)
{
	return inc->is_maintenance ? inc->scheduled_for : inc->started_at;
}

#define SP_PAGE 64          /* incidents fetched per store call */
#define SP_MAX_PAGES 64     /* bounds the walk through a long history */

enum bc_err sp_recent(struct sp_view *v, enum sp_kind kind, size_t limit, struct incident **out, size_t *n)
{
	struct incident *res = arena_alloc(v->a, (limit ? limit : 1) * sizeof *res);
	size_t got = 0;
	int64_t to = INT64_MAX;
	for (int page = 0; page < SP_MAX_PAGES && got < limit; page++) {
		struct incident *chunk = NULL;
		size_t nc = 0;
		enum bc_err e = store_incident_range(v->t, INT64_MIN, to, SP_PAGE, &chunk, &nc);
		if (e != BC_OK)
			return e;
		for (size_t i = 0; i < nc && got < limit; i++) {
			unsigned k = chunk[i].is_maintenance ? SP_MAINTENANCES : SP_INCIDENTS;
			if (!(kind & k))
				continue;
			bool dup = false;
			for (size_t j = 0; j < got && !dup; j++)
				dup = strcmp(res[j].id, chunk[i].id) == 0;
			if (!dup)
				res[got++] = chunk[i];
		}
		if (nc < SP_PAGE)
			break;
		/* next page: include ties at the boundary (dedup above) unless a whole page is one tie */
		int64_t last = sort_time(&chunk[nc - 1]);
		int64_t next = last < INT64_MAX ? last + 1 : last;
		if (next >= to)
			next = last;
		if (next >= to)
			break;
		to = next;
	}
	*out = res;
	*n = got;
	return BC_OK;
}
