/* test_notify.c: subscribers on a real store: links (valid, expired, forged, single-use), webhook secrets and Standard Webhooks signatures, event payloads, the retry schedule, the local delivery store (fan-out steps, payload purge). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <mbedtls/base64.h>
#include "config.h"
#include "deliv.h"
#include "notify.h"
#include "sign.h"
#include "subscribe.h"
#include "write.h"

static char dir[64];
static struct store *s;
static struct arena *a;

static int setup(void **state)
{
	strcpy(dir, "/tmp/beacon-notify-test.XXXXXX");
	if (mkdtemp(dir) == NULL || store_open(&s, dir, STORE_CREATE) != BC_OK)
		return -1;
	a = arena_new();
	return 0;
}

static int teardown(void **state)
{
	store_close(s);
	arena_free(a);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s-deliv %s-deliv2", dir, dir, dir);
	return system(cmd);
}

static void test_links(void **state)
{
	struct stx *t;
	struct subscriber sub, got;
	bool existed;
	unsigned char key[32];
	char tok[SUB_TOKEN_MAX];
	struct subscriber_change in = { .mode = SUB_EMAIL, .email = "ana@example.test", .lang = "es" };
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "test" };
	assert_int_equal(write_subscribe(&w, &in, &sub, &existed), BC_OK);
	assert_false(existed);
	assert_int_equal(sub.state, SUBST_PENDING);
	assert_int_equal(store_notify_secret(t, key), BC_OK);
	int64_t now = now_ms();
	sub_token_make(key, &sub, SUBTOK_CONFIRM, now + 1000, tok);
	assert_int_equal(sub_token_check(t, tok, SUBTOK_CONFIRM, now, &got), BC_OK);
	assert_string_equal(got.id, sub.id);
	assert_int_equal(sub_token_check(t, tok, SUBTOK_UNSUB, now, &got), BC_AUTH);        /* wrong purpose */
	assert_int_equal(sub_token_check(t, tok, SUBTOK_CONFIRM, now + 2000, &got), BC_AUTH); /* expired */
	tok[strlen(tok) - 1] ^= 1;
	assert_int_equal(sub_token_check(t, tok, SUBTOK_CONFIRM, now, &got), BC_AUTH);        /* forged */
	tok[strlen(tok) - 1] ^= 1;
	assert_int_equal(write_subscriber_confirm(&w, &got), BC_OK);
	assert_int_equal(sub_token_check(t, tok, SUBTOK_CONFIRM, now, &got), BC_AUTH);        /* single-use */
	/* subscribing again changes nothing silently */
	in.email = "ANA@example.test";
	assert_int_equal(write_subscribe(&w, &in, &got, &existed), BC_OK);
	assert_true(existed);
	assert_int_equal(got.state, SUBST_ACTIVE);
	assert_int_equal(store_commit(t), BC_OK);
}

static void test_webhook_signature(void **state)
{
	struct subscriber sub = { .id = "abc123", .secret_nonce = 7 };
	unsigned char key[32] = { 1, 2, 3 }, wkey[24], dec[32];
	char text[SUB_SECRET_TEXT_MAX];
	sub_webhook_secret(key, &sub, wkey, text);
	assert_memory_equal(text, "whsec_", 6);
	size_t n = 0;
	assert_int_equal(mbedtls_base64_decode(dec, sizeof dec, &n, (unsigned char *)text + 6, strlen(text) - 6), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(dec, wkey, 24);        /* the shown secret is the signing key (Standard Webhooks) */
	sub.secret_nonce = 8;
	char other[SUB_SECRET_TEXT_MAX];
	sub_webhook_secret(key, &sub, wkey, other);
	assert_string_not_equal(text, other);
}

static void test_event_payloads(void **state)
{
	struct stx *t;
	struct config cfg;
	config_defaults(&cfg);
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct page_settings p = { .name = "Acme", .url = "https://status.example.test", .time_zone = "UTC",
	                           .default_language = "en", .languages = "en" };
	assert_int_equal(store_page_put(t, &p), BC_OK);
	struct component c = { .name = "API", .status = CS_OPERATIONAL };
	assert_int_equal(store_component_put(t, &c, NULL), BC_OK);
	struct incident inc = { .name = "API down", .status = IS_INVESTIGATING, .impact = IMP_MAJOR, .ncomponents = 1 };
	inc.component_ids = arena_alloc(a, sizeof *inc.component_ids);
	memcpy(inc.component_ids[0], c.id, sizeof c.id);
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	struct incident_update u = { .status = IS_INVESTIGATING, .body = "Looking into it" };
	memcpy(u.incident_id, inc.id, sizeof inc.id);
	assert_int_equal(store_update_put(t, &u), BC_OK);
	struct outbox_event ev = { .actor = "test", .kind = "incident.created", .object_type = "incident", .notify = true };
	memcpy(ev.object_id, inc.id, sizeof inc.id);
	assert_int_equal(store_outbox_append(t, &ev), BC_OK);
	struct notify_event ne;
	assert_int_equal(notify_event_build(t, a, &cfg, &ev, &ne), BC_OK);
	assert_int_equal(ne.audience, NA_ALL);
	assert_int_equal(ne.ncomponents, 1);
	assert_non_null(strstr(ne.webhook, "\"incident\":{"));
	assert_non_null(strstr(ne.webhook, "\"incident_updates\""));
	assert_non_null(strstr(ne.webhook, NOTIFY_UNSUB_MARK));
	assert_non_null(strstr(ne.mail, "Looking into it"));
	ev.notify = false;                         /* deliver_notifications: false sends nothing */
	assert_int_equal(notify_event_build(t, a, &cfg, &ev, &ne), BC_OK);
	assert_int_equal(ne.audience, NA_NONE);
	struct outbox_event ce = { .actor = "test", .kind = "component.updated", .object_type = "component", .notify = true,
	                           .before = "{\"status\":\"operational\"}", .after = "{\"status\":\"major_outage\"}" };
	memcpy(ce.object_id, c.id, sizeof c.id);
	assert_int_equal(notify_event_build(t, a, &cfg, &ce, &ne), BC_OK);
	assert_int_equal(ne.audience, NA_HOOKS);
	assert_non_null(strstr(ne.webhook, "\"component_update\":{\"old_status\":\"operational\",\"new_status\":\"major_outage\""));
	ce.after = "{\"status\":\"operational\"}";  /* name-only changes do not notify */
	assert_int_equal(notify_event_build(t, a, &cfg, &ce, &ne), BC_OK);
	assert_int_equal(ne.audience, NA_NONE);
	store_abort(t);
}

static void test_email_syntax(void **state)
{
	assert_true(sub_email_ok("ana@example.test"));
	assert_true(sub_email_ok("a.b+c@mail.example.co"));
	assert_false(sub_email_ok("ana@localhost"));
	assert_false(sub_email_ok("ana@@example.test"));
	assert_false(sub_email_ok("-oQ/tmp/x example.test"));
	assert_false(sub_email_ok("ana@example.test\r\nBcc: x@y.z"));
	assert_false(sub_email_ok(".ana@example.test"));
	assert_false(sub_email_ok("ana@-example.test"));
	assert_false(sub_email_ok(NULL));
}

static void test_retry_schedule(void **state)
{
	static const int64_t want[] = { 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400 };
	for (int i = 0; i < 9; i++)
		assert_int_equal(notify_retry_delay_ms(i + 1), want[i] * 1000);
	assert_int_equal(notify_retry_delay_ms(20), 86400000);
}

static void test_deliv_store(void **state)
{
	char path[96];
	struct deliv_db *d;
	struct dtx *t;
	snprintf(path, sizeof path, "%s-deliv", dir);
	assert_int_equal(deliv_open(&d, path), BC_OK);
	assert_int_equal(deliv_begin(d, a, true, &t), BC_OK);
	assert_int_equal(deliv_cursor(t), 0);
	struct delivery x = { .id = "msg_1_a", .seq = 1, .subscriber_id = "a", .state = DS_PENDING, .next_at = 100,
	                      .updated_at = 100, .event = "incident.created" };
	assert_int_equal(deliv_put(t, &x), BC_OK);
	x.next_at = 50;
	assert_int_equal(deliv_put(t, &x), BC_OK);        /* re-indexed, not duplicated */
	assert_int_equal(deliv_set_cursor(t, 1), BC_OK);
	assert_int_equal(deliv_commit(t), BC_OK);
	assert_int_equal(deliv_begin(d, a, false, &t), BC_OK);
	struct delivery *due;
	size_t n;
	assert_int_equal(deliv_cursor(t), 1);
	assert_int_equal(deliv_due(t, 60, 10, &due, &n), BC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(deliv_due(t, 40, 10, &due, &n), BC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(deliv_count_pending(t), 1);
	deliv_abort(t);
	/* purge: only finished deliveries older than the limit go */
	size_t purged;
	assert_int_equal(deliv_begin(d, a, true, &t), BC_OK);
	assert_int_equal(deliv_purge(t, 1000, 10, &purged), BC_OK);
	assert_int_equal(purged, 0);                         /* still pending */
	x.state = DS_DELIVERED;
	x.updated_at = 200;
	assert_int_equal(deliv_put(t, &x), BC_OK);
	assert_int_equal(deliv_purge(t, 150, 10, &purged), BC_OK);
	assert_int_equal(purged, 0);                         /* newer than the limit */
	assert_int_equal(deliv_purge(t, 1000, 10, &purged), BC_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(deliv_get(t, "msg_1_a", &x), BC_NOTFOUND);
	assert_int_equal(deliv_commit(t), BC_OK);
	deliv_close(d);
}

static bool count_one(void *ctx, const struct subscriber *sub)
{
	char *seen = ctx;
	assert_null(strstr(seen, sub->id));          /* each one once */
	strcat(seen, sub->id);
	strcat(seen, ",");
	return true;
}

/* The fan-out's walk over subscribers in steps: every one exactly once, whatever the step size. */
static void test_subscriber_scan_steps(void **state)
{
	struct stx *t;
	assert_int_equal(store_begin_write(s, a, &t), BC_OK);
	struct write_ctx w = { .t = t, .a = a, .actor = "test" };
	size_t before = 0;
	struct subscriber *all;
	assert_int_equal(store_subscriber_list(t, &all, &before), BC_OK);
	for (int i = 0; i < 23; i++) {
		char url[64];
		snprintf(url, sizeof url, "https://hooks.example.test/scan/%d", i);
		struct subscriber_change ch = { .mode = SUB_WEBHOOK, .endpoint = url, .skip_confirmation = true };
		struct subscriber sub;
		bool existed;
		assert_int_equal(write_subscribe(&w, &ch, &sub, &existed), BC_OK);
	}
	assert_int_equal(store_commit(t), BC_OK);
	size_t total = before + 23;
	for (size_t step = 1; step <= total + 1; step += 6) {
		char *seen = arena_alloc(a, total * 16 + 1), last[sizeof(bc_id)] = "";
		seen[0] = '\0';
		bool done = false;
		size_t steps = 0;
		while (!done) {
			assert_int_equal(store_begin_read(s, a, &t), BC_OK);       /* each step its own txn */
			assert_int_equal(store_subscriber_scan(t, last, step, count_one, seen, last, &done), BC_OK);
			store_abort(t);
			assert_true(++steps <= total + 1);
		}
		size_t n = 0;
		for (char *p = seen; (p = strchr(p, ',')); p++)
			n++;
		assert_int_equal(n, total);
	}
}

/* Fan-out progress, and payloads purged only once no delivery of their event is left. */
static void test_deliv_fanout_and_payloads(void **state)
{
	char path[96], last[sizeof(bc_id)];
	struct deliv_db *d;
	struct dtx *t;
	uint64_t seq = 0;
	size_t purged;
	snprintf(path, sizeof path, "%s-deliv2", dir);
	assert_int_equal(deliv_open(&d, path), BC_OK);
	assert_int_equal(deliv_begin(d, a, true, &t), BC_OK);
	assert_false(deliv_fanout_get(t, &seq, last));
	assert_int_equal(deliv_fanout_set(t, 7, "abc"), BC_OK);
	assert_true(deliv_fanout_get(t, &seq, last));
	assert_int_equal(seq, 7);
	assert_string_equal(last, "abc");
	assert_int_equal(deliv_fanout_set(t, 0, NULL), BC_OK);
	assert_false(deliv_fanout_get(t, &seq, last));
	assert_int_equal(deliv_payload_put(t, 5, "webhook", "{}", 2), BC_OK);
	assert_int_equal(deliv_payload_put(t, 5, "target", "{}", 2), BC_OK);
	assert_int_equal(deliv_payload_put(t, 6, "webhook", "{}", 2), BC_OK);
	struct delivery x = { .id = "msg_0000000000000006_a", .seq = 6, .subscriber_id = "a", .state = DS_DELIVERED,
	                      .updated_at = 100, .event = "incident.created" };
	assert_int_equal(deliv_put(t, &x), BC_OK);
	assert_int_equal(deliv_payload_purge(t, 4, 100, &purged), BC_OK);
	assert_int_equal(purged, 0);                          /* after upto_seq: not fanned out yet */
	assert_int_equal(deliv_payload_purge(t, 6, 100, &purged), BC_OK);
	assert_int_equal(purged, 2);                          /* event 5: no delivery left; 6 has one */
	char *body;
	size_t len;
	assert_int_equal(deliv_payload_get(t, 5, "webhook", &body, &len), BC_NOTFOUND);
	assert_int_equal(deliv_payload_get(t, 6, "webhook", &body, &len), BC_OK);
	assert_int_equal(deliv_purge(t, 1000, 10, &purged), BC_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(deliv_payload_purge(t, 6, 100, &purged), BC_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(deliv_payload_get(t, 6, "webhook", &body, &len), BC_NOTFOUND);
	assert_int_equal(deliv_commit(t), BC_OK);
	deliv_close(d);
}

int main(void)
{
	unsetenv("BEACON_NOTIFY_TIME_SCALE");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_webhook_signature),
		cmocka_unit_test(test_event_payloads),
		cmocka_unit_test(test_email_syntax),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_deliv_store),
		cmocka_unit_test(test_subscriber_scan_steps),
		cmocka_unit_test(test_deliv_fanout_and_payloads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
