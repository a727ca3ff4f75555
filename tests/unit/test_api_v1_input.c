/* test_api_v1_input.c: v1 body validation: encodings, leniencies, types, limits, unknown fields, times, subscriber bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "api_v1_input.h"
#include "zone.h"
#include "store.h"

static struct arena *A;
static char err[512];

static int parse_q(const char *ct, const char *body, const struct kv *q, size_t nq, enum v1_resource res,
                   bool create, struct v1_input *in)
{
	struct v1_source src = { ct, body, body ? strlen(body) : 0, q, nq, NULL };
	err[0] = '\0';
	return v1_input_parse(A, &src, res, create, in, err, sizeof err);
}

static int parse(const char *ct, const char *body, enum v1_resource res, bool create, struct v1_input *in)
{
	return parse_q(ct, body, NULL, 0, res, create, in);
}

static int setup(void **state)
{
	(void)state;
	A = arena_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(A);
	return 0;
}

static void test_json_incident(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(0, parse("application/json",
		"{\"incident\":{\"name\":\"Checkout\",\"impact_override\":\"major\",\"status\":\"identified\","
		"\"body\":\"Investigating<br>\",\"components\":{\"kvpxtsp2k1lf\":\"partial_outage\",\"abc\":\"\"},"
		"\"component_ids\":[\"kvpxtsp2k1lf\"],\"wants_twitter_update\":false,\"scheduled_for\":\"\"}}",
		V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_NAME].s, "Checkout");
	assert_int_equal(in.v[IF_STATUS].e, IS_IDENTIFIED);
	assert_int_equal(in.v[IF_IMPACT_OVERRIDE].e, IMP_MAJOR);
	assert_int_equal(in.v[IF_COMPONENTS].n, 2);
	assert_string_equal(in.v[IF_COMPONENTS].ids[0], "kvpxtsp2k1lf");
	assert_int_equal(in.v[IF_COMPONENTS].statuses[0], CS_PARTIAL_OUTAGE);
	assert_int_equal(in.v[IF_COMPONENTS].statuses[1], -1);
	assert_int_equal(in.v[IF_COMPONENT_IDS].n, 1);
	assert_false(in.v[IF_SCHEDULED_FOR].set);      /* "" is "not given" */
}

static void test_malformed_and_content_types(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(400, parse("application/json", "{\"incident\":{\"name\":", V1R_INCIDENT, true, &in));
	assert_non_null(strstr(err, "malformed JSON"));
	assert_int_equal(400, parse("application/json", "[1,2]", V1R_INCIDENT, true, &in));
	assert_int_equal(415, parse("text/plain", "name=x", V1R_INCIDENT, true, &in));
	/* JSON with no or a wrong Content-Type still parses (yannh SDK) */
	assert_int_equal(0, parse(NULL, " {\"component\":{\"name\":\"API\"}}", V1R_COMPONENT, true, &in));
	assert_int_equal(0, parse("text/plain", "{\"component\":{\"name\":\"API\"}}", V1R_COMPONENT, true, &in));
	/* duplicate keys are refused */
	assert_int_equal(400, parse(NULL, "{\"component\":{\"name\":\"a\",\"name\":\"b\"}}", V1R_COMPONENT, true, &in));
}

static void test_types_and_limits(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":123}}", V1R_INCIDENT, true, &in));
	assert_non_null(strstr(err, "incident.name"));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\",\"status\":\"broken\"}}", V1R_INCIDENT, true, &in));
	assert_non_null(strstr(err, "incident.status"));
	assert_int_equal(422, parse(NULL, "{\"component\":{\"name\":\"x\",\"showcase\":\"true\"}}", V1R_COMPONENT, true, &in));
	assert_non_null(strstr(err, "component.showcase"));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\",\"scheduled_for\":\"tomorrow\"}}", V1R_INCIDENT, true, &in));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\",\"metadata\":{\"jira\":1}}}", V1R_INCIDENT, true, &in));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\",\"component_ids\":[\"BAD ID\"]}}", V1R_INCIDENT, true, &in));
	char big[400];
	memset(big, 'a', 300);
	big[300] = '\0';
	char *body = arena_printf(A, "{\"component\":{\"name\":\"%s\"}}", big);
	assert_int_equal(422, parse(NULL, body, V1R_COMPONENT, true, &in));
	assert_non_null(strstr(err, "longer than 255"));
	assert_int_equal(422, parse(NULL, "{\"component\":{\"name\":\"a\\nb\"}}", V1R_COMPONENT, true, &in));
}

static void test_required_and_unknown(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"status\":\"investigating\"}}", V1R_INCIDENT, true, &in));
	assert_non_null(strstr(err, "incident.name: is required"));
	assert_int_equal(0, parse(NULL, "{\"incident\":{\"status\":\"investigating\"}}", V1R_INCIDENT, false, &in));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"\"}}", V1R_INCIDENT, false, &in));
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\",\"colour\":\"red\"}}", V1R_INCIDENT, true, &in));
	assert_string_equal(err, "unknown field: incident.colour");
	assert_int_equal(422, parse(NULL, "{\"incident\":{\"name\":\"x\"},\"extra\":1}", V1R_INCIDENT, true, &in));
	assert_int_equal(422, parse(NULL, "{\"incident\":\"x\"}", V1R_INCIDENT, true, &in));
	/* unwrapped attributes are accepted */
	assert_int_equal(0, parse(NULL, "{\"name\":\"x\",\"body\":\"y\"}", V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_BODY].s, "y");
}

static void test_form_rails_brackets(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(0, parse("application/x-www-form-urlencoded",
		"incident[name]=test+incident&incident[component_ids][]=8kbf7d35c070&incident[component_ids][]=vtnh60py4yd7"
		"&incident[components][8kbf7d35c070]=major_outage&incident[deliver_notifications]=f"
		"&incident[message]=hello%20world", V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_NAME].s, "test incident");
	assert_int_equal(in.v[IF_COMPONENT_IDS].n, 2);
	assert_string_equal(in.v[IF_COMPONENT_IDS].ids[1], "vtnh60py4yd7");
	assert_int_equal(in.v[IF_COMPONENTS].statuses[0], CS_MAJOR_OUTAGE);
	assert_true(in.v[IF_DELIVER_NOTIFICATIONS].set);
	assert_false(in.v[IF_DELIVER_NOTIFICATIONS].b);
	assert_string_equal(in.v[IF_MESSAGE].s, "hello world");
	assert_int_equal(400, parse(NULL, "incident[name]=a&incident[name][x]=b", V1R_INCIDENT, true, &in));
	assert_int_equal(400, parse(NULL, "incident[name=a", V1R_INCIDENT, true, &in));
}

static void test_query_merge_body_wins(void **state)
{
	(void)state;
	struct v1_input in;
	struct kv q[] = { { "api_key", "secret" }, { "incident[name]", "from query" }, { "incident[status]", "monitoring" } };
	assert_int_equal(0, parse_q(NULL, "{\"incident\":{\"name\":\"from body\"}}", q, 3, V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_NAME].s, "from body");
	assert_int_equal(in.v[IF_STATUS].e, IS_MONITORING);
	assert_int_equal(0, parse_q(NULL, NULL, q, 3, V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_NAME].s, "from query");
}

static void test_group_and_nullables(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(0, parse(NULL, "{\"description\":\"outside\",\"component_group\":{\"name\":\"G\",\"components\":[\"a1\"]}}",
	                          V1R_GROUP, true, &in));
	assert_string_equal(in.v[GF_DESCRIPTION].s, "outside");
	assert_int_equal(0, parse(NULL, "{\"description\":\"outside\",\"component_group\":{\"name\":\"G\",\"description\":\"in\",\"components\":[\"a1\"]}}",
	                          V1R_GROUP, true, &in));
	assert_string_equal(in.v[GF_DESCRIPTION].s, "in");
	assert_int_equal(422, parse(NULL, "{\"component_group\":{\"name\":\"G\"}}", V1R_GROUP, true, &in));
	for (int i = 0; i < 3; i++) {
		static const char *const bodies[] = { "{\"component\":{\"group_id\":null}}", "{\"component\":{\"group_id\":\"null\"}}",
		                                      "{\"component\":{\"group_id\":\"\"}}" };
		assert_int_equal(0, parse(NULL, bodies[i], V1R_COMPONENT, false, &in));
		assert_true(in.v[CF_GROUP_ID].set && in.v[CF_GROUP_ID].null);
	}
	assert_int_equal(0, parse(NULL, "{\"component\":{\"status\":\"\",\"description\":null}}", V1R_COMPONENT, false, &in));
	assert_false(in.v[CF_STATUS].set);
	assert_true(in.v[CF_DESCRIPTION].set && in.v[CF_DESCRIPTION].null);
}

static void test_yannh_components_array_and_multipart(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(0, parse(NULL, "{\"incident\":{\"name\":\"x\",\"components\":[{\"id\":\"abc\",\"status\":\"degraded_performance\"},\"def\"]}}",
	                          V1R_INCIDENT, true, &in));
	assert_int_equal(in.v[IF_COMPONENTS].n, 2);
	assert_int_equal(in.v[IF_COMPONENTS].statuses[0], CS_DEGRADED_PERFORMANCE);
	assert_int_equal(in.v[IF_COMPONENTS].statuses[1], -1);
	const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"incident[name]\"\r\n\r\nMulti part\r\n"
	                 "--XyZ\r\nContent-Disposition: form-data; name=\"incident[status]\"\r\n\r\nresolved\r\n--XyZ--\r\n";
	assert_int_equal(0, parse("multipart/form-data; boundary=XyZ", mp, V1R_INCIDENT, true, &in));
	assert_string_equal(in.v[IF_NAME].s, "Multi part");
	assert_int_equal(in.v[IF_STATUS].e, IS_RESOLVED);
}

/* Found by fuzz_v1_input: jansson refuses a non-UTF-8 key and frees the value it was given; the
 * form walk went on into the freed object (use after free). Such a name is a 400. */
static void test_form_name_not_utf8(void **state)
{
	struct v1_input in;
	static const char *const bodies[] = { "co\x93\x98onent[showcase]=f", "component[sh\xffwcase]=f",
	                                      "component[\xc3][x]=1", "\xfe=1" };
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		assert_int_equal(400, parse("application/x-www-form-urlencoded", bodies[i], V1R_COMPONENT, false, &in));
		assert_non_null(strstr(err, "UTF-8"));
	}
}

static void test_times(void **state)
{
	(void)state;
	int64_t t;
	assert_true(v1_parse_time("2024-01-15T10:00:00.000Z", &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time("2024-01-15T10:00:00Z", &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time("2024-01-15T05:00:00-05:00", &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time("2024-01-15T10:00:00.5+00:00", &t));
	assert_int_equal(t, 1705312800500LL);
	assert_true(v1_parse_time("2024-01-15T10:00Z", &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time("2024-01-15", &t));
	assert_int_equal(t, 1705276800000LL);
	assert_false(v1_parse_time("2024-02-31", &t));
	assert_false(v1_parse_time("2024-01-15T25:00:00Z", &t));
	assert_false(v1_parse_time("yesterday", &t));
	assert_false(v1_parse_time("2024-01-15T10:00:00Zjunk", &t));
}

/* Without an offset a date-time is the page's wall clock; with one (or Z) it means what it says. */
static void test_times_in_page_zone(void **state)
{
	(void)state;
	int64_t t;
	const struct zone *gye = zone_get("America/Guayaquil");      /* UTC-5, no DST */
	const struct zone *mad = zone_get("Europe/Madrid");          /* UTC+2 in summer */
	assert_non_null(gye);
	assert_non_null(mad);
	assert_true(v1_parse_time_in("2024-01-15T05:00", gye, &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time_in("2024-01-15 05:00:00", gye, &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time_in("2026-07-01T12:00", mad, &t));
	assert_int_equal(t, 1782900000000LL);                        /* 10:00Z */
	assert_true(v1_parse_time_in("2024-01-15T10:00:00Z", gye, &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time_in("2024-01-15T05:00:00-05:00", mad, &t));
	assert_int_equal(t, 1705312800000LL);
	assert_true(v1_parse_time_in("2024-01-15T10:00", NULL, &t));
	assert_int_equal(t, 1705312800000LL);
	/* through the parser: incident[display_at] without an offset on a page in Guayaquil */
	struct arena *a = arena_new();
	struct v1_input in;
	char why[256];
	struct v1_source src = { "application/json", "{\"incident\":{\"name\":\"x\",\"display_at\":\"2024-01-15T05:00\"}}",
	                         0, NULL, 0, gye };
	src.len = strlen(src.body);
	assert_int_equal(v1_input_parse(a, &src, V1R_INCIDENT, true, &in, why, sizeof why), 0);
	bool found = false;
	for (size_t i = 0; i < V1_MAXFIELDS; i++)
		if (in.v[i].set && in.v[i].t == 1705312800000LL)
			found = true;
	assert_true(found);
	arena_free(a);
}

/* PATCH …/subscribers/{id}: component_ids at the top level or in the envelope; the bulk bodies have
 * no envelope, take an array, "all" or "a,b", and at most V1_BULK_MAX ids. */
static void test_subscriber_patch_and_bulk(void **state)
{
	(void)state;
	struct v1_input in;
	assert_int_equal(0, parse(NULL, "{\"component_ids\":[\"a1\",\"b2\"]}", V1R_SUBSCRIBER_PATCH, false, &in));
	assert_int_equal(in.v[SPF_COMPONENT_IDS].n, 2);
	assert_int_equal(0, parse(NULL, "{\"subscriber\":{\"component_ids\":[\"c3\"]}}", V1R_SUBSCRIBER_PATCH, false, &in));
	assert_string_equal(in.v[SPF_COMPONENT_IDS].ids[0], "c3");
	assert_int_equal(0, parse(NULL, "{\"subscriber\":{},\"component_ids\":[\"d4\"]}", V1R_SUBSCRIBER_PATCH, false, &in));
	assert_string_equal(in.v[SPF_COMPONENT_IDS].ids[0], "d4");
	assert_int_equal(0, parse(NULL, "{}", V1R_SUBSCRIBER_PATCH, false, &in));
	assert_false(in.v[SPF_COMPONENT_IDS].set);
	assert_int_equal(422, parse(NULL, "{\"subscriber\":{\"email\":\"a@b.c\"}}", V1R_SUBSCRIBER_PATCH, false, &in));
	assert_string_equal(err, "unknown field: subscriber.email");
	assert_int_equal(422, parse(NULL, "{\"component_ids\":\"a,b\"}", V1R_SUBSCRIBER_PATCH, false, &in));

	assert_int_equal(0, parse(NULL, "{\"subscribers\":[\"a1\",\"b2\"],\"type\":\"email\"}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_int_equal(in.v[SBF_SUBSCRIBERS].n, 2);
	assert_string_equal(in.v[SBF_TYPE].s, "email");
	assert_int_equal(0, parse(NULL, "{\"subscribers\":\" a1, b2 ,c3\"}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_int_equal(in.v[SBF_SUBSCRIBERS].n, 3);
	assert_string_equal(in.v[SBF_SUBSCRIBERS].ids[1], "b2");
	assert_string_equal(in.v[SBF_SUBSCRIBERS].ids[2], "c3");
	assert_int_equal(0, parse(NULL, "{\"subscribers\":\"all\"}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_string_equal(in.v[SBF_SUBSCRIBERS].ids[0], "all");
	assert_int_equal(0, parse("application/x-www-form-urlencoded", "subscribers[]=a1&subscribers[]=b2", V1R_SUBSCRIBER_BULK, true, &in));
	assert_int_equal(in.v[SBF_SUBSCRIBERS].n, 2);
	assert_int_equal(422, parse(NULL, "{\"type\":\"email\"}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_string_equal(err, "subscribers: is required");
	assert_int_equal(422, parse(NULL, "{\"subscribers\":\"a,,b\"}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_int_equal(422, parse(NULL, "{\"subscribers\":[\"a\"],\"x\":1}", V1R_SUBSCRIBER_BULK, true, &in));
	assert_string_equal(err, "unknown field: x");
	struct buf b;
	buf_init(&b);
	buf_append(&b, "{\"subscribers\":\"", 16);
	for (int i = 0; i <= V1_BULK_MAX; i++)
		buf_append(&b, i ? ",s" : "s", i ? 2 : 1);
	buf_append(&b, "\"}", 3);
	assert_int_equal(422, parse(NULL, b.p, V1R_SUBSCRIBER_BULK, true, &in));
	assert_non_null(strstr(err, "at most 1000"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_incident),
		cmocka_unit_test(test_times_in_page_zone),
		cmocka_unit_test(test_malformed_and_content_types),
		cmocka_unit_test(test_types_and_limits),
		cmocka_unit_test(test_required_and_unknown),
		cmocka_unit_test(test_form_rails_brackets),
		cmocka_unit_test(test_query_merge_body_wins),
		cmocka_unit_test(test_group_and_nullables),
		cmocka_unit_test(test_yannh_components_array_and_multipart),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_form_name_not_utf8),
		cmocka_unit_test(test_subscriber_patch_and_bulk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
