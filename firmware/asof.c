/* asof.c: the public page as it was at a past moment (?at=): component statuses from the status log, open incidents then. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "asof.h"

#define ASOF_LOOKBACK_MS (366LL * 24 * 3600 * 1000)   /* incidents started this long before still count */
#define ASOF_AHEAD_MS (90LL * 24 * 3600 * 1000)        /* maintenance scheduled this far after it */
#define ASOF_CANDIDATES 300                             /* bounded work per ?at= render */
#define ASOF_CANDIDATES_AHEAD 100

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool asof_parse(const char *s, int64_t *out)
{
	/* YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM) */
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0;
	if (s == NULL || strlen(s) > 25 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi))
		return false;
	const char *p = s + 16;
	if (*p == ':') {
		if (!digits(p + 1, 2, &sec))
			return false;
		p += 3;
	}
	int sign = 0;
	if (*p == 'Z' && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-' || *p == ' ') && digits(p + 1, 2, &oh) && p[3] == ':' &&
	           digits(p + 4, 2, &om) && p[6] == '\0') {
		sign = *p == '-' ? -1 : 1;   /* ' ': a '+' that arrived unencoded in a query string */
	} else {
		return false;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 ||
	    oh > 23 || om > 59)
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	time_t t = timegm(&tm);
	if (tm.tm_mday != d)             /* 2026-02-31 */
		return false;
	*out = ((int64_t)t - sign * (oh * 3600 + om * 60)) * 1000;
	return true;
}

/* A component's status at a time: the store's status over time (store_component_status_at). */
static enum comp_status asof_component_status(struct stx *t, const struct component *c, int64_t at)
{
	enum comp_status st = CS_OPERATIONAL;
	if (store_component_status_at(t, c->id, at, &st) != BC_OK)
		return c->status;
	return st;
}

void asof_components(struct stx *t, struct component *comps, size_t n, int64_t at)
{
	for (size_t i = 0; i < n; i++)
		comps[i].status = asof_component_status(t, &comps[i], at);
}

size_t asof_updates_visible(const struct incident_update *u, size_t n, int64_t at)
{
	size_t k = 0;
	while (k < n && (u[k].display_at ? u[k].display_at : u[k].created_at) <= at)
		k++;
	return k;
}

bool asof_incident(struct stx *t, struct incident *inc, int64_t at)
{
	int64_t begun = inc->is_maintenance ? inc->created_at : inc->started_at ? inc->started_at : inc->created_at;
	if (begun > at)
		return false;                /* not announced yet */
	struct incident_update *u = NULL;
	size_t n = 0;
	if (store_update_list(t, inc->id, &u, &n) != BC_OK)
		n = 0;
	size_t k = asof_updates_visible(u, n, at);
	if (k > 0)
		inc->status = u[k - 1].status;
	else if (inc->is_maintenance)
		inc->status = IS_SCHEDULED;
	else
		inc->status = IS_INVESTIGATING;
	if (inc->resolved_at > at)
		inc->resolved_at = 0;
	if (inc->monitoring_at > at)
		inc->monitoring_at = 0;
	if (inc->postmortem_published_at > at) {
		inc->postmortem_published_at = 0;
		inc->postmortem_body = NULL;
	}
	return true;
}

enum bc_err asof_open(struct stx *t, struct arena *a, int64_t at, struct incident **out, size_t *nout)
{
	/* what had started by then (newest first), and maintenance scheduled after it but announced before */
	struct incident *past = NULL, *ahead = NULL;
	size_t np = 0, na = 0;
	enum bc_err e = store_incident_range(t, at - ASOF_LOOKBACK_MS, at + 1, ASOF_CANDIDATES, &past, &np);
	if (e == BC_OK)
		e = store_incident_range(t, at + 1, at + ASOF_AHEAD_MS, ASOF_CANDIDATES_AHEAD, &ahead, &na);
	if (e != BC_OK)
		return e;
	struct incident *open = arena_alloc(a, (np + na + 1) * sizeof *open);
	size_t k = 0;
	for (size_t i = 0; i < np + na; i++) {
		struct incident *c = i < np ? &past[i] : &ahead[i - np];
		if (!asof_incident(t, c, at) || inc_status_is_closed(c->status))
			continue;
		open[k++] = *c;
	}
	*out = open;
	*nout = k;
	return BC_OK;
}
