/* fuzz_lang.c: libFuzzer driver for the page language choice (Accept-Language, ?lang=, the configured list). */
#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "req.h"
#include "fuzz.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	arena = arena_new();
	return 0;
}

/* Input: byte 0 picks the configured languages and default; then "query\n" when bit 2 is set;
 * the rest is the Accept-Language header (a FastCGI param: up to its first NUL). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const lists[] = { "en,es", "en", "es", "es,en" };
	if (size == 0)
		return 0;
	struct config cfg;
	config_defaults(&cfg);
	snprintf(cfg.languages, sizeof cfg.languages, "%s", lists[data[0] & 3]);
	snprintf(cfg.default_language, sizeof cfg.default_language, "%s", data[0] & 8 ? "es" : "en");
	bool has_query = data[0] & 4;
	char *s = fuzz_strndup(data + 1, size - 1);
	const char *al = s;
	char *query = NULL;
	if (has_query) {
		char *nl = strchr(s, '\n');
		query = s;
		al = "";
		if (nl) {
			*nl = '\0';
			al = nl + 1;
		}
	}
	char *env = arena_printf(arena, "HTTP_ACCEPT_LANGUAGE=%s", al);
	char *envp[] = { env, NULL };
	struct req r = { .arena = arena, .cfg = &cfg, .envp = envp, .send_fd = -1 };
	if (query)
		r.nquery = form_parse(arena, arena_strdup(arena, query), r.query, REQ_MAXQUERY);
	const char *lang = route_negotiate_lang(&r);
	FUZZ_CHECK(lang && (strcmp(lang, "en") == 0 || strcmp(lang, "es") == 0), "language '%s'", lang ? lang : "(null)");
	/* only a configured language is chosen */
	FUZZ_CHECK(strstr(cfg.languages, lang) || strcmp(lang, cfg.default_language) == 0,
	           "'%s' chosen from %s (default %s)", lang, cfg.languages, cfg.default_language);
	free(s);
	arena_reset(arena);
	return 0;
}
