/* test_jsonlimit.c: the nesting bound on untrusted JSON: the limit, strings that look like nesting, the path named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "jsonlimit.h"

static char *nested(int levels, const char *open, const char *close, char *out, size_t n)
{
	size_t o = 0;
	for (int i = 0; i < levels; i++)
		o += (size_t)snprintf(out + o, n - o, "%s", open);
	o += (size_t)snprintf(out + o, n - o, "1");
	for (int i = 0; i < levels; i++)
		o += (size_t)snprintf(out + o, n - o, "%s", close);
	return out;
}

static void test_limit(void **state)
{
	(void)state;
	static char text[65536];
	char deep[128];
	json_error_t je;
	nested(32, "[", "]", text, sizeof text);
	json_t *j = jsonlimit_load(text, strlen(text), &je, deep, sizeof deep);
	assert_non_null(j);
	assert_string_equal(deep, "");
	json_decref(j);
	nested(33, "[", "]", text, sizeof text);
	assert_null(jsonlimit_load(text, strlen(text), &je, deep, sizeof deep));
	assert_string_equal(deep, "[0][0][0][0]...");
	assert_non_null(strstr(je.text, "nested deeper than 32"));
}

static void test_path_names_keys(void **state)
{
	(void)state;
	static char text[65536];
	char deep[128];
	json_error_t je;
	strcpy(text, "{\"incident\":{\"name\":\"x\",\"metadata\":");
	nested(900, "{\"a\":", "}", text + strlen(text), sizeof text - strlen(text));
	strcat(text, "}}");
	assert_null(jsonlimit_load(text, strlen(text), &je, deep, sizeof deep));
	assert_string_equal(deep, "incident.metadata.a.a...");
	strcpy(text, "{\"list\":[1,2,");
	nested(40, "[", "]", text + strlen(text), sizeof text - strlen(text));
	strcat(text, "]}");
	assert_false(jsonlimit_depth_ok(text, strlen(text), 32, deep, sizeof deep));
	assert_string_equal(deep, "list[2][0][0]...");
}

static void test_strings_are_not_nesting(void **state)
{
	(void)state;
	char deep[128];
	json_error_t je;
	const char *t = "{\"k\\\"{[\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\\\\\"}";
	json_t *j = jsonlimit_load(t, strlen(t), &je, deep, sizeof deep);
	assert_non_null(j);
	json_decref(j);
	assert_null(jsonlimit_load("{\"a\":", 5, &je, deep, sizeof deep));   /* malformed: not a depth error */
	assert_string_equal(deep, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_path_names_keys),
		cmocka_unit_test(test_strings_are_not_nesting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
