/* test_uptime.c: daily uptime buckets: major counts fully, partial at 0.3, degraded not at all, no-data days. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "uptime.h"

#define HOUR (3600 * 1000LL)
#define DAY (24 * HOUR)
#define NOW (1773792000000LL + 12 * HOUR)   /* 2026-03-18 12:00 UTC */
#define TODAY0 1773792000000LL               /* 2026-03-18 00:00 UTC */

static int64_t edges[UPTIME_DAYS + 1];

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	uptime_edges(zone_utc(), NOW, edges);
	return 0;
}

static void test_edges(void **state)
{
	assert_int_equal(edges[UPTIME_DAYS - 1], TODAY0);
	assert_int_equal(edges[UPTIME_DAYS], TODAY0 + DAY);
	assert_int_equal(edges[0], TODAY0 - 89 * DAY);
}

static void test_weights(void **state)
{
	int64_t d5 = TODAY0 - 5 * DAY, d3 = TODAY0 - 3 * DAY, d2 = TODAY0 - 2 * DAY;
	struct status_change log[] = {
		{ .at = d5 + 8 * HOUR, .status = CS_MAJOR_OUTAGE },
		{ .at = d5 + 10 * HOUR, .status = CS_OPERATIONAL },
		{ .at = d3, .status = CS_PARTIAL_OUTAGE },
		{ .at = d3 + 10 * HOUR, .status = CS_DEGRADED_PERFORMANCE },
		{ .at = d2, .status = CS_OPERATIONAL },
	};
	struct uptime u;
	uptime_from_log(log, 5, edges[0] - DAY, edges, NOW, &u);
	size_t i5 = UPTIME_DAYS - 1 - 5, i3 = UPTIME_DAYS - 1 - 3, i2 = UPTIME_DAYS - 1 - 2;
	assert_true(uptime_day_percent(&u, i5) > 91.66 && uptime_day_percent(&u, i5) < 91.67);  /* 2 h of 24 */
	assert_int_equal(u.day[i5].worst, CS_MAJOR_OUTAGE);
	assert_true(uptime_day_percent(&u, i3) > 87.49 && uptime_day_percent(&u, i3) < 87.51);  /* 0.3 x 10 h */
	assert_int_equal(u.day[i3].worst, CS_PARTIAL_OUTAGE);
	assert_true(uptime_day_percent(&u, i2) == 100.0);
	assert_true(uptime_day_percent(&u, 0) == 100.0);
	assert_true(u.day[UPTIME_DAYS - 1].known_ms == 12 * HOUR);      /* today counts up to now */
	double whole = uptime_percent(&u);
	assert_true(whole > 99.76 && whole < 99.77);   /* 5 h of 89.5 days */
}

static void test_no_data_before_start(void **state)
{
	struct uptime u;
	int64_t start = TODAY0 - 10 * DAY + 6 * HOUR;
	uptime_from_log(NULL, 0, start, edges, NOW, &u);
	assert_true(uptime_day_percent(&u, 0) < 0);
	assert_true(uptime_day_percent(&u, UPTIME_DAYS - 12) < 0);
	assert_true(u.day[UPTIME_DAYS - 11].known_ms == 18 * HOUR);
	assert_true(uptime_day_percent(&u, UPTIME_DAYS - 11) == 100.0);
	/* a status in force before the window applies from its start */
	struct status_change before[] = { { .at = edges[0] - DAY, .status = CS_MAJOR_OUTAGE } };
	uptime_from_log(before, 1, edges[0] - 2 * DAY, edges, NOW, &u);
	assert_true(uptime_percent(&u) == 0.0);
}

static void test_group_and_incidents(void **state)
{
	struct status_change down[] = { { .at = TODAY0 - DAY, .status = CS_MAJOR_OUTAGE },
	                                { .at = TODAY0, .status = CS_OPERATIONAL } };
	struct uptime a, b, g;
	uptime_from_log(down, 2, edges[0], edges, NOW, &a);
	uptime_from_log(NULL, 0, edges[0], edges, NOW, &b);
	bc_id ids[1] = { "abc" };
	struct incident inc = { .name = "Outage", .ncomponents = 1, .component_ids = ids };
	int64_t s = TODAY0 - DAY + HOUR, e = TODAY0 + HOUR;
	uptime_mark_incident(&a, &inc, s, e, edges, NOW);         /* b is not affected: nothing marked */
	assert_int_equal(a.day[UPTIME_DAYS - 2].nincidents, 1);
	assert_int_equal(a.day[UPTIME_DAYS - 1].nincidents, 1);
	assert_int_equal(a.day[UPTIME_DAYS - 3].nincidents, 0);
	assert_int_equal(b.day[UPTIME_DAYS - 2].nincidents, 0);
	const struct uptime *parts[] = { &a, &b };
	uptime_group(parts, 2, &g);
	assert_true(uptime_day_percent(&g, UPTIME_DAYS - 2) == 50.0);
	assert_int_equal(g.day[UPTIME_DAYS - 2].worst, CS_MAJOR_OUTAGE);
	assert_int_equal(g.day[UPTIME_DAYS - 2].nincidents, 1);
	assert_ptr_equal(g.day[UPTIME_DAYS - 2].incidents[0], &inc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_no_data_before_start),
		cmocka_unit_test(test_group_and_incidents),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
