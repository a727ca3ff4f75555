/* notify.c: `beacon notify`, the sender: fans committed outbox events out to subscribers and runs the deliveries. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "cli.h"
#include "log.h"
#include "notify.h"
#include "subscribe.h"
#include "write.h"

#define FANOUT_EVENTS 200         /* outbox events read per pass */
#define FANOUT_STEP 500           /* subscribers read per fan-out step (one txn) */
#define BATCH_MAX 256             /* deliveries attempted per pass */
#define IDLE_POLL_MS 100
#define PURGE_MAX 1000            /* finished deliveries (and payload keys) dropped per purge pass */
#define WORKER_STACK (128 * 1024)
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

/* Gives back what a pass touched: the pages of both maps (Linux maps 16 pages around each one read,
 * so a walk over subscribers or deliveries leaves most of the file in RSS) and free heap. */
static void sender_release(struct sender *sn, bool heap)
{
	store_release_map(sn->s);
	deliv_release_map(sn->d);
	if (heap)
		malloc_trim(0);
}

/* Who an event goes to, stored with its payloads by the first step of its fan-out ("<seq>:target"),
 * so every later step matches subscribers against the same audience. */
struct fan_target {
	enum notify_audience audience;
	bool mail;                   /* a mail payload exists: email subscribers get it */
	const char *incident_id;     /* the incident the event is about, or NULL */
	size_t ncomponents;
	const char **component_ids;
};

static enum bc_err target_put(struct dtx *dt, uint64_t seq, const struct notify_event *ne)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < ne->ncomponents; i++)
		json_array_append_new(ids, json_string(ne->component_ids[i]));
	json_t *o = json_pack("{s:i, s:b, s:s?, s:o}", "audience", (int)ne->audience, "mail", ne->mail != NULL,
	                      "incident", ne->incident_id, "components", ids);
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (txt == NULL)
		return BC_ENOMEM;
	enum bc_err e = deliv_payload_put(dt, seq, "target", txt, strlen(txt));
	free(txt);
	return e;
}

static enum bc_err target_get(struct dtx *dt, struct arena *a, uint64_t seq, struct fan_target *tg)
{
	char *txt;
	size_t len;
	enum bc_err e = deliv_payload_get(dt, seq, "target", &txt, &len);
	if (e != BC_OK)
		return e;
	json_t *o = json_loadb(txt, len, 0, NULL), *ids = json_object_get(o, "components");
	if (o == NULL || !json_is_array(ids)) {
		json_decref(o);
		return BC_STORE;
	}
	tg->audience = (enum notify_audience)json_integer_value(json_object_get(o, "audience"));
	tg->mail = json_is_true(json_object_get(o, "mail"));
	const char *inc = json_string_value(json_object_get(o, "incident"));
	tg->incident_id = inc ? arena_strdup(a, inc) : NULL;
	tg->ncomponents = json_array_size(ids);
	tg->component_ids = arena_alloc(a, (tg->ncomponents + 1) * sizeof *tg->component_ids);
	for (size_t i = 0; i < tg->ncomponents; i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		tg->component_ids[i] = arena_strdup(a, id ? id : "");
	}
	json_decref(o);
	return BC_OK;
}

static bool wants(const struct subscriber *s, const struct fan_target *tg)
{
	if (s->state != SUBST_ACTIVE)
		return false;
	if (tg->audience == NA_HOOKS && s->mode == SUB_EMAIL)
		return false;
	if (s->mode == SUB_EMAIL && !tg->mail)
		return false;
	if (s->incident_id[0])              /* an incident subscriber hears of its incident only */
		return tg->incident_id && strcmp(s->incident_id, tg->incident_id) == 0;
	if (s->ncomponents == 0)
		return true;
	for (size_t i = 0; i < s->ncomponents; i++)
		for (size_t k = 0; k < tg->ncomponents; k++)
			if (strcmp(s->component_ids[i], tg->component_ids[k]) == 0)
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

/* Subscribers of one fan-out step, matched one at a time as the store walk decodes them. */
struct fan_step {
	struct dtx *dt;
	const struct outbox_event *ev;
	const struct fan_target *tg;
	size_t scanned, *made;
	enum bc_err e;
};

static bool fan_step_take(void *ctx, const struct subscriber *s)
{
	struct fan_step *st = ctx;
	st->scanned++;
	if (!wants(s, st->tg))
		return true;
	if ((st->e = add_delivery(st->dt, st->ev, s, s->mode, s->mode == SUB_EMAIL ? s->email : s->endpoint)) != BC_OK)
		return false;
	(*st->made)++;
	return true;
}

/* Subscribers read per step: FANOUT_STEP, or BEACON_NOTIFY_FANOUT_STEP (tests: many steps with few subscribers). */
static size_t fanout_step(void)
{
	static long step = 0;
	if (step == 0) {
		const char *e = getenv("BEACON_NOTIFY_FANOUT_STEP");
		step = e && atol(e) > 0 ? atol(e) : FANOUT_STEP;
	}
	return (size_t)step;
}

/* One step of outbox event ev's fan-out into delivery rows, in the local txn dt, reading at most
 * *budget subscribers (taken off it). *finished when the event is done (the caller moves the cursor). */
static enum bc_err fan_out(struct sender *sn, struct stx *t, struct dtx *dt, const struct outbox_event *ev,
                           size_t *budget, size_t *made, bool *finished)
{
	uint64_t pseq = 0;
	char last[sizeof(bc_id)] = "";
	struct fan_target tg = { 0 };
	enum bc_err e;
	*finished = true;
	bool resuming = deliv_fanout_get(dt, &pseq, last) && pseq == ev->seq;
	if (resuming) {
		if ((e = target_get(dt, sn->a, ev->seq, &tg)) != BC_OK) {
			log_warnx("notify: event %llu: its fan-out lost its audience (%s); the rest is skipped",
			          (unsigned long long)ev->seq, bc_strerror(e));
			return deliv_fanout_set(dt, 0, NULL);
		}
	} else {
		struct notify_event ne;
		e = notify_event_build(t, sn->a, sn->cfg, ev, &ne);
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
		if ((e = target_put(dt, ev->seq, &ne)) != BC_OK)
			return e;
		tg = (struct fan_target){ .audience = ne.audience, .mail = ne.mail != NULL, .incident_id = ne.incident_id,
		                          .ncomponents = ne.ncomponents,
		                          .component_ids = arena_alloc(sn->a, (ne.ncomponents + 1) * sizeof(char *)) };
		for (size_t i = 0; i < ne.ncomponents; i++)
			tg.component_ids[i] = ne.component_ids[i];
	}
	struct fan_step st = { .dt = dt, .ev = ev, .tg = &tg, .made = made };
	bool done = false;
	e = store_subscriber_scan(t, last, *budget, fan_step_take, &st, last, &done);
	if (e == BC_OK)
		e = st.e;
	if (e != BC_OK)
		return e;
	*budget -= st.scanned < *budget ? st.scanned : *budget;
	*finished = done;
	if (!done)
		return deliv_fanout_set(dt, ev->seq, last);
	return resuming ? deliv_fanout_set(dt, 0, NULL) : BC_OK;
}

/* Reads the outbox after the cursor, one step (FANOUT_STEP subscribers) at most: the step's
 * deliveries commit with its progress, and with the cursor once an event is done. *progressed
 * when anything was committed (the caller then comes back at once). */
static enum bc_err outbox_pass(struct sender *sn, size_t *made, bool *progressed)
{
	struct stx *t;
	struct dtx *dt;
	*progressed = false;
	enum bc_err e = store_begin_read(sn->s, sn->a, &t);
	if (e != BC_OK)
		return e;
	if ((e = deliv_begin(sn->d, sn->a, true, &dt)) != BC_OK) {
		store_abort(t);
		return e;
	}
	uint64_t cursor = deliv_cursor(dt);
	struct outbox_event *evs;
	size_t nev = 0, budget = fanout_step();
	bool finished = true;
	e = store_outbox_list(t, cursor, FANOUT_EVENTS, &evs, &nev);
	for (size_t i = 0; e == BC_OK && i < nev && budget > 0 && finished; i++) {
		e = fan_out(sn, t, dt, &evs[i], &budget, made, &finished);
		if (e == BC_OK && finished)
			e = deliv_set_cursor(dt, evs[i].seq);
	}
	store_abort(t);
	if (e == BC_OK && nev > 0) {
		e = deliv_commit(dt);
		*progressed = e == BC_OK;
		sender_release(sn, false);
		return e;
	}
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

/* Finished deliveries are kept notify_retention_days for `beacon deliveries`, then dropped a batch
 * at a time, and with them the payloads of events no delivery refers to any more. */
static void purge_pass(struct sender *sn)
{
	struct dtx *dt;
	size_t n = 0, np = 0;
	if (deliv_begin(sn->d, sn->a, true, &dt) != BC_OK)
		return;
	int64_t keep_ms = (int64_t)sn->cfg->notify_retention_days * 86400 * 1000;
	if (deliv_purge(dt, now_ms() - keep_ms, PURGE_MAX, &n) == BC_OK &&
	    deliv_payload_purge(dt, deliv_cursor(dt), PURGE_MAX, &np) == BC_OK && n + np > 0) {
		if (deliv_commit(dt) == BC_OK)
			log_info("notify: purged %zu finished deliveries and %zu payloads older than %d days", n, np,
			         sn->cfg->notify_retention_days);
	} else {
		deliv_abort(dt);
	}
}

/* ---- attempts ---- */

struct pool {
	const struct config *cfg;
	struct notify_job *jobs;
	size_t n;
	atomic_size_t next;
};

static char *replace_mark(struct arena *a, const char *body, const char *with, size_t *len)
{
	const char *m = strstr(body, NOTIFY_UNSUB_MARK);
	char *out = m ? arena_printf(a, "%.*s%s%s", (int)(m - body), body, with, m + strlen(NOTIFY_UNSUB_MARK))
	              : arena_strdup(a, body);
	*len = strlen(out);
	return out;
}

/* The body of job j, composed by the worker that sends it into its own arena: only
 * notify_concurrency bodies exist at a time, whatever the batch. */
static bool job_compose(struct arena *a, const struct config *cfg, struct notify_job *j)
{
	if (j->mode == SUB_EMAIL)
		j->body = notify_mail_compose(a, cfg, j->payload, &j->sub, &j->d, j->unsub_url, j->confirm_url, &j->body_len);
	else
		j->body = replace_mark(a, j->payload, j->unsub_url, &j->body_len);
	if (j->body == NULL) {
		j->ok = j->gone = false;
		j->status = 0;
		snprintf(j->why, sizeof j->why, "cannot compose the %s", j->mode == SUB_EMAIL ? "mail" : "body");
		return false;
	}
	return true;
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	struct arena *a = arena_new();
	struct notify_conn *conn = notify_conn_new();
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		if (job_compose(a, p->cfg, &p->jobs[i]))
			notify_send(p->cfg, conn, &p->jobs[i]);
		p->jobs[i].body = NULL;
		arena_reset(a);
	}
	notify_conn_free(conn);
	arena_free(a);
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
		pthread_attr_setstacksize(&attr, WORKER_STACK);
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

static const char *link_url(struct arena *a, const char *page_url, const char *path, const char *token)
{
	size_t n = strlen(page_url);
	return arena_printf(a, "%.*s/%s?token=%s", (int)(n && page_url[n - 1] == '/' ? n - 1 : n), page_url, path, token);
}

/* The payloads of one attempt pass, read once per event and variant (a batch is mostly one event). */
struct payload_cache {
	struct { uint64_t seq; const char *variant; char *body; } e[16];
	size_t n;
};

static const char *payload_for(struct payload_cache *pc, struct dtx *dt, uint64_t seq, const char *variant)
{
	for (size_t i = 0; i < pc->n; i++)
		if (pc->e[i].seq == seq && strcmp(pc->e[i].variant, variant) == 0)
			return pc->e[i].body;
	char *body;
	size_t len;
	if (deliv_payload_get(dt, seq, variant, &body, &len) != BC_OK)
		return NULL;
	if (pc->n < sizeof pc->e / sizeof pc->e[0]) {
		pc->e[pc->n].seq = seq;
		pc->e[pc->n].variant = variant;
		pc->e[pc->n++].body = body;
	}
	return body;
}

/* Prepares the job of delivery d (the worker composes its body); false when it is not to be sent (state set in d). */
static bool prepare(struct sender *sn, struct stx *t, struct dtx *dt, struct payload_cache *pc,
                    const unsigned char secret[32], struct delivery *d, struct notify_job *j)
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
	const char *variant = d->mode == SUB_WEBHOOK ? "webhook" : d->mode == SUB_SLACK ? "slack" : "mail";
	if ((j->payload = payload_for(pc, dt, d->seq, variant)) == NULL) {
		d->state = DS_FAILED;
		d->last_error = "payload missing";
		return false;
	}
	char unsub[SUB_TOKEN_MAX], confirm[SUB_TOKEN_MAX];
	sub_token_make(secret, &s, SUBTOK_UNSUB, d->created_at + SUB_UNSUB_TTL_MS, unsub);
	j->unsub_url = link_url(sn->a, sn->cfg->page_url, "unsubscribe", unsub);
	j->sub = s;
	if (d->mode == SUB_EMAIL) {
		sub_token_make(secret, &s, SUBTOK_CONFIRM, d->created_at + SUB_CONFIRM_TTL_MS, confirm);
		j->rcpt = d->dest;
		j->confirm_url = link_url(sn->a, sn->cfg->page_url, "subscribe/confirm", confirm);
	} else {
		char text[SUB_SECRET_TEXT_MAX];
		sub_webhook_secret(secret, &s, j->key, text);
		j->url = s.endpoint;
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
	struct payload_cache pc = { .n = 0 };
	for (size_t i = 0; i < n; i++) {
		struct deliv_dest dest;
		char k[32];
		dest_key(k, sizeof k, &due[i]);
		if (deliv_dest_get(dt, k, &dest) == BC_OK && dest.next_at > now && due[i].attempts > 0) {
			due[i].next_at = dest.next_at;      /* this destination is backing off */
			deliv_put(dt, &due[i]);
			continue;
		}
		if (prepare(sn, t, dt, &pc, secret, &due[i], &jobs[njobs])) {
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
	sender_release(sn, false);
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
	mallopt(M_ARENA_MAX, 2);      /* the workers share two malloc arenas, not one each (like serve) */
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
		bool progressed = false;
		if (now_ms() - last_reminders >= REMINDER_EVERY_MS || once) {
			reminder_pass(&sn);
			purge_pass(&sn);
			last_reminders = now_ms();
		}
		e = outbox_pass(&sn, &made, &progressed);
		if (e != BC_OK)
			log_warnx("notify: outbox: %s", bc_strerror(e));
		size_t tried = attempt_pass(&sn);
		arena_reset(sn.a);
		if (progressed || tried > 0)
			sender_release(&sn, true);
		if (once) {
			struct dtx *dt;
			int64_t next = 0;
			if (deliv_begin(sn.d, sn.a, false, &dt) == BC_OK) {
				next = deliv_next_due(dt);
				deliv_abort(dt);
			}
			if (!progressed && tried == 0 && (next == 0 || next > now_ms()))
				break;
			continue;
		}
		if (!progressed && tried == 0) {
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
