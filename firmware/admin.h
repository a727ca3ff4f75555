/* admin.h: the web admin under /admin: its route table, the request context its handlers get, and helpers. */
#ifndef BEACON_ADMIN_H
#define BEACON_ADMIN_H
#include <stdbool.h>
#include <stdint.h>
#include "req.h"
#include "users.h"
#include "write.h"
#include "zone.h"

#define ADMIN_COOKIE "__Host-beacon_session"
#define ADMIN_PRE_COOKIE "__Host-beacon_pre"      /* sign-in form's CSRF binding, before any session */
#define ADMIN_IDLE_MS (30 * 60 * 1000LL)
#define ADMIN_ABSOLUTE_MS (8 * 3600 * 1000LL)
#define ADMIN_FAILS_PER_ACCOUNT 5                  /* failed sign-ins per minute before 429 */
#define ADMIN_FAILS_PER_ADDRESS 20
#define ADMIN_MAXFORM 128

/* Route flags. Every POST checks Sec-Fetch-Site/Origin and the CSRF token before its handler. */
enum admin_route_flags {
	AR_PUBLIC  = 1 << 0,    /* no session needed (sign-in) */
	AR_PARTIAL = 1 << 1,    /* also for a session that still has to pass 2FA or enrol in it */
	AR_WRITE   = 1 << 2,    /* changes the store: the role is checked, 503 on a secondary */
	AR_SELF    = 1 << 3,    /* a write on the signed-in user's own account (any role) */
	AR_SIGNIN  = 1 << 4,    /* counts failed sign-ins (429 + Retry-After) */
	AR_BINARY  = 1 << 5,    /* a file upload (set by AR_BINARY_KB): the body must be multipart/form-data
	                           of at most that many KiB, and only its file part may hold binary bytes
	                           (NUL); every other route's body with a NUL byte is refused (req_parse) */
};
/* Flags of a binary multipart route whose body may be kb KiB (instead of max_body_kb): kb in bits 8 and up. */
#define AR_BINARY_KB(kb) (AR_BINARY | ((unsigned)(kb) << 8))
#define AR_BODY_KB(flags) ((flags) >> 8)

/* Session stages. */
enum admin_stage { STAGE_FULL = 0, STAGE_TOTP = 1, STAGE_ENROL = 2 };

struct admin_session {
	char key[65];                   /* SHA-256 hex of the cookie's id: the record key */
	const char *email;
	int64_t epoch, created, seen;
	const char *csrf;               /* the synchronizer token of this session */
	enum admin_stage stage;
};

struct admin;
struct admin_route {
	const char *method;             /* "GET" (also HEAD) or "POST" */
	const char *path;               /* literal */
	void (*fn)(struct admin *ad);
	enum user_role role;            /* the least role that may use it */
	unsigned flags;
};
extern const struct admin_route admin_routes[];   /* ends with { NULL } */

/* One admin request. */
struct admin {
	struct req *r;
	struct arena *a;
	struct buf *b;
	const struct admin_route *rt;
	const char *lang;               /* "en" or "es" */
	bool signed_in;
	struct admin_session sess;
	struct user user;
	struct kv form[ADMIN_MAXFORM];
	size_t nform;
	struct stx *tx;                 /* read txn of the main store */
	const char *page_name, *zone;   /* the page's name and IANA time zone */
	const struct zone *tz;          /* that zone: admin times are read and written in it */
	bool readonly;                  /* secondary */
	const char *notice;             /* a message shown on the next page (from ?ok=) */
	const char *upload;             /* the file part of a multipart post (not NUL-terminated) or NULL */
	size_t upload_len;
	const char *upload_field;
};

/* Called by route_dispatch for "/admin" and every path under "/admin/". */
void admin_dispatch(struct req *r);
/* For req_parse, before the body is read: true when method+path is an AR_BINARY row, with its limit in bytes. */
bool admin_body_binary(const char *method, const char *path, size_t *body_max);

/* ---- helpers (admin.c) ---- */
const char *A(struct admin *ad, const char *en);          /* the UI string in ad->lang */
const char *admin_form(struct admin *ad, const char *key); /* first value or NULL */
const char *admin_arg(struct admin *ad, const char *key);  /* form value, else query value */
void admin_begin(struct admin *ad, const char *title);     /* layout: head, nav, notices */
void admin_end(struct admin *ad);
void admin_csrf_field(struct admin *ad);                   /* hidden input of the session's token */
void admin_form_open(struct admin *ad, const char *action, const char *cls);   /* <form method=post> + token */
void admin_redirect(struct admin *ad, const char *path, const char *notice);   /* 303 See Other */
void admin_error_page(struct admin *ad, int status, const char *msg);
/* The write layer on a fresh write txn (actor "admin:<email>"); false after an error page. */
bool admin_write_begin(struct admin *ad, struct write_ctx *w);
/* Commits; false after an error page. */
bool admin_write_commit(struct admin *ad, struct write_ctx *w);
/* A refused write: the error page with the write layer's message (422/404/409). */
void admin_write_fail(struct admin *ad, struct write_ctx *w, enum bc_err e);
/* "2026-03-16T08:50" (datetime-local) in the page's zone; false when malformed. */
bool admin_parse_local(struct admin *ad, const char *s, int64_t *out);
/* The same format back, for input values, and "Mar 16, 2026 08:50 -05" for reading. */
const char *admin_local_input(struct admin *ad, int64_t ms);
const char *admin_local_text(struct admin *ad, int64_t ms);
void admin_select(struct admin *ad, const char *name, const char *const *vals, const char *const *labels,
                  size_t n, const char *selected);
/* Form pieces: a hidden input; a submit button (confirm: the question admin.js asks first, or NULL);
 * a table header cell; a label (texts through A()). */
void admin_hidden(struct admin *ad, const char *name, const char *val);
void admin_button(struct admin *ad, const char *text, const char *id, const char *confirm);
void admin_th(struct admin *ad, const char *text);
void admin_label(struct admin *ad, const char *for_id, const char *text);
/* The saved incident templates (kv "tmpl"), the first ADMIN_TEMPLATES_SHOWN by name: the composer's
 * picker, the templates page and the monitoring rule form list the same ones (admin_incidents.c). */
#define ADMIN_TEMPLATES_SHOWN 200
enum bc_err admin_template_list(struct admin *ad, struct kv_item **items, size_t *n);
/* A delete's confirmation, without JavaScript: true when the post has confirm=1; otherwise renders a
 * page asking question (about what, may be NULL) whose form sends the same fields again with confirm=1,
 * and a link back. admin.js adds confirm=1 itself once its own dialog was accepted. */
bool admin_confirmed(struct admin *ad, const char *question, const char *what, const char *back);
/* A failed sign-in step for email: counted per account and per client address. */
void admin_signin_failed(struct admin *ad, const char *email);
void admin_cookie(struct admin *ad, const char *name, const char *val, int max_age);

/* ---- sessions (admin_session.c), in their own local LMDB env: never replicated, no generation bump ---- */
/* New session for email; id_out gets the cookie value (64 hex). */
bool admin_session_create(struct admin *ad, const char *email, int64_t epoch, enum admin_stage stage,
                          char id_out[65]);
/* Loads and checks (idle and absolute expiry); refreshes "seen" at most once a minute. */
bool admin_session_load(struct admin *ad, const char *id, struct admin_session *out);
void admin_session_drop(struct admin *ad, const char *key);
bool admin_session_stage(struct admin *ad, enum admin_stage stage);
/* The last TOTP step accepted for email (replay protection), and recording a new one. */
int64_t admin_totp_last(struct admin *ad, const char *email);
void admin_totp_used(struct admin *ad, const char *email, int64_t step);
/* A per-install secret for the sign-in form's token (HMAC key). */
const char *admin_server_key(struct admin *ad);

/* ---- handlers ---- */
void admin_login_page(struct admin *ad);         /* admin_login.c */
void admin_login_post(struct admin *ad);
void admin_totp_page(struct admin *ad);
void admin_totp_post(struct admin *ad);
void admin_logout(struct admin *ad);
void admin_logout_all(struct admin *ad);
void admin_account_page(struct admin *ad);
void admin_account_2fa(struct admin *ad);
void admin_account_password(struct admin *ad);
void admin_dashboard(struct admin *ad);          /* admin_incidents.c */
void admin_incidents_page(struct admin *ad);
void admin_incident_new_page(struct admin *ad);
void admin_incident_new(struct admin *ad);
void admin_incident_page(struct admin *ad);
void admin_incident_update(struct admin *ad);
void admin_incident_postmortem(struct admin *ad);
void admin_drafts_section(struct admin *ad);      /* admin_drafts.c */
void admin_draft_actions(struct admin *ad, const struct incident *inc);
void admin_draft_publish(struct admin *ad);
void admin_draft_discard(struct admin *ad);
void admin_preview(struct admin *ad);
void admin_maintenance_page(struct admin *ad);
void admin_maintenance_new(struct admin *ad);
void admin_update_edit_page(struct admin *ad);   /* admin_incident_edit.c */
void admin_update_edit(struct admin *ad);
void admin_maintenance_edit_page(struct admin *ad);
void admin_maintenance_edit(struct admin *ad);
void admin_incident_delete(struct admin *ad);
void admin_templates_page(struct admin *ad);
void admin_template_delete(struct admin *ad);
void admin_components_page(struct admin *ad);    /* admin_components.c */
void admin_component_status(struct admin *ad);
void admin_component_move(struct admin *ad);
void admin_group_move(struct admin *ad);
void admin_component_page(struct admin *ad);
void admin_component_new(struct admin *ad);
void admin_component_edit(struct admin *ad);
void admin_component_delete(struct admin *ad);
void admin_group_new(struct admin *ad);
void admin_group_rename(struct admin *ad);
void admin_group_delete(struct admin *ad);
void admin_subscribers_page(struct admin *ad);  /* admin_subscribers.c */
void admin_subscriber_new(struct admin *ad);
void admin_subscriber_unsubscribe(struct admin *ad);
void admin_subscriber_resend(struct admin *ad);
void admin_monitoring_page(struct admin *ad);   /* admin_monitoring.c */
void admin_monitoring_rule_new(struct admin *ad);
void admin_monitoring_rule_del(struct admin *ad);
void admin_monitoring_check_new(struct admin *ad);
void admin_monitoring_check_del(struct admin *ad);
void admin_tokens_page(struct admin *ad);        /* admin_manage.c */
void admin_token_new(struct admin *ad);
void admin_token_revoke(struct admin *ad);
void admin_users_page(struct admin *ad);
void admin_user_new(struct admin *ad);
void admin_user_set(struct admin *ad);
void admin_user_del(struct admin *ad);
void admin_settings_page(struct admin *ad);
void admin_settings_post(struct admin *ad);
void admin_settings_logo(struct admin *ad);       /* upload (multipart field "logo") or remove=1 */
void admin_audit_page(struct admin *ad);

#endif
