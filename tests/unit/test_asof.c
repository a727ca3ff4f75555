/* test_asof.c: ?at= times: ISO-8601 with Z or an offset, to the millisecond; everything else refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "asof.h"

static void test_parse(void **state)
{
	int64_t t;
	assert_true(asof_parse("2026-03-16T10:00-05:00", &t));
	assert_int_equal(t, 1773673200000LL);        /* 2026-03-16 15:00 UTC */
	assert_true(asof_parse("2026-03-16T15:00Z", &t));
	assert_int_equal(t, 1773673200000LL);
	assert_true(asof_parse("2026-03-16T15:00:30Z", &t));
	assert_int_equal(t, 1773673230000LL);
	assert_true(asof_parse("2026-03-16T20:30+05:30", &t));
	assert_int_equal(t, 1773673200000LL);
	assert_true(asof_parse("2026-03-16T20:30 05:30", &t));   /* '+' decoded as a space */
	assert_int_equal(t, 1773673200000LL);
}

static void test_refused(void **state)
{
	int64_t t;
	const char *bad[] = { "", "now", "2026-03-16", "2026-03-16T10:00", "2026-03-16 10:00Z", "2026-02-31T10:00Z",
	                      "2026-13-01T10:00Z", "2026-03-16T24:00Z", "2026-03-16T10:60Z", "2026-03-16T10:00-5:00",
	                      "2026-03-16T10:00Zjunk", "1969-12-31T23:59Z", "2026-03-16T10:00:00.5Z", NULL };
	for (const char **b = bad; *b; b++)
		assert_false(asof_parse(*b, &t));
	assert_false(asof_parse(NULL, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
