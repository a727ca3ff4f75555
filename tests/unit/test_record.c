/* test_record.c: the binary records of groups, components and incidents: every field round-trips, older versions read, damaged bytes are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "store_internal.h"

struct fx {
	char dir[64];
	struct store *s;
	struct arena *a;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char path[96];
	strcpy(f->dir, "/tmp/beacon-record-test.XXXXXX");
	if (f == NULL || mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/db", f->dir);
	if (store_open(&f->s, path, STORE_CREATE) != BC_OK)
		return -1;
	f->a = arena_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	store_close(f->s);
	arena_free(f->a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static struct stx *begin(struct fx *f, bool write)
{
	struct stx *t = NULL;
	assert_int_equal(write ? store_begin_write(f->s, f->a, &t) : store_begin_read(f->s, f->a, &t), BC_OK);
	return t;
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct stx *t = begin(f, true);
	struct group g = { .name = "Canales · Señal", .description = NULL, .position = -3 };
	assert_int_equal(store_group_put(t, &g), BC_OK);
	struct component c = { .name = "WhatsApp \"Business\" <api>", .description = "",
	                       .status = CS_PARTIAL_OUTAGE, .position = 7, .showcase = true,
	                       .only_show_if_degraded = true, .start_date = 1705276800000LL };
	memcpy(c.group_id, g.id, sizeof c.group_id);
	assert_int_equal(store_component_put(t, &c, NULL), BC_OK);
	bc_id ids[1];
	memcpy(ids[0], c.id, sizeof ids[0]);
	struct incident inc = { .name = "🚨 Platform Service Interruption", .status = IS_MONITORING,
	                        .impact = IMP_CRITICAL, .started_at = 1794148200000LL,
	                        .monitoring_at = 1794162660000LL, .postmortem_body = "# RCA\n\nLong text.",
	                        .postmortem_published_at = 1794170000000LL, .ncomponents = 1,
	                        .component_ids = ids };
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);

	t = begin(f, false);
	struct group g2;
	assert_int_equal(store_group_get(t, g.id, &g2), BC_OK);
	assert_string_equal(g2.name, g.name);
	assert_null(g2.description);
	assert_int_equal(g2.position, -3);
	assert_int_equal(g2.created_at, g.created_at);
	struct component c2;
	assert_int_equal(store_component_get(t, c.id, &c2), BC_OK);
	assert_string_equal(c2.name, c.name);
	assert_string_equal(c2.description, "");
	assert_string_equal(c2.group_id, g.id);
	assert_int_equal(c2.status, CS_PARTIAL_OUTAGE);
	assert_int_equal(c2.position, 7);
	assert_true(c2.showcase && c2.only_show_if_degraded);
	assert_int_equal(c2.start_date, c.start_date);
	struct incident i2;
	assert_int_equal(store_incident_get(t, inc.id, &i2), BC_OK);
	assert_string_equal(i2.name, inc.name);
	assert_int_equal(i2.status, IS_MONITORING);
	assert_int_equal(i2.impact, IMP_CRITICAL);
	assert_int_equal(i2.started_at, inc.started_at);
	assert_int_equal(i2.monitoring_at, inc.monitoring_at);
	assert_string_equal(i2.postmortem_body, inc.postmortem_body);
	assert_int_equal(i2.postmortem_published_at, inc.postmortem_published_at);
	assert_int_equal(i2.ncomponents, 1);
	assert_string_equal(i2.component_ids[0], c.id);
	store_abort(t);
}

/* Each damaged copy of a good component record must read as BC_STORE, never as a component. */
static void test_damaged_records(void **state)
{
	struct fx *f = *state;
	struct stx *t = begin(f, true);
	struct component c = { .name = "API", .status = CS_OPERATIONAL };
	assert_int_equal(store_component_put(t, &c, NULL), BC_OK);
	MDB_val v;
	assert_int_equal(db_get(t, DB_COMPONENTS, c.id, strlen(c.id), &v), BC_OK);
	size_t len = v.mv_size;
	unsigned char *good = malloc(len + 8);
	memcpy(good, v.mv_data, len);
	store_abort(t);

	unsigned char *bad = malloc(len + 8);
	struct { const char *what; size_t len; size_t flip; unsigned char to; } cases[] = {
		{ "truncated by one byte", len - 1, (size_t)-1, 0 },
		{ "cut in half", len / 2, (size_t)-1, 0 },
		{ "empty", 0, (size_t)-1, 0 },
		{ "trailing bytes", len + 3, (size_t)-1, 0 },
		{ "unknown version", len, 0, 9 },
		{ "id not an id", len, 1, '!' },
		{ "name length past the end", len, 1 + 12 + 4, 0xff },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(bad, good, len);
		memset(bad + len, 0, 8);
		if (cases[i].flip != (size_t)-1)
			bad[cases[i].flip] = cases[i].to;
		t = begin(f, true);
		assert_int_equal(db_put(t, DB_COMPONENTS, c.id, strlen(c.id), bad, cases[i].len), BC_OK);
		struct component got;
		enum bc_err e = store_component_get(t, c.id, &got);
		if (e != BC_STORE)
			fail_msg("%s: got %d, want BC_STORE", cases[i].what, (int)e);
		store_abort(t);
	}
	free(bad);
	free(good);
}

/* Records written before a field existed read with its default: an incident of version 2 (no
 * draft byte) and of version 1 (no impact_overridden, auto_* or draft) is published, not a draft. */
static void test_old_incident_records(void **state)
{
	struct fx *f = *state;
	struct stx *t = begin(f, true);
	struct incident inc = { .name = "Old outage", .status = IS_RESOLVED, .impact = IMP_MAJOR,
	                        .started_at = 1794148200000LL, .resolved_at = 1794150000000LL,
	                        .impact_overridden = true, .auto_to_maintenance = true, .draft = true };
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	MDB_val v;
	assert_int_equal(db_get(t, DB_INCIDENTS, inc.id, strlen(inc.id), &v), BC_OK);
	size_t len = v.mv_size;
	unsigned char *rec = malloc(len);
	memcpy(rec, v.mv_data, len);
	assert_int_equal(rec[0], 3);
	assert_int_equal(rec[len - 1], 1);            /* draft is the last byte */
	struct incident got;
	assert_int_equal(store_incident_get(t, inc.id, &got), BC_OK);
	assert_true(got.draft);

	MDB_val old = { .mv_size = len - 1, .mv_data = rec };
	rec[0] = 2;                                    /* version 2: the same without the draft byte */
	assert_int_equal(dec_incident(f->a, &old, &got), BC_OK);
	assert_false(got.draft);
	assert_true(got.impact_overridden);
	assert_true(got.auto_to_maintenance);
	assert_string_equal(got.name, "Old outage");
	assert_int_equal(got.resolved_at, 1794150000000LL);

	old.mv_size = len - 4;
	rec[0] = 1;                                    /* version 1: nor the three flags of version 2 */
	assert_int_equal(dec_incident(f->a, &old, &got), BC_OK);
	assert_false(got.draft);
	assert_false(got.impact_overridden);
	assert_int_equal(got.impact, IMP_MAJOR);

	rec[0] = 2;                                    /* a version 2 record with a trailing byte is damaged */
	old.mv_size = len;
	assert_int_equal(dec_incident(f->a, &old, &got), BC_STORE);
	free(rec);
	store_abort(t);
}

/* A draft is in no public list (open, range, recent); publishing moves it there; deleting a draft
 * leaves nothing in the draft index. */
static void test_draft_index(void **state)
{
	struct fx *f = *state;
	struct stx *t = begin(f, true);
	struct incident pub = { .name = "Live", .status = IS_INVESTIGATING, .started_at = 1794148200000LL };
	struct incident dr = { .name = "Held", .status = IS_INVESTIGATING, .started_at = 1794148300000LL, .draft = true };
	assert_int_equal(store_incident_put(t, &pub), BC_OK);
	assert_int_equal(store_incident_put(t, &dr), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);

	t = begin(f, true);
	struct incident *l;
	size_t n;
	assert_int_equal(store_incident_list_open(t, &l, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, pub.id);
	assert_int_equal(store_incident_range(t, 0, INT64_MAX, 0, &l, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_incident_recent(t, 0, 10, &l, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_incident_list_drafts(t, &l, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, dr.id);
	assert_true(l[0].draft);

	dr.draft = false;                               /* published */
	assert_int_equal(store_incident_put(t, &dr), BC_OK);
	assert_int_equal(store_incident_list_drafts(t, &l, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_incident_list_open(t, &l, &n), BC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_incident_range(t, 0, INT64_MAX, 0, &l, &n), BC_OK);
	assert_int_equal(n, 2);

	struct incident d2 = { .name = "Discarded", .status = IS_INVESTIGATING, .draft = true };
	assert_int_equal(store_incident_put(t, &d2), BC_OK);
	assert_int_equal(store_incident_del(t, d2.id), BC_OK);
	assert_int_equal(store_incident_list_drafts(t, &l, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_incident_range(t, 0, INT64_MAX, 0, &l, &n), BC_OK);
	assert_int_equal(n, 2);
	store_abort(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_incident_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_draft_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_records, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
