/* fuzz_v1_input.c: libFuzzer driver for v1_input_parse (JSON, form and multipart bodies, bracket query params). */
#include <pthread.h>
#include <stdbool.h>
#include "api_v1_input.h"
#include "fuzz.h"

/*
 * Input: byte 0 = flags, then the body.
 *   bits 0-2: resource (mod V1R__MAX)   bit 3: create
 *   bits 4-5: Content-Type: JSON, form, multipart (boundary "XyZ"), none
 *   bit 6: the body's first line is the query string (form_parse'd, as the server does)
 * The parse runs on a thread with the server's worker stack (256 KiB, server.c), so deep
 * recursion is found here as it would be in `beacon serve`.
 */
#define WORKER_STACK (256 * 1024)

struct job {
	const uint8_t *data;
	size_t size;
};

static struct arena *arena;

static void *parse_one(void *arg)
{
	const struct job *j = arg;
	static const char *const cts[] = { "application/json", "application/x-www-form-urlencoded",
	                                   "multipart/form-data; boundary=XyZ", NULL };
	uint8_t flags = j->data[0];
	enum v1_resource res = (enum v1_resource)((flags & 7) % V1R__MAX);
	bool create = flags & 8;
	struct v1_source src = { .content_type = cts[(flags >> 4) & 3] };
	struct kv query[REQ_MAXQUERY];
	const char *body = (const char *)j->data + 1;
	size_t len = j->size - 1;
	if (flags & 64) {
		const char *nl = memchr(body, '\n', len);
		size_t ql = nl ? (size_t)(nl - body) : len;
		src.query = query;
		src.nquery = form_parse(arena, arena_strndup(arena, body, ql), query, REQ_MAXQUERY);
		body += ql + (nl != NULL);
		len -= ql + (nl != NULL);
	}
	/* the body as the server hands it over: a NUL-terminated copy in the arena */
	char *b = arena_alloc(arena, len + 1);
	memcpy(b, body, len);
	src.body = b;
	src.len = len;
	struct v1_input in;
	char err[512] = "";
	int rc = v1_input_parse(arena, &src, res, create, &in, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == 400 || rc == 413 || rc == 415 || rc == 422, "status %d (%s)", rc, err);
	FUZZ_CHECK(rc == 0 || err[0] != '\0', "status %d without a message", rc);
	if (rc == 0)
		for (size_t i = 0; i < V1_MAXFIELDS; i++)
			FUZZ_CHECK(!in.v[i].null || in.v[i].set, "field %zu null but not set", i);
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	arena = arena_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || memchr(data, '\0', size))
		return 0;           /* the server refuses a body with a NUL byte before parsing */
	struct job j = { data, size };
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	if (pthread_create(&t, &attr, parse_one, &j) != 0)
		abort();
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	arena_reset(arena);
	return 0;
}
