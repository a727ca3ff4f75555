/* test_brand.c: logo checks: the SVG allow-list rebuild (scripts, handlers, external references), PNG limits, colours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "brand.h"

static char err[160];

/* The rebuilt SVG of in, or NULL when refused (err says why); arena-owned. */
static const char *svg(struct arena *a, const char *in)
{
	struct buf b;
	buf_init(&b);
	bool ok = brand_svg_sanitize(a, in, strlen(in), &b, err, sizeof err);
	const char *out = ok ? arena_strndup(a, b.p ? b.p : "", b.len) : NULL;
	buf_free(&b);
	return out;
}

static void test_svg_keeps_shapes(void **state)
{
	struct arena *a = arena_new();
	const char *s = svg(a, "<?xml version=\"1.0\"?>\n<!-- c --><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 8 8\">"
	                       "<g transform=\"translate(1 1)\"><circle cx=\"4\" cy=\"4\" r=\"3\" fill=\"url(#g)\"/></g>"
	                       "<title>Acme &amp; co</title></svg>");
	assert_null(s);                  /* entities are refused, even harmless ones */
	s = svg(a, "<svg viewBox='0 0 8 8'><g transform='translate(1 1)'><circle cx='4' cy='4' r='3' fill='url(#g)'/></g>"
	           "<title>Acme</title></svg>");
	assert_non_null(s);
	assert_string_equal(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 8 8\"><g transform=\"translate(1 1)\">"
	                       "<circle cx=\"4\" cy=\"4\" r=\"3\" fill=\"url(#g)\"/></g><title>Acme</title></svg>");
	arena_free(a);
}

static void test_svg_drops_active_content(void **state)
{
	struct arena *a = arena_new();
	const char *s = svg(a, "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
	                       "<script>alert(2)</script><foreignObject><div onclick=\"x\">hi</div></foreignObject>"
	                       "<a href=\"javascript:alert(3)\"><rect width=\"1\" height=\"1\"/></a>"
	                       "<rect width=\"2\" height=\"2\" style=\"fill:url(http://evil.test/x)\" onmouseover=\"y\"/>"
	                       "<use href=\"http://evil.test/#a\"/><image href=\"http://evil.test/i.png\"/></svg>");
	assert_non_null(s);
	assert_string_equal(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"2\" height=\"2\"/></svg>");
	arena_free(a);
}

static void test_svg_refusals(void **state)
{
	struct arena *a = arena_new();
	assert_null(svg(a, "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg/>"));
	assert_null(svg(a, "<svg><![CDATA[x]]></svg>"));
	assert_null(svg(a, "<svg><rect fill=\"url(http://evil.test/a)\"/></svg>"));
	assert_null(svg(a, "<svg><rect fill=\"javascript:x\"/></svg>"));
	assert_null(svg(a, "<html><svg/></html>"));
	assert_null(svg(a, "<svg><rect></svg>"));
	assert_null(svg(a, "<svg/><svg/>"));
	assert_null(svg(a, "<svg><rect width=1/></svg>"));
	char deep[4096] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "<g>");
	char doc[8192];
	snprintf(doc, sizeof doc, "<svg>%s", deep);
	assert_null(svg(a, doc));
	arena_free(a);
}

static void test_png_and_colour(void **state)
{
	unsigned char png[33] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
	                          0, 0, 0, 64, 0, 0, 0, 32, 8, 2, 0, 0, 0 };
	assert_true(brand_png_ok(png, sizeof png, err, sizeof err));
	png[18] = 0x10;                  /* 4160 px wide */
	assert_false(brand_png_ok(png, sizeof png, err, sizeof err));
	assert_false(brand_png_ok((const unsigned char *)"GIF89a", 6, err, sizeof err));
	assert_true(brand_color_ok("#1d4ED8"));
	assert_false(brand_color_ok("#1d4ed"));
	assert_false(brand_color_ok("red"));
	assert_false(brand_color_ok("#1d4ed8;}"));
	assert_false(brand_color_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_keeps_shapes),
		cmocka_unit_test(test_svg_drops_active_content),
		cmocka_unit_test(test_svg_refusals),
		cmocka_unit_test(test_png_and_colour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
