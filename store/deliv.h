/* deliv.h: the sender's LOCAL LMDB environment (never replicated): outbox cursor, deliveries, payloads, per-destination backoff. */
#ifndef BEACON_DELIV_H
#define BEACON_DELIV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "err.h"
#include "store.h"

/*
 * Writes here never touch the replicated store: its generation does not move and nothing of it
 * travels to secondaries. A fan-out writes delivery rows for the matching subscribers in bounded
 * steps, each committed with its progress (deliv_fanout_set; the last step with the new outbox
 * cursor), so a kill -9 loses at most the step in flight, which is redone from that progress. A delivery is marked delivered only after the receiver
 * accepted it: at least once, with the same id on every attempt.
 */
enum deliv_state { DS_PENDING = 0, DS_DELIVERED, DS_FAILED, DS_DROPPED, DS__MAX };
const char *deliv_state_name(enum deliv_state s);   /* "pending", "delivered", "failed", "dropped" */

#define DELIV_ID_MAX 48
struct delivery {
	char id[DELIV_ID_MAX];       /* "msg_<seq hex>_<subscriber id>": webhook-id and Message-ID */
	uint64_t seq;                /* outbox event */
	bc_id subscriber_id;
	enum sub_mode mode;
	enum deliv_state state;
	int attempts;
	int last_status;             /* HTTP status or SMTP reply code of the last attempt, 0 = none */
	const char *last_error;      /* NULL when none */
	const char *dest;            /* endpoint or address, for listings */
	const char *event;           /* outbox kind, "incident.updated" */
	int64_t created_at, next_at, updated_at;
};

struct deliv_db;
struct dtx;

enum bc_err deliv_open(struct deliv_db **out, const char *dir);     /* creates dir and env if missing */
/* Read-only, for another process (serve's /metrics): BC_NOTFOUND while the sender never ran. */
enum bc_err deliv_open_reader(struct deliv_db **out, const char *dir);
void deliv_close(struct deliv_db *d);
/* Drops the pages this process touched in the env's read-only map from its RSS (see db_map_release). */
void deliv_release_map(struct deliv_db *d);
enum bc_err deliv_begin(struct deliv_db *d, struct arena *a, bool write, struct dtx **out);
enum bc_err deliv_commit(struct dtx *t);                             /* durable when it returns BC_OK */
void deliv_abort(struct dtx *t);

/* The last outbox seq already fanned out (0 = none). */
uint64_t deliv_cursor(struct dtx *t);
enum bc_err deliv_set_cursor(struct dtx *t, uint64_t seq);
/* A fan-out runs in bounded steps, each its own txn: the event after the cursor being fanned out
 * and the last subscriber id done (subscribers are walked by id). Set with each step's deliveries,
 * cleared (last_id NULL) with the cursor's move past the event; so a kill -9 redoes at most the
 * step in flight, which wrote nothing. get: false when no fan-out is in progress. */
bool deliv_fanout_get(struct dtx *t, uint64_t *seq, char last_id[sizeof(bc_id)]);
enum bc_err deliv_fanout_set(struct dtx *t, uint64_t seq, const char *last_id);
/* Attempts ever made, by outcome (delivered, or failed: an error, a refusal, a 410), kept with the
 * deliveries so that serve's /metrics can show the sender's counts; count adds one in a write txn. */
enum bc_err deliv_count(struct dtx *t, bool delivered);
void deliv_counts(struct dtx *t, uint64_t *delivered, uint64_t *failed);

/* put keeps the due index (pending ones by next_at) and the recent index (by updated_at). */
enum bc_err deliv_put(struct dtx *t, const struct delivery *d);
enum bc_err deliv_get(struct dtx *t, const char *id, struct delivery *out);
/* Pending deliveries with next_at <= now, soonest first, at most limit. */
enum bc_err deliv_due(struct dtx *t, int64_t now, size_t limit, struct delivery **out, size_t *n);
/* Time of the soonest pending delivery, or 0 when none is pending. */
int64_t deliv_next_due(struct dtx *t);
/* Most recently changed first; only failed/dropped ones when failures_only. */
enum bc_err deliv_recent(struct dtx *t, size_t limit, bool failures_only, struct delivery **out, size_t *n);
size_t deliv_count_pending(struct dtx *t);
/* Drops up to max finished deliveries (delivered, failed, dropped) last changed before `before`. */
enum bc_err deliv_purge(struct dtx *t, int64_t before, size_t max, size_t *purged);

/* The event payloads a fan-out stored once for all its deliveries, by "<seq hex>:<variant>". */
enum bc_err deliv_payload_put(struct dtx *t, uint64_t seq, const char *variant, const char *body, size_t len);
enum bc_err deliv_payload_get(struct dtx *t, uint64_t seq, const char *variant, char **body, size_t *len);
/* Drops the payloads of events up to upto_seq that no stored delivery refers to any more (their
 * deliveries were purged), oldest first, up to max keys; stops at the first event still referred to. */
enum bc_err deliv_payload_purge(struct dtx *t, uint64_t upto_seq, size_t max, size_t *purged);

/* Per-destination backoff: consecutive failures of one subscriber and when it may be tried again. */
struct deliv_dest {
	int fails;
	int64_t next_at;
};
enum bc_err deliv_dest_get(struct dtx *t, const char *subscriber_id, struct deliv_dest *out);  /* zeroes when absent */
enum bc_err deliv_dest_put(struct dtx *t, const char *subscriber_id, const struct deliv_dest *d);

#endif
