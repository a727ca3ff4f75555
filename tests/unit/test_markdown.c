/* test_markdown.c: the Markdown renderer: formatting, raw HTML off, and every way to smuggle a script link. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "markdown.h"

static struct buf out;

static const char *md(const char *src)
{
	buf_reset(&out);
	buf_append(&out, "", 0);
	markdown_html(&out, src, strlen(src));
	return out.p;
}

static void assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("[%s] not in [%s]", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("[%s] found in [%s]", needle, hay);
}

/* No live script anywhere: no tag we did not write, no script URL in an href. */
static void assert_inert(const char *html)
{
	assert_lacks(html, "<script");
	assert_lacks(html, "<img");
	assert_lacks(html, "<iframe");
	assert_lacks(html, "<svg");
	assert_lacks(html, "href=\"javascript");
	assert_lacks(html, "href=\"JAVASCRIPT");
	assert_lacks(html, "href=\"data:");
	assert_lacks(html, "href=\"vbscript");
	assert_lacks(html, "\" on");
}

static void test_formatting(void **state)
{
	assert_string_equal(md("Hello *world* and **bold**"), "<p>Hello <em>world</em> and <strong>bold</strong></p>\n");
	assert_string_equal(md("# Summary"), "<h4>Summary</h4>\n");
	assert_string_equal(md("###### deep"), "<h6>deep</h6>\n");
	assert_string_equal(md("1. one\n2. two"), "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n");
	assert_string_equal(md("3. three"), "<ol start=\"3\">\n<li>three</li>\n</ol>\n");
	assert_string_equal(md("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
	assert_string_equal(md("```\n<b>x</b>\n```"), "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n");
	assert_string_equal(md("`a<b`"), "<p><code>a&lt;b</code></p>\n");
	assert_string_equal(md("~~gone~~"), "<p><del>gone</del></p>\n");
	assert_string_equal(md("line one  \nline two"), "<p>line one<br>\nline two</p>\n");
	assert_string_equal(md("AT&amp;T &copy; &#8212; &bogus;"), "<p>AT&amp;T \xc2\xa9 \xe2\x80\x94 &amp;bogus;</p>\n");
	assert_has(md("| a | b |\n|:--|--:|\n| 1 | 2 |"), "<th class=\"ta-l\">a</th><th class=\"ta-r\">b</th>");
	assert_string_equal(md(""), "");
}

static void test_raw_html_is_text(void **state)
{
	const char *h = md("<script>alert(1)</script>");
	assert_inert(h);
	assert_has(h, "&lt;script&gt;alert(1)&lt;/script&gt;");
	h = md("Hi <img src=x onerror=alert(1)> there <b onclick=\"x\">b</b>");
	assert_inert(h);
	assert_has(h, "&lt;img src=x onerror=alert(1)&gt;");
	h = md("<div>\n<iframe src=\"javascript:alert(1)\"></iframe>\n</div>");
	assert_inert(h);
	h = md("<!-- comment --> <?php x ?> <![CDATA[ x ]]>");
	assert_has(h, "&lt;!-- comment --&gt;");
}

static void test_safe_links(void **state)
{
	assert_string_equal(md("[docs](https://example.com/a?b=1&c=2)"),
	                    "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">docs</a></p>\n");
	assert_has(md("[mail](mailto:ops@example.com)"), "href=\"mailto:ops@example.com\"");
	assert_has(md("<http://example.com>"), "href=\"http://example.com\"");
	assert_has(md("See https://example.com/status now"), "href=\"https://example.com/status\"");
	assert_has(md("[rel](/incidents/abc)"), "href=\"/incidents/abc\"");
	assert_has(md("[t](https://a.example \"say \\\"hi\\\" <b>\")"), "title=\"say &quot;hi&quot; &lt;b&gt;\"");
	/* images are never loaded: they become a link with the alt text */
	const char *h = md("![diagram](https://example.com/d.png)");
	assert_inert(h);
	assert_has(h, "<a href=\"https://example.com/d.png\" class=\"md-img\"");
	assert_has(h, ">diagram</a>");
}

static void test_script_links_are_dropped(void **state)
{
	static const char *const attacks[] = {
		"[x](javascript:alert(1))",
		"[x](JavaScript:alert(1))",
		"[x](  javascript:alert(1))",
		"<javascript:alert(1)>",
		"[x](&#106;avascript:alert(1))",
		"[x](&#x6A;avascript&colon;alert(1))",
		"[x](java&#x09;script:alert(1))",
		"[x](java&Tab;script:alert(1))",
		"[x](javascript%3Aalert(1))",
		"[x](%6Aavascript:alert(1))",
		"[x](vbscript:msgbox(1))",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x](<javascript:alert(1)>)",
		"[x][r]\n\n[r]: javascript:alert(1)",
		"![x](javascript:alert(1))",
		"[![x](https://ok.example/i.png)](javascript:alert(1))",
		"[x](&unknownentity;javascript:alert(1))",
		"[x](file:///etc/passwd)",
	};
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		const char *h = md(attacks[i]);
		assert_inert(h);
		assert_lacks(h, "javascript:alert(1)\"");
		assert_lacks(h, "href=\"file:");
		assert_lacks(h, "href=\"&");
	}
	/* the link text survives as plain text */
	assert_string_equal(md("[click me](javascript:alert(1))"), "<p>click me</p>\n");
}

static void test_attribute_breakout(void **state)
{
	const char *h = md("[x](https://a.example/\"onmouseover=alert(1))");
	assert_inert(h);
	h = md("[x](https://a.example/&quot;onmouseover=alert(1))");
	assert_inert(h);
	assert_has(h, "&quot;onmouseover");
	h = md("[x](<https://a.example/ \"><script>>)");
	assert_inert(h);
}

static void test_nul_and_bad_utf8(void **state)
{
	static const char src[] = "a\0b \xff\xfe";
	buf_reset(&out);
	markdown_html(&out, src, sizeof src - 1);
	assert_string_equal(out.p, "<p>a\xef\xbf\xbd" "b \xef\xbf\xbd\xef\xbf\xbd</p>\n");
}

/* Found by fuzz_markdown: md4c read the byte after the text, so an unfinished link at the end
 * ("[a](b") followed in the caller's buffer by ')' ran past the end of the text. Only len counts. */
static void test_reads_only_len_bytes(void **state)
{
	static const char *const srcs[] = { "[x](y", "see [API](https", "![i](/a \"t\"", "[a](<b>" };
	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
		size_t n = strlen(srcs[i]);
		char alone[64], followed[64];
		buf_reset(&out);
		markdown_html(&out, srcs[i], n);
		snprintf(alone, sizeof alone, "%s", out.p);
		char *src = malloc(n + 8);
		memcpy(src, srcs[i], n);
		memcpy(src + n, ")\n)\n)\n)\n", 8);
		buf_reset(&out);
		markdown_html(&out, src, n);
		snprintf(followed, sizeof followed, "%s", out.p);
		free(src);
		assert_string_equal(followed, alone);
	}
}

static void test_href_checker(void **state)
{
	assert_true(markdown_href_is_safe("https://example.com"));
	assert_true(markdown_href_is_safe("mailto:a@b.c"));
	assert_true(markdown_href_is_safe("/relative/path"));
	assert_true(markdown_href_is_safe("https://example.com/100%25"));
	assert_false(markdown_href_is_safe("javascript:x"));
	assert_false(markdown_href_is_safe("javascript%3ax"));
	assert_false(markdown_href_is_safe("%4a%41vascript:x"));
	assert_false(markdown_href_is_safe(" \tjava\nscript:x"));
	assert_false(markdown_href_is_safe("data:text/html,x"));
}

int main(void)
{
	buf_init(&out);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_raw_html_is_text),
		cmocka_unit_test(test_safe_links),
		cmocka_unit_test(test_script_links_are_dropped),
		cmocka_unit_test(test_attribute_breakout),
		cmocka_unit_test(test_nul_and_bad_utf8),
		cmocka_unit_test(test_href_checker),
		cmocka_unit_test(test_reads_only_len_bytes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&out);
	return rc;
}
