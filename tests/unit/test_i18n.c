/* test_i18n.c: English and Spanish tables are complete, and duration phrases match the reference page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "i18n.h"

#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static struct arena *a;

static void test_tables_complete(void **state)
{
	for (int m = 0; m < M__COUNT; m++) {
		const char *en = i18n_text("en", (enum msg)m), *es = i18n_text("es", (enum msg)m);
		if (en[0] == '\0' || es[0] == '\0')
			fail_msg("message %d is missing a translation", m);
		/* placeholders agree between languages */
		assert_int_equal(strstr(en, "%s") != NULL, strstr(es, "%s") != NULL);
	}
	for (int s = 0; s < CS__MAX; s++)
		assert_string_not_equal(i18n_comp_status("en", (enum comp_status)s), i18n_comp_status("es", (enum comp_status)s));
	for (int s = 0; s < IS__MAX; s++)
		assert_true(i18n_inc_status("es", (enum inc_status)s)[0] != '\0');
	for (int mo = 0; mo < 12; mo++) {
		assert_true(i18n_month_short("en", mo)[0] != '\0');
		assert_true(i18n_month_long("es", mo)[0] != '\0');
	}
	assert_string_equal(i18n_text("fr", M_ALL_OPERATIONAL), "All systems operational");   /* unknown -> en */
}

static void test_reference_strings(void **state)
{
	assert_string_equal(i18n_text("en", M_ALL_OPERATIONAL), "All systems operational");
	assert_string_equal(i18n_text("es", M_ALL_OPERATIONAL), "Sistemas funcionando con normalidad");
	assert_string_equal(i18n_text("en", M_NO_NOTICES_MONTH), "No notices reported this month");
	assert_string_equal(i18n_text("es", M_NO_NOTICES_MONTH), "No se reportaron avisos este mes");
	assert_string_equal(i18n_text("es", M_NOTICE_HISTORY), "Historial de avisos");
	assert_string_equal(i18n_text("es", M_INCIDENT_DETAILS), "Detalles del incidente");
	assert_string_equal(i18n_comp_status("en", CS_MAJOR_OUTAGE), "Major outage");
	assert_string_equal(i18n_comp_status("es", CS_DEGRADED_PERFORMANCE), "Rendimiento degradado");
	assert_string_equal(i18n_comp_status("es", CS_OPERATIONAL), "En funcionamiento");
	assert_string_equal(i18n_inc_status("es", IS_MONITORING), "Supervisando");
	assert_string_equal(i18n_inc_status("es", IS_RESOLVED), "Resuelto");
	assert_string_equal(i18n_impact("en", IMP_MINOR), "Degraded performance");
	assert_string_equal(i18n_impact("en", IMP_CRITICAL), "Major outage");
	assert_string_equal(i18n_month_short("en", 6), "Jul");
	assert_string_equal(i18n_month_short("es", 4), "may");
	assert_string_equal(i18n_month_long("es", 2), "marzo");
}

static void test_durations(void **state)
{
	assert_string_equal(i18n_duration(a, "en", 0), "less than a minute");
	assert_string_equal(i18n_duration(a, "en", 29 * 1000), "less than a minute");
	assert_string_equal(i18n_duration(a, "es", 10 * 1000), "menos de un minuto");
	assert_string_equal(i18n_duration(a, "en", 1 * MIN), "1 minute");
	assert_string_equal(i18n_duration(a, "en", 30 * MIN), "30 minutes");
	assert_string_equal(i18n_duration(a, "es", 30 * MIN), "30 minutos");
	assert_string_equal(i18n_duration(a, "en", 60 * MIN), "about 1 hour");
	assert_string_equal(i18n_duration(a, "es", 60 * MIN), "alrededor de 1 hora");
	/* 8:50 AM -> 2:36 PM and 2:47 PM -> 7:06 PM on the reference pages */
	assert_string_equal(i18n_duration(a, "en", 5 * HOUR + 46 * MIN), "about 6 hours");
	assert_string_equal(i18n_duration(a, "es", 4 * HOUR + 19 * MIN), "alrededor de 4 horas");
	assert_string_equal(i18n_duration(a, "en", 36 * HOUR), "1 day");
	assert_string_equal(i18n_duration(a, "en", 15 * DAY), "15 days");
	assert_string_equal(i18n_duration(a, "es", 19 * DAY), "19 días");
	assert_string_equal(i18n_duration(a, "en", 40 * DAY), "about 1 month");
	assert_string_equal(i18n_duration(a, "es", 200 * DAY), "7 meses");
	assert_string_equal(i18n_duration(a, "en", 400 * DAY), "about 1 year");
	assert_string_equal(i18n_duration(a, "en", 2 * 365 * DAY + 200 * DAY), "over 2 years");
	assert_string_equal(i18n_duration(a, "es", 2 * 365 * DAY + 300 * DAY), "casi 3 años");
	assert_string_equal(i18n_duration(a, "en", -15 * DAY), "15 days");
}

static void test_phrases(void **state)
{
	int64_t now = 1780000000000LL;
	assert_string_equal(i18n_relative(a, "en", now - 15 * DAY, now), "15 days ago");
	assert_string_equal(i18n_relative(a, "es", now - 15 * DAY, now), "hace 15 días");
	assert_string_equal(i18n_relative(a, "en", now + 2 * HOUR, now), "in about 2 hours");
	assert_string_equal(i18n_relative(a, "es", now + 3 * DAY, now), "en 3 días");
	assert_string_equal(i18n_fmt(a, "en", M_STARTED_AGO, "15 days ago"), "Started 15 days ago");
	assert_string_equal(i18n_fmt(a, "es", M_STARTED_AGO, "hace 15 días"), "Comenzó hace 15 días");
	assert_string_equal(i18n_fmt(a, "en", M_LASTED, "about 6 hours"), "Lasted about 6 hours");
	assert_string_equal(i18n_fmt(a, "es", M_LASTED, "alrededor de 4 horas"), "Duró alrededor de 4 horas");
	assert_string_equal(i18n_fmt(a, "en", M_ALL_OPERATIONAL, "x"), "All systems operational");
	assert_string_equal(i18n_range(a, "en", "May 2026", "Jul 2026"), "May 2026 to Jul 2026");
	assert_string_equal(i18n_range(a, "es", "mar 2026", "may 2026"), "mar 2026 a may 2026");
}

int main(void)
{
	a = arena_new();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_complete),
		cmocka_unit_test(test_reference_strings),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_phrases),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	arena_free(a);
	return rc;
}
