/* api_v1_input.h: the one validation table for v1 request bodies (JSON, form, multipart, query brackets). */
#ifndef BEACON_API_V1_INPUT_H
#define BEACON_API_V1_INPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "req.h"

/* The request bodies the v1 API accepts, each wrapped in its envelope ({"incident":{...}}) except
 * the bulk subscriber bodies, whose fields are at the top level as in Statuspage. */
enum v1_resource {
	V1R_COMPONENT,
	V1R_GROUP,
	V1R_INCIDENT,
	V1R_UPDATE,
	V1R_PAGE,
	V1R_POSTMORTEM,
	V1R_PUBLISH,
	V1R_SUBSCRIBER,
	V1R_SUBSCRIBER_PATCH,   /* PATCH …/subscribers/{id}: component_ids (also outside the envelope) */
	V1R_SUBSCRIBER_BULK,    /* POST …/subscribers/unsubscribe|reactivate|resend_confirmation, no envelope */
	V1R__MAX
};

/* Field indices into v1_input.v[], one enum per resource, in table order. */
enum { CF_NAME, CF_DESCRIPTION, CF_STATUS, CF_GROUP_ID, CF_SHOWCASE, CF_ONLY_SHOW_IF_DEGRADED,
       CF_START_DATE, CF__N };
enum { GF_NAME, GF_DESCRIPTION, GF_COMPONENTS, GF__N };
enum { IF_NAME, IF_STATUS, IF_IMPACT_OVERRIDE, IF_BODY, IF_MESSAGE, IF_COMPONENTS, IF_COMPONENT_IDS,
       IF_DELIVER_NOTIFICATIONS, IF_METADATA, IF_SCHEDULED_FOR, IF_SCHEDULED_UNTIL,
       IF_SCHEDULED_REMIND_PRIOR, IF_AUTO_IN_PROGRESS, IF_AUTO_COMPLETED, IF_AUTO_TRANSITION,
       IF_AUTO_TO_MAINTENANCE, IF_AUTO_TO_OPERATIONAL, IF_AUTO_NOTIFY_START, IF_AUTO_NOTIFY_END,
       IF_BACKFILLED, IF_BACKFILL_DATE, IF_REMINDER_INTERVALS, IF_DISPLAY_AT, IF_DRAFT, IF__N };
enum { UF_BODY, UF_DISPLAY_AT, UF_DELIVER_NOTIFICATIONS, UF__N };
enum { PF_NAME, PF_URL, PF_TIME_ZONE, PF__N };
enum { MF_BODY_DRAFT, MF__N };
enum { BF_NOTIFY_SUBSCRIBERS, BF_NOTIFY_TWITTER, BF_CUSTOM_TWEET, BF__N };
enum { SF_EMAIL, SF_ENDPOINT, SF_COMPONENT_IDS, SF_SKIP_CONFIRMATION, SF_LANGUAGE, SF__N };
enum { SPF_COMPONENT_IDS, SPF__N };
enum { SBF_SUBSCRIBERS, SBF_TYPE, SBF_STATE, SBF_SKIP_NOTIFICATION, SBF__N };
#define V1_BULK_MAX 1000         /* subscriber ids in one bulk request */

#define V1_MAXFIELDS 24
#define V1_BODY_MAX 25000        /* incident update body, per the v1 spec */
#define V1_METADATA_MAX LIM_METADATA   /* serialized incident metadata */

/* One validated field. Unset fields have set == false; "" and null count as unset except for
 * nullable fields (description, group_id, ...), where they give set && null ("clear it"). */
struct v1_value {
	bool set, null;
	const char *s;          /* strings, ids, compact JSON (metadata), reminder intervals */
	bool b;
	int64_t t;              /* times and dates: ms since the epoch, UTC */
	int e;                  /* enums: enum comp_status / inc_status / impact */
	size_t n;               /* id lists and status maps */
	const char **ids;
	int *statuses;          /* status maps: enum comp_status, or -1 for "listed, unchanged" */
};

struct v1_input {
	enum v1_resource res;
	bool given;             /* any attribute at all was sent */
	struct v1_value v[V1_MAXFIELDS];
};

/* Where the attributes come from. */
struct v1_source {
	const char *content_type;   /* may be NULL */
	const char *body;           /* may be NULL when len == 0 */
	size_t len;
	const struct kv *query;     /* bracket params ("incident[name]") are merged; the body wins */
	size_t nquery;
	const struct zone *zone;    /* date-times without an offset are read in this zone (NULL: UTC) */
};

/* Parses and validates attributes for res. create makes required fields mandatory.
 * Returns 0, or the HTTP status to answer (400 malformed, 415 content type, 422 field) with a
 * message naming the field in err. Everything is allocated in a. */
int v1_input_parse(struct arena *a, const struct v1_source *src, enum v1_resource res, bool create,
                   struct v1_input *out, char *err, size_t errlen);
/* The same for a request; on failure it answers with {"error": "..."} and returns false. */
bool v1_input_req(struct req *r, enum v1_resource res, bool create, struct v1_input *out);

/* ISO-8601 date-time ("2024-01-15T10:00:00.000Z", optional ms and offset) or date ("2024-01-15"). */
bool v1_parse_time(const char *s, int64_t *out);
/* The same, but a date-time without an offset ("2026-03-16T08:50") is a wall-clock time in local
 * (NULL: UTC); a text with Z or an offset means what it says. */
struct zone;
bool v1_parse_time_in(const char *s, const struct zone *local, int64_t *out);

/* One part of a multipart/form-data body: its field name, file name (NULL for a plain field) and bytes (not copied). */
struct v1_input_part {
	const char *name, *filename;
	const char *data;
	size_t len;
};
/* Splits a multipart/form-data body (ct: its Content-Type, with the boundary) into fewer than max
 * named parts; NULL when well formed, else the reason. Used by v1 bodies and the admin's uploads. */
const char *v1_input_multipart(struct arena *a, const char *ct, const char *body, size_t len,
                               struct v1_input_part *out, size_t max, size_t *n);

#endif
