/* intake.h: monitoring intake (Alertmanager rules, heartbeat checks): their records, and the one place their signals become component changes. */
#ifndef BEACON_INTAKE_H
#define BEACON_INTAKE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"
#include "write.h"

/*
 * Where intake keeps things (store kv namespaces, in the replicated store: they change only when
 * something changes; pings and repeats never write):
 *   "irule"  rule id -> rule JSON                      (config: beacon rule add)
 *   "ihb"    check uuid -> check JSON                  (config and up/down state: beacon heartbeat add)
 *   "isig"   "<component>|am|<fingerprint>|<startsAt>" or "<component>|hb|<check id>" -> an active
 *            signal: {"actor","level","group","name","suppressed","at"} (firing alert / failing check)
 *   "icomp"  component id -> {"prior","set"}: intake holds this component (the status it had before,
 *            the status intake set)
 *   "istale" "<component>|<check or rule id>" -> {"since"}: that feeder of the component went silent
 *            (shown on the page; several feeders may be silent at once)
 * Last-seen times of heartbeats (intake_hb.c) and of rules with a stale-after time (intake_am.c) are
 * kept in memory by the serving process: after a restart every feeder gets its full grace again.
 * Rules and checks are added and deleted through the write layer (write_intake.c).
 */
#define INTAKE_MAX_RULES      200
#define INTAKE_MAX_CHECKS     1000
#define INTAKE_MAX_MATCHERS   16
#define INTAKE_MAX_MAP        16
#define INTAKE_UUID_LEN       36
#define INTAKE_LEVEL_NONE     (-1)       /* a label value mapped to "no change" */

struct intake_matcher {
	const char *label, *value;
};

struct intake_rule {
	bc_id id;
	bc_id component_id;
	size_t nmatch;
	struct intake_matcher match[INTAKE_MAX_MATCHERS];
	const char *status_label;             /* "severity" */
	size_t nmap;
	struct intake_matcher map[INTAKE_MAX_MAP];    /* label value -> comp status name or "none" */
	int dflt;                              /* level when the label is missing or not in the map */
	const char *incident;                  /* NULL, or the name of the incident opened when a group
	                                        * fires (resolved when all its alerts have resolved) */
	const char *incident_template;         /* NULL, or the saved template (kv "tmpl") the incident is
	                                        * opened from: its title (unless incident names it), status, body */
	bool draft;                            /* the incident is held as a draft for a human to publish; a
	                                        * draft whose alerts all resolved before that is discarded */
	int64_t stale_after_ms;                /* 0, or: no alert matching this rule for that long marks the
	                                        * component stale (a Watchdog alert as the feeder's heartbeat) */
	int64_t created_at;
};

struct intake_check {
	char uuid[INTAKE_UUID_LEN + 1];
	bc_id id;                             /* short public id (audit actor "intake:<id>") */
	bc_id component_id;
	int64_t period_ms, grace_ms;
	int status;                           /* enum comp_status set when late or failing */
	bool down;                            /* currently late or failing */
	bool late;                            /* down because it went silent (not a /fail) */
	int64_t created_at;
};

/* ---- records (intake_state.c) ---- */
enum bc_err intake_rule_list(struct stx *t, struct arena *a, struct intake_rule **out, size_t *n);
enum bc_err intake_rule_put(struct stx *t, const struct intake_rule *r);
enum bc_err intake_check_get(struct stx *t, const char *uuid, struct intake_check *out);
enum bc_err intake_check_put(struct stx *t, const struct intake_check *c);
enum bc_err intake_check_list(struct stx *t, struct arena *a, struct intake_check **out, size_t *n);
/* Default label map: critical -> major_outage, error -> partial_outage, warning -> degraded_performance,
 * info -> none; anything else -> rule->dflt. */
int intake_rule_level(const struct intake_rule *r, const char *label_value);
/* A level name: "none" (INTAKE_LEVEL_NONE) or a comp status that means trouble (not operational,
 * not under maintenance). */
bool intake_level_parse(const char *s, int *out);
/* "60s", "5m", "2h", "1d" or plain seconds, 1 s to 30 days, into ms. */
bool intake_duration_parse(const char *s, int64_t *out_ms);
const char *intake_duration_text(struct arena *a, int64_t ms);    /* "90s", "5m", "2h" */
bool intake_uuid_valid(const char *s);
void intake_uuid_new(char out[INTAKE_UUID_LEN + 1]);

/* The ping URL of a check: page_url + prefix ("/ping/" or "/api/push/") + uuid. */
const char *intake_ping_url(struct arena *a, const char *page_url, const char *prefix, const char *uuid);

/* ---- signals and the component rule (intake_state.c) ---- */
struct intake_signal {
	const char *key;
	bc_id component_id;
	const char *actor;                    /* "intake:<rule or check id>" */
	const char *level;                    /* the comp status it asks for */
	const char *name;                     /* alertname, or "heartbeat late" / "heartbeat failed" */
	bool suppressed;                      /* kept during a maintenance: no effect until it ends */
	int64_t at;
};
/* Every active signal (firing alerts, failing checks), suppressed ones too. */
enum bc_err intake_signal_list(struct stx *t, struct arena *a, struct intake_signal **out, size_t *n);
/* Whether an in-progress maintenance covers the component (or it is under maintenance). */
bool intake_maintenance_covers(struct stx *t, const char *component_id, int64_t now);
/* Adds (replaces) or, with level < 0, removes one active signal of a component. */
enum bc_err intake_signal_put(struct stx *t, const char *key, const char *actor, int level, const char *group,
                              const char *name, bool suppressed);
enum bc_err intake_signal_del(struct stx *t, const char *key);
/* The intake rule for one component, after its signals changed: the worst unsuppressed signal sets
 * its status (remembering the one it had); when none is left it gets that back, unless someone
 * changed it meanwhile. Changes go through the write layer as w->actor. */
enum bc_err intake_component_apply(struct write_ctx *w, const char *component_id);
/* The read rule of staleness: *since = the earliest last data of a silent feeder of the component
 * (0 = not stale). */
enum bc_err intake_stale_get(struct stx *t, const char *component_id, int64_t *since);
/* Whether any component may be stale (true also when the store cannot say): the home page asks
 * once, not once per component. */
bool intake_stale_any(struct stx *t);
/* Whether feeder (a check or rule id) has marked the component stale. */
bool intake_stale_marked(struct stx *t, const char *component_id, const char *feeder_id);
/* Marks (since > 0) or clears (since 0) one feeder's silence. */
enum bc_err intake_stale_set(struct stx *t, const char *component_id, const char *feeder_id, int64_t since);

/* ---- Alertmanager webhook (intake_am.c) ---- */
#define INTAKE_AM_MAX_BODY   (1 << 20)
#define INTAKE_AM_MAX_ALERTS 1000
struct intake_am_result { size_t alerts, matched, changed; };
/* Applies one Alertmanager v4 payload: parse, match rules, write only what changed (idempotent).
 * BC_INVALID with err ("alerts[2].status: must be firing or resolved") on bad input. */
enum bc_err intake_am_apply(struct store *s, const char *body, size_t len, struct intake_am_result *res,
                            char *err, size_t errlen);
/* One scheduler pass: rules with a stale-after time that no notification matched for that long
 * mark their component stale (a matching notification clears it). Times are this process's. */
enum bc_err intake_am_tick(struct store *s, size_t *done);
/* When this process last saw a notification matching rule id (0: none since it started). */
int64_t intake_am_last_seen(const char *rule_id);

/* ---- heartbeats (intake_hb.c) ---- */
enum intake_ping { PING_SUCCESS, PING_START, PING_FAIL, PING_LOG };   /* LOG: known check, no signal */
/* One scheduler pass: checks past their period + grace go down. */
enum bc_err intake_hb_tick(struct store *s, size_t *done);

#endif
