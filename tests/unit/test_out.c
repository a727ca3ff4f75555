/* test_out.c: every output writer against markup, quotes, controls and invalid UTF-8; the JSON writer's guards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "out.h"

static const char *run(void (*w)(struct buf *, const char *), const char *in, struct buf *b)
{
	buf_reset(b);
	w(b, in);
	return b->p ? b->p : "";
}

static void test_text(void **state)
{
	struct buf b;
	buf_init(&b);
	assert_string_equal(run(out_text, "<script>alert('x')</script> & \"q\"", &b),
	                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	assert_string_equal(run(out_text, "a\x01" "b\rc\x7f" "d", &b), "abcd");           /* controls dropped */
	assert_string_equal(run(out_text, "line\nnext\ttab", &b), "line\nnext\ttab");
	assert_string_equal(run(out_text, "caf\xc3\xa9 \xe2\x9c\x93", &b), "caf\xc3\xa9 \xe2\x9c\x93");  /* valid UTF-8 kept */
	assert_string_equal(run(out_text, "bad\xff\xc3(", &b), "bad\xef\xbf\xbd\xef\xbf\xbd(");       /* invalid -> U+FFFD */
	assert_string_equal(run(out_text, "\xed\xa0\x80", &b), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	assert_string_equal(run(out_text, "\xc0\xaf", &b), "\xef\xbf\xbd\xef\xbf\xbd");                /* overlong */
	buf_free(&b);
}

static void test_attr(void **state)
{
	struct buf b;
	buf_init(&b);
	assert_string_equal(run(out_attr, "\" onmouseover=\"x' <>&", &b),
	                    "&quot; onmouseover=&quot;x&#39; &lt;&gt;&amp;");
	assert_string_equal(run(out_attr, "a\nb\tc", &b), "a&#10;b&#9;c");
	assert_string_equal(run(out_xml, "it's <b>", &b), "it&apos;s &lt;b&gt;");
	buf_free(&b);
}

static void test_url_arg(void **state)
{
	struct buf b;
	buf_init(&b);
	assert_string_equal(run(out_url_arg, "a b&c=d/\"<>'?#%", &b), "a%20b%26c%3Dd%2F%22%3C%3E%27%3F%23%25");
	assert_string_equal(run(out_url_arg, "Az09-_.~", &b), "Az09-_.~");
	assert_string_equal(run(out_url_arg, "\xc3\xa9", &b), "%C3%A9");
	buf_free(&b);
}

static void test_json_str(void **state)
{
	struct buf b;
	buf_init(&b);
	assert_string_equal(run(out_json_str, "a\"b\\c\n\r\t\x01", &b), "\"a\\\"b\\\\c\\n\\r\\t\\u0001\"");
	assert_string_equal(run(out_json_str, "</script>", &b), "\"<\\/script>\"");
	assert_string_equal(run(out_json_str, "x\xe2\x80\xa8y", &b), "\"x\\u2028y\"");
	assert_string_equal(run(out_json_str, "\xff", &b), "\"\\ufffd\"");
	assert_string_equal(run(out_json_str, NULL, &b), "null");
	buf_free(&b);
}

static void test_url_is_safe(void **state)
{
	assert_true(url_is_safe("https://example.com/x"));
	assert_true(url_is_safe("http://example.com"));
	assert_true(url_is_safe("mailto:ops@example.com"));
	assert_true(url_is_safe("/incidents/abc"));
	assert_true(url_is_safe("relative/path"));
	assert_false(url_is_safe("javascript:alert(1)"));
	assert_false(url_is_safe("JaVaScRiPt:alert(1)"));
	assert_false(url_is_safe(" \tjava\nscript:alert(1)"));
	assert_false(url_is_safe("data:text/html,<script>"));
	assert_false(url_is_safe("vbscript:x"));
	assert_false(url_is_safe(NULL));
}

static void test_jw(void **state)
{
	struct buf b;
	struct jw w;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "name", "A \"B\"");
	jw_int(&w, "n", -42);
	jw_bool(&w, "t", true);
	jw_null(&w, "z");
	jw_arr_open(&w, "list");
	jw_str(&w, NULL, "x");
	jw_int(&w, NULL, 1);
	jw_obj_open(&w, NULL);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	assert_true(jw_ok(&w));
	assert_string_equal(b.p, "{\"name\":\"A \\\"B\\\"\",\"n\":-42,\"t\":true,\"z\":null,\"list\":[\"x\",1,{}]}");

	/* misuse: a value without a key inside an object */
	buf_reset(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, NULL, "oops");
	assert_false(jw_ok(&w));
	/* a key inside an array */
	buf_reset(&b);
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	jw_int(&w, "k", 1);
	assert_false(jw_ok(&w));
	/* unbalanced, wrong closer, NaN */
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	assert_false(jw_ok(&w));
	jw_arr_close(&w);
	assert_false(jw_ok(&w));
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	jw_double(&w, NULL, 0.0 / 0.0);
	jw_arr_close(&w);
	assert_false(jw_ok(&w));
	buf_free(&b);
}

static void test_arena(void **state)
{
	struct arena *a = arena_new();
	char *s = arena_printf(a, "%s-%d", "x", 7);
	assert_string_equal(s, "x-7");
	void *big = arena_alloc(a, 100000);
	assert_non_null(big);
	assert_true(arena_used(a) >= 100000);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	assert_null(arena_strdup(a, NULL));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_attr),
		cmocka_unit_test(test_url_arg),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_url_is_safe),
		cmocka_unit_test(test_jw),
		cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests_name("out", tests, NULL, NULL);
}
