/* status.h: the one set of read rules: maintenance and incident state at a time, page rollup (indicator,
 * description, banner), incident severity and colour, relative time phrases. Pages, v2/v1 JSON,
 * status.json, badges, feeds and the maintenance scheduler all ask these functions, so they cannot disagree. */
#ifndef BEACON_STATUS_H
#define BEACON_STATUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "i18n.h"
#include "store.h"
#include "zone.h"

/* ---- what the public sees ---- */

/* Whether an incident is published: a draft (held for a human) is on no public read: pages,
 * v2, status.json, badges, feeds, history, ?at=, the static export, uptime, the banner, and
 * notifications. The store keeps drafts out of every list these read (store_incident_list_open,
 * _range, _recent); readers of one incident by id (its page, a notification) ask this. */
bool status_incident_public(const struct incident *inc);

/* ---- state at a time ---- */

/* State of a maintenance at at_ms. A closed one (completed, or resolved by an import) is completed.
 * Otherwise, once scheduled_until has passed with scheduled_auto_completed it is completed, whatever
 * it was (an auto-complete window that nobody started is over, not "scheduled" forever); once
 * scheduled_for has passed with scheduled_auto_in_progress a scheduled one is in progress. Everything
 * else keeps its stored status. For an incident (not maintenance) it returns the stored status. */
enum inc_status status_maintenance_state(const struct incident *inc, int64_t at_ms);
/* Public status in v2: the state at at_ms, "postmortem" once a resolved incident's postmortem is published. */
enum inc_status status_public_state(const struct incident *inc, int64_t at_ms);
/* Unresolved incident (investigating/identified/monitoring) or scheduled/active maintenance at at_ms. */
bool status_is_open(const struct incident *inc, int64_t at_ms);
/* A maintenance that is in progress or verifying at at_ms. */
bool status_maintenance_active(const struct incident *inc, int64_t at_ms);
/* An incident (not maintenance) that is unresolved at at_ms. */
bool status_incident_active(const struct incident *inc, int64_t at_ms);
/* When it started: scheduled_for for maintenance, else started_at, else created_at. */
int64_t status_start(const struct incident *inc);
/* When it ended (resolved_at, a completed maintenance's scheduled_until, else updated_at), 0 while open at at_ms. */
int64_t status_end(const struct incident *inc, int64_t at_ms);

/* ---- severity ---- */

/* Component status an incident impact stands for: minor -> degraded, major -> partial, critical -> major. */
enum comp_status status_impact_level(enum impact i);
/* Severity of an incident shown in lists and on its page: under_maintenance for maintenance; otherwise
 * the worst of its impact and the statuses its updates gave its components; an unresolved incident is
 * at least degraded_performance (an open incident is never shown green, even with no impact and no
 * components yet). u may be NULL (n 0). */
enum comp_status status_incident_level(const struct incident *inc, const struct incident_update *u, size_t n,
                                        int64_t at_ms);

/* ---- page rollup (statuspage-v2.md section 4) ---- */

enum status_indicator { SI_NONE = 0, SI_MAINTENANCE, SI_MINOR, SI_MAJOR, SI_CRITICAL };
enum status_description {
	SD_ALL_OPERATIONAL = 0,     /* "All Systems Operational" */
	SD_UNDER_MAINTENANCE,       /* "Service Under Maintenance" */
	SD_DEGRADED_SYSTEM,         /* "Degraded System Service" */
	SD_PARTIALLY_DEGRADED,      /* "Partially Degraded Service" */
	SD_MINOR_OUTAGE,            /* "Minor Service Outage" */
	SD_PARTIAL_OUTAGE,          /* "Partial System Outage" */
	SD_MAJOR_SYSTEM_OUTAGE,     /* "Major System Outage" */
	SD_MAJOR_SERVICE_OUTAGE,    /* "Major Service Outage" (incident driven) */
	SD__COUNT
};
struct status_rollup {
	enum status_indicator indicator;
	enum status_description what;
	const char *description;        /* the Statuspage English text of what (status.json, badge) */
};
/* Leaf components' statuses, raised by the unresolved incidents at at_ms (an unresolved incident is at
 * least minor: with no impact it still is not "All Systems Operational"), "maintenance" while a
 * maintenance is in progress and nothing is worse. open may hold closed ones; they are skipped. */
struct status_rollup status_rollup(const struct component *comps, size_t ncomps,
                                   const struct incident *open, size_t nopen, int64_t at_ms);
const char *status_indicator_name(enum status_indicator i);          /* "none", "minor", ... */
const char *status_description_text(enum status_description d);     /* Statuspage's English text */
/* The banner's UI string for a description: the same words, localized, in sentence case
 * ("All systems operational", "Sistemas funcionando con normalidad"). */
enum msg status_banner_msg(enum status_description d);
/* Component status whose colour shows an indicator: none operational (green), maintenance blue,
 * minor degraded (yellow), major partial (orange), critical major outage (red). The banner's colour
 * class and icon. */
enum comp_status status_indicator_level(enum status_indicator i);
enum status_indicator status_level_indicator(enum comp_status s);    /* the inverse, for one component */
/* The colour of a level, "#1e7e34" ..., dark enough for white text (badges). */
const char *status_level_colour(enum comp_status s);

/* ---- time phrases (relative, then absolute) ---- */

/* The relative phrase of a notice at now_ms, localized, e.g. "Started 15 days ago · Lasted about 6 hours",
 * "Started 2 hours ago · Ongoing for about 2 hours", "Starts in 2 days". Only a maintenance that is
 * still scheduled "starts"; an open incident whose start is a few seconds ahead of now (the page clock
 * is rounded to the minute) started "less than a minute ago". with_span false: the first part only. */
char *status_when_phrase(struct arena *a, const char *lang, const struct incident *inc, int64_t now_ms,
                         bool with_span);

/* Absolute phrases in zone tz: "8:50 AM", "Mar 16, 2026" / "16 mar 2026", "Mar 16, 2026, 8:50 AM",
 * "Mar 2026" / "mar 2026", and the zone's abbreviation then ("-05", "CET"; cached, not arena). */
char *status_clock(struct arena *a, const struct zone *tz, const char *lang, int64_t ms);   /* es: "08:50" */
char *status_date(struct arena *a, const struct zone *tz, const char *lang, int64_t ms);
char *status_datetime(struct arena *a, const struct zone *tz, const char *lang, int64_t ms);
char *status_month(struct arena *a, const struct zone *tz, const char *lang, int64_t ms);
const char *status_zone_abbr(const struct zone *tz, int64_t ms);

#endif
