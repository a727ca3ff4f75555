/* test_record.c: the binary records of groups, components and incidents: every field round-trips, damaged bytes are refused. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_records, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
