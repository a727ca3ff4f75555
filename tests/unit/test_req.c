/* test_req.c: req_parse reads request bodies of any size up to max_body_kb (declared or not) and refuses bigger ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "arena.h"
#include "config.h"
#include "req.h"

struct feed {                       /* a body handed out in pieces of at most step bytes */
	const char *p;
	size_t len, off, step;
};

static int feed_read(void *ctx, char *p, int n)
{
	struct feed *f = ctx;
	size_t k = f->len - f->off;
	if (k > (size_t)n)
		k = (size_t)n;
	if (k > f->step)
		k = f->step;
	memcpy(p, f->p + f->off, k);
	f->off += k;
	return (int)k;
}

/* req_parse of a POST with body (len bytes, content_length as given or none), into r. */
static bool parse(struct arena *a, struct config *cfg, struct req *r, const char *body, size_t len,
                  const char *content_length, size_t step)
{
	static char env[3][64];
	char *envp[4] = { env[0], env[1], NULL, NULL };
	snprintf(env[0], sizeof env[0], "REQUEST_METHOD=POST");
	snprintf(env[1], sizeof env[1], "REQUEST_URI=/api/v1/pages/x/incidents");
	if (content_length) {
		snprintf(env[2], sizeof env[2], "CONTENT_LENGTH=%s", content_length);
		envp[2] = env[2];
	}
	memset(r, 0, sizeof *r);
	r->arena = a;
	r->cfg = cfg;
	r->envp = envp;
	r->status = 200;
	buf_init(&r->headers);
	buf_init(&r->body_out);
	struct feed f = { body, len, 0, step };
	bool ok = req_parse(r, feed_read, &f);
	buf_free(&r->headers);
	buf_free(&r->body_out);
	return ok;
}

static void test_bodies_up_to_the_limit(void **state)
{
	(void)state;
	static struct config cfg;
	config_defaults(&cfg);
	cfg.max_body_kb = 4;
	size_t limit = 4096;
	char *big = malloc(limit + 10);
	for (size_t i = 0; i < limit + 10; i++)
		big[i] = (char)('a' + i % 26);
	struct arena *a = arena_new();
	struct req r;
	static const size_t sizes[] = { 0, 1, 255, 256, 257, 1000, 4095, 4096 };
	static const size_t steps[] = { 1, 7, 100000 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++)
			for (int declared = 0; declared < 3; declared++) {
				char cl[32];
				/* the declared length: right, none, or smaller than the body (read to EOF anyway) */
				snprintf(cl, sizeof cl, "%zu", declared == 2 ? sizes[s] / 2 : sizes[s]);
				assert_true(parse(a, &cfg, &r, big, sizes[s], declared == 1 ? NULL : cl, steps[k]));
				assert_int_equal(r.body_len, sizes[s]);
				assert_memory_equal(r.body, big, sizes[s]);
				assert_int_equal(r.body[sizes[s]], '\0');
				arena_reset(a);
			}
	/* one byte over: 413, declared or not */
	assert_false(parse(a, &cfg, &r, big, limit + 1, NULL, 100000));
	assert_int_equal(r.status, 413);
	assert_false(parse(a, &cfg, &r, big, limit + 1, "10", 3));
	assert_int_equal(r.status, 413);
	assert_false(parse(a, &cfg, &r, big, 10, "4097", 3));        /* declared over the limit */
	assert_int_equal(r.status, 413);
	assert_false(parse(a, &cfg, &r, "a\0b", 3, "3", 10));         /* a NUL inside */
	assert_int_equal(r.status, 400);
	arena_free(a);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies_up_to_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
