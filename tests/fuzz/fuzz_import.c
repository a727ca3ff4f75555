/* fuzz_import.c: libFuzzer driver for the Statuspage import (v2 JSON documents into a real store, never committed). */
#include <stdbool.h>
#include <unistd.h>
#include "cli.h"
#include "cli_util.h"
#include "config.h"
#include "import.h"
#include "store.h"
#include "fuzz.h"

/*
 * Input: summary.json, then optionally NUL + incidents.json, NUL + scheduled-maintenances.json
 * (a NUL cannot be in a JSON text). Each input is imported into a write transaction of one LMDB
 * store in a temp dir, which is then aborted: every input sees the same empty store.
 */
static struct config cfg;
static struct store *store;
static struct arena *arena;
static char dir[] = "/tmp/fuzz-import-XXXXXX";

static void fuzz_import_cleanup(void)
{
	char p[64];
	store_close(store);
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char init[] = "init";
	char *argv_init[] = { init, NULL };
	config_defaults(&cfg);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(cfg.store, sizeof cfg.store, "%s", dir);
	/* a store as `beacon init` leaves it: page settings and an admin token */
	if (cmd_init(&cfg, 1, argv_init) != 0 || store_open(&store, dir, 0) != BC_OK)
		abort();
	atexit(fuzz_import_cleanup);
	arena = arena_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 };
	const char *p = (const char *)data, *end = p + size;
	for (size_t i = 0; i < 3 && p <= end; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		text[i] = p;
		len[i] = nul ? (size_t)(nul - p) : (size_t)(end - p);
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	struct cli c = { .cmd = "import statuspage", .cfg = &cfg, .a = arena, .s = store };
	if (store_begin_write(store, arena, &c.t) != BC_OK)
		abort();
	/* --page when the summary has a page object (without one, --page is refused at once) */
	import_statuspage_text(&c, text, len, memmem(text[0], len[0], "\"page\"", 6) != NULL);
	store_abort(c.t);
	arena_reset(arena);
	return 0;
}
