/* notify.c: `beacon notify`, the sender: fans committed outbox events out to subscribers and runs the deliveries. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "notify.h"
#include "subscribe.h"
#include "write.h"

#define FANOUT_EVENTS 200         /* outbox events read per pass */
#define BATCH_MAX 512             /* deliveries attempted per pass */
#define IDLE_POLL_MS 100
#define NOTIFY_KEEP_MS (30LL * 86400 * 1000)   /* finished deliveries stay visible a month */
#define REMINDER_EVERY_MS 5000      /* how often scheduled maintenances are checked for reminders */

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

struct sender {
	const struct config *cfg;
	struct store *s;
	struct deliv_db *d;
	struct arena *a;
};

const char *notify_store_dir(struct arena *a, const struct config *cfg)
{
	return cfg->notify_store[0] ? cfg->notify_store : arena_printf(a, "%s-notify", cfg->store);
}

static bool wants(const struct subscriber *s, const struct notify_event *ne)
{
	if (s->state != SUBST_ACTIVE)
		return false;
	if (ne->audience == NA_HOOKS && s->mode == SUB_EMAIL)
		return false;
	if (s->incident_id[0])              /* an incident subscriber hears of its incident only */
		return ne->incident_id && strcmp(s->incident_id, ne->incident_id) == 0;
	if (s->ncomponents == 0)
		return true;
	for (size_t i = 0; i < s->ncomponents; i++)
		for (size_t k = 0; k < ne->ncomponents; k++)
			if (strcmp(s->component_ids[i], ne->component_ids[k]) == 0)
				return true;
	return false;
}

static enum bc_err add_delivery(struct dtx *dt, const struct outbox_event *ev, const struct subscriber *s,
                                enum sub_mode mode, const char *dest)
{
	struct delivery d = { .seq = ev->seq, .mode = mode, .state = DS_PENDING, .dest = dest,
	                      .event = ev->kind, .created_at = now_ms() };
	snprintf(d.id, sizeof d.id, "msg_%016llx_%s", (unsigned long long)ev->seq, s->id);
	memcpy(d.subscriber_id, s->id, sizeof d.subscriber_id);
	d.next_at = d.updated_at = d.created_at;
	return deliv_put(dt, &d);
}

/* One outbox event into delivery rows, in the local txn dt. */
/* The subscribers of one outbox pass, loaded on first need (most events send nothing). */
struct sub_cache {
	bool loaded;
	struct subscriber *subs;
	size_t n;
};

static enum bc_err fan_out(struct sender *sn, struct stx *t, struct dtx *dt, const struct outbox_event *ev,
                           struct sub_cache *sc, size_t *made)
{
	struct notify_event ne;
	enum bc_err e = notify_event_build(t, sn->a, sn->cfg, ev, &ne);
	if (e != BC_OK || ne.audience == NA_NONE)
		return e;
	if ((ne.webhook && (e = deliv_payload_put(dt, ev->seq, "webhook", ne.webhook, strlen(ne.webhook))) != BC_OK) ||
	    (ne.slack && (e = deliv_payload_put(dt, ev->seq, "slack", ne.slack, strlen(ne.slack))) != BC_OK) ||
	    (ne.mail && (e = deliv_payload_put(dt, ev->seq, "mail", ne.mail, strlen(ne.mail))) != BC_OK))
		return e;
	if (ne.audience == NA_ONE) {
		struct subscriber s;
		if (store_subscriber_get(t, ev->object_id, &s) != BC_OK || s.email == NULL)
			return BC_OK;
		(*made)++;
		return add_delivery(dt, ev, &s, SUB_EMAIL, s.email);
	}
	if (!sc->loaded && (e = store_subscriber_list(t, &sc->subs, &sc->n)) != BC_OK)
		return e;
	sc->loaded = true;
	for (size_t i = 0; i < sc->n; i++) {
		const struct subscriber *s = &sc->subs[i];
		if (!wants(s, &ne) || (s->mode == SUB_EMAIL && !ne.mail))
			continue;
		if ((e = add_delivery(dt, ev, s, s->mode, s->mode == SUB_EMAIL ? s->email : s->endpoint)) != BC_OK)
			return e;
		(*made)++;
	}
	return BC_OK;
}

/* Reads the outbox after the cursor; each event's fan-out and the cursor commit together. */
static enum bc_err outbox_pass(struct sender *sn, size_t *made)
{
	struct stx *t;
	struct dtx *dt;
	enum bc_err e = store_begin_read(sn->s, sn->a, &t);
	if (e != BC_OK)
		return e;
	if ((e = deliv_begin(sn->d, sn->a, true, &dt)) != BC_OK) {
		store_abort(t);
		return e;
	}
	uint64_t cursor = deliv_cursor(dt);
	struct outbox_event *evs;
	size_t nev = 0;
	struct sub_cache sc = { 0 };
	e = store_outbox_list(t, cursor, FANOUT_EVENTS, &evs, &nev);
	for (size_t i = 0; e == BC_OK && i < nev; i++) {
		e = fan_out(sn, t, dt, &evs[i], &sc, made);
		if (e == BC_OK)
			e = deliv_set_cursor(dt, evs[i].seq);
	}
	store_abort(t);
	if (e == BC_OK && nev > 0)
		return deliv_commit(dt);
	deliv_abort(dt);
	return e;
}

/* Maintenance reminders that came due become outbox events (checked on a read txn first). */
static void reminder_pass(struct sender *sn)
{
	struct stx *t;
	size_t due = 0;
	if (store_begin_read(sn->s, sn->a, &t) != BC_OK)
		return;
	struct write_ctx w = { .t = t, .a = sn->a, .actor = "system:notify" };
	enum bc_err e = write_maintenance_reminders(&w, false, &due);
	store_abort(t);
	if (e != BC_OK || due == 0 || store_begin_write(sn->s, sn->a, &t) != BC_OK)
		return;
	w.t = t;
	w.now = 0;
	if (write_maintenance_reminders(&w, true, &due) != BC_OK) {
		store_abort(t);
		return;
	}
	if (store_commit(t) == BC_OK)
		log_info("notify: %zu maintenance reminder(s)", due);
}

/* Finished deliveries are kept NOTIFY_KEEP_MS for `beacon deliveries`, then dropped, a batch at a time. */
static void purge_pass(struct sender *sn)
{
	struct dtx *dt;
	size_t n = 0;
	if (deliv_begin(sn->d, sn->a, true, &dt) != BC_OK)
		return;
	if (deliv_purge(dt, now_ms() - NOTIFY_KEEP_MS, 1000, &n) == BC_OK && n > 0)
		deliv_commit(dt);
	else
		deliv_abort(dt);
}

/* ---- attempts ---- */

struct pool {
	const struct config *cfg;
	struct notify_job *jobs;
	size_t n;
	atomic_size_t next;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		notify_send(p->cfg, &p->jobs[i]);
	return NULL;
}

static void run_jobs(const struct config *cfg, struct notify_job *jobs, size_t n)
{
	struct pool p = { .cfg = cfg, .jobs = jobs, .n = n };
	size_t k = (size_t)cfg->notify_concurrency < n ? (size_t)cfg->notify_concurrency : n;
	pthread_t tids[256];
	size_t started = 0;
	for (; started < k; started++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		int rc = pthread_create(&tids[started], &attr, pool_worker, &p);
		pthread_attr_destroy(&attr);
		if (rc != 0)
			break;
	}
	if (started == 0)
		pool_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}

static char *replace_mark(struct arena *a, const char *body, const char *with, size_t *len)
{
	const char *m = strstr(body, NOTIFY_UNSUB_MARK);
	char *out = m ? arena_printf(a, "%.*s%s%s", (int)(m - body), body, with, m + strlen(NOTIFY_UNSUB_MARK))
	              : arena_strdup(a, body);
	*len = strlen(out);
	return out;
}

static const char *link_url(struct arena *a, const char *page_url, const char *path, const char *token)
{
	size_t n = strlen(page_url);
	return arena_printf(a, "%.*s/%s?token=%s", (int)(n && page_url[n - 1] == '/' ? n - 1 : n), page_url, path, token);
}

/* Prepares the job of delivery d; false when it is not to be sent (state set in d). */
static bool prepare(struct sender *sn, struct stx *t, struct dtx *dt, const unsigned char secret[32],
                    struct delivery *d, struct notify_job *j)
{
	struct subscriber s;
	memset(j, 0, sizeof *j);
	j->d = *d;
	j->mode = d->mode;
	bool notice = strncmp(d->event, "subscriber.", 11) == 0;
	if (store_subscriber_get(t, d->subscriber_id, &s) != BC_OK ||
	    (!notice && s.state != SUBST_ACTIVE) || (notice && s.state == SUBST_UNSUBSCRIBED)) {
		d->state = DS_DROPPED;
		d->last_error = "the subscriber is no longer active";
		return false;
	}
	char *payload;
	size_t plen;
	const char *variant = d->mode == SUB_WEBHOOK ? "webhook" : d->mode == SUB_SLACK ? "slack" : "mail";
	if (deliv_payload_get(dt, d->seq, variant, &payload, &plen) != BC_OK) {
		d->state = DS_FAILED;
		d->last_error = "payload missing";
		return false;
	}
	char unsub[SUB_TOKEN_MAX], confirm[SUB_TOKEN_MAX];
	sub_token_make(secret, &s, SUBTOK_UNSUB, d->created_at + SUB_UNSUB_TTL_MS, unsub);
	const char *unsub_url = link_url(sn->a, sn->cfg->page_url, "unsubscribe", unsub);
	if (d->mode == SUB_EMAIL) {
		sub_token_make(secret, &s, SUBTOK_CONFIRM, d->created_at + SUB_CONFIRM_TTL_MS, confirm);
		j->rcpt = d->dest;
		j->body = notify_mail_compose(sn->a, sn->cfg, payload, &s, d, unsub_url,
		                              link_url(sn->a, sn->cfg->page_url, "subscribe/confirm", confirm), &j->body_len);
		if (j->body == NULL) {
			d->state = DS_FAILED;
			d->last_error = "cannot compose the mail";
			return false;
		}
	} else {
		char text[SUB_SECRET_TEXT_MAX];
		sub_webhook_secret(secret, &s, j->key, text);
		j->url = s.endpoint;
		j->body = replace_mark(sn->a, payload, unsub_url, &j->body_len);
	}
	return true;
}

static void dest_key(char *k, size_t n, const struct delivery *d)
{
	snprintf(k, n, "%d:%s", (int)d->mode, d->subscriber_id);
}

/* Applies one attempt's result; sets *quarantine / *gone for the store-side follow-up. */
static enum bc_err record(struct dtx *dt, struct notify_job *j, bool *quarantine, bool *gone)
{
	struct delivery *d = &j->d;
	struct deliv_dest dest;
	char k[32];
	dest_key(k, sizeof k, d);
	enum bc_err e = deliv_dest_get(dt, k, &dest);
	if (e != BC_OK)
		return e;
	int64_t now = now_ms();
	d->attempts++;
	d->updated_at = now;
	d->last_status = j->status;
	d->last_error = j->ok ? NULL : j->why;
	if (j->ok) {
		d->state = DS_DELIVERED;
		dest.fails = 0;
		dest.next_at = 0;
	} else if (j->gone) {
		d->state = DS_DROPPED;
		*gone = true;
	} else {
		dest.fails++;
		dest.next_at = now + notify_retry_delay_ms(dest.fails < NOTIFY_MAX_ATTEMPTS ? dest.fails : NOTIFY_MAX_ATTEMPTS - 1);
		if (d->attempts >= NOTIFY_MAX_ATTEMPTS) {
			d->state = DS_FAILED;
		} else {
			int64_t own = now + notify_retry_delay_ms(d->attempts);
			d->next_at = own > dest.next_at ? own : dest.next_at;
		}
		if (dest.fails >= NOTIFY_QUARANTINE_FAILS && d->mode != SUB_EMAIL)
			*quarantine = true;
	}
	if ((e = deliv_dest_put(dt, k, &dest)) != BC_OK || (e = deliv_count(dt, j->ok)) != BC_OK)
		return e;
	return deliv_put(dt, d);
}

/* Quarantines (10 failures) or disables (410) a subscriber in the store; its notice goes through the outbox. */
static void store_followup(struct sender *sn, const char *id, bool quarantine, const char *why)
{
	struct stx *t;
	struct subscriber s;
	if (store_begin_write(sn->s, sn->a, &t) != BC_OK)
		return;
	enum bc_err e = store_subscriber_get(t, id, &s);
	if (e == BC_OK && s.state == SUBST_ACTIVE)
	{
		struct write_ctx w = { .t = t, .a = sn->a, .actor = "system:notify" };
		e = quarantine ? write_subscriber_quarantine(&w, &s, why) : write_subscriber_unsubscribe(&w, &s);
	}
	if (e == BC_OK) {
		e = store_commit(t);
		if (e == BC_OK)
			log_info("notify: subscriber %s %s (%s)", id, quarantine ? "quarantined" : "disabled by 410", why);
	} else {
		store_abort(t);
	}
}

/* Attempts the due deliveries; returns how many were attempted. */
static size_t attempt_pass(struct sender *sn)
{
	struct stx *t;
	struct dtx *dt;
	struct delivery *due;
	size_t n = 0, njobs = 0;
	unsigned char secret[32];
	if (store_begin_read(sn->s, sn->a, &t) != BC_OK)
		return 0;
	if (deliv_begin(sn->d, sn->a, true, &dt) != BC_OK) {
		store_abort(t);
		return 0;
	}
	int64_t now = now_ms();
	if (deliv_due(dt, now, BATCH_MAX, &due, &n) != BC_OK || n == 0 || store_notify_secret(t, secret) != BC_OK) {
		if (n > 0)
			log_warnx("notify: the store has no notification secret; deliveries wait");
		store_abort(t);
		deliv_abort(dt);
		return 0;
	}
	struct notify_job *jobs = arena_alloc(sn->a, n * sizeof *jobs);
	for (size_t i = 0; i < n; i++) {
		struct deliv_dest dest;
		char k[32];
		dest_key(k, sizeof k, &due[i]);
		if (deliv_dest_get(dt, k, &dest) == BC_OK && dest.next_at > now && due[i].attempts > 0) {
			due[i].next_at = dest.next_at;      /* this destination is backing off */
			deliv_put(dt, &due[i]);
			continue;
		}
		if (prepare(sn, t, dt, secret, &due[i], &jobs[njobs])) {
			njobs++;
		} else {
			due[i].updated_at = now;
			deliv_put(dt, &due[i]);
		}
	}
	store_abort(t);
	/* commit the skips now; the attempts run without a txn open */
	if (deliv_commit(dt) != BC_OK)
		return 0;
	run_jobs(sn->cfg, jobs, njobs);
	if (deliv_begin(sn->d, sn->a, true, &dt) != BC_OK)
		return 0;
	bool *quar = arena_alloc(sn->a, (njobs + 1) * sizeof *quar), *gone = arena_alloc(sn->a, (njobs + 1) * sizeof *gone);
	for (size_t i = 0; i < njobs; i++)
		if (record(dt, &jobs[i], &quar[i], &gone[i]) != BC_OK) {
			deliv_abort(dt);
			return 0;
		}
	if (deliv_commit(dt) != BC_OK)
		return 0;
	for (size_t i = 0; i < njobs; i++)
		if (quar[i] || gone[i])
			store_followup(sn, jobs[i].d.subscriber_id, quar[i], jobs[i].why);
	return njobs;
}

int cmd_notify(const struct config *c, int argc, char **argv)
{
	bool once = argc > 1 && strcmp(argv[1], "--once") == 0;
	if (argc > 2 || (argc == 2 && !once)) {
		bool help = cli_is_help(argv[1]);
		fprintf(help ? stdout : stderr, "usage: beacon [--config FILE] notify [--once]\n"
		        "  sends the outbox's notifications (mail, webhooks, Slack) until SIGTERM or SIGINT;\n"
		        "  --once: until nothing is due now. Deliveries are kept in notify_store (see deliveries)\n");
		return help ? 0 : EXIT_USAGE;
	}
	if (strcmp(c->role, "secondary") == 0) {
		fprintf(stderr, "beacon: notify: this node is a secondary: only the primary sends notifications\n");
		return 0;
	}
	setenv("TZ", c->time_zone, 1);
	tzset();
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct sender sn = { .cfg = c, .a = arena_new() };
	const char *dir = notify_store_dir(sn.a, c);
	enum bc_err e = store_open(&sn.s, c->store, 0);
	if (e != BC_OK) {
		fprintf(stderr, "beacon: notify: cannot open store %s: %s\n", c->store, bc_strerror(e));
		arena_free(sn.a);
		return 1;
	}
	if ((e = deliv_open(&sn.d, dir)) != BC_OK) {
		fprintf(stderr, "beacon: notify: cannot open the delivery store %s: %s\n", dir, bc_strerror(e));
		store_close(sn.s);
		arena_free(sn.a);
		return 1;
	}
	log_info("notify: sending from %s (deliveries in %s, %d at once)", c->store, dir, c->notify_concurrency);
	int64_t last_reminders = 0;
	while (!stopping) {
		size_t made = 0;
		if (now_ms() - last_reminders >= REMINDER_EVERY_MS || once) {
			reminder_pass(&sn);
			purge_pass(&sn);
			last_reminders = now_ms();
		}
		e = outbox_pass(&sn, &made);
		if (e != BC_OK)
			log_warnx("notify: outbox: %s", bc_strerror(e));
		size_t tried = attempt_pass(&sn);
		arena_reset(sn.a);
		if (once) {
			struct dtx *dt;
			int64_t next = 0;
			if (deliv_begin(sn.d, sn.a, false, &dt) == BC_OK) {
				next = deliv_next_due(dt);
				deliv_abort(dt);
			}
			if (made == 0 && tried == 0 && (next == 0 || next > now_ms()))
				break;
			continue;
		}
		if (made == 0 && tried == 0) {
			struct timespec ts = { 0, IDLE_POLL_MS * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	log_info("notify: stopped");
	deliv_close(sn.d);
	store_close(sn.s);
	arena_free(sn.a);
	return 0;
}
