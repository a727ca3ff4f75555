/* fuzz_request.c: libFuzzer driver for the whole request parse: FastCGI params and body to struct req. */
#include <stdbool.h>
#include "cache.h"
#include "config.h"
#include "req.h"
#include "fuzz.h"

/*
 * Input: FastCGI params as "NAME=VALUE" lines (libfcgi hands them over as such C strings), an
 * empty line, then the request body. The seeds were captured from nginx 1.22 with the shipped
 * fastcgi_params. After req_parse, what the router does next with the params: route match,
 * language choice, header lookups, If-None-Match against an ETag.
 */
#define MAXPARAMS 64

static struct arena *arena;
static struct config cfg;

struct fuzz_request_body {
	const uint8_t *p;
	size_t len, off;
};

/* Hands the body over in small reads, as libfcgi does record by record. */
static int fuzz_request_body_read(void *ctx, char *p, int n)
{
	struct fuzz_request_body *b = ctx;
	size_t k = b->len - b->off;
	if (k > 7)
		k = 7;
	if (k > (size_t)n)
		k = (size_t)n;
	memcpy(p, b->p + b->off, k);
	b->off += k;
	return (int)k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	arena = arena_new();
	config_defaults(&cfg);
	cfg.max_body_kb = 1;        /* so that 413 is in reach */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *envp[MAXPARAMS + 1];
	size_t nenv = 0, off = 0;
	while (off < size && nenv < MAXPARAMS) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t ll = nl ? (size_t)(nl - (data + off)) : size - off;
		if (ll == 0) {
			off++;
			break;
		}
		envp[nenv++] = arena_strndup(arena, (const char *)data + off, ll);   /* up to a NUL, as C strings */
		off += ll + (nl != NULL);
	}
	envp[nenv] = NULL;
	struct fuzz_request_body b = { data + off, size - off, 0 };
	struct req r = { .arena = arena, .cfg = &cfg, .envp = envp, .send_fd = -1 };
	buf_init(&r.headers);
	buf_init(&r.body_out);
	if (req_parse(&r, fuzz_request_body_read, &b)) {
		FUZZ_CHECK(r.path && r.path[0] == '/', "path '%s'", r.path ? r.path : "(null)");
		FUZZ_CHECK(r.nquery <= REQ_MAXQUERY, "%zu query pairs", r.nquery);
		FUZZ_CHECK(r.body && r.body_len <= (size_t)cfg.max_body_kb * 1024 && r.body[r.body_len] == '\0',
		           "body of %zu bytes", r.body_len);
		FUZZ_CHECK(strlen(r.body) == r.body_len, "NUL inside the body");
		bool allowed;
		route_match(&r, &allowed);
		r.lang = route_negotiate_lang(&r);
		FUZZ_CHECK(strcmp(r.lang, "en") == 0 || strcmp(r.lang, "es") == 0, "lang '%s'", r.lang);
		(void)etag_matches(req_header(&r, "If-None-Match"), "\"g42-0123abcd\"");
		(void)req_header(&r, "Authorization");
		(void)req_header(&r, "Content-Type");
	} else {
		FUZZ_CHECK(r.status == 400 || r.status == 413, "refused with %d", r.status);
		FUZZ_CHECK(r.body_out.len > 0, "refused without a body");
	}
	buf_free(&r.headers);
	buf_free(&r.body_out);
	arena_reset(arena);
	return 0;
}
