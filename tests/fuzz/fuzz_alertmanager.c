/* fuzz_alertmanager.c: libFuzzer driver for the Alertmanager webhook intake (intake_am_apply on a real store with one rule). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "intake.h"
#include "store.h"
#include "write.h"
#include "fuzz.h"

/*
 * Input: the webhook body. The store (a temp dir) holds one component and one rule matching
 * service=api with severity levels and an incident per group, so matched alerts change status,
 * open and resolve incidents; what an input writes stays for the next one, as in a server.
 */
static struct store *store;
static char dir[] = "/tmp/fuzz-alertmanager-XXXXXX";

static void fuzz_am_cleanup(void)
{
	char p[96];
	store_close(store);
	snprintf(p, sizeof p, "%s/db/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/db/lock.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/db", dir);
	rmdir(p);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[96];
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/db", dir);
	if (store_open(&store, path, STORE_CREATE) != BC_OK)
		abort();
	atexit(fuzz_am_cleanup);
	struct arena *a = arena_new();
	struct stx *t;
	if (store_begin_write(store, a, &t) != BC_OK)
		abort();
	struct write_ctx w = { .t = t, .a = a, .actor = "cli:fuzz" };
	struct component_change ch;
	write_component_change_init(&ch);
	ch.name = "API";
	struct component c;
	if (write_component(&w, &ch, &c) != BC_OK)
		abort();
	struct intake_rule r;
	memset(&r, 0, sizeof r);
	store_new_id(r.id);
	snprintf(r.component_id, sizeof r.component_id, "%s", c.id);
	r.nmatch = 1;
	r.match[0].label = "service";
	r.match[0].value = "api";
	r.status_label = "severity";
	r.dflt = CS_PARTIAL_OUTAGE;
	r.incident = "API alerts";
	if (intake_rule_put(t, &r) != BC_OK || store_commit(t) != BC_OK)
		abort();
	arena_free(a);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_am_result res;
	char err[512];
	enum bc_err e = intake_am_apply(store, (const char *)data, size, &res, err, sizeof err);
	FUZZ_CHECK(e == BC_OK || err[0] != '\0', "error %d without a message", (int)e);
	return 0;
}
