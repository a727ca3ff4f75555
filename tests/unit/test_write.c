/* test_write.c: the write layer's rules on a real LMDB store: positions, impact, restore, status at a time, outbox, maintenance lifecycle, drafts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "write.h"

#define HOUR_MS (3600LL * 1000)

struct fx {
	char dir[64], path[80];
	struct store *s;
	struct arena *a;
	struct stx *t;
	struct write_ctx w;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/beacon-write-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/db", f->dir);
	store_set_map_size((size_t)64 << 20);
	if (store_open(&f->s, f->path, STORE_CREATE) != BC_OK)
		return -1;
	f->a = arena_new();
	if (store_begin_write(f->s, f->a, &f->t) != BC_OK)
		return -1;
	struct page_settings p = { .name = "Test", .time_zone = "UTC" };
	if (store_page_put(f->t, &p) != BC_OK)
		return -1;
	f->w = (struct write_ctx){ .t = f->t, .a = f->a, .actor = "cli:test" };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_abort(f->t);
	store_close(f->s);
	arena_free(f->a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void add_component(struct fx *f, const char *name, const char *group, struct component *out)
{
	struct component_change ch;
	write_component_change_init(&ch);
	ch.name = name;
	if (group) {
		ch.set_group = true;
		snprintf(ch.group_id, sizeof ch.group_id, "%s", group);
	}
	assert_int_equal(write_component(&f->w, &ch, out), BC_OK);
}

/* The first bug: an ungrouped component added after a group went to position 0 via the CLI. */
static void test_positions(void **state)
{
	struct fx *f = *state;
	struct component a, b, c;
	struct group g;
	add_component(f, "A", NULL, &a);
	struct group_change gc;
	write_group_change_init(&gc);
	gc.name = "G";
	assert_int_equal(write_group(&f->w, &gc, &g), BC_OK);
	add_component(f, "B", g.id, &b);
	add_component(f, "C", NULL, &c);
	assert_int_equal(a.position, 1);
	assert_int_equal(g.position, 2);
	assert_int_equal(b.position, 1);                /* first in its group */
	assert_int_equal(c.position, 3);                /* after the group, not before it */
	struct component_change empty;
	write_component_change_init(&empty);
	assert_int_equal(write_component(&f->w, &empty, NULL), BC_INVALID);
	assert_string_equal(f->w.err_field, "name");
}

static void test_impact_and_restore(void **state)
{
	struct fx *f = *state;
	struct component web, api;
	add_component(f, "Web", NULL, &web);
	add_component(f, "API", NULL, &api);
	int64_t t0 = now_ms() - 6 * HOUR_MS;
	struct component_status cs[2] = { { web.id, CS_MAJOR_OUTAGE }, { api.id, CS_DEGRADED_PERFORMANCE } };
	struct incident_change ch;
	struct incident inc;
	struct incident_update u;
	write_incident_change_init(&ch);
	ch.name = "Outage";
	ch.at = t0;
	ch.components = cs;
	ch.ncomponents = 2;
	assert_int_equal(write_incident(&f->w, &ch, &inc, &u), BC_OK);
	assert_int_equal(inc.impact, IMP_CRITICAL);
	assert_int_equal(inc.started_at, t0);
	assert_int_equal(u.naffected, 2);
	/* components back to operational, then resolved: the impact stays critical */
	struct component_status back[2] = { { web.id, CS_OPERATIONAL }, { api.id, CS_OPERATIONAL } };
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = IS_MONITORING;
	ch.at = t0 + HOUR_MS;
	ch.components = back;
	ch.ncomponents = 2;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_int_equal(inc.monitoring_at, t0 + HOUR_MS);
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = IS_RESOLVED;
	ch.at = t0 + 2 * HOUR_MS;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_int_equal(inc.impact, IMP_CRITICAL);
	assert_int_equal(inc.resolved_at, t0 + 2 * HOUR_MS);
	/* an update before the last one is refused */
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.body = "late";
	ch.at = t0;
	assert_int_equal(write_incident(&f->w, &ch, NULL, NULL), BC_INVALID);
	assert_string_equal(f->w.err_field, "at");

	/* a second incident resolved without naming its component restores it, at the resolve time */
	struct component_status hit = { api.id, CS_PARTIAL_OUTAGE };
	write_incident_change_init(&ch);
	ch.name = "API errors";
	ch.at = t0 + 3 * HOUR_MS;
	ch.components = &hit;
	ch.ncomponents = 1;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = IS_RESOLVED;
	ch.at = t0 + 4 * HOUR_MS;
	assert_int_equal(write_incident(&f->w, &ch, &inc, &u), BC_OK);
	assert_int_equal(u.naffected, 1);
	assert_int_equal(u.affected[0].old_status, CS_PARTIAL_OUTAGE);
	assert_int_equal(u.affected[0].new_status, CS_OPERATIONAL);
	enum comp_status st;
	assert_int_equal(store_component_status_at(f->t, api.id, t0 + 3 * HOUR_MS + 1, &st), BC_OK);
	assert_int_equal(st, CS_PARTIAL_OUTAGE);
	assert_int_equal(store_component_get(f->t, api.id, &api), BC_OK);
	assert_int_equal(api.status, CS_OPERATIONAL);
	/* impact_override wins and is kept */
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.impact_override = IMP_MINOR;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_int_equal(inc.impact, IMP_MINOR);
}

static void test_outbox_events(void **state)
{
	struct fx *f = *state;
	struct component c;
	uint64_t before = store_outbox_last(f->t);
	add_component(f, "Web", NULL, &c);
	struct incident_change ch;
	struct incident inc;
	struct component_status cs = { c.id, CS_MAJOR_OUTAGE };
	write_incident_change_init(&ch);
	ch.name = "Down";
	ch.components = &cs;
	ch.ncomponents = 1;
	ch.notify = false;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	struct outbox_event *ev;
	size_t n;
	assert_int_equal(store_outbox_list(f->t, before, 0, &ev, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].kind, "component.created");
	assert_null(ev[0].before);
	assert_string_equal(ev[1].kind, "incident.created");
	assert_string_equal(ev[1].actor, "cli:test");
	assert_string_equal(ev[1].object_id, inc.id);
	assert_false(ev[1].notify);
	assert_non_null(strstr(ev[1].after, "\"new_status\":\"major_outage\""));
	struct audit_entry *log;
	assert_int_equal(store_audit_list(f->t, 1, &log, &n), BC_OK);
	assert_string_equal(log[0].action, "incident.created");
}

static void test_maintenance_lifecycle(void **state)
{
	struct fx *f = *state;
	struct component c;
	add_component(f, "DB", NULL, &c);
	int64_t now = now_ms();
	struct component_status cs = { c.id, WRITE_KEEP };
	struct incident_change ch;
	struct incident inc;
	write_incident_change_init(&ch);
	ch.maintenance = true;
	ch.name = "Upgrade";
	ch.scheduled_for = now - 2 * HOUR_MS;
	ch.scheduled_until = now + HOUR_MS;
	ch.auto_in_progress = ch.auto_completed = 1;
	ch.at = now - 3 * HOUR_MS;
	ch.components = &cs;
	ch.ncomponents = 1;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_true(write_maintenance_due(&inc, now));
	struct write_ctx sw = { .t = f->t, .a = f->a, .actor = "system:scheduler" };
	size_t done;
	assert_int_equal(write_maintenance_tick(&sw, &done), BC_OK);
	assert_int_equal(done, 1);
	assert_int_equal(store_incident_get(f->t, inc.id, &inc), BC_OK);
	assert_int_equal(inc.status, IS_IN_PROGRESS);
	assert_int_equal(store_component_get(f->t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_UNDER_MAINTENANCE);
	struct incident_update *us;
	size_t nu;
	assert_int_equal(store_update_list(f->t, inc.id, &us, &nu), BC_OK);
	assert_int_equal(nu, 2);
	assert_int_equal(us[1].display_at, now - 2 * HOUR_MS);     /* at the window's start */
	assert_int_equal(write_maintenance_tick(&sw, &done), BC_OK);
	assert_int_equal(done, 0);                                 /* idempotent */
	/* the window ends: completed, the component restored */
	sw.now = now + 2 * HOUR_MS;
	assert_int_equal(write_maintenance_tick(&sw, &done), BC_OK);
	assert_int_equal(done, 1);
	assert_int_equal(store_incident_get(f->t, inc.id, &inc), BC_OK);
	assert_int_equal(inc.status, IS_COMPLETED);
	assert_int_equal(store_update_list(f->t, inc.id, &us, &nu), BC_OK);
	assert_int_equal(nu, 3);
	assert_int_equal(us[2].naffected, 1);
	assert_int_equal(us[2].affected[0].new_status, CS_OPERATIONAL);
}

/* A draft changes no component and notifies nothing; publishing creates it now (one notifying
 * "incident.created"), sets its planned statuses and puts it in the public lists; discard deletes. */
static void test_drafts(void **state)
{
	struct fx *f = *state;
	struct component c;
	add_component(f, "API", NULL, &c);
	uint64_t before = store_outbox_last(f->t);
	struct incident_change ch;
	struct incident inc;
	struct component_status cs = { c.id, CS_PARTIAL_OUTAGE };
	write_incident_change_init(&ch);
	ch.name = "Held";
	ch.body = "first";
	ch.components = &cs;
	ch.ncomponents = 1;
	ch.draft = true;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_true(inc.draft);
	assert_int_equal(store_component_get(f->t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_OPERATIONAL);
	struct status_change *log;
	size_t n;
	assert_int_equal(store_status_log(f->t, c.id, 0, INT64_MAX, &log, &n), BC_OK);
	assert_int_equal(n, 0);
	/* an edit rewrites its one update and keeps the planned status */
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = IS_IDENTIFIED;
	ch.body = "second";
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	struct incident_update *us;
	size_t nu;
	assert_int_equal(store_update_list(f->t, inc.id, &us, &nu), BC_OK);
	assert_int_equal(nu, 1);
	assert_string_equal(us[0].body, "second");
	assert_int_equal(us[0].affected[0].new_status, CS_PARTIAL_OUTAGE);
	/* resolving a draft is refused */
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", inc.id);
	ch.status = IS_RESOLVED;
	assert_int_equal(write_incident(&f->w, &ch, NULL, NULL), BC_CONFLICT);
	struct outbox_event *ev;
	assert_int_equal(store_outbox_list(f->t, before, 0, &ev, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].kind, "incident.draft_created");
	assert_string_equal(ev[1].kind, "incident.draft_updated");
	assert_false(ev[0].notify);
	assert_false(ev[1].notify);
	/* publish */
	f->w.now = now_ms() + 1000;
	before = store_outbox_last(f->t);
	assert_int_equal(write_incident_publish(&f->w, inc.id, &inc), BC_OK);
	assert_false(inc.draft);
	assert_int_equal(inc.started_at, f->w.now);
	assert_int_equal(inc.impact, IMP_MAJOR);
	assert_int_equal(store_component_get(f->t, c.id, &c), BC_OK);
	assert_int_equal(c.status, CS_PARTIAL_OUTAGE);
	assert_int_equal(store_update_list(f->t, inc.id, &us, &nu), BC_OK);
	assert_int_equal(us[0].display_at, f->w.now);
	assert_int_equal(us[0].affected[0].old_status, CS_OPERATIONAL);
	assert_int_equal(store_outbox_list(f->t, before, 0, &ev, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].kind, "incident.created");
	assert_true(ev[0].notify);
	assert_null(ev[0].before);
	struct incident *open;
	assert_int_equal(store_incident_list_open(f->t, &open, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(write_incident_publish(&f->w, inc.id, NULL), BC_CONFLICT);
	assert_int_equal(write_incident_discard(&f->w, inc.id), BC_CONFLICT);
	/* discard */
	write_incident_change_init(&ch);
	ch.name = "Thrown away";
	ch.draft = true;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_int_equal(write_incident_discard(&f->w, inc.id), BC_OK);
	assert_int_equal(store_incident_get(f->t, inc.id, &inc), BC_NOTFOUND);
	assert_int_equal(store_outbox_list(f->t, store_outbox_last(f->t) - 1, 0, &ev, &n), BC_OK);
	assert_string_equal(ev[0].kind, "incident.draft_discarded");
	assert_false(ev[0].notify);
	/* a component deleted while it waited in a draft is left out at publish */
	struct component gone;
	add_component(f, "Gone", NULL, &gone);
	struct component_status gs = { gone.id, CS_MAJOR_OUTAGE };
	write_incident_change_init(&ch);
	ch.name = "Waits";
	ch.components = &gs;
	ch.ncomponents = 1;
	ch.draft = true;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	assert_int_equal(write_component_delete(&f->w, gone.id, false), BC_OK);
	assert_int_equal(write_incident_publish(&f->w, inc.id, &inc), BC_OK);
	assert_int_equal(store_update_list(f->t, inc.id, &us, &nu), BC_OK);
	assert_int_equal(us[0].naffected, 0);
	/* a component listed unchanged keeps whatever status it has by the time of the publish */
	struct component kept;
	add_component(f, "Kept", NULL, &kept);
	struct component_status ks = { kept.id, WRITE_KEEP };
	write_incident_change_init(&ch);
	ch.name = "Listed";
	ch.components = &ks;
	ch.ncomponents = 1;
	ch.draft = true;
	assert_int_equal(write_incident(&f->w, &ch, &inc, NULL), BC_OK);
	struct component_change cc;
	write_component_change_init(&cc);
	snprintf(cc.id, sizeof cc.id, "%s", kept.id);
	cc.status = CS_DEGRADED_PERFORMANCE;
	assert_int_equal(write_component(&f->w, &cc, &kept), BC_OK);
	assert_int_equal(write_incident_publish(&f->w, inc.id, &inc), BC_OK);
	assert_int_equal(store_component_get(f->t, kept.id, &kept), BC_OK);
	assert_int_equal(kept.status, CS_DEGRADED_PERFORMANCE);
	assert_int_equal(inc.ncomponents, 1);
	assert_int_equal(inc.impact, IMP_MINOR);          /* what it reaches at publish */
	/* only incidents can be drafts */
	write_incident_change_init(&ch);
	ch.name = "Window";
	ch.maintenance = true;
	ch.scheduled_for = now_ms() + HOUR_MS;
	ch.scheduled_until = now_ms() + 2 * HOUR_MS;
	ch.draft = true;
	assert_int_equal(write_incident(&f->w, &ch, NULL, NULL), BC_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impact_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maintenance_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drafts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
