/* write.h: the one write path: every change (v1, CLI, import, scheduler, later admin and intake) as a change description applied by one function. */
#ifndef BEACON_WRITE_H
#define BEACON_WRITE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"

/*
 * How to use: open a write txn, fill a write_ctx, parse your input into one of the change structs
 * below, call its write_* function, then commit (on an error, abort). Each write_* function
 * applies every product rule (positions, resolved_at, impact, component restore, status log at
 * a time, maintenance lifecycle, time checks) and appends the change's outbox event (which also
 * writes its audit entry) in the same txn. Front ends hold no rules of their own: they only parse
 * input and format the answer.
 *
 * Errors: BC_INVALID (bad value), BC_NOTFOUND (no such object), BC_CONFLICT (state forbids it),
 * BC_TOOBIG, or a store error. w->err then says why, as "<field>: <reason>" with the field in v1
 * spelling ("scheduled_until: must be after scheduled_for"); w->err_field is that field alone.
 */
struct write_ctx {
	struct stx *t;              /* the open write txn */
	struct arena *a;
	const char *actor;          /* "token:<id>", "cli:<user>", "import", "system:scheduler" */
	int64_t now;                /* 0: write_* takes now_ms() */
	char err[256];
	char err_field[48];
	bool scheduling;            /* internal: inside write_maintenance_* */
	bool batch;                 /* import: objects get no event of their own; write_import_done adds one */
};

/* "unset" markers of the change structs */
#define WRITE_KEEP (-1)             /* an int or enum field left as it is */
#define WRITE_FUTURE_SLACK_MS (5 * 60 * 1000)   /* a change's time may be this far ahead of the clock */

/* ---- components and groups (write_component.c) ---- */

struct component_change {
	bc_id id;                   /* "" creates */
	const char *name;           /* NULL keeps */
	bool set_description;
	const char *description;    /* NULL clears */
	bool set_group;
	bc_id group_id;             /* "" = ungrouped */
	int position;               /* WRITE_KEEP: kept, or the next free one when created or moved */
	int status;                 /* enum comp_status or WRITE_KEEP */
	int64_t at;                 /* when the status changed (0 = now); past times are inserted in the log */
	int showcase, only_show_if_degraded;    /* 0/1 or WRITE_KEEP */
	bool set_start_date;
	int64_t start_date;         /* 0 clears */
	bool notify;                /* deliver_notifications */
	/* import: an unknown id creates the object with that id, and the source's times are kept */
	bool upsert;
	int64_t created_at, updated_at;
};
void write_component_change_init(struct component_change *ch);
enum bc_err write_component(struct write_ctx *w, struct component_change *ch, struct component *out);
/* drop_empty_group: a group left without children is deleted with it (v1: groups cannot be empty). */
enum bc_err write_component_delete(struct write_ctx *w, const char *id, bool drop_empty_group);

struct group_change {
	bc_id id;                   /* "" creates */
	const char *name;
	bool set_description;
	const char *description;
	int position;               /* WRITE_KEEP: kept, or after the last top-level item when created */
	bool set_members;           /* exactly these components become its children, in this order */
	size_t nmembers;
	const char **members;
	bool upsert;                      /* import, as for components */
	int64_t created_at, updated_at;
};
void write_group_change_init(struct group_change *ch);
enum bc_err write_group(struct write_ctx *w, struct group_change *ch, struct group *out);
enum bc_err write_group_delete(struct write_ctx *w, const char *id);    /* its components become ungrouped */
/* One place up (up true) or down among its siblings (a component in its group, a group among the groups):
 * the siblings are renumbered in display order with the two swapped. Nothing at the end of the list. */
enum bc_err write_component_move(struct write_ctx *w, const char *id, bool up);
enum bc_err write_group_move(struct write_ctx *w, const char *id, bool up);

/* ---- incidents and maintenance (write_incident.c) ---- */

struct component_status {
	const char *id;
	int status;                 /* enum comp_status, or WRITE_KEEP: affected, status unchanged */
};

struct incident_change {
	bc_id id;                   /* "" creates */
	bool maintenance;           /* create only */
	const char *name;
	int status;                 /* enum inc_status or WRITE_KEEP */
	int impact_override;        /* enum impact or WRITE_KEEP */
	const char *body;           /* the update's text; NULL: no text (an update is still written on create,
	                             * on a status change and on a component change) */
	int64_t at;                 /* when this happened (0 = now): the update's display time, the time of its
	                             * component changes; not in the future, not before the last update */
	size_t ncomponents;
	struct component_status *components;
	bool keep_components;       /* resolving leaves the affected components as they are */
	bool notify;                /* deliver_notifications */
	bool set_metadata, set_reminders;
	const char *metadata, *reminder_intervals;
	int64_t scheduled_for, scheduled_until;                 /* 0 keeps */
	int auto_in_progress, auto_completed;                   /* 0/1 or WRITE_KEEP */
	int auto_to_maintenance, auto_to_operational;           /* 0/1 or WRITE_KEEP (created: yes) */
	bool backfilled;            /* create only: entered after the fact */
	bool draft;                 /* create only: held as a draft for a human (see below) */
};
void write_incident_change_init(struct incident_change *ch);
/* Creates or changes an incident and adds its update; *out and *update (either may be NULL) get
 * the stored result (update->id is "" when the change added none). */
enum bc_err write_incident(struct write_ctx *w, struct incident_change *ch, struct incident *out,
                           struct incident_update *update);
/* A draft is deleted with no notification (write_incident_discard). */
enum bc_err write_incident_delete(struct write_ctx *w, const char *id);

/*
 * Drafts. An incident created with draft set is not published: no public read shows it (the store
 * keeps it out of every public list; by-id readers ask status_incident_public), and it changes
 * nothing: the components it lists take their statuses only when it is published (until then
 * they are kept in its one update as planned statuses), and its events ("incident.draft_created",
 * "incident.draft_updated", "incident.draft_discarded") never notify. Editing a draft
 * (write_incident with its id: name, status, impact, body, components, notify) rewrites that one
 * update instead of adding one; a draft cannot be resolved (discard it) and has no postmortem.
 * Publishing is the moment the incident is created: it starts then, its update is dated then, its
 * components take their planned statuses then, and its event is "incident.created" (notifying
 * unless the draft was saved with notify false). Only incidents can be drafts, not maintenance.
 */
enum bc_err write_incident_publish(struct write_ctx *w, const char *id, struct incident *out);
enum bc_err write_incident_discard(struct write_ctx *w, const char *id);

struct update_edit {
	bc_id incident_id, update_id;
	const char *body;           /* NULL keeps */
	int64_t display_at;         /* 0 keeps; not in the future, between its neighbours */
	int notify;                 /* 0/1 or WRITE_KEEP */
};
enum bc_err write_update_edit(struct write_ctx *w, struct update_edit *ed, struct incident_update *out);

enum postmortem_op { PM_SAVE_DRAFT, PM_PUBLISH, PM_REVERT, PM_DELETE };
/* body: the draft (PM_SAVE_DRAFT; with publish also published); at: the publication time (0 = now). */
enum bc_err write_postmortem(struct write_ctx *w, const char *incident_id, enum postmortem_op op,
                             const char *body, bool publish, int64_t at, struct incident *out);

/* ---- the maintenance lifecycle (write_maintenance.c) ---- */

/* Moves every maintenance whose window has started or ended (auto start / auto complete) to its
 * state at now, as ordinary changes by w->actor ("system:scheduler"). Idempotent. *done counts. */
enum bc_err write_maintenance_tick(struct write_ctx *w, size_t *done);
/* Whether the read rule puts a maintenance in another state at now than the stored one. */
bool write_maintenance_due(const struct incident *inc, int64_t now);
/* The same for one incident before another change is applied to it (write_incident calls it). */
enum bc_err write_maintenance_catch_up(struct write_ctx *w, const char *id);

/* ---- page settings and import ---- */

struct page_change {
	const char *id;             /* import --page / init --page-id: the Statuspage page id (NULL keeps) */
	const char *name, *url, *time_zone;     /* NULL keeps */
	const char *languages;                  /* "en,es": a comma list of en and es; NULL keeps */
	const char *default_language;           /* one of the languages; NULL keeps */
};
enum bc_err write_page(struct write_ctx *w, struct page_change *ch, struct page_settings *out);

/* Import keeps the source's ids and times (created_at, updated_at, display_at), and its
 * statuses: an update's affected components are logged at its display time. */
enum bc_err write_import_incident(struct write_ctx *w, struct incident *inc, struct incident_update *ups, size_t nups);
/* After the incidents: a component's current status is the source's (history logged from the
 * incidents' updates may end in another status); a change is logged at the import time. */
enum bc_err write_import_component_status(struct write_ctx *w, const char *id, enum comp_status status);
/* One import, one outbox event: detail is the summary ("3 groups, 12 components, ..."). */
enum bc_err write_import_done(struct write_ctx *w, const char *source, const char *detail);

/* ---- the page's logo and brand colour (write_brand.c) ---- */
/* raw: a PNG (checked) or SVG (rebuilt from an allow-list) of n bytes; NULL removes the logo. */
enum bc_err write_brand_logo(struct write_ctx *w, const unsigned char *raw, size_t n);
/* color: "#RRGGBB"; NULL removes it. */
enum bc_err write_brand_color(struct write_ctx *w, const char *color);

/* ---- admin users, API tokens, admin settings (write_user.c) ---- */

struct user;
struct user_change {
	const char *email;          /* required; lower-cased */
	bool create;                /* true: a new user (BC_CONFLICT if the email exists); false: must exist */
	int role;                   /* enum user_role or WRITE_KEEP */
	const char *password_hash;  /* an argon2id PHC string (auth_password_hash); NULL keeps */
	bool set_totp;
	const char *totp_secret;    /* base32; NULL turns 2FA off (and drops the recovery codes) */
	bool set_totp_pending;
	const char *totp_pending;
	bool set_recovery;          /* exactly these recovery code hashes */
	size_t nrecovery;
	const char **recovery;
	const char *use_recovery;   /* the hash of a code being used up: BC_NOTFOUND if it is not one of them */
	bool new_epoch;             /* every session of the user ends (sign out everywhere; a new password) */
};
void write_user_change_init(struct user_change *ch);
/* The last owner can neither lose the owner role nor be deleted (BC_CONFLICT). */
enum bc_err write_user(struct write_ctx *w, struct user_change *ch, struct user *out);
enum bc_err write_user_delete(struct write_ctx *w, const char *email);
enum bc_err write_admin_require_2fa(struct write_ctx *w, bool on);
/* Incident templates (kv "tmpl", by name): a title, an update status and a body for the composer. */
enum bc_err write_template(struct write_ctx *w, const char *name, const char *title, enum inc_status status,
                           const char *body);
enum bc_err write_template_delete(struct write_ctx *w, const char *name);
/* A token and its audit; out gets the clear text, shown once. */
enum bc_err write_token_create(struct write_ctx *w, enum scope scope, const char *name, char out[TOKEN_TEXT_MAX]);
enum bc_err write_token_revoke(struct write_ctx *w, const char *id);

/* Statuspage's default update texts ("We are currently investigating this issue."). */
const char *write_default_body(enum inc_status s);

/* ---- subscribers (write_subscriber.c) ---- */

struct subscriber_change {
	enum sub_mode mode;
	const char *email;                 /* email subscribers; failure contact for webhooks (may be NULL) */
	const char *endpoint;              /* webhook / Slack URL */
	const char *lang;                  /* "en" (NULL) or "es" */
	const char *const *component_ids;  /* none = every component */
	size_t ncomponents;
	bool skip_confirmation;            /* email: active at once, no confirmation mail */
	const char *incident_id;           /* an incident subscriber (notified about that incident only;
	                                    * no components), or NULL for the page */
	bool strict;                       /* an active or pending subscriber of that address is BC_CONFLICT
	                                    * (v1, CLI); otherwise (the public form) it only gets a new
	                                    * confirmation request. Quarantined or unsubscribed ones are
	                                    * reactivated (webhooks) or asked to confirm again (email). */
};
/* Checks the change (address syntax, http(s) URL, language, components exist, the incident exists;
 * errors name the field: email, endpoint, language, component_ids, incident) and subscribes. A new email address is created
 * pending (confirmation mail), webhooks, Slack and skipped confirmations active. A known address
 * is never changed silently: it gets a new confirmation request; *existed tells which. */
enum bc_err write_subscribe(struct write_ctx *w, const struct subscriber_change *ch, struct subscriber *out,
                            bool *existed);
/* State changes, each with its outbox event (quarantine and confirmation requests notify). */
enum bc_err write_subscriber_confirm(struct write_ctx *w, struct subscriber *s);
enum bc_err write_subscriber_unsubscribe(struct write_ctx *w, struct subscriber *s);
enum bc_err write_subscriber_resend(struct write_ctx *w, struct subscriber *s);
enum bc_err write_subscriber_quarantine(struct write_ctx *w, struct subscriber *s, const char *reason);
/* Lifts an unsubscribe or quarantine: webhooks and Slack are active again; an email address is
 * asked to confirm again (a confirmation mail; old links die), never resubscribed silently.
 * Active and pending subscribers are left as they are (no event). */
enum bc_err write_subscriber_reactivate(struct write_ctx *w, struct subscriber *s);
/* The components a page subscriber follows (n == 0: all); each must exist ("component_ids: ..."). */
enum bc_err write_subscriber_components(struct write_ctx *w, struct subscriber *s, const char *const *ids, size_t n);

/* ---- maintenance reminders (write_reminder.c) ---- */

/* For each scheduled maintenance whose reminder_intervals hour marks before the start have passed
 * since the last check: one "maintenance.reminder" event (notify), once per mark (marks passed
 * together give one event). send false only counts them in *done (a read txn is enough), so
 * callers write only when something is due. */
enum bc_err write_maintenance_reminders(struct write_ctx *w, bool send, size_t *done);

/* ---- monitoring intake (write_intake.c; the records are intake.h's) ---- */

struct intake_rule;
struct intake_check;
/* Checks and adds a rule (r->id and created_at are set); its component must exist. */
enum bc_err write_intake_rule_add(struct write_ctx *w, struct intake_rule *r);
/* Deletes a rule: the alerts it raised are dropped (the component gets its status back), its staleness mark too. */
enum bc_err write_intake_rule_delete(struct write_ctx *w, const char *id);
/* Checks and adds a heartbeat check (uuid, id and created_at are set). */
enum bc_err write_intake_check_add(struct write_ctx *w, struct intake_check *k);
/* Deletes a check by id or uuid, as for rules. */
enum bc_err write_intake_check_delete(struct write_ctx *w, const char *id_or_uuid);
/* The incident of one Alertmanager group of rule r (w->actor "intake:<rule id>"): opened when it fires
 * (one per group; from the rule's template when it has one, as a draft when it says so), resolved
 * when every alert of the group has resolved (a draft nobody published by then is discarded). */
enum bc_err write_intake_group_incident(struct write_ctx *w, const struct intake_rule *r, const char *group,
                                        const char *alert_name, bool firing);
/* A maintenance stopped covering a component (completed, deleted, or the component left
 * under_maintenance): alerts kept during it that still fire take effect now (audit: their rule),
 * with their group's incident; resolved ones were dropped when they resolved. Nothing while
 * another maintenance still covers it. */
enum bc_err write_intake_release(struct write_ctx *w, const char *component_id);

/* ---- shared by the write_*.c files (write_util.c) ---- */
enum bc_err write_refuse(struct write_ctx *w, enum bc_err e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int64_t write_now(struct write_ctx *w);
/* Appends the change's outbox event; before/after as compact JSON (NULL for none). */
enum bc_err write_event(struct write_ctx *w, const char *kind, const char *object_type, const char *id,
                        const char *before, const char *after, bool notify, const char *summary);
char *write_json_component(struct write_ctx *w, const struct component *c);
char *write_json_group(struct write_ctx *w, const struct group *g);
char *write_json_incident(struct write_ctx *w, const struct incident *inc, const struct incident_update *u);
char *write_json_page(struct write_ctx *w, const struct page_settings *p);

#endif
