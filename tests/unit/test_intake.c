/* test_intake.c: Alertmanager payloads on a real store: rules, worst wins, repeats write nothing, restore, a human's change kept, one incident per group, bad input, maintenance end (kept alerts apply or drop), the write layer for rules and checks, staleness marks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "intake.h"
#include "write.h"

static char dir[64];
static struct store *s;
static struct arena *a;
static bc_id comp;
static bc_id rule_id;

static uint64_t generation(void)
{
	struct stx *t;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	uint64_t g = store_generation(t);
	store_abort(t);
	return g;
}

static enum comp_status status(void)
{
	struct stx *t;
	struct component c;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_component_get(t, comp, &c), BC_OK);
	store_abort(t);
	return c.status;
}

static void set_status(enum comp_status st)
{
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	struct component_change ch;
	write_component_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", comp);
	ch.status = (int)st;
	assert_int_equal(write_component(&w, &ch, NULL), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

/* One Alertmanager alert for service=api; returns the number of changes. */
static size_t send(const char *status_s, const char *severity, const char *fp)
{
	char body[1024];
	snprintf(body, sizeof body,
	         "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"X\\\"}\",\"status\":\"%s\",\"alerts\":[{\"status\":\"%s\","
	         "\"labels\":{\"alertname\":\"X\",\"service\":\"api\",\"severity\":\"%s\"},"
	         "\"startsAt\":\"2026-12-01T10:00:00.123Z\",\"fingerprint\":\"%s\"}]}",
	         status_s, status_s, severity, fp);
	struct intake_am_result res;
	char err[256];
	enum bc_err e = intake_am_apply(s, body, strlen(body), &res, err, sizeof err);
	if (e != BC_OK)
		print_message("intake_am_apply: %s\n", err);
	assert_int_equal(e, BC_OK);
	return res.changed;
}

static void setup_store_with(const char *incident)
{
	char path[96];
	strcpy(dir, "/tmp/beacon-intake-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db", dir);
	assert_int_equal(store_open(&s, path, STORE_CREATE), BC_OK);
	a = arena_new();
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	struct component_change ch;
	write_component_change_init(&ch);
	ch.name = "API";
	struct component c;
	assert_int_equal(write_component(&w, &ch, &c), BC_OK);
	snprintf(comp, sizeof comp, "%s", c.id);
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	store_new_id(r.id);
	snprintf(r.component_id, sizeof r.component_id, "%s", comp);
	r.nmatch = 1;
	r.match[0].label = "service";
	r.match[0].value = "api";
	r.status_label = "severity";
	r.dflt = CS_PARTIAL_OUTAGE;
	r.incident = incident;
	assert_int_equal(intake_rule_put(t, &r), BC_OK);
	snprintf(rule_id, sizeof rule_id, "%s", r.id);
	assert_int_equal(store_commit(t), BC_OK);
}

static void setup_store(void)
{
	setup_store_with(NULL);
}

/* The open incidents: their count, and the first one's id and status. */
static size_t open_incidents(bc_id id, enum inc_status *st)
{
	struct stx *t;
	struct incident *inc;
	size_t n;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_incident_list_open(t, &inc, &n), BC_OK);
	if (n) {
		snprintf(id, sizeof(bc_id), "%s", inc[0].id);
		*st = inc[0].status;
	}
	store_abort(t);
	return n;
}

static void teardown_store(void)
{
	store_close(s);
	arena_free(a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_fire_repeat_resolve(void **state)
{
	setup_store();
	uint64_t g = generation();
	assert_int_equal(send("firing", "warning", "aa01"), 1);
	assert_int_equal(status(), CS_DEGRADED_PERFORMANCE);
	assert_int_equal(generation(), g + 1);
	assert_int_equal(send("firing", "warning", "aa01"), 0);       /* Alertmanager's repeat */
	assert_int_equal(generation(), g + 1);                        /* wrote nothing */
	assert_int_equal(send("firing", "critical", "bb02"), 1);      /* another alert: the worst wins */
	assert_int_equal(status(), CS_MAJOR_OUTAGE);
	assert_int_equal(send("resolved", "critical", "bb02"), 1);
	assert_int_equal(status(), CS_DEGRADED_PERFORMANCE);
	assert_int_equal(send("resolved", "warning", "aa01"), 1);
	assert_int_equal(status(), CS_OPERATIONAL);
	g = generation();
	assert_int_equal(send("resolved", "warning", "aa01"), 0);     /* a repeated resolve */
	assert_int_equal(send("firing", "info", "cc03"), 0);          /* info: no change */
	assert_int_equal(generation(), g);
	teardown_store();
}

static void test_human_change_kept(void **state)
{
	setup_store();
	set_status(CS_DEGRADED_PERFORMANCE);                          /* before the alert */
	assert_int_equal(send("firing", "critical", "dd04"), 1);
	assert_int_equal(status(), CS_MAJOR_OUTAGE);
	assert_int_equal(send("resolved", "critical", "dd04"), 1);
	assert_int_equal(status(), CS_DEGRADED_PERFORMANCE);          /* what it had before */
	assert_int_equal(send("firing", "critical", "ee05"), 1);
	set_status(CS_PARTIAL_OUTAGE);                                /* someone takes over */
	assert_int_equal(send("resolved", "critical", "ee05"), 1);
	assert_int_equal(status(), CS_PARTIAL_OUTAGE);                /* theirs is kept */
	teardown_store();
}

static void test_incident_per_group(void **state)
{
	setup_store_with("API alerts");
	bc_id id;
	enum inc_status st;
	assert_int_equal(send("firing", "warning", "aa01"), 1);
	assert_int_equal(open_incidents(id, &st), 1);
	assert_int_equal(st, IS_INVESTIGATING);
	assert_int_equal(send("firing", "critical", "bb02"), 1);     /* same group: no second incident */
	assert_int_equal(open_incidents(id, &st), 1);
	assert_int_equal(status(), CS_MAJOR_OUTAGE);
	assert_int_equal(send("resolved", "critical", "bb02"), 1);   /* one alert of the group still firing */
	assert_int_equal(open_incidents(id, &st), 1);
	assert_int_equal(send("resolved", "warning", "aa01"), 1);    /* the last: the incident resolves */
	assert_int_equal(open_incidents(id, &st), 0);
	assert_int_equal(status(), CS_OPERATIONAL);
	struct stx *t;
	struct incident inc;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_incident_get(t, id, &inc), BC_OK);
	assert_int_equal(inc.status, IS_RESOLVED);
	assert_string_equal(inc.name, "API alerts");
	store_abort(t);
	assert_int_equal(send("firing", "warning", "cc03"), 1);      /* fires again: a new incident */
	bc_id id2;
	assert_int_equal(open_incidents(id2, &st), 1);
	assert_string_not_equal(id, id2);
	teardown_store();
}

static void expect_invalid(const char *body, const char *msg)
{
	struct intake_am_result res;
	char err[256];
	uint64_t g = generation();
	enum bc_err e = intake_am_apply(s, body, strlen(body), &res, err, sizeof err);
	assert_true(e == BC_INVALID || e == BC_TOOBIG);
	if (strstr(err, msg) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, msg);
	assert_int_equal(generation(), g);
}

static void test_bad_input(void **state)
{
	setup_store();
	expect_invalid("[]", "JSON object");
	expect_invalid("{\"version\":\"4\"", "invalid JSON");
	expect_invalid("{\"version\":4,\"groupKey\":\"g\",\"alerts\":[]}", "version");
	expect_invalid("{\"version\":\"4\",\"alerts\":[]}", "groupKey");
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":{}}", "alerts: must be an array");
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":1},"
	               "\"startsAt\":\"x\"}]}", "alerts[0].labels");
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
	               "\"startsAt\":\"a b\"}]}", "alerts[0].startsAt");
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
	               "\"startsAt\":\"2026-01-01T00:00:00Z\",\"fingerprint\":\"a|b\"}]}", "fingerprint");
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[[[[[[[1]]]]]]]}", "nested deeper");
	/* a valid alert after an invalid one: nothing of the payload is applied */
	expect_invalid("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"service\":\"api\"},"
	               "\"startsAt\":\"2026-01-01T00:00:00Z\",\"fingerprint\":\"ff\"},{\"status\":\"x\"}]}", "alerts[1].status");
	assert_int_equal(status(), CS_OPERATIONAL);
	teardown_store();
}

static void test_levels_and_uuid(void **state)
{
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	r.dflt = CS_PARTIAL_OUTAGE;
	assert_int_equal(intake_rule_level(&r, "critical"), CS_MAJOR_OUTAGE);
	assert_int_equal(intake_rule_level(&r, "warning"), CS_DEGRADED_PERFORMANCE);
	assert_int_equal(intake_rule_level(&r, "info"), INTAKE_LEVEL_NONE);
	assert_int_equal(intake_rule_level(&r, "weird"), CS_PARTIAL_OUTAGE);
	assert_int_equal(intake_rule_level(&r, NULL), CS_PARTIAL_OUTAGE);
	r.nmap = 1;
	r.map[0].label = "info";
	r.map[0].value = "degraded_performance";
	assert_int_equal(intake_rule_level(&r, "info"), CS_DEGRADED_PERFORMANCE);
	char u[INTAKE_UUID_LEN + 1];
	intake_uuid_new(u);
	assert_true(intake_uuid_valid(u));
	assert_int_equal(u[14], '4');
	assert_false(intake_uuid_valid("6F1E1C1A-0000-4000-8000-000000000000"));
	assert_false(intake_uuid_valid("6f1e1c1a-0000-4000-8000-00000000000"));
	assert_false(intake_uuid_valid("6f1e1c1a00000-4000-8000-000000000000"));
}

#define HOUR_MS (3600 * 1000LL)

/* A maintenance of the component, in progress since an hour, until in an hour; its id in id. */
static void maintenance_in_progress(bc_id id)
{
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	int64_t now = now_ms();
	struct component_status cs = { comp, WRITE_KEEP };
	struct incident_change ch;
	struct incident inc;
	write_incident_change_init(&ch);
	ch.maintenance = true;
	ch.name = "Upgrade";
	ch.scheduled_for = now - HOUR_MS;
	ch.scheduled_until = now + HOUR_MS;
	ch.auto_in_progress = ch.auto_completed = 1;
	ch.at = now - 2 * HOUR_MS;
	ch.components = &cs;
	ch.ncomponents = 1;
	assert_int_equal(write_incident(&w, &ch, &inc, NULL), BC_OK);
	struct write_ctx sw = { .t = t, .a = a, .actor = "system:scheduler" };
	size_t done;
	assert_int_equal(write_maintenance_tick(&sw, &done), BC_OK);
	assert_int_equal(done, 1);
	assert_int_equal(store_commit(t), BC_OK);
	snprintf(id, sizeof(bc_id), "%s", inc.id);
}

/* The suppressed flag of the one active signal. */
static bool suppressed(void)
{
	struct stx *t;
	struct kv_item *it;
	size_t n;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_kv_list(t, "isig", NULL, 0, &it, &n), BC_OK);
	assert_int_equal(n, 1);
	bool sup = strstr(it[0].val, "\"suppressed\":true") != NULL;
	store_abort(t);
	return sup;
}

/* Whether the newest audit entries hold a component change by who. */
static bool audit_has(const char *who, const char *action)
{
	struct stx *t;
	struct audit_entry *e;
	size_t n;
	bool found = false;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_audit_list(t, 10, &e, &n), BC_OK);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(e[i].who, who) == 0 && strcmp(e[i].action, action) == 0;
	store_abort(t);
	return found;
}

/* An alert that fired during a maintenance changes nothing while it lasts; still firing when the
 * window ends (the scheduler completes it), it takes effect, by its rule. */
static void test_maintenance_end_applies_firing(void **state)
{
	setup_store_with("API alerts");
	bc_id mid;
	maintenance_in_progress(mid);
	assert_int_equal(status(), CS_UNDER_MAINTENANCE);
	assert_int_equal(send("firing", "critical", "dd04"), 1);
	assert_int_equal(status(), CS_UNDER_MAINTENANCE);            /* kept, changes nothing */
	assert_true(suppressed());
	bc_id iid;
	enum inc_status ist;
	assert_int_equal(open_incidents(iid, &ist), 1);              /* only the maintenance */
	uint64_t g = generation();
	assert_int_equal(send("firing", "critical", "dd04"), 0);     /* a repeat during it writes nothing */
	assert_int_equal(generation(), g);
	struct stx *t;                                               /* the window ends now */
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	struct incident_change ch;
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", mid);
	ch.scheduled_until = now_ms() - 1000;
	assert_int_equal(write_incident(&w, &ch, NULL, NULL), BC_OK);
	struct write_ctx sw = { .t = t, .a = a, .actor = "system:scheduler" };
	size_t done;
	assert_int_equal(write_maintenance_tick(&sw, &done), BC_OK);
	assert_int_equal(done, 1);
	assert_int_equal(store_commit(t), BC_OK);
	assert_int_equal(status(), CS_MAJOR_OUTAGE);                 /* still firing: in effect now */
	assert_false(suppressed());
	assert_true(audit_has(arena_printf(a, "intake:%s", rule_id), "component.updated"));
	assert_int_equal(open_incidents(iid, &ist), 1);              /* the rule's incident for the group */
	assert_int_equal(ist, IS_INVESTIGATING);
	assert_int_equal(send("resolved", "critical", "dd04"), 1);   /* resolving restores it */
	assert_int_equal(status(), CS_OPERATIONAL);
	assert_int_equal(open_incidents(iid, &ist), 0);
	teardown_store();
}

/* An alert that fired and resolved during a maintenance is dropped: completing it (by hand) changes nothing. */
static void test_maintenance_end_drops_resolved(void **state)
{
	setup_store();
	bc_id mid;
	maintenance_in_progress(mid);
	assert_int_equal(send("firing", "critical", "ee05"), 1);
	assert_int_equal(send("resolved", "critical", "ee05"), 1);
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	struct incident_change ch;
	write_incident_change_init(&ch);
	snprintf(ch.id, sizeof ch.id, "%s", mid);
	ch.status = IS_COMPLETED;
	assert_int_equal(write_incident(&w, &ch, NULL, NULL), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	assert_int_equal(status(), CS_OPERATIONAL);
	assert_false(audit_has(arena_printf(a, "intake:%s", rule_id), "component.updated"));
	teardown_store();
}

/* Rules and checks through the write layer: checked, each with its outbox event (audit). */
static void test_write_layer(void **state)
{
	setup_store();
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:test" };
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	snprintf(r.component_id, sizeof r.component_id, "%s", comp);
	r.dflt = CS_PARTIAL_OUTAGE;
	assert_int_equal(write_intake_rule_add(&w, &r), BC_INVALID);          /* no matcher */
	assert_string_equal(w.err_field, "match");
	r.nmatch = 1;
	r.match[0].label = "alertname";
	r.match[0].value = "Watchdog";
	r.stale_after_ms = 500;
	assert_int_equal(write_intake_rule_add(&w, &r), BC_INVALID);          /* under 1 s */
	assert_string_equal(w.err_field, "stale_after");
	r.stale_after_ms = 600000;
	r.dflt = CS_OPERATIONAL;
	assert_int_equal(write_intake_rule_add(&w, &r), BC_INVALID);
	r.dflt = INTAKE_LEVEL_NONE;
	snprintf(r.component_id, sizeof r.component_id, "nosuchcomp");
	assert_int_equal(write_intake_rule_add(&w, &r), BC_INVALID);
	snprintf(r.component_id, sizeof r.component_id, "%s", comp);
	assert_int_equal(write_intake_rule_add(&w, &r), BC_OK);
	struct intake_check k;
	memset(&k, 0, sizeof k);
	snprintf(k.component_id, sizeof k.component_id, "%s", comp);
	k.period_ms = 60000;
	k.grace_ms = 0;
	k.status = CS_MAJOR_OUTAGE;
	assert_int_equal(write_intake_check_add(&w, &k), BC_INVALID);
	k.grace_ms = 30000;
	assert_int_equal(write_intake_check_add(&w, &k), BC_OK);
	assert_true(intake_uuid_valid(k.uuid));
	/* staleness: two silent feeders, the earliest is shown; each clears its own */
	int64_t since;
	assert_int_equal(intake_stale_set(t, comp, k.id, 2000), BC_OK);
	assert_int_equal(intake_stale_set(t, comp, r.id, 1000), BC_OK);
	assert_int_equal(intake_stale_get(t, comp, &since), BC_OK);
	assert_int_equal(since, 1000);
	assert_int_equal(write_intake_rule_delete(&w, r.id), BC_OK);          /* its mark goes with it */
	assert_int_equal(intake_stale_get(t, comp, &since), BC_OK);
	assert_int_equal(since, 2000);
	assert_int_equal(write_intake_check_delete(&w, k.uuid), BC_OK);
	assert_int_equal(intake_stale_get(t, comp, &since), BC_OK);
	assert_int_equal(since, 0);
	assert_int_equal(write_intake_check_delete(&w, k.uuid), BC_NOTFOUND);
	assert_int_equal(write_intake_rule_delete(&w, r.id), BC_NOTFOUND);
	assert_int_equal(store_commit(t), BC_OK);
	assert_true(audit_has("cli:test", "intake.rule.created"));
	assert_true(audit_has("cli:test", "intake.rule.deleted"));
	assert_true(audit_has("cli:test", "intake.heartbeat.created"));
	assert_true(audit_has("cli:test", "intake.heartbeat.deleted"));
	int64_t ms;
	assert_true(intake_duration_parse("10m", &ms));
	assert_int_equal(ms, 600000);
	assert_false(intake_duration_parse("31d", &ms));
	assert_false(intake_duration_parse("-5s", &ms));
	assert_false(intake_duration_parse("5x", &ms));
	assert_string_equal(intake_duration_text(a, 600000), "10m");
	assert_string_equal(intake_duration_text(a, 90000), "90s");
	teardown_store();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_repeat_resolve),
		cmocka_unit_test(test_human_change_kept),
		cmocka_unit_test(test_incident_per_group),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_levels_and_uuid),
		cmocka_unit_test(test_maintenance_end_applies_firing),
		cmocka_unit_test(test_maintenance_end_drops_resolved),
		cmocka_unit_test(test_write_layer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
