/* test_store.c: the LMDB store on real files: every object kind, indexes, tokens, generation, map growth, copies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>
#include <lmdb.h>
#include "store.h"

#define DAY_MS 86400000LL
#define JAN_2024 1704067200000LL
#define FEB_2024 1706745600000LL
#define MAR_2024 1709251200000LL
#define APR_2024 1711929600000LL

struct fx {
	char dir[64];
	char path[96];
	struct store *s;
	struct arena *a;
	struct stx *t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/beacon-store-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/db", f->dir);
	store_set_map_size((size_t)64 << 20);
	if (store_open(&f->s, f->path, STORE_CREATE) != BC_OK)
		return -1;
	f->a = arena_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	arena_free(f->a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct stx *wr(struct fx *f)
{
	struct stx *t = NULL;
	assert_int_equal(store_begin_write(f->s, f->a, &t), BC_OK);
	return t;
}

static struct stx *rd(struct fx *f)
{
	struct stx *t = NULL;
	assert_int_equal(store_begin_read(f->s, f->a, &t), BC_OK);
	return t;
}

static uint64_t gen_of(struct fx *f)
{
	struct stx *t = rd(f);
	uint64_t g = store_generation(t);
	store_abort(t);
	return g;
}

static void make_group(struct fx *f, struct group *g, const char *name, int pos)
{
	struct stx *t = wr(f);
	*g = (struct group){ .name = name, .position = pos };
	assert_int_equal(store_group_put(t, g), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

static void make_component(struct fx *f, struct component *c, const char *name, const char *group, int pos)
{
	struct stx *t = wr(f);
	*c = (struct component){ .name = name, .position = pos };
	if (group)
		strcpy(c->group_id, group);
	assert_int_equal(store_component_put(t, c, NULL), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

static void make_incident(struct fx *f, struct incident *inc, const char *name, int64_t started,
                          enum inc_status st, bool maint)
{
	struct stx *t = wr(f);
	*inc = (struct incident){ .name = name, .status = st, .impact = maint ? IMP_MAINTENANCE : IMP_MINOR,
	                          .is_maintenance = maint, .started_at = maint ? 0 : started,
	                          .scheduled_for = maint ? started : 0 };
	assert_int_equal(store_incident_put(t, inc), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

static void test_enum_names(void **state)
{
	enum comp_status cs;
	enum inc_status is;
	enum impact im;
	enum scope sc;
	assert_true(comp_status_parse("degraded_performance", &cs) && cs == CS_DEGRADED_PERFORMANCE);
	assert_string_equal(comp_status_name(CS_MAJOR_OUTAGE), "major_outage");
	assert_true(inc_status_parse("in_progress", &is) && is == IS_IN_PROGRESS);
	assert_false(inc_status_parse("Resolved", &is));
	assert_true(impact_parse("critical", &im) && im == IMP_CRITICAL);
	assert_true(scope_parse("replication", &sc) && sc == SCOPE_REPLICATION);
	assert_false(scope_parse("root", &sc));
	assert_true(inc_status_is_closed(IS_COMPLETED) && !inc_status_is_closed(IS_MONITORING));
	bc_id a, b;
	store_new_id(a);
	store_new_id(b);
	assert_int_equal(strlen(a), ID_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "0123456789abcdefghijklmnopqrstuvwxyz"), ID_LEN);
}

static void test_page(void **state)
{
	struct fx *f = *state;
	struct page_settings p = { .name = "Acme", .url = "https://status.example", .time_zone = "UTC",
	                           .default_language = "en", .languages = "en,es" }, got;
	struct stx *t = rd(f);
	assert_int_equal(store_page_get(t, &got), BC_NOTFOUND);
	store_abort(t);
	t = wr(f);
	assert_int_equal(store_page_put(t, &p), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = wr(f);
	struct page_settings p2 = { .name = "Acme Inc", .time_zone = "America/Guayaquil" };
	assert_int_equal(store_page_put(t, &p2), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_page_get(t, &got), BC_OK);
	assert_string_equal(got.name, "Acme Inc");
	assert_string_equal(got.id, p.id);                       /* one page: id and created_at kept */
	assert_int_equal(got.created_at, p.created_at);
	assert_string_equal(got.time_zone, "America/Guayaquil");
	assert_null(got.url);
	store_abort(t);
}

static void test_groups_components(void **state)
{
	struct fx *f = *state;
	struct group g1, g2, got;
	make_group(f, &g2, "Backend", 2);
	make_group(f, &g1, "Frontend", 1);
	struct component web, cdn, api, db, lone, first;
	make_component(f, &web, "Web", g1.id, 2);
	make_component(f, &cdn, "CDN", g1.id, 1);
	make_component(f, &api, "API", g2.id, 1);
	make_component(f, &db, "Database", g2.id, 1);            /* same position as API: by name */
	make_component(f, &lone, "Lone", NULL, 3);               /* after both groups */
	make_component(f, &first, "First", NULL, 0);             /* before both groups */

	struct stx *t = rd(f);
	struct group *gs;
	struct component *cs, c;
	size_t n;
	assert_int_equal(store_group_list(t, &gs, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(gs[0].name, "Frontend");
	assert_int_equal(store_component_list(t, &cs, &n), BC_OK);
	assert_int_equal(n, 6);
	const char *want[] = { "First", "CDN", "Web", "API", "Database", "Lone" };
	for (size_t i = 0; i < n; i++)
		assert_string_equal(cs[i].name, want[i]);
	assert_int_equal(store_component_get(t, web.id, &c), BC_OK);
	assert_string_equal(c.group_id, g1.id);
	assert_int_equal(c.status, CS_OPERATIONAL);
	assert_int_equal(store_group_get(t, "nosuchgroup", &got), BC_NOTFOUND);
	store_abort(t);

	/* update: created_at kept, fields replaced */
	t = wr(f);
	web.description = "The site\nwith two lines";
	web.status = CS_PARTIAL_OUTAGE;
	web.showcase = true;
	assert_int_equal(store_component_put(t, &web, NULL), BC_OK);
	g1.name = "Front";
	assert_int_equal(store_group_put(t, &g1), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_component_get(t, web.id, &c), BC_OK);
	assert_int_equal(c.status, CS_PARTIAL_OUTAGE);
	assert_true(c.showcase);
	assert_string_equal(c.description, "The site\nwith two lines");
	assert_int_equal(store_group_get(t, g1.id, &got), BC_OK);
	assert_string_equal(got.name, "Front");
	store_abort(t);

	/* deleting a group ungroups its components; deleting a component removes it */
	t = wr(f);
	assert_int_equal(store_group_del(t, g1.id), BC_OK);
	assert_int_equal(store_component_del(t, api.id), BC_OK);
	assert_int_equal(store_component_del(t, api.id), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_component_get(t, web.id, &c), BC_OK);
	assert_string_equal(c.group_id, "");
	assert_int_equal(store_component_get(t, api.id, &c), BC_NOTFOUND);
	assert_int_equal(store_group_list(t, &gs, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_component_list(t, &cs, &n), BC_OK);
	assert_int_equal(n, 5);
	struct status_change *log;
	assert_int_equal(store_status_log(t, api.id, 0, INT64_MAX, &log, &n), BC_OK);
	assert_int_equal(n, 0);                                  /* its log went with it */
	store_abort(t);
}

static bool has_incident(const struct incident *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			return true;
	return false;
}

static void test_incidents_open_index(void **state)
{
	struct fx *f = *state;
	struct incident a, b, m, got, *list;
	size_t n;
	make_incident(f, &a, "Outage A", JAN_2024 + DAY_MS, IS_INVESTIGATING, false);
	make_incident(f, &b, "Outage B", JAN_2024 + 2 * DAY_MS, IS_RESOLVED, false);
	make_incident(f, &m, "Maintenance", JAN_2024 + 3 * DAY_MS, IS_SCHEDULED, true);

	struct stx *t = rd(f);
	assert_int_equal(store_incident_list_open(t, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, m.id);                   /* newest first */
	assert_string_equal(list[1].id, a.id);
	assert_int_equal(store_incident_count(t), 3);
	store_abort(t);

	/* resolving leaves the open index; reopening returns to it; moving the start moves the time key */
	t = wr(f);
	a.status = IS_RESOLVED;
	a.resolved_at = JAN_2024 + 5 * DAY_MS;
	assert_int_equal(store_incident_put(t, &a), BC_OK);
	m.status = IS_COMPLETED;
	assert_int_equal(store_incident_put(t, &m), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_incident_list_open(t, &list, &n), BC_OK);
	assert_int_equal(n, 0);
	store_abort(t);
	t = wr(f);
	b.status = IS_MONITORING;
	b.started_at = FEB_2024 + DAY_MS;
	assert_int_equal(store_incident_put(t, &b), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_incident_list_open(t, &list, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, b.id);
	assert_int_equal(store_incident_get(t, b.id, &got), BC_OK);
	assert_int_equal(got.status, IS_MONITORING);
	assert_int_equal(got.started_at, FEB_2024 + DAY_MS);
	/* January now holds a and m only (b moved to February): the old time key is gone */
	assert_int_equal(store_incident_range(t, JAN_2024, FEB_2024, 0, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, m.id);
	assert_string_equal(list[1].id, a.id);
	assert_int_equal(store_incident_range(t, FEB_2024, MAR_2024, 0, &list, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, b.id);
	assert_int_equal(store_incident_recent(t, 0, 2, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, b.id);
	assert_string_equal(list[1].id, m.id);
	assert_int_equal(store_incident_recent(t, FEB_2024, 10, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_false(has_incident(list, n, b.id));
	store_abort(t);

	t = wr(f);
	assert_int_equal(store_incident_del(t, b.id), BC_OK);
	assert_int_equal(store_incident_del(t, b.id), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_incident_list_open(t, &list, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_incident_range(t, FEB_2024, MAR_2024, 0, &list, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_incident_count(t), 2);
	store_abort(t);
}

static void test_incident_components_and_updates(void **state)
{
	struct fx *f = *state;
	struct component c1, c2;
	make_component(f, &c1, "API", NULL, 1);
	make_component(f, &c2, "Web", NULL, 2);
	struct incident inc, got;
	bc_id ids[2];
	strcpy(ids[0], c1.id);
	strcpy(ids[1], c2.id);
	struct stx *t = wr(f);
	inc = (struct incident){ .name = "Slow", .status = IS_INVESTIGATING, .impact = IMP_MAJOR,
	                         .started_at = JAN_2024, .ncomponents = 2, .component_ids = ids };
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	struct affected aff = { .old_status = CS_OPERATIONAL, .new_status = CS_MAJOR_OUTAGE };
	strcpy(aff.component_id, c1.id);
	struct incident_update u1 = { .status = IS_INVESTIGATING, .body = "Looking", .display_at = JAN_2024 + 300,
	                              .naffected = 1, .affected = &aff };
	struct incident_update u2 = { .status = IS_IDENTIFIED, .body = "Found it", .display_at = JAN_2024 + 100 };
	struct incident_update u3 = { .status = IS_RESOLVED, .body = "Fixed", .display_at = JAN_2024 + 200 };
	strcpy(u1.incident_id, inc.id);
	strcpy(u2.incident_id, inc.id);
	strcpy(u3.incident_id, inc.id);
	assert_int_equal(store_update_put(t, &u1), BC_OK);
	assert_int_equal(store_update_put(t, &u2), BC_OK);
	assert_int_equal(store_update_put(t, &u3), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);

	t = rd(f);
	struct incident_update *ups, ug;
	size_t n;
	assert_int_equal(store_incident_get(t, inc.id, &got), BC_OK);
	assert_int_equal(got.ncomponents, 2);
	assert_string_equal(got.component_ids[1], c2.id);
	assert_int_equal(store_update_list(t, inc.id, &ups, &n), BC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ups[0].body, "Found it");            /* by display_at ascending */
	assert_string_equal(ups[1].body, "Fixed");
	assert_string_equal(ups[2].body, "Looking");
	assert_int_equal(ups[2].naffected, 1);
	assert_int_equal(ups[2].affected[0].new_status, CS_MAJOR_OUTAGE);
	assert_int_equal(store_update_get(t, inc.id, u3.id, &ug), BC_OK);
	assert_int_equal(ug.status, IS_RESOLVED);
	assert_int_equal(store_update_get(t, "otherincident", u3.id, &ug), BC_NOTFOUND);
	store_abort(t);

	/* moving an update's display time reorders it; deleting one removes it */
	t = wr(f);
	u1.display_at = JAN_2024;
	assert_int_equal(store_update_put(t, &u1), BC_OK);
	assert_int_equal(store_update_del(t, inc.id, u3.id), BC_OK);
	assert_int_equal(store_update_del(t, inc.id, u3.id), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_update_list(t, inc.id, &ups, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ups[0].id, u1.id);
	assert_string_equal(ups[1].id, u2.id);
	store_abort(t);

	/* a component deleted since may stay on the incident; deleting the incident takes its updates */
	t = wr(f);
	assert_int_equal(store_component_del(t, c2.id), BC_OK);
	inc.name = "Slow API";
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	assert_int_equal(store_incident_del(t, inc.id), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_update_get(t, inc.id, u1.id, &ug), BC_NOTFOUND);
	assert_int_equal(store_update_list(t, inc.id, &ups, &n), BC_OK);
	assert_int_equal(n, 0);
	store_abort(t);
}

static void test_status_log(void **state)
{
	struct fx *f = *state;
	struct component c;
	make_component(f, &c, "API", NULL, 1);                   /* logs "operational" at now */
	struct stx *t = wr(f);
	struct status_change e1 = { .at = JAN_2024, .status = CS_DEGRADED_PERFORMANCE };
	struct status_change e2 = { .at = JAN_2024 + DAY_MS, .status = CS_MAJOR_OUTAGE, .incident_id = "inc000000001" };
	struct status_change e3 = { .at = JAN_2024 + 3 * DAY_MS, .status = CS_OPERATIONAL };
	struct status_change e4 = { .at = JAN_2024 + 3 * DAY_MS, .status = CS_PARTIAL_OUTAGE };   /* same ms: after e3 */
	assert_int_equal(store_status_log_add(t, c.id, &e1), BC_OK);
	assert_int_equal(store_status_log_add(t, c.id, &e2), BC_OK);
	assert_int_equal(store_status_log_add(t, c.id, &e3), BC_OK);
	assert_int_equal(store_status_log_add(t, c.id, &e4), BC_OK);
	assert_int_equal(store_status_log_add(t, "nosuchcomp", &e1), BC_NOTFOUND);
	/* an unchanged status logs nothing; a change logs at the given time */
	c.name = "API v2";
	assert_int_equal(store_component_put(t, &c, NULL), BC_OK);
	c.status = CS_UNDER_MAINTENANCE;
	assert_int_equal(store_component_put_at(t, &c, "inc000000002", FEB_2024), BC_OK);
	assert_int_equal(c.status, CS_UNDER_MAINTENANCE);  /* Feb is the latest entry: it is the current status */
	assert_int_equal(store_commit(t), BC_OK);

	t = rd(f);
	struct status_change *log;
	size_t n;
	/* window [Jan 2, Jan 5): the change before the window (e2) comes first */
	assert_int_equal(store_status_log(t, c.id, JAN_2024 + DAY_MS + 1, JAN_2024 + 5 * DAY_MS, &log, &n), BC_OK);
	assert_int_equal(n, 3);
	assert_int_equal(log[0].at, e2.at);
	assert_int_equal(log[0].status, CS_MAJOR_OUTAGE);
	assert_string_equal(log[0].incident_id, "inc000000001");
	assert_int_equal(log[1].status, CS_OPERATIONAL);
	assert_int_equal(log[2].status, CS_PARTIAL_OUTAGE);
	/* a window starting exactly at a change has no extra "before" entry besides the earlier one */
	assert_int_equal(store_status_log(t, c.id, JAN_2024 + DAY_MS, JAN_2024 + 2 * DAY_MS, &log, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(log[0].at, e1.at);
	assert_int_equal(log[1].at, e2.at);
	/* nothing before the first change */
	assert_int_equal(store_status_log(t, c.id, 0, JAN_2024 + 1, &log, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(log[0].at, e1.at);
	assert_int_equal(store_status_log(t, c.id, FEB_2024, MAR_2024, &log, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(log[1].status, CS_UNDER_MAINTENANCE);
	assert_string_equal(log[1].incident_id, "inc000000002");
	/* the whole log: 4 added, the maintenance change; no entry for the rename, none for the
	 * creation as operational */
	assert_int_equal(store_status_log(t, c.id, INT64_MIN, INT64_MAX, &log, &n), BC_OK);
	assert_int_equal(n, 5);
	store_abort(t);

	/* a neighbour's log (its key range is just before or just after, by id) is never read */
	struct component d;
	make_component(f, &d, "Web", NULL, 2);
	t = wr(f);
	struct status_change d1 = { .at = JAN_2024 + 2 * DAY_MS, .status = CS_PARTIAL_OUTAGE };
	assert_int_equal(store_status_log_add(t, d.id, &d1), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_status_log(t, d.id, 0, JAN_2024 + DAY_MS, &log, &n), BC_OK);
	assert_int_equal(n, 0);                                  /* before its only change: nothing */
	assert_int_equal(store_status_log(t, d.id, MAR_2024, MAR_2024 + DAY_MS, &log, &n), BC_OK);
	assert_int_equal(n, 1);                                  /* after it: that change */
	assert_int_equal(log[0].at, d1.at);
	assert_int_equal(store_status_log(t, c.id, MAR_2024, MAR_2024 + DAY_MS, &log, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(log[0].status, CS_UNDER_MAINTENANCE);
	assert_int_equal(store_status_log(t, c.id, 0, JAN_2024, &log, &n), BC_OK);
	assert_int_equal(n, 0);                                  /* [0, Jan 1): e1 is at its end */
	store_abort(t);
}

static void test_status_over_time(void **state)
{
	struct fx *f = *state;
	struct component c;
	enum comp_status st, old;
	make_component(f, &c, "Web", NULL, 1);                   /* operational: no log entry */
	struct stx *t = wr(f);
	int64_t now = now_ms();
	/* a live change, dated a minute ago (before the component was added): partial outage from an open incident */
	assert_int_equal(store_component_status_set(t, c.id, now - 60000, CS_PARTIAL_OUTAGE, "inc000000009", &old), BC_OK);
	assert_int_equal(old, CS_OPERATIONAL);
	assert_int_equal(store_component_get(t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_PARTIAL_OUTAGE);
	/* the same status again, now: nothing to log */
	assert_int_equal(store_component_status_set(t, c.id, now_ms(), CS_PARTIAL_OUTAGE, "inc000000009", &old), BC_OK);
	assert_int_equal(store_component_get(t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_PARTIAL_OUTAGE);
	/* a resolved April incident entered afterwards: major outage then operational, in April */
	assert_int_equal(store_component_status_set(t, c.id, APR_2024, CS_MAJOR_OUTAGE, "inc00000000a", &old), BC_OK);
	assert_int_equal(old, CS_OPERATIONAL);                  /* nothing before it: operational */
	assert_int_equal(store_component_status_set(t, c.id, APR_2024 + 3600000, CS_OPERATIONAL, "inc00000000a", &old), BC_OK);
	assert_int_equal(old, CS_MAJOR_OUTAGE);                 /* old_status is the status at that time */
	/* the live status is untouched */
	assert_int_equal(store_component_get(t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_PARTIAL_OUTAGE);
	assert_int_equal(store_component_status_at(t, c.id, APR_2024 + 60000, &st), BC_OK);
	assert_int_equal(st, CS_MAJOR_OUTAGE);
	assert_int_equal(store_component_status_at(t, c.id, APR_2024 + 7200000, &st), BC_OK);
	assert_int_equal(st, CS_OPERATIONAL);
	assert_int_equal(store_component_status_at(t, c.id, APR_2024 - 1, &st), BC_OK);
	assert_int_equal(st, CS_OPERATIONAL);
	assert_int_equal(store_component_status_at(t, c.id, INT64_MAX, &st), BC_OK);
	assert_int_equal(st, CS_PARTIAL_OUTAGE);
	/* inserted between two April entries: a degraded spell inside the outage changes nothing later */
	assert_int_equal(store_component_status_set(t, c.id, APR_2024 + 1800000, CS_DEGRADED_PERFORMANCE, "", &old), BC_OK);
	assert_int_equal(old, CS_MAJOR_OUTAGE);
	assert_int_equal(store_component_status_at(t, c.id, APR_2024 + 3600000, &st), BC_OK);
	assert_int_equal(st, CS_OPERATIONAL);
	/* setting the status a time already had logs nothing */
	struct status_change *log;
	size_t n, n2;
	assert_int_equal(store_status_log(t, c.id, INT64_MIN, INT64_MAX, &log, &n), BC_OK);
	assert_int_equal(store_component_status_set(t, c.id, APR_2024 + 60000, CS_MAJOR_OUTAGE, "", &old), BC_OK);
	assert_int_equal(store_status_log(t, c.id, INT64_MIN, INT64_MAX, &log, &n2), BC_OK);
	assert_int_equal(n, n2);
	/* a time in the future is taken as now: it becomes the current status */
	assert_int_equal(store_component_status_set(t, c.id, now_ms() + 3600000, CS_OPERATIONAL, "", &old), BC_OK);
	assert_int_equal(old, CS_PARTIAL_OUTAGE);
	assert_int_equal(store_component_get(t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_OPERATIONAL);
	assert_int_equal(store_component_status_set(t, "nosuchcomp", now, CS_OPERATIONAL, "", &old), BC_NOTFOUND);
	assert_int_equal(store_component_status_set(t, c.id, now, (enum comp_status)42, "", &old), BC_INVALID);
	assert_int_equal(store_commit(t), BC_OK);
}

static void test_tokens(void **state)
{
	struct fx *f = *state;
	char tok[TOKEN_TEXT_MAX], tok2[TOKEN_TEXT_MAX];
	struct stx *t = wr(f);
	assert_int_equal(store_token_create(t, SCOPE_WRITE, "deploy bot", tok), BC_OK);
	assert_int_equal(store_token_create(t, SCOPE_ADMIN, "admin", tok2), BC_OK);
	assert_int_equal(store_token_create(t, (enum scope)9, "bad", tok2 + 0), BC_INVALID);
	assert_int_equal(store_commit(t), BC_OK);
	assert_int_equal(strlen(tok), 59);
	assert_memory_equal(tok, "bk_", 3);

	t = rd(f);
	struct token_info info, *list;
	size_t n;
	assert_int_equal(store_token_check(t, tok, &info), BC_OK);
	assert_int_equal(info.scope, SCOPE_WRITE);
	assert_string_equal(info.name, "deploy bot");
	assert_memory_equal(info.id, tok + 3, ID_LEN);
	char bad[TOKEN_TEXT_MAX];
	strcpy(bad, tok);
	bad[58] = bad[58] == 'A' ? 'B' : 'A';                    /* wrong secret */
	assert_int_equal(store_token_check(t, bad, &info), BC_AUTH);
	strcpy(bad, tok);
	memcpy(bad + 3, tok2 + 3, ID_LEN);                        /* another token's id with this secret */
	assert_int_equal(store_token_check(t, bad, &info), BC_AUTH);
	const char *garbage[] = { "", "bk_", "bk_short_secret", "xx_aaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                          "bk_AAAAAAAAAAAA_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                          "bk_aaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=a" };
	for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++)
		assert_int_equal(store_token_check(t, garbage[i], &info), BC_AUTH);
	strcpy(bad, tok);
	strcat(bad, "x");                                         /* too long */
	assert_int_equal(store_token_check(t, bad, &info), BC_AUTH);
	assert_int_equal(store_token_list(t, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	store_abort(t);

	bc_id id;
	memcpy(id, tok + 3, ID_LEN);
	id[ID_LEN] = '\0';
	t = wr(f);
	assert_int_equal(store_token_revoke(t, id), BC_OK);
	assert_int_equal(store_token_revoke(t, id), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_token_check(t, tok, &info), BC_AUTH);
	assert_int_equal(store_token_check(t, tok2, &info), BC_OK);
	assert_int_equal(info.scope, SCOPE_ADMIN);
	assert_int_equal(store_token_list(t, &list, &n), BC_OK);
	assert_int_equal(n, 1);
	store_abort(t);
}

static void test_outbox(void **state)
{
	struct fx *f = *state;
	struct stx *t = rd(f);
	assert_int_equal(store_outbox_last(t), 0);
	store_abort(t);
	t = wr(f);
	struct outbox_event ev = { .actor = "cli:root", .kind = "component.created", .object_type = "component",
	                           .object_id = "abc", .after = "{\"id\":\"abc\",\"status\":\"operational\"}",
	                           .notify = true, .summary = "API" };
	assert_int_equal(store_outbox_append(t, &ev), BC_OK);
	assert_int_equal(ev.seq, 1);
	assert_true(ev.at > 0);
	struct outbox_event ev2 = { .actor = "token:xyz", .kind = "component.updated", .object_type = "component",
	                            .object_id = "abc", .before = ev.after, .after = "{\"id\":\"abc\"}" };
	assert_int_equal(store_outbox_append(t, &ev2), BC_OK);
	assert_int_equal(ev2.seq, 2);
	struct outbox_event bad = { .actor = "", .kind = "x", .object_type = "component" };
	assert_int_equal(store_outbox_append(t, &bad), BC_INVALID);
	struct outbox_event notjson = { .actor = "a", .kind = "x", .object_type = "component", .after = "nope" };
	assert_int_equal(store_outbox_append(t, &notjson), BC_INVALID);
	assert_int_equal(store_commit(t), BC_OK);

	t = rd(f);
	assert_int_equal(store_outbox_last(t), 2);
	struct outbox_event *list;
	size_t n;
	assert_int_equal(store_outbox_list(t, 0, 0, &list, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].seq, 1);
	assert_string_equal(list[0].kind, "component.created");
	assert_null(list[0].before);
	assert_string_equal(list[0].after, "{\"id\":\"abc\",\"status\":\"operational\"}");
	assert_true(list[0].notify);
	assert_false(list[1].notify);
	assert_string_equal(list[1].actor, "token:xyz");
	assert_int_equal(store_outbox_list(t, 1, 10, &list, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].seq, 2);
	/* the audit log is written from the same events */
	struct audit_entry *log;
	assert_int_equal(store_audit_list(t, 0, &log, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(log[0].action, "component.updated");
	assert_string_equal(log[0].who, "token:xyz");
	assert_string_equal(log[1].detail, "API");
	store_abort(t);
}

static void test_audit_and_kv(void **state)
{
	struct fx *f = *state;
	struct stx *t = wr(f);
	assert_int_equal(store_audit_add(t, "cli:root", "component.add", "abc", "first"), BC_OK);
	assert_int_equal(store_audit_add(t, "cli:root", "component.add", "def", "second"), BC_OK);
	assert_int_equal(store_audit_add(t, "tok123", "incident.open", NULL, NULL), BC_OK);
	assert_int_equal(store_audit_add(t, "", "x", NULL, NULL), BC_INVALID);
	assert_int_equal(store_kv_put(t, "idem", "key-1", "hello", 5), BC_OK);
	assert_int_equal(store_kv_put(t, "repl", "key-1", "other", 5), BC_OK);
	assert_int_equal(store_kv_put(t, "", "key", "x", 1), BC_INVALID);
	assert_int_equal(store_kv_put(t, "idem", "", "x", 1), BC_INVALID);
	static char big[(1 << 20) + 1];
	assert_int_equal(store_kv_put(t, "idem", "big", big, sizeof big), BC_TOOBIG);
	assert_int_equal(store_commit(t), BC_OK);

	t = rd(f);
	struct audit_entry *log;
	size_t n;
	assert_int_equal(store_audit_list(t, 0, &log, &n), BC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(log[0].action, "incident.open");     /* newest first */
	assert_null(log[0].target);
	assert_string_equal(log[1].detail, "second");
	assert_string_equal(log[2].detail, "first");
	assert_true(log[2].at > 0);
	assert_int_equal(store_audit_list(t, 2, &log, &n), BC_OK);
	assert_int_equal(n, 2);
	const void *v;
	size_t len;
	assert_int_equal(store_kv_get(t, "idem", "key-1", &v, &len), BC_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(v, "hello", 5);
	assert_int_equal(store_kv_get(t, "repl", "key-1", &v, &len), BC_OK);
	assert_memory_equal(v, "other", 5);
	assert_int_equal(store_kv_get(t, "idem", "key-2", &v, &len), BC_NOTFOUND);
	store_abort(t);

	t = wr(f);
	assert_int_equal(store_kv_put(t, "idem", "key-1", "bye", 3), BC_OK);
	assert_int_equal(store_kv_del(t, "repl", "key-1"), BC_OK);
	assert_int_equal(store_kv_del(t, "repl", "key-1"), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	t = rd(f);
	assert_int_equal(store_kv_get(t, "idem", "key-1", &v, &len), BC_OK);
	assert_int_equal(len, 3);
	assert_int_equal(store_kv_get(t, "repl", "key-1", &v, &len), BC_NOTFOUND);
	store_abort(t);
}

static void test_generation(void **state)
{
	struct fx *f = *state;
	uint64_t g0 = gen_of(f);
	struct stx *t = wr(f);
	assert_int_equal(store_generation(t), g0);
	assert_int_equal(store_kv_put(t, "ns", "k", "v", 1), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	assert_int_equal(gen_of(f), g0 + 1);
	t = wr(f);
	assert_int_equal(store_kv_put(t, "ns", "k", "w", 1), BC_OK);
	store_abort(t);                                           /* no bump, no change */
	assert_int_equal(gen_of(f), g0 + 1);
	t = rd(f);
	const void *v;
	size_t len;
	assert_int_equal(store_kv_get(t, "ns", "k", &v, &len), BC_OK);
	assert_memory_equal(v, "v", 1);
	assert_true(store_generation_time(t) > JAN_2024);
	assert_int_equal(store_kv_put(t, "ns", "k", "x", 1), BC_READONLY);   /* writes need a write txn */
	store_abort(t);
	t = wr(f);
	assert_int_equal(store_commit(t), BC_OK);                 /* every commit bumps */
	uint64_t g;
	assert_int_equal(store_snapshot_generation(f->s, &g), BC_OK);
	assert_int_equal(g, g0 + 2);
}

static void test_validation_refusals(void **state)
{
	struct fx *f = *state;
	struct component real;
	make_component(f, &real, "Real", NULL, 0);
	uint64_t g0 = gen_of(f);
	char longname[LIM_NAME + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	static char longbody[LIM_BODY + 2];
	memset(longbody, 'b', sizeof longbody - 1);
	bc_id many[LIM_AFFECTED + 1];
	for (size_t i = 0; i < LIM_AFFECTED + 1; i++)
		strcpy(many[i], real.id);
	bc_id ghost[1] = { "ghost0000000" };

	struct stx *t = wr(f);
	struct group g = { .name = "" };
	assert_int_equal(store_group_put(t, &g), BC_INVALID);
	g.name = longname;
	assert_int_equal(store_group_put(t, &g), BC_TOOBIG);
	g.name = "bad \xc3\x28 utf8";
	assert_int_equal(store_group_put(t, &g), BC_INVALID);
	g.name = "tab\tin name";
	assert_int_equal(store_group_put(t, &g), BC_INVALID);
	g = (struct group){ .name = "ok", .id = "Bad-Id" };
	assert_int_equal(store_group_put(t, &g), BC_INVALID);
	struct component c = { .name = "C", .status = CS__MAX };
	assert_int_equal(store_component_put(t, &c, NULL), BC_INVALID);
	c = (struct component){ .name = "C", .group_id = "nosuchgroup1" };
	assert_int_equal(store_component_put(t, &c, NULL), BC_INVALID);
	struct incident inc = { .name = "I", .status = IS_POSTMORTEM };
	assert_int_equal(store_incident_put(t, &inc), BC_INVALID);
	inc = (struct incident){ .name = "I", .impact = IMP__MAX };
	assert_int_equal(store_incident_put(t, &inc), BC_INVALID);
	inc = (struct incident){ .name = "I", .ncomponents = 1, .component_ids = ghost };
	assert_int_equal(store_incident_put(t, &inc), BC_INVALID);
	inc = (struct incident){ .name = "I", .ncomponents = LIM_AFFECTED + 1, .component_ids = many };
	assert_int_equal(store_incident_put(t, &inc), BC_TOOBIG);
	inc = (struct incident){ .name = "I", .postmortem_body = longbody };
	assert_int_equal(store_incident_put(t, &inc), BC_TOOBIG);
	struct incident_update u = { .incident_id = "nosuchinc000", .body = "x" };
	assert_int_equal(store_update_put(t, &u), BC_NOTFOUND);
	char tok[TOKEN_TEXT_MAX];
	assert_int_equal(store_token_create(t, SCOPE_READ, "", tok), BC_INVALID);
	/* the caller aborts after a refusal */
	store_abort(t);
	assert_int_equal(gen_of(f), g0);
	t = rd(f);
	struct group *gs;
	struct incident *incs;
	size_t n;
	assert_int_equal(store_group_list(t, &gs, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_incident_recent(t, 0, 0, &incs, &n), BC_OK);
	assert_int_equal(n, 0);
	store_abort(t);
}

/* Readers in other threads keep reading while the writer grows the map under them. */
struct reader_arg {
	struct store *s;
	volatile int *stop;
	int rounds;
};

static void *reader_loop(void *p)
{
	struct reader_arg *ra = p;
	struct arena *a = arena_new();
	while (!*ra->stop) {
		struct stx *t;
		if (store_begin_read(ra->s, a, &t) != BC_OK)
			break;
		const void *v;
		size_t len;
		store_kv_get(t, "grow", "k00000", &v, &len);
		store_abort(t);
		arena_reset(a);
		ra->rounds++;
	}
	arena_free(a);
	return NULL;
}

/* A write that fails with MDB_MAP_FULL grows the map, and the next process opens the grown map even
 * though nothing else was committed (a retried import used to fail the same way every time). */
static void test_map_full_size_kept(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	char path[128];
	snprintf(path, sizeof path, "%s/full", f->dir);
	store_set_map_size((size_t)256 << 10);
	assert_int_equal(store_open(&f->s, path, STORE_CREATE), BC_OK);
	size_t small = store_map_size(f->s);
	char key[16], val[200];
	memset(val, 'v', sizeof val);
	struct stx *t = wr(f);
	enum bc_err e = BC_OK;
	for (int i = 0; i < 4000 && e == BC_OK; i++) {
		snprintf(key, sizeof key, "b%05d", i);
		e = store_kv_put(t, "grow", key, val, sizeof val);
	}
	assert_int_equal(e, BC_STORE);
	store_abort(t);
	size_t grown = store_map_size(f->s);
	assert_true(grown > small);
	store_close(f->s);
	assert_int_equal(store_open(&f->s, path, 0), BC_OK);
	assert_int_equal(store_map_size(f->s), grown);
	/* store_reserve grows ahead of a large write and records it too */
	assert_int_equal(store_reserve(f->s, grown * 2), BC_OK);
	size_t reserved = store_map_size(f->s);
	assert_true(reserved >= grown * 4);
	store_close(f->s);
	assert_int_equal(store_open(&f->s, path, 0), BC_OK);
	assert_int_equal(store_map_size(f->s), reserved);
	store_set_map_size((size_t)64 << 20);
}

static void test_map_growth(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	char path[128];
	snprintf(path, sizeof path, "%s/tiny", f->dir);
	store_set_map_size((size_t)256 << 10);
	assert_int_equal(store_open(&f->s, path, STORE_CREATE), BC_OK);

	volatile int stop = 0;
	struct reader_arg ra = { .s = f->s, .stop = &stop };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader_loop, &ra), 0);
	char key[16], val[200];
	memset(val, 'v', sizeof val);
	for (int i = 0; i < 3000; i++) {              /* ~0.7 MB of values: several doublings */
		struct stx *t = wr(f);
		snprintf(key, sizeof key, "k%05d", i);
		assert_int_equal(store_kv_put(t, "grow", key, val, sizeof val), BC_OK);
		assert_int_equal(store_commit(t), BC_OK);
	}
	/* one txn bigger than the map (how far the loop above grew it depends on the reader thread's
	 * pace): MDB_MAP_FULL, BC_STORE, grown; retrying succeeds */
	int failures = 0;
	int big = (int)(store_map_size(f->s) / sizeof val);
	for (;;) {
		struct stx *t = wr(f);
		enum bc_err e = BC_OK;
		for (int i = 0; i < big && e == BC_OK; i++) {
			snprintf(key, sizeof key, "b%07d", i);
			e = store_kv_put(t, "grow", key, val, sizeof val);
		}
		if (e == BC_OK)
			e = store_commit(t);
		else
			store_abort(t);
		if (e == BC_OK)
			break;
		assert_int_equal(e, BC_STORE);
		assert_true(++failures < 6);
	}
	assert_true(failures >= 1);
	stop = 1;
	pthread_join(th, NULL);
	assert_true(ra.rounds > 0);

	size_t grown = store_map_size(f->s);
	assert_true(grown > ((size_t)256 << 10));
	store_close(f->s);                           /* reopened with the small configured size: */
	assert_int_equal(store_open(&f->s, path, 0), BC_OK);
	assert_int_equal(store_map_size(f->s), grown);   /* the grown map is kept */
	store_close(f->s);
	store_set_map_size((size_t)64 << 20);
	assert_int_equal(store_open(&f->s, path, 0), BC_OK);
	assert_int_equal(store_map_size(f->s), (size_t)64 << 20);   /* a larger configured size wins */
	struct stx *t = rd(f);
	for (int i = 0; i < 3000; i += 7) {
		const void *v;
		size_t len;
		snprintf(key, sizeof key, "k%05d", i);
		assert_int_equal(store_kv_get(t, "grow", key, &v, &len), BC_OK);
		assert_int_equal(len, sizeof val);
	}
	const void *v;
	size_t len;
	snprintf(key, sizeof key, "b%07d", big - 1);
	assert_int_equal(store_kv_get(t, "grow", key, &v, &len), BC_OK);
	store_abort(t);
}

static void test_copy_snapshot_reopen_rdonly(void **state)
{
	struct fx *f = *state;
	struct component c;
	make_component(f, &c, "Snapshotted", NULL, 4);
	uint64_t gen = gen_of(f);

	char snap[128];
	snprintf(snap, sizeof snap, "%s/snap.mdb", f->dir);
	int fd = open(snap, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(store_copy_fd(f->s, fd), BC_OK);
	assert_int_equal(fsync(fd), 0);
	close(fd);

	struct store *ss;
	assert_int_equal(store_open(&ss, snap, STORE_SNAPSHOT), BC_OK);
	struct stx *t;
	struct component got;
	assert_int_equal(store_begin_read(ss, f->a, &t), BC_OK);
	assert_int_equal(store_generation(t), gen);              /* our generation survives txnid=1 */
	assert_int_equal(store_component_get(t, c.id, &got), BC_OK);
	assert_string_equal(got.name, "Snapshotted");
	store_abort(t);
	assert_int_equal(store_begin_write(ss, f->a, &t), BC_READONLY);
	store_close(ss);

	/* close and reopen: everything is there */
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->path, 0), BC_OK);
	assert_int_equal(gen_of(f), gen);
	t = rd(f);
	assert_int_equal(store_component_get(t, c.id, &got), BC_OK);
	store_abort(t);

	/* read-only directory open refuses writes */
	struct store *ro;
	assert_int_equal(store_open(&ro, f->path, STORE_RDONLY), BC_OK);
	assert_int_equal(store_begin_write(ro, f->a, &t), BC_READONLY);
	assert_int_equal(store_begin_read(ro, f->a, &t), BC_OK);
	assert_int_equal(store_component_get(t, c.id, &got), BC_OK);
	assert_int_equal(store_component_del(t, c.id), BC_READONLY);
	store_abort(t);
	store_close(ro);
}

static void test_open_refusals(void **state)
{
	struct fx *f = *state;
	struct store *s;
	char path[128];
	snprintf(path, sizeof path, "%s/missing", f->dir);
	assert_int_equal(store_open(&s, path, 0), BC_NOTFOUND);
	assert_int_equal(store_open(&s, path, STORE_RDONLY), BC_NOTFOUND);
	assert_int_equal(store_open(&s, path, 0x80), BC_INVALID);
	assert_int_equal(store_open(&s, path, STORE_CREATE | STORE_RDONLY), BC_INVALID);
	assert_int_equal(store_open(&s, path, STORE_SNAPSHOT), BC_NOTFOUND);

	/* a store written by a newer schema is refused */
	store_close(f->s);
	f->s = NULL;
	char data[128];
	snprintf(data, sizeof data, "%s/db", f->dir);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 32);
	assert_int_equal(mdb_env_open(env, data, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	unsigned char v[8] = { 0, 0, 0, 0, 0, 0, 0, 99 };
	char schema[] = "schema";
	MDB_val k = { 6, schema }, val = { 8, v };
	assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(&s, data, 0), BC_STORE);
	assert_int_equal(store_open(&f->s, path, STORE_CREATE), BC_OK);   /* teardown closes it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test_setup_teardown(test_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_components, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incidents_open_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incident_components_and_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_and_kv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_over_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_size_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_snapshot_reopen_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
