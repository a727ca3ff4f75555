/* notify_fill.c: adds N subscribers to a store through the write layer, in one transaction (bench_notify.sh). */
/*
 * usage: notify_fill STORE_DIR --webhooks BASE_URL N | --emails DOMAIN N [--component ID]
 * Webhook i gets BASE_URL/i, email i gets sub<i>@DOMAIN (confirmation skipped, active at once).
 * Built by tools/bench/bench_notify.sh against beacon's objects minus main.o.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store.h"
#include "write.h"

int main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[2], "--webhooks") != 0 && strcmp(argv[2], "--emails") != 0)) {
		fprintf(stderr, "usage: notify_fill STORE_DIR --webhooks BASE_URL N | --emails DOMAIN N [--component ID]\n");
		return 2;
	}
	bool hooks = strcmp(argv[2], "--webhooks") == 0;
	long n = atol(argv[4]);
	const char *comp = argc > 6 && strcmp(argv[5], "--component") == 0 ? argv[6] : NULL;
	struct store *s;
	struct stx *t;
	struct arena *a = arena_new();
	if (store_open(&s, argv[1], 0) != BC_OK || store_begin_write(s, a, &t) != BC_OK) {
		fprintf(stderr, "notify_fill: cannot open %s\n", argv[1]);
		return 1;
	}
	struct write_ctx w = { .t = t, .a = a, .actor = "bench" };
	for (long i = 0; i < n; i++) {
		char addr[512];
		struct subscriber sub;
		bool existed;
		struct subscriber_change ch = { .mode = hooks ? SUB_WEBHOOK : SUB_EMAIL, .skip_confirmation = true,
		                                .component_ids = comp ? &comp : NULL, .ncomponents = comp ? 1 : 0 };
		if (hooks) {
			snprintf(addr, sizeof addr, "%s/%ld", argv[3], i);
			ch.endpoint = addr;
		} else {
			snprintf(addr, sizeof addr, "sub%ld@%s", i, argv[3]);
			ch.email = addr;
		}
		if (write_subscribe(&w, &ch, &sub, &existed) != BC_OK) {
			fprintf(stderr, "notify_fill: %s: %s\n", addr, w.err);
			return 1;
		}
	}
	if (store_commit(t) != BC_OK) {
		fprintf(stderr, "notify_fill: commit failed\n");
		return 1;
	}
	store_close(s);
	arena_free(a);
	printf("%ld %s subscribers added\n", n, hooks ? "webhook" : "email");
	return 0;
}
