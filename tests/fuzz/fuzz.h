/* fuzz.h: what the libFuzzer drivers share: the entry point's prototype and input copies as C strings. */
#ifndef BEACON_FUZZ_H
#define BEACON_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'd, NUL-terminated copy of data[0..size); the caller frees it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property of the code under test failed: report it as a crash with the input kept. */
#define FUZZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz check failed: %s: ", #cond); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

#endif
