/* test_zone.c: TZif zones (zone.c) against glibc's own conversion, DST edges, footer rules past 2037, threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>
#include "zone.h"

static const char *const zones[] = {
	"UTC", "Etc/UTC", "America/Guayaquil", "America/Chicago", "America/New_York", "Europe/Paris", "Europe/Madrid",
	"Asia/Tokyo", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "America/Sao_Paulo",
	"Asia/Kathmandu", "Africa/Casablanca", "America/St_Johns", "Europe/Dublin", "Antarctica/Troll",
};

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Every 7 h 13 min from 1901 to 2100: the same wall clock, offset and abbreviation as localtime_r. */
static void test_matches_glibc(void **state)
{
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		const struct zone *zn = zone_get(zones[z]);
		if (zn == NULL)
			fail_msg("zone %s not loaded", zones[z]);
		set_tz(zones[z]);
		for (int64_t t = -2145916800LL; t < 4102444800LL; t += 7 * 3600 + 13 * 60) {
			time_t tt = (time_t)t;
			struct tm want, got;
			localtime_r(&tt, &want);
			zone_local(zn, t * 1000, &got);
			if (want.tm_gmtoff != got.tm_gmtoff || want.tm_hour != got.tm_hour || want.tm_mday != got.tm_mday ||
			    want.tm_min != got.tm_min || want.tm_year != got.tm_year || want.tm_wday != got.tm_wday ||
			    strcmp(want.tm_zone, got.tm_zone) != 0)
				fail_msg("%s at %lld: glibc %ld %s, zone %ld %s", zones[z], (long long)t, want.tm_gmtoff,
				         want.tm_zone, got.tm_gmtoff, got.tm_zone);
			/* back from the wall clock, as glibc's mktime does for times that exist once */
			if (t % 86400 < 40000 && t > 0) {
				struct tm mid = want;
				mid.tm_hour = mid.tm_min = mid.tm_sec = 0;
				mid.tm_isdst = -1;
				struct tm chk = mid;
				time_t m = mktime(&chk);
				struct tm back;
				localtime_r(&m, &back);
				if (back.tm_hour == 0 && back.tm_mday == want.tm_mday) {   /* midnight exists that day */
					mid.tm_isdst = 0;
					assert_int_equal(zone_to_ms(zn, &mid), (int64_t)m * 1000);
				}
			}
		}
	}
	set_tz("UTC");
}

static void test_names(void **state)
{
	assert_null(zone_get("Mars/Olympus"));
	assert_null(zone_get("../etc/passwd"));
	assert_null(zone_get("/etc/localtime"));
	assert_null(zone_get(""));
	assert_null(zone_get("America/Guayaquil; rm"));
	assert_false(zone_exists("Mars/Olympus"));
	assert_true(zone_exists("Asia/Tokyo"));
	assert_string_equal(zone_name(zone_or_utc("Mars/Olympus")), "UTC");
	assert_string_equal(zone_name(zone_or_utc(NULL)), "UTC");
	assert_ptr_equal(zone_get("Asia/Tokyo"), zone_get("Asia/Tokyo"));   /* cached */
	assert_int_equal(zone_offset(zone_get("Asia/Tokyo"), 0), 9 * 3600);
}

/* A local midnight skipped by DST (Santiago, 2022-09-11 00:00 -> 01:00) maps to the instant after the gap. */
static void test_gap(void **state)
{
	const struct zone *z = zone_get("America/Santiago");
	assert_non_null(z);
	struct tm mid = { .tm_year = 122, .tm_mon = 8, .tm_mday = 11 };
	int64_t ms = zone_to_ms(z, &mid);
	struct tm back;
	zone_local(z, ms, &back);
	assert_int_equal(back.tm_mday, 11);
	assert_int_equal(back.tm_hour, 1);
}

static const char *const thread_zones[] = { "America/Guayaquil", "Europe/Madrid", "Asia/Kolkata", "America/Denver" };

static void *worker(void *arg)
{
	const char *name = thread_zones[*(const int *)arg];
	for (int i = 0; i < 2000; i++) {
		const struct zone *z = zone_get(name);
		if (z == NULL)
			return (void *)1;
		struct tm tm;
		zone_local(z, 1773669000000 + i * 60000LL, &tm);
		if (strcmp(name, "America/Guayaquil") == 0 && tm.tm_gmtoff != -5 * 3600)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	static int which[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		which[i] = i % 4;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &which[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		void *rc;
		pthread_join(th[i], &rc);
		assert_null(rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_matches_glibc),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
