/* intake_hb.c: heartbeat checks: last-seen times in memory (never in the store), pings, and the lateness pass. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "intake.h"
#include "intake_hb.h"
#include "log.h"

/* What the serving process saw of each check; lost on restart, which gives every check its full
 * period and grace again (no false alarm on deploy). */
struct hb_seen {
	char uuid[INTAKE_UUID_LEN + 1];
	int64_t last_ok;           /* last success ping, or when this process first knew the check */
	int64_t started;           /* a /start not yet followed by a success (0 = none) */
	int64_t pinged;            /* the last success ping (0 = none since this process started) */
	bool live;                 /* still listed in the store at the last pass */
};

static pthread_mutex_t hb_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hb_seen hb_seen[INTAKE_MAX_CHECKS];
static size_t hb_nseen;
static int64_t hb_epoch;       /* when this process started watching */

/* The entry of uuid (added when missing and room is left); NULL when the table is full. */
static struct hb_seen *seen_get(const char *uuid, int64_t now, int64_t created_at)
{
	if (hb_epoch == 0)
		hb_epoch = now;
	for (size_t i = 0; i < hb_nseen; i++)
		if (strcmp(hb_seen[i].uuid, uuid) == 0)
			return &hb_seen[i];
	if (hb_nseen == INTAKE_MAX_CHECKS)
		return NULL;
	struct hb_seen *s = &hb_seen[hb_nseen++];
	memset(s, 0, sizeof *s);
	snprintf(s->uuid, sizeof s->uuid, "%s", uuid);
	s->last_ok = created_at > hb_epoch ? created_at : hb_epoch;
	s->live = true;
	return s;
}

/* Moves one check up or down in the open write txn: its signal, staleness mark, record, and the
 * component rule. late_since: the last data when it went silent (0 = not a silence). */
static enum bc_err hb_transition(struct write_ctx *w, struct intake_check *c, bool down, int64_t late_since)
{
	char *key = arena_printf(w->a, "%s|hb|%s", c->component_id, c->id);
	enum bc_err e;
	if (down) {
		bool sup = intake_maintenance_covers(w->t, c->component_id, write_now(w));
		e = intake_signal_put(w->t, key, w->actor, c->status, NULL, late_since ? "heartbeat late" : "heartbeat failed", sup);
	} else {
		e = intake_signal_del(w->t, key);
	}
	if (e == BC_OK && (late_since || (!down && c->late)))
		e = intake_stale_set(w->t, c->component_id, c->id, down ? late_since : 0);
	c->down = down;
	c->late = down && late_since != 0;
	if (e == BC_OK)
		e = intake_check_put(w->t, c);
	if (e == BC_OK)
		e = intake_component_apply(w, c->component_id);
	return e;
}

/* Applies a transition in its own write txn, after reading the check again (a concurrent ping or
 * pass may have done it already: then nothing is committed and the generation stays). */
static enum bc_err hb_write(struct store *s, const char *uuid, bool down, int64_t late_since, bool *done)
{
	struct arena *a = arena_new();
	struct stx *t;
	*done = false;
	enum bc_err e = store_begin_write(s, a, &t);
	if (e == BC_OK) {
		struct intake_check c;
		e = intake_check_get(t, uuid, &c);
		if (e == BC_OK && c.down != down) {
			struct write_ctx w = { .t = t, .a = a, .actor = arena_printf(a, "intake:%s", c.id) };
			e = hb_transition(&w, &c, down, late_since);
			if (e != BC_OK)
				log_warnx("intake: heartbeat %s: %s", c.id, w.err[0] ? w.err : bc_strerror(e));
			else if ((e = store_commit(t)) == BC_OK)
				*done = true;
			else
				t = NULL;
		}
		if (t && !*done)
			store_abort(t);
	}
	arena_free(a);
	return e == BC_NOTFOUND ? BC_OK : e;
}

enum bc_err intake_hb_ping(struct store *s, struct arena *a, const char *uuid, enum intake_ping kind)
{
	struct intake_check c;
	bool valid = intake_uuid_valid(uuid);
	struct stx *rt;
	enum bc_err e = store_begin_read(s, a, &rt);
	if (e != BC_OK)
		return e;
	/* malformed ids take the same lookup as unknown ones: the answer and its timing are the same */
	e = intake_check_get(rt, valid ? uuid : "00000000-0000-4000-8000-000000000000", &c);
	store_abort(rt);
	if (!valid || e == BC_NOTFOUND)
		return BC_NOTFOUND;
	if (e != BC_OK)
		return e;
	if (kind == PING_LOG)
		return BC_OK;
	int64_t now = now_ms();
	pthread_mutex_lock(&hb_mu);
	struct hb_seen *seen = seen_get(uuid, now, c.created_at);
	if (seen) {
		if (kind == PING_SUCCESS) {
			seen->last_ok = seen->pinged = now;
			seen->started = 0;
		} else if (kind == PING_START) {
			seen->started = now;
		}
	}
	pthread_mutex_unlock(&hb_mu);
	bool want_down = kind == PING_FAIL ? true : kind == PING_SUCCESS ? false : c.down;
	if (want_down == c.down)
		return BC_OK;           /* the usual case: nothing written, the generation stays */
	bool done;
	return hb_write(s, uuid, want_down, 0, &done);
}

int64_t intake_hb_last_ping(const char *uuid)
{
	int64_t at = 0;
	pthread_mutex_lock(&hb_mu);
	for (size_t i = 0; i < hb_nseen; i++)
		if (strcmp(hb_seen[i].uuid, uuid) == 0)
			at = hb_seen[i].pinged;
	pthread_mutex_unlock(&hb_mu);
	return at;
}

enum bc_err intake_hb_tick(struct store *s, size_t *done)
{
	*done = 0;
	struct arena *a = arena_new();
	struct stx *t;
	enum bc_err e = store_begin_read(s, a, &t);
	if (e != BC_OK) {
		arena_free(a);
		return e;
	}
	struct intake_check *cs;
	size_t n;
	e = intake_check_list(t, a, &cs, &n);
	store_abort(t);
	int64_t now = now_ms();
	const char **late = arena_alloc(a, (n + 1) * sizeof *late);
	int64_t *since = arena_alloc(a, (n + 1) * sizeof *since);
	size_t nlate = 0;
	pthread_mutex_lock(&hb_mu);
	for (size_t i = 0; i < hb_nseen; i++)
		hb_seen[i].live = false;
	for (size_t i = 0; e == BC_OK && i < n; i++) {
		struct hb_seen *seen = seen_get(cs[i].uuid, now, cs[i].created_at);
		if (seen == NULL)
			continue;
		seen->live = true;
		int64_t deadline = seen->started ? seen->started + cs[i].grace_ms
		                                 : seen->last_ok + cs[i].period_ms + cs[i].grace_ms;
		if (!cs[i].down && now > deadline) {
			late[nlate] = cs[i].uuid;
			since[nlate++] = seen->started ? seen->started : seen->last_ok;
		}
	}
	size_t k = 0;               /* forget deleted checks */
	for (size_t i = 0; i < hb_nseen; i++)
		if (hb_seen[i].live)
			hb_seen[k++] = hb_seen[i];
	hb_nseen = k;
	pthread_mutex_unlock(&hb_mu);
	for (size_t i = 0; i < nlate && e == BC_OK; i++) {
		bool did;
		e = hb_write(s, late[i], true, since[i], &did);
		*done += did;
	}
	arena_free(a);
	return e;
}
