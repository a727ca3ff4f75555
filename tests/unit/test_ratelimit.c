/* test_ratelimit.c: the per-key sliding window: limits, Retry-After, window slide, key isolation, eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "ratelimit.h"

#define T0 (1700000000000LL - 1700000000000LL % 60000)   /* start of a minute */

static void test_limit_and_retry_after(void **state)
{
	(void)state;
	int ra = 0;
	ratelimit_reset();
	for (int i = 0; i < 5; i++)
		assert_true(ratelimit_take("a", 5, T0 + i, &ra));
	assert_false(ratelimit_take("a", 5, T0 + 10, &ra));
	assert_true(ra >= 1 && ra <= 120);   /* the previous window still counts after this one ends */
	/* another key has its own budget */
	assert_true(ratelimit_take("b", 5, T0 + 10, &ra));
}

static void test_allows_does_not_count(void **state)
{
	(void)state;
	int ra = 0;
	ratelimit_reset();
	for (int i = 0; i < 100; i++)
		assert_true(ratelimit_allows("authfail 2001:db8::1234:5678:9abc:def0", 3, T0 + i, &ra));
	for (int i = 0; i < 3; i++)
		assert_true(ratelimit_take("authfail 2001:db8::1234:5678:9abc:def0", 3, T0 + 100 + i, &ra));
	assert_false(ratelimit_allows("authfail 2001:db8::1234:5678:9abc:def0", 3, T0 + 200, &ra));
	assert_true(ra >= 1 && ra <= 120);   /* the previous window still counts after this one ends */
	/* a long key is not confused with another sharing its first 32 bytes */
	assert_true(ratelimit_allows("authfail 2001:db8::1234:5678:9abc:def1", 3, T0 + 200, &ra));
}

/* A request sent after Retry-After passes (the previous window's weight counted too). */
static void test_retry_after_is_enough(void **state)
{
	(void)state;
	int ra = 0, ra2 = 0;
	ratelimit_reset();
	for (int i = 0; i < 5; i++)
		assert_true(ratelimit_take("r", 5, T0 + 1000 + i, &ra));
	assert_false(ratelimit_take("r", 5, T0 + 2000, &ra));
	assert_true(ratelimit_allows("r", 5, T0 + 2000 + (int64_t)ra * 1000, &ra2));
	assert_false(ratelimit_allows("r", 5, T0 + 2000 + (int64_t)(ra - 2) * 1000, &ra2));
}

static void test_unlimited(void **state)
{
	(void)state;
	int ra = 0;
	ratelimit_reset();
	for (int i = 0; i < 1000; i++)
		assert_true(ratelimit_take("a", 0, T0, &ra));
}

static void test_window_slides(void **state)
{
	(void)state;
	int ra = 0;
	ratelimit_reset();
	for (int i = 0; i < 10; i++)
		assert_true(ratelimit_take("k", 10, T0 + 50000, &ra));
	/* 15 s into the next minute, 3/4 of the previous window still counts: 7.5 + 1 < 10 */
	assert_true(ratelimit_take("k", 10, T0 + 75000, &ra));
	assert_true(ratelimit_take("k", 10, T0 + 75000, &ra));
	assert_false(ratelimit_take("k", 10, T0 + 75000, &ra));
	/* two minutes later everything has expired */
	for (int i = 0; i < 10; i++)
		assert_true(ratelimit_take("k", 10, T0 + 200000, &ra));
}

static void test_many_keys_bounded(void **state)
{
	(void)state;
	int ra = 0;
	char key[32];
	ratelimit_reset();
	for (int i = 0; i < RATELIMIT_SLOTS * 4; i++) {
		snprintf(key, sizeof key, "key%d", i);
		assert_true(ratelimit_take(key, 1, T0 + i, &ra));
	}
	/* the most recent key is still tracked */
	assert_false(ratelimit_take(key, 1, T0 + RATELIMIT_SLOTS * 4, &ra));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_and_retry_after),
		cmocka_unit_test(test_retry_after_is_enough),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_allows_does_not_count),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_many_keys_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
