/* api_v1_input.c: the one validation table for v1 request bodies and the parsers feeding it. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>
#include "api_v1_input.h"
#include "zone.h"
#include "jsonlimit.h"
#include "store.h"

enum v1_type {
	VT_STRING,        /* one line of text, max bytes */
	VT_TEXT,          /* markdown body, max bytes */
	VT_COMP_STATUS,
	VT_INC_STATUS,
	VT_IMPACT,
	VT_BOOL,
	VT_TIME,
	VT_DATE,
	VT_ID,            /* a component or group id */
	VT_ID_LIST,
	VT_STATUS_MAP,    /* {"id": "status"}, or [id | {"id":..,"status":..}] */
	VT_METADATA,      /* object whose values are objects */
	VT_INTERVALS,     /* reminder intervals: "[1, 5, 7]", "4" or "[]" */
};

#define F_REQUIRED 0x1   /* mandatory on create */
#define F_NULLABLE 0x2   /* null / "" clears the stored value */
#define F_MULTILINE 0x4  /* VT_STRING that may hold line breaks */
#define F_CSV 0x8        /* VT_ID_LIST also given as one comma-separated string ("a,b") */

struct v1_field {
	const char *name;
	enum v1_type type;
	size_t max;
	unsigned flags;
};

struct v1_schema {
	const char *envelope;              /* "incident"; NULL: the fields are at the top level */
	const struct v1_field *fields;
	size_t nfields;
	const char *const *ignored;        /* fields real clients send that are accepted and dropped */
	const char *top_level;             /* one field also accepted outside the envelope, or NULL */
};

static const struct v1_field component_fields[CF__N] = {
	[CF_NAME]                  = { "name", VT_STRING, LIM_NAME, F_REQUIRED },
	[CF_DESCRIPTION]           = { "description", VT_STRING, LIM_DESCRIPTION, F_NULLABLE | F_MULTILINE },
	[CF_STATUS]                = { "status", VT_COMP_STATUS, 0, 0 },
	[CF_GROUP_ID]              = { "group_id", VT_ID, 0, F_NULLABLE },
	[CF_SHOWCASE]              = { "showcase", VT_BOOL, 0, 0 },
	[CF_ONLY_SHOW_IF_DEGRADED] = { "only_show_if_degraded", VT_BOOL, 0, 0 },
	[CF_START_DATE]            = { "start_date", VT_DATE, 0, F_NULLABLE },
};
static const char *const component_ignored[] = {
	"id", "page_id", "group", "position", "created_at", "updated_at", "automation_email", NULL
};

static const struct v1_field group_fields[GF__N] = {
	[GF_NAME]        = { "name", VT_STRING, LIM_NAME, F_REQUIRED },
	[GF_DESCRIPTION] = { "description", VT_STRING, LIM_DESCRIPTION, F_NULLABLE | F_MULTILINE },
	[GF_COMPONENTS]  = { "components", VT_ID_LIST, LIM_AFFECTED, F_REQUIRED },
};
static const char *const group_ignored[] = {
	"id", "page_id", "position", "created_at", "updated_at", NULL
};

static const struct v1_field incident_fields[IF__N] = {
	[IF_NAME]                   = { "name", VT_STRING, LIM_NAME, F_REQUIRED },
	[IF_STATUS]                 = { "status", VT_INC_STATUS, 0, 0 },
	[IF_IMPACT_OVERRIDE]        = { "impact_override", VT_IMPACT, 0, 0 },
	[IF_BODY]                   = { "body", VT_TEXT, V1_BODY_MAX, 0 },
	[IF_MESSAGE]                = { "message", VT_TEXT, V1_BODY_MAX, 0 },
	[IF_COMPONENTS]             = { "components", VT_STATUS_MAP, LIM_AFFECTED, 0 },
	[IF_COMPONENT_IDS]          = { "component_ids", VT_ID_LIST, LIM_AFFECTED, 0 },
	[IF_DELIVER_NOTIFICATIONS]  = { "deliver_notifications", VT_BOOL, 0, 0 },
	[IF_METADATA]               = { "metadata", VT_METADATA, V1_METADATA_MAX, F_NULLABLE },
	[IF_SCHEDULED_FOR]          = { "scheduled_for", VT_TIME, 0, 0 },
	[IF_SCHEDULED_UNTIL]        = { "scheduled_until", VT_TIME, 0, 0 },
	[IF_SCHEDULED_REMIND_PRIOR] = { "scheduled_remind_prior", VT_BOOL, 0, 0 },
	[IF_AUTO_IN_PROGRESS]       = { "scheduled_auto_in_progress", VT_BOOL, 0, 0 },
	[IF_AUTO_COMPLETED]         = { "scheduled_auto_completed", VT_BOOL, 0, 0 },
	[IF_AUTO_TRANSITION]        = { "scheduled_auto_transition", VT_BOOL, 0, 0 },
	[IF_AUTO_TO_MAINTENANCE]    = { "auto_transition_to_maintenance_state", VT_BOOL, 0, 0 },
	[IF_AUTO_TO_OPERATIONAL]    = { "auto_transition_to_operational_state", VT_BOOL, 0, 0 },
	[IF_AUTO_NOTIFY_START]      = { "auto_transition_deliver_notifications_at_start", VT_BOOL, 0, 0 },
	[IF_AUTO_NOTIFY_END]        = { "auto_transition_deliver_notifications_at_end", VT_BOOL, 0, 0 },
	[IF_BACKFILLED]             = { "backfilled", VT_BOOL, 0, 0 },
	[IF_BACKFILL_DATE]          = { "backfill_date", VT_TIME, 0, 0 },
	[IF_REMINDER_INTERVALS]     = { "reminder_intervals", VT_INTERVALS, LIM_SHORT, F_NULLABLE },
	[IF_DISPLAY_AT]             = { "display_at", VT_TIME, 0, 0 },   /* Beacon: when this change happened */
	[IF_DRAFT]                  = { "draft", VT_BOOL, 0, 0 },        /* Beacon: held unpublished; false publishes */
};
static const char *const incident_ignored[] = {
	"id", "page_id", "shortlink", "impact", "created_at", "updated_at", "wants_twitter_update",
	"custom_tweet", "auto_tweet_at_beginning", "auto_tweet_on_completion", "auto_tweet_on_creation",
	"auto_tweet_one_hour_before", NULL
};

static const struct v1_field update_fields[UF__N] = {
	[UF_BODY]                  = { "body", VT_TEXT, V1_BODY_MAX, 0 },
	[UF_DISPLAY_AT]            = { "display_at", VT_TIME, 0, 0 },
	[UF_DELIVER_NOTIFICATIONS] = { "deliver_notifications", VT_BOOL, 0, 0 },
};
static const char *const update_ignored[] = {
	"id", "incident_id", "wants_twitter_update", "custom_tweet", "tweet_id", NULL
};

static const struct v1_field page_fields[PF__N] = {
	[PF_NAME]      = { "name", VT_STRING, LIM_NAME, 0 },
	[PF_URL]       = { "url", VT_STRING, LIM_URL, 0 },
	[PF_TIME_ZONE] = { "time_zone", VT_STRING, LIM_SHORT, 0 },
};
/* Writable upstream, but a single self-hosted page has no use for them. */
static const char *const page_ignored[] = {
	"id", "domain", "subdomain", "branding", "css_body_background_color", "css_font_color",
	"css_light_font_color", "css_greens", "css_yellows", "css_oranges", "css_reds", "css_blues",
	"css_border_color", "css_graph_color", "css_link_color", "css_no_data", "hidden_from_search",
	"viewers_must_be_team_members", "allow_page_subscribers", "allow_incident_subscribers",
	"allow_email_subscribers", "allow_sms_subscribers", "allow_rss_atom_feeds",
	"allow_webhook_subscribers", "notifications_from_email", "notifications_email_footer", NULL
};

static const struct v1_field postmortem_fields[MF__N] = {
	[MF_BODY_DRAFT] = { "body_draft", VT_TEXT, LIM_BODY, F_REQUIRED },
};
static const struct v1_field publish_fields[BF__N] = {
	[BF_NOTIFY_SUBSCRIBERS] = { "notify_subscribers", VT_BOOL, 0, 0 },
	[BF_NOTIFY_TWITTER]     = { "notify_twitter", VT_BOOL, 0, 0 },
	[BF_CUSTOM_TWEET]       = { "custom_tweet", VT_STRING, 280, F_NULLABLE },
};
static const struct v1_field subscriber_fields[SF__N] = {
	[SF_EMAIL]             = { "email", VT_STRING, LIM_EMAIL, 0 },
	[SF_ENDPOINT]          = { "endpoint", VT_STRING, LIM_URL, 0 },
	[SF_COMPONENT_IDS]     = { "component_ids", VT_ID_LIST, LIM_SUB_COMPONENTS, 0 },
	[SF_SKIP_CONFIRMATION] = { "skip_confirmation_notification", VT_BOOL, 0, 0 },
	[SF_LANGUAGE]          = { "language", VT_STRING, 2, 0 },     /* beacon: en or es */
};
static const char *const subscriber_ignored[] = {
	"id", "mode", "created_at", "phone_country", "phone_number", "page_access_user", NULL
};
static const struct v1_field subscriber_patch_fields[SPF__N] = {
	[SPF_COMPONENT_IDS] = { "component_ids", VT_ID_LIST, LIM_SUB_COMPONENTS, 0 },
};
/* Statuspage's bulk bodies: "subscribers" is an array of ids (or "all", or "a,b,c"). */
static const struct v1_field subscriber_bulk_fields[SBF__N] = {
	[SBF_SUBSCRIBERS]       = { "subscribers", VT_ID_LIST, V1_BULK_MAX, F_REQUIRED | F_CSV },
	[SBF_TYPE]              = { "type", VT_STRING, LIM_SHORT, 0 },
	[SBF_STATE]             = { "state", VT_STRING, LIM_SHORT, 0 },
	[SBF_SKIP_NOTIFICATION] = { "skip_unsubscription_notification", VT_BOOL, 0, 0 },
};
static const char *const none_ignored[] = { NULL };

static const struct v1_schema schemas[V1R__MAX] = {
	[V1R_COMPONENT]  = { "component", component_fields, CF__N, component_ignored, NULL },
	[V1R_GROUP]      = { "component_group", group_fields, GF__N, group_ignored, "description" },
	[V1R_INCIDENT]   = { "incident", incident_fields, IF__N, incident_ignored, NULL },
	[V1R_UPDATE]     = { "incident_update", update_fields, UF__N, update_ignored, NULL },
	[V1R_PAGE]       = { "page", page_fields, PF__N, page_ignored, NULL },
	[V1R_POSTMORTEM] = { "postmortem", postmortem_fields, MF__N, none_ignored, NULL },
	[V1R_PUBLISH]    = { "postmortem", publish_fields, BF__N, none_ignored, NULL },
	[V1R_SUBSCRIBER] = { "subscriber", subscriber_fields, SF__N, subscriber_ignored, NULL },
	[V1R_SUBSCRIBER_PATCH] = { "subscriber", subscriber_patch_fields, SPF__N, subscriber_ignored, "component_ids" },
	[V1R_SUBSCRIBER_BULK] = { NULL, subscriber_bulk_fields, SBF__N, none_ignored, NULL },
};

#define FORM_MAXPAIRS 512
#define FORM_MAXDEPTH 4

struct parse_ctx {
	struct arena *a;
	char *err;
	size_t errlen;
	bool lenient;        /* values came from a form: strings stand for booleans */
	const struct zone *zone;    /* date-times without an offset are in this zone (NULL: UTC) */
};

static int fail(struct parse_ctx *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct parse_ctx *c, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return status;
}

bool v1_parse_time(const char *s, int64_t *out)
{
	return v1_parse_time_in(s, NULL, out);
}

bool v1_parse_time_in(const char *s, const struct zone *local, int64_t *out)
{
	int v[6] = { 0 };
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[6] = { 0, '-', '-', 'T', ':', ':' };
	const char *p = s;
	int n = 0;
	for (; n < 6; n++) {
		if (n > 0) {
			if ((n == 3 && *p == '\0') || (n == 5 && *p != ':'))
				break;
			if (!(*p == sep[n] || (n == 3 && (*p == ' ' || *p == 't'))))
				return false;
			p++;
		}
		for (int i = 0; i < width[n]; i++, p++) {
			if (!isdigit((unsigned char)*p))
				return false;
			v[n] = v[n] * 10 + (*p - '0');
		}
	}
	int64_t ms = 0;
	if (*p == '.' && n == 6) {
		int digits = 0;
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (digits == 0)
			return false;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	int64_t offset = 0;
	bool zoned = false;         /* the text names its offset (Z or +hh:mm) */
	if (*p == 'Z' || *p == 'z') {
		p++;
		zoned = true;
	} else if ((*p == '+' || *p == '-') && n >= 5) {
		zoned = true;
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return false;
		oh = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return false;
		om = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0' || v[0] < 1970 || v[0] > 9999 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return false;
	struct tm tm = { .tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2],
	                 .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5] };
	time_t t = timegm(&tm);
	struct tm back;
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != v[2])
		return false;   /* 2024-02-31 */
	if (!zoned && local != NULL && n >= 5) {
		*out = zone_to_ms(local, &tm) + ms;   /* a wall-clock time in the page's zone */
		return true;
	}
	*out = ((int64_t)t - offset) * 1000 + ms;
	return true;
}

/* Rails' boolean casting for form values; "" means not given. */
static int rails_bool(const char *s)
{
	static const char *const falses[] = { "0", "f", "F", "false", "FALSE", "off", "OFF", NULL };
	if (*s == '\0')
		return -1;
	for (size_t i = 0; falses[i]; i++)
		if (strcmp(s, falses[i]) == 0)
			return 0;
	return 1;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* "[1, 5, 7]" strictly increasing within 1..24, "4", or "[]"; stored normalised. */
static const char *intervals_norm(struct arena *a, const char *s)
{
	char out[LIM_SHORT + 1];
	size_t o = 0;
	const char *p = s;
	while (*p == ' ')
		p++;
	bool list = *p == '[';
	int last = 0, count = 0;
	if (list)
		p++;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		int v = 0;
		for (; isdigit((unsigned char)*p) && v < 100; p++)
			v = v * 10 + (*p - '0');
		if (v < 1 || v > 24 || v <= last)
			return NULL;
		last = v;
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%d", count++ ? ", " : "", v);
		if (o >= sizeof out - 4)
			return NULL;
		while (*p == ' ')
			p++;
		if (*p != ',')
			break;
		p++;
	}
	if (list) {
		if (*p != ']')
			return NULL;
		p++;
	} else if (count != 1) {
		return NULL;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return NULL;
	return list ? arena_printf(a, "[%s]", out) : arena_printf(a, "%.*s", (int)o, out);
}

/* "a, b, c" from an enum's names, skipping one value (or -1). */
static void list_names(char *dst, size_t n, const char *(*name)(int), int max, int skip)
{
	size_t o = 0;
	dst[0] = '\0';
	for (int i = 0; i < max && o < n; i++)
		if (i != skip)
			o += (size_t)snprintf(dst + o, n - o, "%s%s", o ? ", " : "", name(i));
}
static const char *comp_name_i(int i) { return comp_status_name((enum comp_status)i); }
static const char *inc_name_i(int i) { return inc_status_name((enum inc_status)i); }
static const char *impact_name_i(int i) { return impact_name((enum impact)i); }

/* Is j a "not given" value: null or "" (for every optional field, per the v1 spec). */
static bool is_blank(const json_t *j)
{
	return json_is_null(j) || (json_is_string(j) && json_string_length(j) == 0);
}

static int check_status_map(struct parse_ctx *c, const char *where, const struct v1_field *f,
                            json_t *j, struct v1_value *v)
{
	size_t n = json_is_object(j) ? json_object_size(j) : json_is_array(j) ? json_array_size(j) : 0;
	if (!json_is_object(j) && !json_is_array(j))
		return fail(c, 422, "%s: must be an object of component id to status", where);
	if (n > f->max)
		return fail(c, 422, "%s: at most %zu components", where, f->max);
	v->ids = arena_alloc(c->a, (n + 1) * sizeof *v->ids);
	v->statuses = arena_alloc(c->a, (n + 1) * sizeof *v->statuses);
	const char *key;
	json_t *val;
	size_t i = 0;
	if (json_is_object(j)) {
		json_object_foreach(j, key, val) {
			v->ids[i] = arena_strdup(c->a, key);
			if (!json_is_string(val) && !json_is_null(val))
				return fail(c, 422, "%s.%s: must be a component status string", where, key);
			const char *st = json_is_string(val) ? json_string_value(val) : "";
			enum comp_status cs;
			if (*st == '\0')
				v->statuses[i] = -1;
			else if (comp_status_parse(st, &cs))
				v->statuses[i] = (int)cs;
			else
				return fail(c, 422, "%s.%s: unknown component status '%.40s'", where, key, st);
			i++;
		}
	} else {
		/* yannh's SDK sends an array of component objects; bare ids are accepted too */
		json_array_foreach(j, i, val) {
			json_t *id = json_is_object(val) ? json_object_get(val, "id") : val;
			json_t *st = json_is_object(val) ? json_object_get(val, "status") : NULL;
			if (!json_is_string(id))
				return fail(c, 422, "%s[%zu]: must be a component id or object with an id", where, i);
			v->ids[i] = arena_strdup(c->a, json_string_value(id));
			enum comp_status cs;
			v->statuses[i] = -1;
			if (st && !is_blank(st)) {
				if (!json_is_string(st) || !comp_status_parse(json_string_value(st), &cs))
					return fail(c, 422, "%s[%zu].status: unknown component status", where, i);
				v->statuses[i] = (int)cs;
			}
		}
	}
	v->n = n;
	for (i = 0; i < n; i++)
		if (!id_ok(v->ids[i]))
			return fail(c, 422, "%s: '%.40s' is not a component id", where, v->ids[i]);
	v->set = n > 0;
	return 0;
}

static int check_id_list(struct parse_ctx *c, const char *where, const struct v1_field *f,
                         json_t *j, struct v1_value *v)
{
	if (json_is_string(j)) {        /* a single form value without [], or "a,b" (F_CSV) */
		json_t *arr = json_array();
		const char *p = json_string_value(j);
		if ((f->flags & F_CSV) && strchr(p, ',')) {
			size_t n = 0;
			for (const char *q = p; *q; q++)
				n += *q == ',';
			if (n >= f->max) {
				json_decref(arr);
				return fail(c, 422, "%s: at most %zu ids", where, f->max);
			}
			for (const char *q = p; ; ) {
				size_t len = strcspn(q, ",");
				while (len && *q == ' ')
					q++, len--;
				while (len && q[len - 1] == ' ')
					len--;
				json_array_append_new(arr, json_stringn(q, len));
				q += strcspn(q, ",");
				if (*q++ == '\0')
					break;
			}
		} else {
			json_array_append(arr, j);
		}
		int rc = check_id_list(c, where, f, arr, v);
		json_decref(arr);
		return rc;
	}
	if (!json_is_array(j))
		return fail(c, 422, "%s: must be an array of ids", where);
	size_t n = json_array_size(j), i;
	if (n > f->max)
		return fail(c, 422, "%s: at most %zu ids", where, f->max);
	v->ids = arena_alloc(c->a, (n + 1) * sizeof *v->ids);
	json_t *val;
	json_array_foreach(j, i, val) {
		if (!json_is_string(val) || !id_ok(json_string_value(val)))
			return fail(c, 422, "%s[%zu]: must be an id string", where, i);
		v->ids[i] = arena_strdup(c->a, json_string_value(val));
	}
	v->n = n;
	v->set = true;
	return 0;
}

/* Validates one value against its field; fills v. */
static int check_field(struct parse_ctx *c, const char *where, const struct v1_field *f, json_t *j,
                       struct v1_value *v)
{
	char names[256];
	if (is_blank(j) && f->type != VT_ID_LIST && f->type != VT_STATUS_MAP) {
		if (f->flags & F_NULLABLE)
			v->set = v->null = true;
		else if (f->flags & F_REQUIRED && json_is_string(j))
			return fail(c, 422, "%s: can't be blank", where);
		return 0;
	}
	switch (f->type) {
	case VT_STRING:
	case VT_TEXT:
	case VT_INTERVALS:
		if (!json_is_string(j))
			return fail(c, 422, "%s: must be a string", where);
		if (json_string_length(j) > f->max)
			return fail(c, 422, "%s: longer than %zu bytes", where, f->max);
		v->s = arena_strndup(c->a, json_string_value(j), json_string_length(j));
		if (f->type == VT_STRING && !(f->flags & F_MULTILINE) && strpbrk(v->s, "\r\n\t") != NULL)
			return fail(c, 422, "%s: must be a single line", where);
		if (f->type == VT_INTERVALS && (v->s = intervals_norm(c->a, v->s)) == NULL)
			return fail(c, 422, "%s: must be \"[1, 5, 7]\" (increasing hours 1-24), \"4\" or \"[]\"", where);
		break;
	case VT_COMP_STATUS: {
		enum comp_status cs;
		if (!json_is_string(j) || !comp_status_parse(json_string_value(j), &cs)) {
			list_names(names, sizeof names, comp_name_i, CS__MAX, -1);
			return fail(c, 422, "%s: must be one of %s", where, names);
		}
		v->e = (int)cs;
		break;
	}
	case VT_INC_STATUS: {
		enum inc_status is;
		if (!json_is_string(j) || !inc_status_parse(json_string_value(j), &is) || is == IS_POSTMORTEM) {
			list_names(names, sizeof names, inc_name_i, IS__MAX, IS_POSTMORTEM);
			return fail(c, 422, "%s: must be one of %s", where, names);
		}
		v->e = (int)is;
		break;
	}
	case VT_IMPACT: {
		enum impact im;
		if (!json_is_string(j) || !impact_parse(json_string_value(j), &im)) {
			list_names(names, sizeof names, impact_name_i, IMP__MAX, -1);
			return fail(c, 422, "%s: must be one of %s", where, names);
		}
		v->e = (int)im;
		break;
	}
	case VT_BOOL:
		if (json_is_boolean(j)) {
			v->b = json_is_true(j);
		} else if (c->lenient && json_is_string(j)) {
			v->b = rails_bool(json_string_value(j)) == 1;
		} else {
			return fail(c, 422, "%s: must be true or false", where);
		}
		break;
	case VT_TIME:
	case VT_DATE:
		if (!json_is_string(j) || !v1_parse_time_in(json_string_value(j), f->type == VT_TIME ? c->zone : NULL, &v->t))
			return fail(c, 422, "%s: must be an ISO-8601 %s", where,
			            f->type == VT_DATE ? "date (YYYY-MM-DD)" : "date-time");
		if (f->type == VT_DATE)
			v->t -= v->t % 86400000;
		break;
	case VT_ID:
		if (!json_is_string(j))
			return fail(c, 422, "%s: must be an id string", where);
		if (strcmp(json_string_value(j), "null") == 0) {
			v->set = v->null = true;
			return 0;
		}
		if (!id_ok(json_string_value(j)))
			return fail(c, 422, "%s: '%.40s' is not an id", where, json_string_value(j));
		v->s = arena_strdup(c->a, json_string_value(j));
		break;
	case VT_ID_LIST:
		if (json_is_null(j))
			return 0;
		return check_id_list(c, where, f, j, v);
	case VT_STATUS_MAP:
		if (json_is_null(j) || (json_is_string(j) && json_string_length(j) == 0))
			return 0;
		return check_status_map(c, where, f, j, v);
	case VT_METADATA: {
		const char *key;
		json_t *val;
		if (!json_is_object(j))
			return fail(c, 422, "%s: must be an object", where);
		json_object_foreach(j, key, val)
			if (!json_is_object(val))
				return fail(c, 422, "%s.%.40s: top level values must be objects", where, key);
		char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		if (s == NULL || strlen(s) > f->max) {
			free(s);
			return fail(c, 422, "%s: larger than %zu bytes", where, f->max);
		}
		v->s = arena_strdup(c->a, s);
		free(s);
		break;
	}
	}
	v->set = true;
	return 0;
}

/* Inserts one form pair "incident[components][abc]" = "x" into root, Rails style. */
static int form_insert(struct parse_ctx *c, json_t *root, const char *key, const char *val)
{
	char seg[FORM_MAXDEPTH + 1][128];
	int nseg = 0;
	const char *p = key, *end = strchr(key, '[');
	size_t len = end ? (size_t)(end - key) : strlen(key);
	if (len == 0 || len >= sizeof seg[0])
		return fail(c, 400, "malformed form field name '%.60s'", key);
	memcpy(seg[nseg], key, len);
	seg[nseg++][len] = '\0';
	for (p = end; p && *p; ) {
		const char *close = strchr(p, ']');
		if (*p != '[' || close == NULL || nseg > FORM_MAXDEPTH || (size_t)(close - p - 1) >= sizeof seg[0])
			return fail(c, 400, "malformed form field name '%.60s'", key);
		memcpy(seg[nseg], p + 1, (size_t)(close - p - 1));
		seg[nseg++][close - p - 1] = '\0';
		p = close + 1;
	}
	json_t *s = json_string(val);
	if (s == NULL)
		return fail(c, 400, "form field '%.60s' is not valid UTF-8", key);
	json_t *node = root;
	for (int i = 0; i < nseg; i++) {
		bool last = i == nseg - 1, append = seg[i][0] == '\0';
		if (append && (!last || i == 0 || !json_is_array(node))) {
			json_decref(s);
			return fail(c, 400, "malformed form field name '%.60s'", key);
		}
		if (append) {
			json_array_append_new(node, s);
			return 0;
		}
		if (!json_is_object(node)) {
			json_decref(s);
			return fail(c, 400, "form field '%.60s' conflicts with another", key);
		}
		/* jansson refuses a key that is not UTF-8, and frees the value it was handed */
		if (last)
			return json_object_set_new(node, seg[i], s) == 0 ? 0 :
			       fail(c, 400, "form field name '%.60s' is not valid UTF-8", key);
		json_t *next = json_object_get(node, seg[i]);
		if (next == NULL) {
			next = seg[i + 1][0] == '\0' ? json_array() : json_object();
			if (json_object_set_new(node, seg[i], next) != 0) {
				json_decref(s);
				return fail(c, 400, "form field name '%.60s' is not valid UTF-8", key);
			}
		}
		node = next;
	}
	json_decref(s);
	return 0;
}

static int form_to_json(struct parse_ctx *c, json_t *root, char *text)
{
	struct kv *kv = arena_alloc(c->a, FORM_MAXPAIRS * sizeof *kv);
	size_t n = form_parse(c->a, text, kv, FORM_MAXPAIRS);
	if (n >= FORM_MAXPAIRS)
		return fail(c, 413, "more than %d form fields", FORM_MAXPAIRS - 1);
	for (size_t i = 0; i < n; i++) {
		int rc = form_insert(c, root, kv[i].key, kv[i].val);
		if (rc)
			return rc;
	}
	return 0;
}

const char *v1_input_multipart(struct arena *a, const char *ct, const char *body, size_t len,
                               struct v1_input_part *out, size_t max, size_t *n)
{
	*n = 0;
	const char *b = strcasestr(ct, "boundary=");
	if (b == NULL)
		return "multipart body without a boundary";
	b += 9;
	size_t blen = strcspn(b, "; ");
	if (*b == '"')
		blen = strcspn(++b, "\"");
	if (blen == 0 || blen > 200)
		return "bad multipart boundary";
	char *delim = arena_printf(a, "--%.*s", (int)blen, b);
	size_t dlen = strlen(delim);
	const char *p = memmem(body, len, delim, dlen), *end = body + len;
	while (p && (size_t)(end - p) >= dlen + 2) {
		p += dlen;
		if (p[0] == '-' && p[1] == '-')
			return NULL;
		const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hdr_end == NULL || *n + 1 >= max)
			return "malformed multipart body";
		char *hdrs = arena_strndup(a, p, (size_t)(hdr_end - p));
		const char *val = hdr_end + 4;
		const char *next = memmem(val, (size_t)(end - val), delim, dlen);
		if (next == NULL || next - val < 2)
			return "malformed multipart body";
		char *fname = strcasestr(hdrs, "filename=\"");
		char *name = strcasestr(hdrs, "; name=\"");
		name = name ? name + 2 : strcasestr(hdrs, "name=\"");
		if (name) {
			name += 6;
			if (fname) {
				fname += 10;
				fname[strcspn(fname, "\"")] = '\0';
			}
			name[strcspn(name, "\"")] = '\0';
			out[*n] = (struct v1_input_part){ name, fname, val, (size_t)(next - 2 - val) };
			++*n;
		}
		p = next;
	}
	return "malformed multipart body";
}

/* multipart/form-data with bracket names (legacy PUT clients). */
static int multipart_to_json(struct parse_ctx *c, json_t *root, const char *ct, const char *body, size_t len)
{
	struct v1_input_part *parts = arena_alloc(c->a, FORM_MAXPAIRS * sizeof *parts);
	size_t n;
	const char *why = v1_input_multipart(c->a, ct, body, len, parts, FORM_MAXPAIRS, &n);
	if (why)
		return fail(c, 400, "%s", why);
	for (size_t i = 0; i < n; i++) {
		char *v = arena_strndup(c->a, parts[i].data, parts[i].len);
		if (strlen(v) != parts[i].len)
			return fail(c, 400, "multipart field '%.60s' holds a NUL byte", parts[i].name);
		int rc = form_insert(c, root, parts[i].name, v);
		if (rc)
			return rc;
	}
	return 0;
}

static bool ct_is(const char *ct, const char *want)
{
	size_t n = strlen(want);
	while (ct && *ct == ' ')
		ct++;
	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The field a too-deep path ("incident.metadata.a...") is in: the key inside the envelope. */
static const char *deep_field(char *path)
{
	char *dot = strchr(path, '.');
	char *field = dot ? dot + 1 : path;
	field[strcspn(field, ".[")] = '\0';
	return *field ? field : path;
}

/* Builds the merged tree: query bracket params, overlaid by the body. */
static int load_tree(struct parse_ctx *c, const struct v1_source *src, json_t **out)
{
	json_t *root = json_object(), *body = NULL;
	int rc = 0;
	for (size_t i = 0; i < src->nquery && rc == 0; i++)
		if (strchr(src->query[i].key, '[')) {
			c->lenient = true;
			rc = form_insert(c, root, src->query[i].key, src->query[i].val);
		}
	size_t skip = 0;
	while (skip < src->len && isspace((unsigned char)src->body[skip]))
		skip++;
	if (rc == 0 && skip < src->len) {
		const char *ct = src->content_type;
		if (src->body[skip] == '{' || ct_is(ct, "application/json") || ct_is(ct, "text/json")) {
			json_error_t je;
			char deep[128];
			body = jsonlimit_load(src->body, src->len, &je, deep, sizeof deep);
			if (body == NULL && deep[0])
				rc = fail(c, 422, "%s: nested deeper than %d levels", deep_field(deep), JSONLIMIT_MAX_DEPTH);
			else if (body == NULL)
				rc = fail(c, 400, "malformed JSON: %s (line %d, column %d)", je.text, je.line, je.column);
			else if (!json_is_object(body))
				rc = fail(c, 400, "the JSON body must be an object");
		} else if (ct == NULL || *ct == '\0' || ct_is(ct, "application/x-www-form-urlencoded")) {
			c->lenient = true;
			body = json_object();
			rc = form_to_json(c, body, arena_strndup(c->a, src->body, src->len));
		} else if (ct_is(ct, "multipart/form-data")) {
			c->lenient = true;
			body = json_object();
			rc = multipart_to_json(c, body, ct, src->body, src->len);
		} else {
			rc = fail(c, 415, "unsupported Content-Type; send application/json or application/x-www-form-urlencoded");
		}
	}
	if (rc == 0 && body)
		json_object_update_recursive(root, body);
	json_decref(body);
	if (rc)
		json_decref(root);
	else
		*out = root;
	return rc;
}

static const struct v1_field *find_field(const struct v1_schema *s, const char *name, size_t *idx)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0) {
			*idx = i;
			return &s->fields[i];
		}
	return NULL;
}

static bool is_ignored(const struct v1_schema *s, const char *name)
{
	for (size_t i = 0; s->ignored[i]; i++)
		if (strcmp(s->ignored[i], name) == 0)
			return true;
	return false;
}

static int validate(struct parse_ctx *c, const struct v1_schema *s, json_t *root, bool create,
                    struct v1_input *out)
{
	json_t *attrs = s->envelope ? json_object_get(root, s->envelope) : NULL, *val;
	const char *key;
	size_t idx = 0;
	int rc;
	if (attrs != NULL) {
		if (!json_is_object(attrs))
			return fail(c, 422, "%s: must be an object", s->envelope);
		json_object_foreach(root, key, val) {   /* outside the envelope */
			if (strcmp(key, s->envelope) == 0 || strcmp(key, "api_key") == 0)
				continue;
			if (s->top_level == NULL || strcmp(key, s->top_level) != 0)
				return fail(c, 422, "unknown field: %.60s", key);
			const struct v1_field *f = find_field(s, key, &idx);
			if (json_object_get(attrs, key) == NULL &&
			    (rc = check_field(c, key, f, val, &out->v[idx])) != 0)
				return rc;
		}
	} else {
		attrs = root;                           /* unwrapped attributes, leniently */
	}
	json_object_foreach(attrs, key, val) {
		if (attrs == root && strcmp(key, "api_key") == 0)
			continue;
		char *where = s->envelope ? arena_printf(c->a, "%s.%.60s", s->envelope, key) : arena_printf(c->a, "%.60s", key);
		const struct v1_field *f = find_field(s, key, &idx);
		if (f == NULL) {
			if (is_ignored(s, key))
				continue;
			return fail(c, 422, "unknown field: %s", where);
		}
		if ((rc = check_field(c, where, f, val, &out->v[idx])) != 0)
			return rc;
		out->given = true;
	}
	for (size_t i = 0; create && i < s->nfields; i++)
		if ((s->fields[i].flags & F_REQUIRED) && !(out->v[i].set && !out->v[i].null))
			return fail(c, 422, "%s%s%s: is required", s->envelope ? s->envelope : "", s->envelope ? "." : "",
			            s->fields[i].name);
	return 0;
}

int v1_input_parse(struct arena *a, const struct v1_source *src, enum v1_resource res, bool create,
                   struct v1_input *out, char *err, size_t errlen)
{
	struct parse_ctx c = { .a = a, .err = err, .errlen = errlen, .zone = src->zone };
	json_t *root = NULL;
	memset(out, 0, sizeof *out);
	out->res = res;
	int rc = load_tree(&c, src, &root);
	if (rc == 0)
		rc = validate(&c, &schemas[res], root, create, out);
	json_decref(root);
	return rc;
}

bool v1_input_req(struct req *r, enum v1_resource res, bool create, struct v1_input *out)
{
	struct v1_source src = { r->content_type, r->body, r->body_len, r->query, r->nquery, NULL };
	struct page_settings page;
	struct stx *t = req_tx(r);
	if (t != NULL && store_page_get(t, &page) == BC_OK)
		src.zone = zone_or_utc(page.time_zone);    /* times without an offset are the page's wall clock */
	char err[512];
	int rc = v1_input_parse(r->arena, &src, res, create, out, err, sizeof err);
	if (rc == 0)
		return true;
	resp_json_error(r, rc, "%s", err);
	return false;
}
