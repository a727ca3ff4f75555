/* fuzz_config.c: libFuzzer driver for beacon.conf parsing (config_parse on the file's text). */
#include <stdbool.h>
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[1024] = "";
	if (config_parse(&c, "fuzz.conf", (const char *)data, size, err, sizeof err) == 0) {
		/* what is accepted is within the table's bounds */
		FUZZ_CHECK(c.threads >= 1 && c.threads <= 1024, "threads %d", c.threads);
		FUZZ_CHECK(c.map_size_mb >= 1 && c.map_size_mb <= 1 << 20, "map_size_mb %lld", (long long)c.map_size_mb);
		FUZZ_CHECK(c.max_body_kb >= 1 && c.max_body_kb <= 1024, "max_body_kb %d", c.max_body_kb);
		FUZZ_CHECK(c.cache_seconds >= 1 && c.cache_seconds <= 3600, "cache_seconds %d", c.cache_seconds);
		FUZZ_CHECK(strcmp(c.role, "primary") == 0 || strcmp(c.role, "secondary") == 0, "role '%s'", c.role);
		FUZZ_CHECK(strcmp(c.default_language, "en") == 0 || strcmp(c.default_language, "es") == 0,
		           "default_language '%s'", c.default_language);
		FUZZ_CHECK(c.store[0] != '\0', "empty store");
		FUZZ_CHECK(strlen(c.listen) < sizeof c.listen && c.listen[0] != '\0', "listen");
	} else {
		FUZZ_CHECK(strncmp(err, "fuzz.conf", 9) == 0 && err[9] != '\0', "error '%s' does not name the file", err);
	}
	return 0;
}
