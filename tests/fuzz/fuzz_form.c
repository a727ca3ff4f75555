/* fuzz_form.c: libFuzzer driver for url_decode and form_parse (query strings and form bodies). */
#include <stdbool.h>
#include "arena.h"
#include "req.h"
#include "fuzz.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	arena = arena_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
