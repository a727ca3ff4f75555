/* fuzz_form.c: libFuzzer driver for url_decode, form_parse and the multipart parser (form bodies, binary uploads). */
#include <stdbool.h>
#include "api_v1_input.h"
#include "arena.h"
#include "req.h"
#include "fuzz.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	arena = arena_new();
	return 0;
}

/* The whole input, NUL bytes included, as a multipart/form-data body (boundary "XyZ"): the admin's
 * AR_BINARY routes (the logo upload) hand such bodies to v1_input_multipart. The copy is exactly size
 * bytes (no terminator), so a read past the body is an ASan report; every part must lie inside it. */
static void fuzz_form_multipart(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	if (body == NULL)
		abort();
	if (size)
		memcpy(body, data, size);
	struct v1_input_part parts[16];
	size_t n = 0;
	const char *why = v1_input_multipart(arena, "multipart/form-data; boundary=XyZ", body, size, parts, 16, &n);
	FUZZ_CHECK(n < 16, "%zu parts", n);
	for (size_t i = 0; why == NULL && i < n; i++) {
		FUZZ_CHECK(parts[i].name != NULL, "part %zu has no name", i);
		FUZZ_CHECK(strchr(parts[i].name, '"') == NULL, "part %zu's name holds a quote", i);
		FUZZ_CHECK(parts[i].filename == NULL || strchr(parts[i].filename, '"') == NULL, "part %zu's file name holds a quote", i);
		FUZZ_CHECK(parts[i].data >= body && parts[i].data + parts[i].len <= body + size, "part %zu outside the body", i);
	}
	free(body);
	arena_reset(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_form_multipart(data, size);

	/* the decoders take C strings (FastCGI params, NUL-checked bodies): stop at a NUL */
	const uint8_t *nul = memchr(data, '\0', size);
	if (nul)
		size = (size_t)(nul - data);

	for (int plus = 0; plus < 2; plus++) {
		char *s = fuzz_strndup(data, size);
		if (url_decode(s, plus))
			FUZZ_CHECK(strlen(s) <= size, "decoded longer than its input");
		free(s);
	}

	char *s = fuzz_strndup(data, size);
	struct kv kv[REQ_MAXQUERY];
	size_t n = form_parse(arena, s, kv, REQ_MAXQUERY);
	FUZZ_CHECK(n <= REQ_MAXQUERY, "%zu pairs", n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(kv[i].key != NULL && kv[i].val != NULL, "pair %zu is NULL", i);
		FUZZ_CHECK(kv[i].key[0] != '\0', "pair %zu has an empty key", i);
		FUZZ_CHECK(strlen(kv[i].key) + strlen(kv[i].val) <= size, "pair %zu longer than the input", i);
	}
	free(s);
	arena_reset(arena);
	return 0;
}
