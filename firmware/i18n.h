/* i18n.h: the status page's UI strings, month names, status names and duration phrases in English and Spanish. */
#ifndef BEACON_I18N_H
#define BEACON_I18N_H
#include <stdint.h>
#include "arena.h"
#include "store.h"

/* One key per UI string. Strings with "%s" take exactly one string argument (documented per key). */
enum msg {
	M_SKIP_TO_CONTENT,
	M_LANGUAGE,
	M_ALL_OPERATIONAL,      /* the banner: one per rollup description (status_banner_msg) */
	M_BANNER_DEGRADED,
	M_BANNER_PARTIALLY_DEGRADED,
	M_BANNER_MINOR,
	M_BANNER_PARTIAL,
	M_BANNER_MAJOR,
	M_BANNER_MAJOR_SERVICE,
	M_BANNER_MAINTENANCE,
	M_ACTIVE_INCIDENTS,
	M_MAINTENANCE_ACTIVE,
	M_MAINTENANCE_UPCOMING,
	M_COMPONENTS,
	M_RECENT_NOTICES,
	M_NO_RECENT_NOTICES,
	M_VIEW_HISTORY,
	M_NOTICE_HISTORY,
	M_NO_NOTICES_MONTH,
	M_PREVIOUS,
	M_NEXT,
	M_RANGE_TO,             /* the word joining a range: "to" / "a" (i18n_range) */
	M_INCIDENT_DETAILS,
	M_MAINTENANCE_DETAILS,
	M_AFFECTED,
	M_UPDATES,
	M_STARTED_AGO,          /* "Started %s" with a relative phrase ("15 days ago") */
	M_STARTS_IN,            /* "Starts %s" with a relative phrase ("in 2 days") */
	M_LASTED,               /* "Lasted %s" with a duration phrase */
	M_ONGOING_FOR,          /* "Ongoing for %s" */
	M_SCHEDULED_FOR,        /* "Scheduled for %s" with a date-time */
	M_UNTIL,                /* "until %s" */
	M_STATUS_FROM_TO,       /* "from" / "de": "Major outage from 8:50 AM to 12:51 PM" */
	M_STATUS_SINCE,         /* "since" / "desde": "Major outage since 8:50 AM" */
	M_UPTIME_PCT,           /* "%s uptime" with "99.95%" */
	M_DAYS_AGO_90,
	M_TODAY,
	M_NO_DATA,
	M_NO_INCIDENTS_DAY,
	M_UPTIME_LEGEND,
	M_UPTIME_DEFINITION,
	M_TIMES_IN_ZONE,        /* "Times are shown in %s." with the zone name */
	M_LOCAL_TIME_NOTE,
	M_NOT_FOUND_TITLE,
	M_NOT_FOUND_TEXT,
	M_BAD_REQUEST_TEXT,
	M_BACK_HOME,
	M_POWERED_BY,
	M_REPLICA_SYNCED,       /* footer of a secondary, followed by the time */
	M_POSTMORTEM,
	M_UPDATE,
	M_MORE_NOTICES,         /* "Only the latest %s notices of this month are shown." with a count */
	M_STATUS_TITLE,
	M_UPTIME_HOW,
	M_BAD_REQUEST_TITLE,
	M_N_COMPONENTS,         /* "%s components" with a count (2 or more) */
	M_ONE_COMPONENT,
	M_DAYS_AGO_60,
	M_DAYS_AGO_30,
	M_READ_POSTMORTEM,
	M_NOT_FOUND_ROUTE,
	M_FEEDS,
	M_AS_OF,                /* "This is the page as it was on %s." with a date-time */
	M_BACK_TO_NOW,
	M_MONTHLY_UPTIME,
	M_MONTH,
	M_UPTIME,
	M_DOWNTIME,
	M_NO_MONITORING_DATA,   /* "No data from monitoring since %s" with a time (a silent heartbeat) */
	M_SUBSCRIBE,            /* the subscribe form's entry next to the feeds */
	M__COUNT
};

/* "en" or "es" (anything else is treated as "en"). */
const char *i18n_text(const char *lang, enum msg m);
/* Short ("Jul") and long ("July") month names; month is 0..11. Spanish ones are lowercase ("jul", "julio"). */
const char *i18n_month_short(const char *lang, int month);
const char *i18n_month_long(const char *lang, int month);
/* "Operational" / "En funcionamiento", ... */
const char *i18n_comp_status(const char *lang, enum comp_status s);
/* "Investigating" / "Investigando", "Postmortem" / "Informe posterior", ... */
const char *i18n_inc_status(const char *lang, enum inc_status s);
/* Impact shown as the level of disruption: minor -> "Degraded performance", critical -> "Major outage". */
const char *i18n_impact(const char *lang, enum impact i);
/* Duration phrase for ms (date-fns formatDistance rules): "less than a minute", "about 6 hours", "15 days". */
char *i18n_duration(struct arena *a, const char *lang, int64_t ms);
/* Relative phrase: past "15 days ago" / "hace 15 días", future "in 2 hours" / "dentro de 2 horas". */
char *i18n_relative(struct arena *a, const char *lang, int64_t then_ms, int64_t now_ms);
/* Fills one "%s" of a UI string. */
char *i18n_fmt(struct arena *a, const char *lang, enum msg m, const char *arg);
/* "May 2026 to Jul 2026" / "may 2026 a jul 2026". */
char *i18n_range(struct arena *a, const char *lang, const char *from, const char *to);

#endif
