/* status.c: the one set of read rules: maintenance state at a time, page rollup, incident severity and colour, relative and absolute time phrases. */
#include <string.h>
#include <time.h>
#include "status.h"

/* ---- state at a time ---- */

bool status_incident_public(const struct incident *inc)
{
	return inc != NULL && !inc->draft;
}

enum inc_status status_maintenance_state(const struct incident *inc, int64_t at_ms)
{
	enum inc_status s = inc->status;
	if (!inc->is_maintenance)
		return s;
	if (inc_status_is_closed(s))
		return IS_COMPLETED;
	if (inc->scheduled_auto_completed && inc->scheduled_until != 0 && at_ms >= inc->scheduled_until)
		return IS_COMPLETED;
	if (s == IS_SCHEDULED && inc->scheduled_auto_in_progress && inc->scheduled_for != 0 &&
	    at_ms >= inc->scheduled_for)
		return IS_IN_PROGRESS;
	return s;
}

enum inc_status status_public_state(const struct incident *inc, int64_t at_ms)
{
	enum inc_status s = status_maintenance_state(inc, at_ms);
	if (s == IS_RESOLVED && inc->postmortem_published_at != 0)
		return IS_POSTMORTEM;
	return s;
}

bool status_is_open(const struct incident *inc, int64_t at_ms)
{
	return !inc_status_is_closed(status_maintenance_state(inc, at_ms));
}

bool status_maintenance_active(const struct incident *inc, int64_t at_ms)
{
	enum inc_status s = status_maintenance_state(inc, at_ms);
	return inc->is_maintenance && (s == IS_IN_PROGRESS || s == IS_VERIFYING);
}

bool status_incident_active(const struct incident *inc, int64_t at_ms)
{
	return !inc->is_maintenance && status_is_open(inc, at_ms);
}

int64_t status_start(const struct incident *inc)
{
	if (inc->is_maintenance && inc->scheduled_for)
		return inc->scheduled_for;
	return inc->started_at ? inc->started_at : inc->created_at;
}

int64_t status_end(const struct incident *inc, int64_t at_ms)
{
	if (status_is_open(inc, at_ms))
		return 0;
	if (inc->resolved_at)
		return inc->resolved_at;
	if (inc->is_maintenance && inc->scheduled_until)
		return inc->scheduled_until;
	return inc->updated_at;
}

/* ---- severity ---- */

enum comp_status status_impact_level(enum impact i)
{
	switch (i) {
	case IMP_MINOR:       return CS_DEGRADED_PERFORMANCE;
	case IMP_MAJOR:       return CS_PARTIAL_OUTAGE;
	case IMP_CRITICAL:    return CS_MAJOR_OUTAGE;
	case IMP_MAINTENANCE: return CS_UNDER_MAINTENANCE;
	default:              return CS_OPERATIONAL;
	}
}

enum comp_status status_incident_level(const struct incident *inc, const struct incident_update *u, size_t n,
                                        int64_t at_ms)
{
	if (inc->is_maintenance)
		return CS_UNDER_MAINTENANCE;
	enum comp_status worst = status_impact_level(inc->impact);
	for (size_t k = 0; k < n; k++)
		for (size_t j = 0; j < u[k].naffected; j++)
			if ((unsigned)u[k].affected[j].new_status < CS__MAX && u[k].affected[j].new_status > worst)
				worst = u[k].affected[j].new_status;
	if (status_incident_active(inc, at_ms) && worst < CS_DEGRADED_PERFORMANCE)
		worst = CS_DEGRADED_PERFORMANCE;
	return worst;
}

/* ---- page rollup ---- */

static const char *const description_texts[SD__COUNT] = {
	[SD_ALL_OPERATIONAL] = "All Systems Operational",
	[SD_UNDER_MAINTENANCE] = "Service Under Maintenance",
	[SD_DEGRADED_SYSTEM] = "Degraded System Service",
	[SD_PARTIALLY_DEGRADED] = "Partially Degraded Service",
	[SD_MINOR_OUTAGE] = "Minor Service Outage",
	[SD_PARTIAL_OUTAGE] = "Partial System Outage",
	[SD_MAJOR_SYSTEM_OUTAGE] = "Major System Outage",
	[SD_MAJOR_SERVICE_OUTAGE] = "Major Service Outage",
};

const char *status_description_text(enum status_description d)
{
	return (unsigned)d < SD__COUNT ? description_texts[d] : description_texts[SD_ALL_OPERATIONAL];
}

enum msg status_banner_msg(enum status_description d)
{
	static const enum msg msgs[SD__COUNT] = {
		[SD_ALL_OPERATIONAL] = M_ALL_OPERATIONAL,
		[SD_UNDER_MAINTENANCE] = M_BANNER_MAINTENANCE,
		[SD_DEGRADED_SYSTEM] = M_BANNER_DEGRADED,
		[SD_PARTIALLY_DEGRADED] = M_BANNER_PARTIALLY_DEGRADED,
		[SD_MINOR_OUTAGE] = M_BANNER_MINOR,
		[SD_PARTIAL_OUTAGE] = M_BANNER_PARTIAL,
		[SD_MAJOR_SYSTEM_OUTAGE] = M_BANNER_MAJOR,
		[SD_MAJOR_SERVICE_OUTAGE] = M_BANNER_MAJOR_SERVICE,
	};
	return (unsigned)d < SD__COUNT ? msgs[d] : M_ALL_OPERATIONAL;
}

const char *status_indicator_name(enum status_indicator i)
{
	static const char *const names[] = { "none", "maintenance", "minor", "major", "critical" };
	return (unsigned)i < sizeof names / sizeof names[0] ? names[i] : "none";
}

enum comp_status status_indicator_level(enum status_indicator i)
{
	switch (i) {
	case SI_MAINTENANCE: return CS_UNDER_MAINTENANCE;
	case SI_MINOR:       return CS_DEGRADED_PERFORMANCE;
	case SI_MAJOR:       return CS_PARTIAL_OUTAGE;
	case SI_CRITICAL:    return CS_MAJOR_OUTAGE;
	default:             return CS_OPERATIONAL;
	}
}

enum status_indicator status_level_indicator(enum comp_status s)
{
	switch (s) {
	case CS_UNDER_MAINTENANCE:    return SI_MAINTENANCE;
	case CS_DEGRADED_PERFORMANCE: return SI_MINOR;
	case CS_PARTIAL_OUTAGE:       return SI_MAJOR;
	case CS_MAJOR_OUTAGE:         return SI_CRITICAL;
	default:                      return SI_NONE;
	}
}

const char *status_level_colour(enum comp_status s)
{
	switch (s) {
	case CS_OPERATIONAL:          return "#1e7e34";
	case CS_UNDER_MAINTENANCE:    return "#1f6fa8";
	case CS_DEGRADED_PERFORMANCE: return "#8a6a00";
	case CS_PARTIAL_OUTAGE:       return "#b35e14";
	case CS_MAJOR_OUTAGE:         return "#c0291a";
	default:                      return "#555";
	}
}

static struct status_rollup rollup_of(enum status_indicator i, enum status_description d)
{
	return (struct status_rollup){ i, d, description_texts[d] };
}

struct status_rollup status_rollup(const struct component *comps, size_t ncomps,
                                   const struct incident *open, size_t nopen, int64_t at_ms)
{
	size_t count[CS__MAX] = { 0 };
	for (size_t i = 0; i < ncomps; i++)
		if ((unsigned)comps[i].status < CS__MAX)
			count[comps[i].status]++;
	bool maintenance_active = false, incident_active = false;
	enum impact worst_impact = IMP_NONE;
	for (size_t i = 0; i < nopen; i++) {
		if (status_maintenance_active(&open[i], at_ms)) {
			maintenance_active = true;
		} else if (status_incident_active(&open[i], at_ms)) {
			incident_active = true;
			if (open[i].impact != IMP_MAINTENANCE && open[i].impact > worst_impact)
				worst_impact = open[i].impact;
		}
	}

	struct status_rollup r = rollup_of(SI_NONE, SD_ALL_OPERATIONAL);
	if (count[CS_MAJOR_OUTAGE] > 0) {
		r = count[CS_MAJOR_OUTAGE] == ncomps ? rollup_of(SI_CRITICAL, SD_MAJOR_SYSTEM_OUTAGE)
		                                     : rollup_of(SI_MAJOR, SD_PARTIAL_OUTAGE);
	} else if (count[CS_PARTIAL_OUTAGE] > 0) {
		r = count[CS_PARTIAL_OUTAGE] == ncomps ? rollup_of(SI_MAJOR, SD_PARTIAL_OUTAGE)
		                                       : rollup_of(SI_MINOR, SD_MINOR_OUTAGE);
	} else if (count[CS_DEGRADED_PERFORMANCE] > 0) {
		r = count[CS_DEGRADED_PERFORMANCE] == ncomps && ncomps >= 2 ? rollup_of(SI_MINOR, SD_DEGRADED_SYSTEM)
		                                                             : rollup_of(SI_MINOR, SD_PARTIALLY_DEGRADED);
	} else if (count[CS_UNDER_MAINTENANCE] > 0 || maintenance_active) {
		r = rollup_of(SI_MAINTENANCE, SD_UNDER_MAINTENANCE);
	}

	/* raised to the worst unresolved incident; one without impact counts as minor */
	if (incident_active && worst_impact < IMP_MINOR)
		worst_impact = IMP_MINOR;
	struct status_rollup by_impact = r;
	if (worst_impact == IMP_MINOR)
		by_impact = rollup_of(SI_MINOR, SD_MINOR_OUTAGE);
	else if (worst_impact == IMP_MAJOR)
		by_impact = rollup_of(SI_MAJOR, SD_PARTIAL_OUTAGE);
	else if (worst_impact == IMP_CRITICAL)
		by_impact = rollup_of(SI_CRITICAL, SD_MAJOR_SERVICE_OUTAGE);
	if (by_impact.indicator > r.indicator)
		r = by_impact;
	return r;
}

/* ---- time phrases ---- */

char *status_when_phrase(struct arena *a, const char *lang, const struct incident *inc, int64_t now_ms,
                         bool with_span)
{
	int64_t start = status_start(inc), end = status_end(inc, now_ms);
	bool upcoming = inc->is_maintenance && status_maintenance_state(inc, now_ms) == IS_SCHEDULED && start > now_ms;
	if (upcoming)
		return i18n_fmt(a, lang, M_STARTS_IN, i18n_relative(a, lang, start, now_ms));
	if (start > now_ms)        /* opened in this minute: the page clock is rounded down */
		start = now_ms;
	char *started = i18n_fmt(a, lang, M_STARTED_AGO, i18n_relative(a, lang, start, now_ms));
	if (!with_span)
		return started;
	char *span = end ? i18n_fmt(a, lang, M_LASTED, i18n_duration(a, lang, end > start ? end - start : 0))
	                 : i18n_fmt(a, lang, M_ONGOING_FOR, i18n_duration(a, lang, now_ms - start));
	return arena_printf(a, "%s\xc2\xa0· %s", started, span);   /* the separator never starts a line */
}

char *status_clock(struct arena *a, const struct zone *tz, const char *lang, int64_t ms)
{
	struct tm tm;
	zone_local(tz, ms, &tm);
	if (lang && strcmp(lang, "es") == 0)     /* Spanish readers use the 24-hour clock: "08:50" */
		return arena_printf(a, "%02d:%02d", tm.tm_hour, tm.tm_min);
	int h = tm.tm_hour % 12;
	return arena_printf(a, "%d:%02d %s", h == 0 ? 12 : h, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
}

char *status_date(struct arena *a, const struct zone *tz, const char *lang, int64_t ms)
{
	struct tm tm;
	zone_local(tz, ms, &tm);
	const char *mon = i18n_month_short(lang, tm.tm_mon);
	if (lang && strcmp(lang, "es") == 0)
		return arena_printf(a, "%d %s %d", tm.tm_mday, mon, tm.tm_year + 1900);
	return arena_printf(a, "%s %d, %d", mon, tm.tm_mday, tm.tm_year + 1900);
}

char *status_datetime(struct arena *a, const struct zone *tz, const char *lang, int64_t ms)
{
	return arena_printf(a, "%s, %s", status_date(a, tz, lang, ms), status_clock(a, tz, lang, ms));
}

char *status_month(struct arena *a, const struct zone *tz, const char *lang, int64_t ms)
{
	struct tm tm;
	zone_local(tz, ms, &tm);
	return arena_printf(a, "%s %d", i18n_month_short(lang, tm.tm_mon), tm.tm_year + 1900);
}

const char *status_zone_abbr(const struct zone *tz, int64_t ms)
{
	struct tm tm;
	zone_local(tz, ms, &tm);
	return tm.tm_zone ? tm.tm_zone : "UTC";
}
