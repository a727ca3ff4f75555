/* api_v1.h: plumbing shared by the v1 management API handlers (page check, limits, write txns, idempotency, audit). */
#ifndef BEACON_API_V1_H
#define BEACON_API_V1_H
#include <stdbool.h>
#include <stddef.h>
#include "api_v1_input.h"
#include "api_v2_objects.h"
#include "out.h"
#include "req.h"
#include "write.h"

/* One v1 request in progress: its transaction and the page view objects are written from. */
struct v1_ctx {
	struct req *r;
	struct stx *t;              /* the request's read txn, or the write txn of a write */
	bool write;
	struct sp_view v;           /* style SP_V1 */
	const char *idem_key;       /* "idem" kv key when Idempotency-Key was sent */
};

/* First step of every handler: rate limit and the page id in the path. False after answering. */
bool v1_check(struct req *r);
/* Loads the view on the read txn (after v1_check). False after answering. */
bool v1_read(struct req *r, struct v1_ctx *c);
/* Opens the write txn, replays a stored Idempotency-Key answer (returns false having answered),
 * and loads the view on the write txn. */
bool v1_write(struct req *r, struct v1_ctx *c);
/* Idempotency-Key records: remember a write's answer under key (with a time-ordered index), and
 * drop up to a few records older than a day (a record whose key was used again since is kept). */
enum bc_err v1_idem_remember(struct stx *t, struct arena *a, const char *key, int status, const char *hash,
                             const char *body, int64_t now);
enum bc_err v1_idem_purge(struct stx *t, int64_t now);
/* Loads the incident named by the path (capture 1); false after answering 404 (or 500). */
bool v1_load_incident(struct v1_ctx *c, struct incident *inc);
/* Reloads the view after changes in the write txn, so objects show them; false after answering. */
bool v1_reload(struct v1_ctx *c);
/* A write_ctx on the request's write txn (actor "token:<id>", the view's now). */
void v1_write_ctx(struct v1_ctx *c, struct write_ctx *w);
/* Drops the write txn and answers a write the write layer refused: 422 "<resource>.<field>: why",
 * 404, 409, or 500. */
void v1_fail_write(struct v1_ctx *c, const struct write_ctx *w, enum bc_err e, const char *resource);
/* Ends a write whose answer is already in r (its audit entry came with its outbox event):
 * idempotency record, commit. Only a durable commit keeps the answer; otherwise it becomes a 500. */
void v1_commit(struct v1_ctx *c, const char *action, const char *target);
/* Drops the write txn and answers with an error. */
void v1_fail(struct v1_ctx *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void v1_fail_err(struct v1_ctx *c, enum bc_err e, const char *what);

/* Path capture i without a trailing ".json". */
const char *v1_param(struct req *r, int i);

/* JSON answers: begin resets the body and sets the status and type; end checks the writer. */
void v1_json_begin(struct req *r, struct jw *w, int status);
bool v1_json_end(struct req *r, struct jw *w);

/* List paging: ?page= (1-based, <= 1 is the first) and ?per_page= or ?limit= (1..100, default 100). */
struct v1_paging {
	size_t offset, limit;
};
void v1_paging(struct req *r, struct v1_paging *p);

/* Handlers, by file. */
void v1_components_list(struct req *r);     /* api_v1_components.c */
void v1_component_get(struct req *r);
void v1_component_create(struct req *r);
void v1_component_update(struct req *r);
void v1_component_delete(struct req *r);
void v1_groups_list(struct req *r);
void v1_group_get(struct req *r);
void v1_group_create(struct req *r);
void v1_group_update(struct req *r);
void v1_group_delete(struct req *r);
void v1_incidents_list(struct req *r);      /* api_v1_incidents.c */
void v1_incidents_unresolved(struct req *r);
void v1_incidents_upcoming(struct req *r);
void v1_incidents_active_maintenance(struct req *r);
void v1_incidents_scheduled(struct req *r);
void v1_incident_get(struct req *r);
void v1_incident_create(struct req *r);
void v1_incident_update(struct req *r);
void v1_incident_delete(struct req *r);
void v1_update_edit(struct req *r);         /* api_v1_postmortem.c */
void v1_postmortem_get(struct req *r);
void v1_postmortem_put(struct req *r);
void v1_postmortem_publish(struct req *r);
void v1_postmortem_revert(struct req *r);
void v1_postmortem_delete(struct req *r);
void v1_openapi(struct req *r);             /* openapi.c */
/* api_v1_subscribers.c: the v1 Subscriber object; secret (webhooks, at creation only) may be NULL. */
void v1_write_subscriber(struct jw *w, const struct sp_view *v, const char *key, const struct subscriber *s,
                         const char *secret);

#endif
