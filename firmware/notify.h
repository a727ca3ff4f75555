/* notify.h: what the sender's files share: event payloads, one delivery attempt, and the retry schedule. */
#ifndef BEACON_NOTIFY_H
#define BEACON_NOTIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "deliv.h"
#include "store.h"

#define NOTIFY_UNSUB_MARK "@@UNSUBSCRIBE@@"    /* replaced per subscriber in a stored webhook body */
#define NOTIFY_MAX_ATTEMPTS 10                  /* the first try and nine retries */
#define NOTIFY_QUARANTINE_FAILS 10              /* consecutive failures of one destination */
#define NOTIFY_TIMEOUT_MS 30000

/* What an outbox event means for subscribers (notify_payload.c). */
enum notify_audience {
	NA_NONE = 0,         /* nothing to send */
	NA_ALL,              /* active subscribers of an affected component, or of everything */
	NA_HOOKS,            /* the same, webhooks and Slack only (component status changes) */
	NA_ONE,              /* the event's subscriber only (confirmation, quarantine notice) */
};
struct notify_event {
	enum notify_audience audience;
	size_t ncomponents;          /* affected components; subscribers of everything always match */
	bc_id *component_ids;
	const char *incident_id;     /* the incident an incident or maintenance event is about, or NULL */
	char *webhook;               /* Statuspage-shaped JSON with NOTIFY_UNSUB_MARK, or NULL */
	char *slack;                 /* Slack incoming-webhook JSON, or NULL */
	char *mail;                  /* JSON summary the mail templates read, or NULL */
};
/* Builds what the event sends from the store as of t (NA_NONE for events that send nothing). */
enum bc_err notify_event_build(struct stx *t, struct arena *a, const struct config *cfg,
                               const struct outbox_event *ev, struct notify_event *out);

/* One attempt, prepared by the sender's main thread and run by a worker (notify_send.c), which
 * composes its body first (only the jobs in flight have one). */
struct notify_job {
	struct delivery d;
	enum sub_mode mode;
	const char *url;             /* webhook / Slack */
	const char *rcpt;            /* mail */
	const char *payload;         /* the event's stored payload of this mode, shared by the batch */
	struct subscriber sub;       /* for the mail's language and headers */
	const char *unsub_url, *confirm_url;
	const char *body;            /* request body, or the whole RFC 5322 message */
	size_t body_len;
	unsigned char key[24];       /* webhook signing key */
	/* result */
	bool ok, gone;               /* gone: 410, the destination asked to be disabled */
	int status;
	char why[256];
};
/* What one worker keeps between its attempts: an open SMTP session (many mails, RSET between them). */
struct notify_conn;
struct notify_conn *notify_conn_new(void);
void notify_conn_free(struct notify_conn *c);      /* QUIT and close */
void notify_send(const struct config *cfg, struct notify_conn *c, struct notify_job *j);

/* Composes the mail of a delivery from its stored summary (notify_mail.c). */
char *notify_mail_compose(struct arena *a, const struct config *cfg, const char *summary, const struct subscriber *s,
                          const struct delivery *d, const char *unsub_url, const char *confirm_url, size_t *len);

/* The sender's local delivery directory: notify_store, or "<store>-notify" (notify.c). */
const char *notify_store_dir(struct arena *a, const struct config *cfg);

/* Delay before retry n (1 = after the first failure), scaled by BEACON_NOTIFY_TIME_SCALE (tests only). */
int64_t notify_retry_delay_ms(int n);

#endif
