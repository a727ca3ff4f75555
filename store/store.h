/* store.h: Beacon's typed store over LMDB; the only way any code reaches the database. */
#ifndef BEACON_STORE_H
#define BEACON_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "arena.h"

/*
 * Data model. All times are int64 milliseconds since the Unix epoch, UTC; 0 means "null".
 * IDs are 12 lowercase base36 characters from mbedtls CTR_DRBG (store_new_id), NUL-terminated.
 * Every write transaction bumps meta.generation by one when it commits; readers see the
 * generation of their snapshot. Strings in returned structs live in the caller's arena.
 */
#define ID_LEN 12
typedef char bc_id[ID_LEN + 1];

/* Size limits enforced by the store for every writer (CLI, API, import). */
#define LIM_NAME        255      /* component, group, incident, page name */
#define LIM_DESCRIPTION 2048     /* component/group description */
#define LIM_BODY        65536    /* incident update / postmortem markdown */
#define LIM_URL         2048
#define LIM_SHORT       64       /* time zone, language codes, token names */
#define LIM_AFFECTED    300      /* components per incident */
#define LIM_METADATA    4096     /* an incident's serialized metadata */

enum comp_status {
	CS_OPERATIONAL = 0,
	CS_UNDER_MAINTENANCE,
	CS_DEGRADED_PERFORMANCE,
	CS_PARTIAL_OUTAGE,
	CS_MAJOR_OUTAGE,
	CS__MAX
};

enum inc_status {
	IS_INVESTIGATING = 0,
	IS_IDENTIFIED,
	IS_MONITORING,
	IS_RESOLVED,
	IS_POSTMORTEM,      /* never stored as incident status; used for the postmortem timeline entry */
	IS_SCHEDULED,       /* maintenance only: */
	IS_IN_PROGRESS,
	IS_VERIFYING,
	IS_COMPLETED,
	IS__MAX
};

enum impact { IMP_NONE = 0, IMP_MINOR, IMP_MAJOR, IMP_CRITICAL, IMP_MAINTENANCE, IMP__MAX };

/* SCOPE_REPLICATION and SCOPE_INTAKE are narrow: they allow only their own routes (admin allows those too). */
enum scope { SCOPE_READ = 1, SCOPE_WRITE = 2, SCOPE_ADMIN = 3, SCOPE_REPLICATION = 4, SCOPE_INTAKE = 5 };

/* Statuspage spellings: "operational", "degraded_performance", "investigating", "major", "write" ... */
const char *comp_status_name(enum comp_status s);
bool comp_status_parse(const char *s, enum comp_status *out);
const char *inc_status_name(enum inc_status s);
bool inc_status_parse(const char *s, enum inc_status *out);
bool inc_status_is_closed(enum inc_status s);   /* resolved, postmortem, completed */
const char *impact_name(enum impact i);
bool impact_parse(const char *s, enum impact *out);
const char *scope_name(enum scope s);
bool scope_parse(const char *s, enum scope *out);

struct page_settings {
	bc_id id;
	const char *name, *url, *time_zone;          /* time_zone: IANA name, e.g. "America/Guayaquil" */
	const char *default_language;                 /* "en" */
	const char *languages;                        /* comma list, e.g. "en,es" */
	int64_t created_at, updated_at;
};

struct group {
	bc_id id;
	const char *name, *description;               /* description may be NULL */
	int position;
	int64_t created_at, updated_at;
};

struct component {
	bc_id id;
	bc_id group_id;                         /* "" when not in a group */
	const char *name, *description;
	enum comp_status status;
	int position;                           /* order inside its group (or top level) */
	bool showcase, only_show_if_degraded;
	int64_t start_date;                     /* UTC midnight of the day it started, 0 = unset */
	int64_t created_at, updated_at;
};

struct affected {                           /* one component's change in an update */
	bc_id component_id;
	enum comp_status old_status, new_status;
};

struct incident {
	bc_id id;
	const char *name;
	enum inc_status status;
	enum impact impact;
	bool is_maintenance;
	int64_t created_at, updated_at;
	int64_t started_at, monitoring_at, resolved_at;
	int64_t scheduled_for, scheduled_until;               /* maintenance */
	bool scheduled_auto_in_progress, scheduled_auto_completed;
	const char *postmortem_body;                                /* the published text (NULL = none) */
	int64_t postmortem_published_at;                      /* 0 = not published */
	const char *postmortem_draft;                               /* the text being edited (NULL = none) */
	const char *metadata;                                       /* v1 metadata, a compact JSON object (NULL = {}) */
	const char *reminder_intervals;                             /* maintenance reminders, "[3, 6]" (NULL = none) */
	bool backfilled;                                      /* entered after the fact (v1 backfilled) */
	bool impact_overridden;                               /* impact set by impact_override, not computed */
	bool auto_to_maintenance, auto_to_operational;        /* maintenance: auto_transition_to_*_state */
	bool draft;                                           /* held for a human: not published (see below) */
	size_t ncomponents;
	bc_id *component_ids;                                 /* affected components (arena) */
};

struct incident_update {
	bc_id id;
	bc_id incident_id;
	enum inc_status status;
	const char *body;                                           /* markdown */
	int64_t created_at, updated_at, display_at;
	uint64_t seq;                                         /* write order: (generation << 16) | n-th in its txn */
	bool quiet;                                           /* sent with deliver_notifications false */
	size_t naffected;
	struct affected *affected;                            /* arena */
};

struct status_change {                                    /* one entry of a component's status log */
	int64_t at;
	enum comp_status status;
	bc_id incident_id;                                    /* "" when not caused by an incident */
};

struct audit_entry {
	int64_t at;
	char *who, *action, *target, *detail;
};

struct token_info {
	bc_id id;
	char *name;
	enum scope scope;
	int64_t created_at;
};

struct store;   /* an open LMDB environment with its databases */
struct stx;     /* one read or write transaction, bound to an arena */

/* Opening. STORE_CREATE makes the directory's store if missing; STORE_SNAPSHOT opens a single
 * read-only snapshot file (MDB_RDONLY|MDB_NOSUBDIR|MDB_NOLOCK). Refuses unsafe sync flags. */
#define STORE_CREATE   0x1
#define STORE_RDONLY   0x2
#define STORE_SNAPSHOT 0x4
enum bc_err store_open(struct store **out, const char *path, unsigned flags);
/* Initial LMDB map size for stores opened after this call (config map_size_mb; default 64 MiB).
 * The map doubles by itself: before a write txn when more than half is used, and after a write
 * that failed with MDB_MAP_FULL. Such a write returns BC_STORE; the caller may retry it once. */
void store_set_map_size(size_t bytes);
/* Grows the map (and records the size in the file) so that bytes more fit in its lower half; for
 * one large write such as an import. Call outside any transaction of this process. */
enum bc_err store_reserve(struct store *s, size_t bytes);
/* The current size of the store's memory map (it doubles as the data grows, and stays grown). */
size_t store_map_size(struct store *s);
size_t store_map_used(struct store *s);          /* bytes of the map in use (last page) */
void store_close(struct store *s);
/* Drops the pages this process has touched in the store's read-only map from its RSS (they stay
 * in the page cache); for a long-running reader after a pass over many records (the sender). */
void store_release_map(struct store *s);
const char *store_path(const struct store *s);
/* The pid of a process that has the store in directory dir open (LMDB holds a shared lock on
 * its lock.mdb for as long as the environment is open); 0 when none, -1 on error. */
long store_holder_pid(const char *dir);
/* False when the file this store has open is no longer at its path (deleted, moved or replaced). */
bool store_file_current(struct store *s);

/* Transactions. One read txn per request; a write txn returns only after its commit is durable.
 * store_commit bumps the generation; store_abort discards. Both free the stx. */
enum bc_err store_begin_read(struct store *s, struct arena *a, struct stx **out);
enum bc_err store_begin_write(struct store *s, struct arena *a, struct stx **out);
enum bc_err store_commit(struct stx *t);
void store_abort(struct stx *t);
uint64_t store_generation(struct stx *t);
/* Import: puts of existing objects keep the caller's updated_at (when set) instead of now. */
void store_keep_times(struct stx *t, bool on);
struct arena *store_txn_arena(struct stx *t);    /* the arena the txn copies values into */
int64_t store_generation_time(struct stx *t);    /* ms of the commit that made this generation */
int64_t now_ms(void);

/* Hot compact copy (mdb_env_copyfd2 with MDB_CP_COMPACT) into an open fd; consistent under writes. */
enum bc_err store_copy_fd(struct store *s, int fd);
/* Refuses if the store's current generation is older than min_gen (snapshot replay checks). */
enum bc_err store_snapshot_generation(struct store *s, uint64_t *gen);

/* Fresh random id (12 base36 chars) and random bytes, from one shared CTR_DRBG. */
void store_new_id(bc_id out);
enum bc_err store_random(void *buf, size_t n);

/* Page settings (a single record, created by `beacon init`). */
enum bc_err store_page_get(struct stx *t, struct page_settings *out);
enum bc_err store_page_put(struct stx *t, struct page_settings *p);

/* Groups and components. put with an empty id creates (fills id, created_at); put sets updated_at.
 * put with an unknown well-formed id (1-12 of [a-z0-9], e.g. from an import) creates with that id.
 * Puts validate (BC_INVALID, BC_TOOBIG) before writing anything; a group_id or component id that
 * does not exist is BC_INVALID. Ungrouped components sort by their own position among the groups
 * (before a group of the same position).
 * component_put appends to the status log when the status differs from the stored one (a new
 * component only when it is not operational: operational is the status before a log's first entry). */
enum bc_err store_group_get(struct stx *t, const char *id, struct group *out);
enum bc_err store_group_put(struct stx *t, struct group *g);
enum bc_err store_group_del(struct stx *t, const char *id);          /* its components become ungrouped */
enum bc_err store_group_list(struct stx *t, struct group **out, size_t *n);      /* by position, name */
enum bc_err store_component_get(struct stx *t, const char *id, struct component *out);
enum bc_err store_component_put(struct stx *t, struct component *c, const char *incident_id);
/* As store_component_put, but a status change is logged at `at` (back-dated incident updates, imports),
 * through store_component_status_set: c->status comes back as the current status, which a back-dated
 * change does not move when a later entry exists. */
enum bc_err store_component_put_at(struct stx *t, struct component *c, const char *incident_id, int64_t at);
/*
 * Status over time. A component's status is its time-ordered status log; its current status (the
 * one in struct component) is the latest entry at or before now.
 * status_at: the status at time at (the latest entry at or before at; operational before the first).
 * status_set: inserts "status at time at" into the log (nothing when it already had that status
 * then; at in the future is taken as now), *old = the status at that time before the change, and
 * makes the stored current status the latest entry at or before now. A change entered with a past
 * time never overwrites a later state.
 */
enum bc_err store_component_status_at(struct stx *t, const char *id, int64_t at, enum comp_status *out);
enum bc_err store_component_status_set(struct stx *t, const char *id, int64_t at, enum comp_status status,
                                       const char *incident_id, enum comp_status *old);
enum bc_err store_component_del(struct stx *t, const char *id);
enum bc_err store_component_list(struct stx *t, struct component **out, size_t *n); /* by group position, position, name */

/* Incidents (and maintenance, is_maintenance = true). put with empty id creates.
 * An incident is "open" until its status is resolved/completed; open ones are indexed apart,
 * so listing them costs nothing with history size. Lists are newest first by started_at
 * (scheduled_for for maintenance). */
enum bc_err store_incident_get(struct stx *t, const char *id, struct incident *out);
enum bc_err store_incident_put(struct stx *t, struct incident *inc);
enum bc_err store_incident_del(struct stx *t, const char *id);       /* with its updates */
enum bc_err store_incident_list_open(struct stx *t, struct incident **out, size_t *n);
/* Incidents whose sort time is in [from_ms, to_ms), newest first, at most limit (0 = no limit). */
enum bc_err store_incident_range(struct stx *t, int64_t from_ms, int64_t to_ms, size_t limit,
                                 struct incident **out, size_t *n);
/* Newest first, before before_ms (0 = now/any), at most limit. */
enum bc_err store_incident_recent(struct stx *t, int64_t before_ms, size_t limit,
                                  struct incident **out, size_t *n);
size_t store_incident_count(struct stx *t);
/* Drafts (incidents with draft set) are kept in a draft index of their own and in neither the open
 * nor the time index: store_incident_list_open, _range and _recent, which every public reader
 * uses, never return one. Publishing (a put with draft false) moves it into those indexes. Drafts,
 * newest first by created_at: */
enum bc_err store_incident_list_drafts(struct stx *t, struct incident **out, size_t *n);

/* Updates of one incident, ordered by display_at ascending. put with empty id creates. */
enum bc_err store_update_get(struct stx *t, const char *incident_id, const char *id, struct incident_update *out);
enum bc_err store_update_put(struct stx *t, struct incident_update *u);
enum bc_err store_update_del(struct stx *t, const char *incident_id, const char *id);
enum bc_err store_update_list(struct stx *t, const char *incident_id, struct incident_update **out, size_t *n);

/* A component's status log in [from_ms, to_ms), oldest first. The first element is the last change
 * before from_ms when there is one (so the status at from_ms is known). */
enum bc_err store_status_log(struct stx *t, const char *component_id, int64_t from_ms, int64_t to_ms,
                             struct status_change **out, size_t *n);
/* Moves the entries made by incident_id at exactly from_ms to to_ms (an update's display_at edit)
 * and recomputes the current status; BC_NOTFOUND when there was none. */
enum bc_err store_status_log_move(struct stx *t, const char *component_id, int64_t from_ms, int64_t to_ms,
                                  const char *incident_id);
/* Appends directly (import, backfill); component_put does this itself on a status change. */
enum bc_err store_status_log_add(struct stx *t, const char *component_id, const struct status_change *c);

/*
 * Outbox: every committed change appends one event in its own write transaction (the write layer,
 * firmware/write.h, does this; nothing else should). Sequence numbers start at 1 and grow by one
 * per event, in commit order, so a reader (notifications, webhooks, the audit log) keeps the last
 * seq it handled and asks for what came after it.
 *   kind        "incident.created", "incident.updated", "incident.resolved", "incident.deleted",
 *               "incident_update.updated", "postmortem.updated", "postmortem.published",
 *               "postmortem.reverted", "postmortem.deleted", "maintenance.scheduled",
 *               "maintenance.updated", "maintenance.started", "maintenance.completed",
 *               "maintenance.deleted", "component.created", "component.updated",
 *               "component.deleted", "group.created", "group.updated", "group.deleted",
 *               "page.updated", "import.statuspage"
 *   actor       "token:<id>" (v1), "cli:<user>", "import", "system:scheduler" (later "admin:<user>",
 *               "intake:<rule>")
 *   object_type "incident" (maintenance too), "component", "group", "page", "import"
 *   before/after compact JSON of the object before and after the change (NULL when it did not
 *               exist / no longer exists); an incident's "after" has the update the change added
 *               under "update" (with each affected component's old_status and new_status).
 *   notify      false when the change was sent with deliver_notifications false.
 *   summary     a short human text (the object's name), shown by `beacon audit`.
 * The audit log entry of the change is written by store_outbox_append from the same event. */
struct outbox_event {
	uint64_t seq;
	int64_t at;
	const char *actor, *kind, *object_type;
	bc_id object_id;
	const char *before, *after;           /* compact JSON or NULL */
	bool notify;
	const char *summary;                  /* may be NULL */
};
/* In a write txn: fills seq and at, stores the event and its audit entry. */
enum bc_err store_outbox_append(struct stx *t, struct outbox_event *e);
/* Events with seq > after_seq, oldest first, at most limit (0 = 1000). */
enum bc_err store_outbox_list(struct stx *t, uint64_t after_seq, size_t limit, struct outbox_event **out, size_t *n);
/* The seq of the newest event (0 when none). */
uint64_t store_outbox_last(struct stx *t);

/* Audit log: every write names who (token id or "cli:<user>"), what, and on what. */
enum bc_err store_audit_add(struct stx *t, const char *who, const char *action, const char *target, const char *detail);
enum bc_err store_audit_list(struct stx *t, size_t limit, struct audit_entry **out, size_t *n); /* newest first */

/* API tokens. Only a SHA-256 of the secret is stored; the clear token is shown once.
 * Token text: "bk_" + 12-char id + "_" + 43-char base64url secret. check compares in constant time. */
#define TOKEN_TEXT_MAX 64
enum bc_err store_token_create(struct stx *t, enum scope scope, const char *name, char out[TOKEN_TEXT_MAX]);
enum bc_err store_token_check(struct stx *t, const char *token, struct token_info *out);
enum bc_err store_token_revoke(struct stx *t, const char *id);
enum bc_err store_token_list(struct stx *t, struct token_info **out, size_t *n);

/* Small keyed blobs for other modules (idempotency keys, rate state, replication info).
 * ns is a short namespace ("idem", "repl"); value bytes are copied into the arena. */
enum bc_err store_kv_get(struct stx *t, const char *ns, const char *key, const void **val, size_t *len);
enum bc_err store_kv_put(struct stx *t, const char *ns, const char *key, const void *val, size_t len);
enum bc_err store_kv_del(struct stx *t, const char *ns, const char *key);
/* Every key of namespace ns starting with prefix (NULL = all), ascending, at most limit (0 = all);
 * keys and values (NUL-terminated) are arena copies. */
struct kv_item {
	char *key;
	const char *val;
	size_t len;
};
enum bc_err store_kv_list(struct stx *t, const char *ns, const char *prefix, size_t limit,
                          struct kv_item **out, size_t *n);
/* The smallest key of namespace ns (arena copy) in *key; BC_NOTFOUND when ns is empty. */
enum bc_err store_kv_first(struct stx *t, const char *ns, char **key);


/* Subscribers (email, webhook, Slack) of page notifications. Kept in the replicated store; their
 * delivery state is not (see deliv.h). put with an empty id creates (fills id, created_at and the
 * two nonces); put validates before writing and keeps the address/endpoint index: a second
 * subscriber of the same mode with the same address or endpoint (of the page, or of one incident)
 * is BC_CONFLICT. */
enum sub_mode { SUB_EMAIL = 0, SUB_WEBHOOK, SUB_SLACK, SUB__MAX };
enum sub_state { SUBST_PENDING = 0, SUBST_ACTIVE, SUBST_UNSUBSCRIBED, SUBST_QUARANTINED, SUBST__MAX };
#define LIM_EMAIL 254
#define LIM_SUB_COMPONENTS 300
struct subscriber {
	bc_id id;
	enum sub_mode mode;
	enum sub_state state;
	const char *email;                      /* the address; for webhooks the failure contact (may be NULL) */
	const char *endpoint;                   /* webhook or Slack URL (NULL for email) */
	char lang[3];                           /* "en" or "es" */
	bool skip_confirmation;
	uint64_t token_nonce;                   /* changes on confirm/unsubscribe: links are single-use */
	uint64_t secret_nonce;                  /* webhook signing secret version */
	int64_t created_at, updated_at, confirmed_at, quarantined_at, unsubscribed_at;
	size_t ncomponents;                     /* 0 = every component */
	bc_id *component_ids;                   /* arena */
	bc_id incident_id;                      /* an incident subscriber: only that incident ("" = the page) */
};
const char *sub_mode_name(enum sub_mode m);      /* "email", "webhook", "slack" */
bool sub_mode_parse(const char *s, enum sub_mode *out);
const char *sub_state_name(enum sub_state s);    /* "pending", "active", "unsubscribed", "quarantined" */
enum bc_err store_subscriber_get(struct stx *t, const char *id, struct subscriber *out);
enum bc_err store_subscriber_put(struct stx *t, struct subscriber *s);
/* The subscriber of mode with this address (email) or endpoint (webhook, Slack) among the page's
 * subscribers (incident_id NULL or "") or that incident's; compared case-insensitively for email.
 * BC_NOTFOUND when none. */
enum bc_err store_subscriber_find(struct stx *t, const char *incident_id, enum sub_mode mode, const char *addr,
                                  struct subscriber *out);
/* Every subscriber, by creation time then id. */
enum bc_err store_subscriber_list(struct stx *t, struct subscriber **out, size_t *n);
/* Every subscriber by id, one at a time, after after_id ("" or NULL: from the first), at most limit
 * (fn false stops early); last_id: the last one given to fn (after_id when none), *done when the
 * end was reached. For walks in bounded steps that resume in a later txn (the sender's fan-out). */
enum bc_err store_subscriber_scan(struct stx *t, const char *after_id, size_t limit,
                                  bool (*fn)(void *ctx, const struct subscriber *s), void *ctx,
                                  char last_id[sizeof(bc_id)], bool *done);
/* The per-store secret (32 bytes) that signs subscriber links and derives webhook secrets. A write
 * txn creates it when missing; a read txn without one gives BC_NOTFOUND. */
enum bc_err store_notify_secret(struct stx *t, unsigned char out[32]);

#endif
