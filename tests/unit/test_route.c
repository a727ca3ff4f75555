/* test_route.c: the render cache key holds only the query parameters a cached route declares. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "arena.h"
#include "req.h"

/* The cache key of GET uri (path?query) in language lang, with the query the handler then sees. */
static const char *key_of(struct arena *a, const char *uri, const char *lang, struct req *r)
{
	memset(r, 0, sizeof *r);
	r->arena = a;
	r->method = "GET";
	const char *q = strchr(uri, '?');
	r->path = q ? arena_strndup(a, uri, (size_t)(q - uri)) : uri;
	r->nquery = q ? form_parse(a, arena_strdup(a, q + 1), r->query, REQ_MAXQUERY) : 0;
	r->lang = lang;
	bool allowed;
	const struct route *rt = route_match(r, &allowed);
	assert_non_null(rt);
	return route_cache_key(r, rt);
}

static void test_unknown_params_share_the_canonical_entry(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct req r;
	const char *home = key_of(a, "/", "en", &r);
	assert_string_equal(key_of(a, "/?r=1", "en", &r), home);
	assert_int_equal(r.nquery, 0);                       /* the handler does not see ?r= either */
	assert_string_equal(key_of(a, "/?r=2&utm_source=x&fbclid", "en", &r), home);
	assert_string_equal(key_of(a, "/?lang=xx", "en", &r), home);   /* not a language: ignored */
	assert_string_equal(key_of(a, "/api/v2/summary.json?callback=x&_=123", NULL, &r),
	                    key_of(a, "/api/v2/summary.json", NULL, &r));
	assert_string_equal(key_of(a, "/incidents/abc?r=9", "es", &r), key_of(a, "/incidents/abc", "es", &r));
	arena_free(a);
}

static void test_declared_params_make_their_own_entry(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct req r;
	const char *es = key_of(a, "/?lang=es", "es", &r);
	assert_int_equal(r.nquery, 1);
	assert_string_not_equal(es, key_of(a, "/", "es", &r));          /* ?lang= changes the links */
	assert_string_not_equal(key_of(a, "/", "es", &r), key_of(a, "/", "en", &r));
	const char *p2 = key_of(a, "/history?page=2", "en", &r);
	assert_string_equal(key_of(a, "/history?r=5&page=2", "en", &r), p2);
	assert_string_equal(key_of(a, "/history?page=2&page=3", "en", &r), p2);   /* the first one counts */
	assert_string_equal(req_query(&r, "page"), "2");
	assert_string_not_equal(key_of(a, "/history?page=3", "en", &r), p2);
	assert_string_equal(key_of(a, "/history?page=2&lang=es", "es", &r), key_of(a, "/history?lang=es&page=2", "es", &r));
	assert_string_equal(key_of(a, "/?page=2", "en", &r), key_of(a, "/", "en", &r));   /* / does not read page */
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_params_share_the_canonical_entry),
		cmocka_unit_test(test_declared_params_make_their_own_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
