/* test_api_v2.c: Statuspage time format and object key order (status rules: test_status.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "api_v2_objects.h"

static void test_time_format(void **state)
{
	char b[SP_TIME_MAX];
	setenv("TZ", "Asia/Tokyo", 1);                             /* the process TZ plays no part */
	tzset();
	assert_string_equal(sp_time(b, zone_get("Etc/UTC"), 1741083302417), "2025-03-04T10:15:02.417Z");
	assert_string_equal(sp_time(b, zone_utc(), 1741083302000), "2025-03-04T10:15:02.000Z");
	assert_string_equal(sp_time(b, zone_get("America/Guayaquil"), 1773669000000), "2026-03-16T08:50:00.000-05:00");
	const struct zone *chicago = zone_get("America/Chicago");     /* DST aware */
	assert_string_equal(sp_time(b, chicago, 1550685619418), "2019-02-20T12:00:19.418-06:00");
	assert_string_equal(sp_time(b, chicago, 1562000000005), "2019-07-01T11:53:20.005-05:00");
	assert_string_equal(sp_time(b, zone_get("Asia/Kolkata"), 0), "1970-01-01T05:30:00.000+05:30");
	assert_string_equal(sp_time(b, chicago, -1), "1969-12-31T17:59:59.999-06:00");
	assert_string_equal(sp_date(b, 1673654400000), "2023-01-14");
}

/* A view without a store: page, one group with two children, one ungrouped component. */
static void make_view(struct sp_view *v, struct arena *a, struct component *c, struct group *g)
{
	memset(v, 0, sizeof *v);
	v->a = a;
	strcpy(v->page.id, "p7s3x9k2m4qd");
	v->page.name = "Acme <&>";
	v->page.url = "https://status.acme.test/";
	v->page.time_zone = "Etc/UTC";
	v->tz = zone_get("Etc/UTC");
	v->updated_at = 1741083302417;
	memset(g, 0, sizeof *g);
	strcpy(g->id, "g1rp0v2nq8ha");
	g->name = "Platform";
	g->position = 1;
	g->created_at = g->updated_at = 1673337600000;
	memset(c, 0, 3 * sizeof *c);
	const char *ids[] = { "c4pi9k2l7m1n", "w3bz8y6x5v4t", "e9dl2mq7hs0r" };
	const char *names[] = { "API", "Dashboard", "Email \"delivery\"" };
	for (int i = 0; i < 3; i++) {
		strcpy(c[i].id, ids[i]);
		c[i].name = names[i];
		c[i].position = i == 2 ? 2 : i + 1;
		c[i].created_at = c[i].updated_at = 1673337601120;
		c[i].showcase = true;
		if (i < 2)
			strcpy(c[i].group_id, g->id);
	}
	c[0].status = CS_DEGRADED_PERFORMANCE;
	c[0].description = "REST\r\nGraphQL";
	c[0].start_date = 1673308800000;
	v->comps = c;
	v->ncomps = 3;
	v->groups = g;
	v->ngroups = 1;
}

static void test_objects(void **state)
{
	struct arena *a = arena_new();
	struct sp_view v;
	struct component c[3];
	struct group g;
	make_view(&v, a, c, &g);
	struct buf b;
	buf_init(&b);
	struct jw w;

	jw_init(&w, &b);
	sp_write_page(&w, NULL, &v);
	assert_true(jw_ok(&w));
	assert_string_equal(b.p, "{\"id\":\"p7s3x9k2m4qd\",\"name\":\"Acme <&>\",\"url\":\"https://status.acme.test\","
	                         "\"time_zone\":\"Etc/UTC\",\"updated_at\":\"2025-03-04T10:15:02.417Z\"}");

	buf_reset(&b);
	jw_init(&w, &b);
	sp_write_component(&w, NULL, &v, &c[0]);
	assert_true(jw_ok(&w));
	assert_string_equal(b.p, "{\"id\":\"c4pi9k2l7m1n\",\"name\":\"API\",\"status\":\"degraded_performance\","
	                         "\"created_at\":\"2023-01-10T08:00:01.120Z\",\"updated_at\":\"2023-01-10T08:00:01.120Z\","
	                         "\"position\":1,\"description\":\"REST\\r\\nGraphQL\",\"showcase\":true,"
	                         "\"start_date\":\"2023-01-10\",\"group_id\":\"g1rp0v2nq8ha\",\"page_id\":\"p7s3x9k2m4qd\","
	                         "\"group\":false,\"only_show_if_degraded\":false}");

	/* flat list in display order: group, its children, then the top-level component */
	buf_reset(&b);
	jw_init(&w, &b);
	sp_write_component_list(&w, NULL, &v);
	assert_true(jw_ok(&w));
	const char *grp = strstr(b.p, "\"id\":\"g1rp0v2nq8ha\"");
	const char *api = strstr(b.p, "\"id\":\"c4pi9k2l7m1n\"");
	const char *dash = strstr(b.p, "\"id\":\"w3bz8y6x5v4t\"");
	const char *mail = strstr(b.p, "\"id\":\"e9dl2mq7hs0r\"");
	assert_non_null(grp);
	assert_true(grp < api && api < dash && dash < mail);
	assert_non_null(strstr(b.p, "\"name\":\"Platform\",\"status\":\"degraded_performance\""));
	assert_non_null(strstr(b.p, "\"group\":true,\"only_show_if_degraded\":false,"
	                            "\"components\":[\"c4pi9k2l7m1n\",\"w3bz8y6x5v4t\"]}"));
	assert_non_null(strstr(b.p, "\"name\":\"Email \\\"delivery\\\"\""));

	/* an update: key order, grouped names, null affected_components */
	struct affected af = { .old_status = CS_OPERATIONAL, .new_status = CS_DEGRADED_PERFORMANCE };
	strcpy(af.component_id, "c4pi9k2l7m1n");
	struct incident_update u = { .status = IS_INVESTIGATING, .body = "<b>x</b>", .created_at = 1741081272366,
	                             .updated_at = 1741081272366, .display_at = 1741081272366,
	                             .naffected = 1, .affected = &af };
	strcpy(u.id, "q1w3e5r7t9y1");
	strcpy(u.incident_id, "t5bq8n2wz6kd");
	buf_reset(&b);
	jw_init(&w, &b);
	sp_write_update(&w, NULL, &v, &u);
	assert_true(jw_ok(&w));
	assert_string_equal(b.p, "{\"id\":\"q1w3e5r7t9y1\",\"status\":\"investigating\",\"body\":\"<b>x<\\/b>\","
	                         "\"incident_id\":\"t5bq8n2wz6kd\",\"created_at\":\"2025-03-04T09:41:12.366Z\","
	                         "\"updated_at\":\"2025-03-04T09:41:12.366Z\",\"display_at\":\"2025-03-04T09:41:12.366Z\","
	                         "\"affected_components\":[{\"code\":\"c4pi9k2l7m1n\",\"name\":\"Platform - API\","
	                         "\"old_status\":\"operational\",\"new_status\":\"degraded_performance\"}],"
	                         "\"deliver_notifications\":true,\"custom_tweet\":null,\"tweet_id\":null}");
	u.naffected = 0;
	buf_reset(&b);
	jw_init(&w, &b);
	sp_write_update(&w, NULL, &v, &u);
	assert_non_null(strstr(b.p, "\"affected_components\":null,"));

	/* v1 style: the management API's key order */
	v.style = SP_V1;
	buf_reset(&b);
	jw_init(&w, &b);
	sp_write_component(&w, NULL, &v, &c[2]);
	assert_true(jw_ok(&w));
	assert_string_equal(b.p, "{\"id\":\"e9dl2mq7hs0r\",\"page_id\":\"p7s3x9k2m4qd\",\"group_id\":null,"
	                         "\"created_at\":\"2023-01-10T08:00:01.120Z\",\"updated_at\":\"2023-01-10T08:00:01.120Z\","
	                         "\"group\":false,\"name\":\"Email \\\"delivery\\\"\",\"description\":null,\"position\":2,"
	                         "\"status\":\"operational\",\"showcase\":true,\"only_show_if_degraded\":false,"
	                         "\"automation_email\":null,\"start_date\":null}");

	/* unsafe page URLs are not echoed */
	v.page.url = "javascript:alert(1)";
	assert_string_equal(sp_page_url(&v), "");
	assert_string_equal(sp_incident_url(&v, "abc"), "/incidents/abc");
	buf_free(&b);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_objects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
