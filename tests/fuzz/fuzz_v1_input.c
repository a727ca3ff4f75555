/* fuzz_v1_input.c: libFuzzer driver for v1_input_parse (JSON, form and multipart bodies, bracket query params). */
#include <pthread.h>
#include <stdbool.h>
#include <jansson.h>
#include "api_v1_input.h"
#include "jsonlimit.h"
#include "fuzz.h"

/*
 * Input: byte 0 = flags, then the body.
 *   bits 0-2 and 7 (as bit 3): resource (mod V1R__MAX)   bit 3: create
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

static void *fuzz_v1_input_parse_one(void *arg)
{
	const struct job *j = arg;
	static const char *const cts[] = { "application/json", "application/x-www-form-urlencoded",
	                                   "multipart/form-data; boundary=XyZ", NULL };
	uint8_t flags = j->data[0];
	enum v1_resource res = (enum v1_resource)(((flags & 7) | ((flags & 128) >> 4)) % V1R__MAX);
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

static int fuzz_v1_input_tree_depth(json_t *v)
{
	int d = 0;
	const char *k;
	json_t *e;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			int x = fuzz_v1_input_tree_depth(e);
			d = x > d ? x : d;
		}
		return d + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			int x = fuzz_v1_input_tree_depth(e);
			d = x > d ? x : d;
		}
		return d + 1;
	}
	return 0;
}

/* jsonlimit's scan agrees with jansson's tree: valid JSON is refused exactly when deeper than the limit.
 * On the main thread: jansson alone recurses up to 2048 levels. */
static void fuzz_v1_input_check_depth_scan(const char *p, size_t len)
{
	char deep[128];
	json_error_t je;
	bool ok = jsonlimit_depth_ok(p, len, JSONLIMIT_MAX_DEPTH, deep, sizeof deep);
	FUZZ_CHECK(ok || deep[0] != '\0', "refused without a path");
	json_t *v = json_loadb(p, len, JSON_DECODE_ANY, &je);
	if (v) {
		int d = fuzz_v1_input_tree_depth(v);
		FUZZ_CHECK(ok == (d <= JSONLIMIT_MAX_DEPTH), "scan says %s, tree is %d deep", ok ? "ok" : "too deep", d);
		json_decref(v);
	}
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
	if (pthread_create(&t, &attr, fuzz_v1_input_parse_one, &j) != 0)
		abort();
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	fuzz_v1_input_check_depth_scan((const char *)data + 1, size - 1);
	arena_reset(arena);
	return 0;
}
