/* test_metrics.c: the metrics registry is process-wide (threads add up exactly) and labels are escaped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "metrics.h"
#include "out.h"

#define THREADS 8
#define PER_THREAD 20000

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_inc(M_INTAKE_EVENTS);
		metrics_add(M_NOTIFY_FAILED, 2);
		metrics_inc(M_IN_FLIGHT);
		metrics_dec(M_IN_FLIGHT);
	}
	return NULL;
}

static void test_counters_sum_over_threads(void **state)
{
	(void)state;
	int64_t e0 = metrics_get(M_INTAKE_EVENTS), f0 = metrics_get(M_NOTIFY_FAILED);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metrics_get(M_INTAKE_EVENTS) - e0, THREADS * PER_THREAD);
	assert_int_equal(metrics_get(M_NOTIFY_FAILED) - f0, 2 * THREADS * PER_THREAD);
	assert_int_equal(metrics_get(M_IN_FLIGHT), 0);
	metrics_set(M_IN_FLIGHT, 7);
	assert_int_equal(metrics_get(M_IN_FLIGHT), 7);
	metrics_set(M_IN_FLIGHT, 0);
}

static void test_route_names(void **state)
{
	(void)state;
	assert_string_equal(metrics_route_name(MR_API_V2), "api_v2");
	assert_string_equal(metrics_route_name(MR_NONE), "none");
	assert_string_equal(metrics_route_name((enum metrics_route)99), "none");
}

static void test_prom_label_escaping(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	out_prom_label(&b, "a\"b\\c\nd");
	buf_putc(&b, '\0');
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\nd\"");
	buf_reset(&b);
	out_prom_label(&b, NULL);
	buf_putc(&b, '\0');
	assert_string_equal(b.p, "\"\"");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_sum_over_threads),
		cmocka_unit_test(test_route_names),
		cmocka_unit_test(test_prom_label_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
