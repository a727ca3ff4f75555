/* jsonlimit.c: bounds the nesting depth of untrusted JSON text before it is parsed (jansson and its dumps recurse). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "jsonlimit.h"

#define PATH_KEYS 4                     /* keys named in the path of a too-deep value */

struct frame {
	bool object, want_key;
	const char *key;                    /* last key of this object (into the text), NULL before one */
	size_t key_len, index;              /* index: the current element of an array */
};

/* Writes the path of frames[1..n) as "a.b[2].c", naming at most PATH_KEYS steps. */
static void jsonlimit_path(const struct frame *f, int n, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	out[0] = '\0';
	for (int i = 0; i < n && i < PATH_KEYS; i++) {
		int w;
		if (f[i].object && f[i].key)
			w = snprintf(out + o, outlen - o, "%s%.*s", o ? "." : "", (int)(f[i].key_len > 40 ? 40 : f[i].key_len),
			             f[i].key);
		else if (f[i].object)
			w = 0;
		else
			w = snprintf(out + o, outlen - o, "[%zu]", f[i].index);
		if (w < 0 || (size_t)w >= outlen - o)
			return;
		o += (size_t)w;
	}
	if (n > PATH_KEYS)
		snprintf(out + o, outlen - o, "...");
	if (out[0] == '\0')
		snprintf(out, outlen, "(top level)");
}

bool jsonlimit_depth_ok(const char *p, size_t len, int max, char *deep, size_t deeplen)
{
	struct frame f[JSONLIMIT_MAX_DEPTH + 1];
	int depth = 0;
	if (max > JSONLIMIT_MAX_DEPTH)
		max = JSONLIMIT_MAX_DEPTH;
	if (deeplen)
		deep[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];
		if (ch == '"') {
			size_t start = ++i;
			while (i < len && p[i] != '"')
				i += p[i] == '\\' ? 2 : 1;
			if (depth > 0 && f[depth - 1].object && f[depth - 1].want_key) {
				f[depth - 1].key = p + start;
				f[depth - 1].key_len = (i < len ? i : len) - start;
				f[depth - 1].want_key = false;
			}
		} else if (ch == '{' || ch == '[') {
			if (depth >= max) {
				jsonlimit_path(f, depth, deep, deeplen);
				return false;
			}
			f[depth++] = (struct frame){ .object = ch == '{', .want_key = ch == '{' };
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		} else if (ch == ',' && depth > 0) {
			if (f[depth - 1].object)
				f[depth - 1].want_key = true;
			else
				f[depth - 1].index++;
		}
	}
	return true;
}

json_t *jsonlimit_load(const char *p, size_t len, json_error_t *je, char *deep, size_t deeplen)
{
	if (!jsonlimit_depth_ok(p, len, JSONLIMIT_MAX_DEPTH, deep, deeplen)) {
		memset(je, 0, sizeof *je);
		snprintf(je->text, sizeof je->text, "nested deeper than %d levels", JSONLIMIT_MAX_DEPTH);
		return NULL;
	}
	return json_loadb(p, len, JSON_REJECT_DUPLICATES, je);
}
