/* fuzz_alertmanager.c: libFuzzer driver for the Alertmanager webhook intake (intake_am_apply on a real store with rules, a maintenance ending, staleness passes). */
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
 * Input: the webhook body. The store (a temp dir) holds API with a rule matching service=api
 * with severity levels and an incident per group (so matched alerts change status, open and
 * resolve incidents), a Watchdog rule with a stale-after time on API, and DB under maintenance
 * with a rule on service=db (its alerts are kept suppressed). After some inputs DB leaves
 * maintenance and comes back (kept alerts take effect, through write_intake_release), or a
 * staleness pass runs. What an input writes stays for the next one, as in a server.
 */
static struct store *store;
static bc_id db_id;
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
	snprintf(r.component_id, sizeof r.component_id, "%s", c.id);
	r.nmatch = 1;
	r.match[0].label = "service";
	r.match[0].value = "api";
	r.status_label = "severity";
	r.dflt = CS_PARTIAL_OUTAGE;
	r.incident = "API alerts";
	if (write_intake_rule_add(&w, &r) != BC_OK)
		abort();
	struct intake_rule wd = { .nmatch = 1, .dflt = INTAKE_LEVEL_NONE, .stale_after_ms = 1000 };
	snprintf(wd.component_id, sizeof wd.component_id, "%s", c.id);
	wd.match[0].label = "alertname";
	wd.match[0].value = "Watchdog";
	if (write_intake_rule_add(&w, &wd) != BC_OK)
		abort();
	write_component_change_init(&ch);
	ch.name = "DB";
	ch.status = CS_UNDER_MAINTENANCE;
	if (write_component(&w, &ch, &c) != BC_OK)
		abort();
	snprintf(db_id, sizeof db_id, "%s", c.id);
	struct intake_rule db = { .nmatch = 1, .dflt = CS_MAJOR_OUTAGE, .incident = "DB alerts" };
	snprintf(db.component_id, sizeof db.component_id, "%s", c.id);
	db.match[0].label = "service";
	db.match[0].value = "db";
	if (write_intake_rule_add(&w, &db) != BC_OK || store_commit(t) != BC_OK)
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
	if (size % 8 == 0) {             /* DB leaves maintenance (kept alerts apply), then goes back */
		static const enum comp_status steps[] = { CS_OPERATIONAL, CS_UNDER_MAINTENANCE };
		for (size_t i = 0; i < 2; i++) {
			struct arena *a = arena_new();
			struct stx *t;
			FUZZ_CHECK(store_begin_write(store, a, &t) == BC_OK, "cannot begin a write");
			struct write_ctx w = { .t = t, .a = a, .actor = "cli:fuzz" };
			struct component_change ch;
			write_component_change_init(&ch);
			snprintf(ch.id, sizeof ch.id, "%s", db_id);
			ch.status = (int)steps[i];
			enum bc_err we = write_component(&w, &ch, NULL);
			FUZZ_CHECK(we == BC_OK, "DB status change: %s", w.err);
			FUZZ_CHECK(store_commit(t) == BC_OK, "commit");
			arena_free(a);
		}
	} else if (size % 8 == 1) {
		size_t done;
		FUZZ_CHECK(intake_am_tick(store, &done) == BC_OK, "staleness pass");
	}
	return 0;
}
