/* test_idempotency.c: Idempotency-Key records expire after a day, a reused key keeps its newer record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "api_v1.h"
#include "store.h"

#define HOUR_MS 3600000LL
#define T0 1794148200000LL

static char dir[64];
static struct store *s;
static struct arena *a;

static bool has(struct stx *t, const char *ns, const char *key)
{
	const void *v;
	size_t n;
	return store_kv_get(t, ns, key, &v, &n) == BC_OK;
}

static void remember(const char *key, int64_t at)
{
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	assert_int_equal(v1_idem_remember(t, a, key, 201, "h", "{\"id\":\"x\"}", at), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

static void purge(int64_t now)
{
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	assert_int_equal(v1_idem_purge(t, now), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
}

static void test_expiry(void **state)
{
	char path[96];
	strcpy(dir, "/tmp/beacon-idem-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db", dir);
	assert_int_equal(store_open(&s, path, STORE_CREATE), BC_OK);
	a = arena_new();

	remember("aaaa", T0);
	remember("bbbb", T0 + HOUR_MS);
	remember("aaaa", T0 + 2 * HOUR_MS);          /* the same key again, later */
	purge(T0 + 23 * HOUR_MS);                     /* nothing is a day old yet */
	struct stx *t;
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_true(has(t, "idem", "aaaa") && has(t, "idem", "bbbb"));
	store_abort(t);

	purge(T0 + 24 * HOUR_MS + 30 * 60000);        /* aaaa's first use expired, its newer record stays */
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_true(has(t, "idem", "aaaa"));
	assert_true(has(t, "idem", "bbbb"));
	char *first;
	assert_int_equal(store_kv_first(t, "idem-time", &first), BC_OK);
	assert_non_null(strstr(first, "bbbb"));
	store_abort(t);

	purge(T0 + 27 * HOUR_MS);                     /* everything is older than a day */
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_false(has(t, "idem", "aaaa"));
	assert_false(has(t, "idem", "bbbb"));
	assert_int_equal(store_kv_first(t, "idem-time", &first), BC_NOTFOUND);
	store_abort(t);

	store_close(s);
	arena_free(a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_expiry) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
