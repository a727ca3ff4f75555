/* test_status.c: the read rules (status.c) and a table over the spec's rollup cases and maintenance windows,
 * rendered by the real handlers on a real store: the home banner, status.json and the badge agree in every case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>
#include "app_internal.h"
#include "config.h"
#include "req.h"
#include "status.h"
#include "store.h"

#define HOUR_MS 3600000LL

/* ---- pure rules ---- */

/* The one rule of what the public sees: a draft is not published, anything else is. */
static void test_incident_public(void **state)
{
	(void)state;
	struct incident pub = { .status = IS_INVESTIGATING }, dr = { .status = IS_INVESTIGATING, .draft = true };
	struct incident m = { .is_maintenance = true, .status = IS_SCHEDULED };
	assert_true(status_incident_public(&pub));
	assert_true(status_incident_public(&m));
	assert_false(status_incident_public(&dr));
	assert_false(status_incident_public(NULL));
}

static struct incident maint(enum inc_status s, bool auto_start, bool auto_end)
{
	struct incident m = { .is_maintenance = true, .status = s, .impact = IMP_MAINTENANCE,
	                      .scheduled_for = 1000000, .scheduled_until = 2000000,
	                      .scheduled_auto_in_progress = auto_start, .scheduled_auto_completed = auto_end };
	return m;
}

static void test_maintenance_state(void **state)
{
	static const struct {
		enum inc_status stored;
		bool auto_start, auto_end;
		int64_t at;
		enum inc_status want;
	} cases[] = {
		{ IS_SCHEDULED, true, true, 999999, IS_SCHEDULED },
		{ IS_SCHEDULED, true, true, 1000000, IS_IN_PROGRESS },
		{ IS_SCHEDULED, true, true, 1999999, IS_IN_PROGRESS },
		{ IS_SCHEDULED, true, true, 2000000, IS_COMPLETED },
		{ IS_SCHEDULED, false, false, 1500000, IS_SCHEDULED },      /* nobody started it */
		{ IS_SCHEDULED, false, false, 3000000, IS_SCHEDULED },
		{ IS_SCHEDULED, false, true, 1500000, IS_SCHEDULED },
		{ IS_SCHEDULED, false, true, 3000000, IS_COMPLETED },       /* issue 9: was "scheduled" in v2 */
		{ IS_SCHEDULED, true, false, 3000000, IS_IN_PROGRESS },
		{ IS_IN_PROGRESS, false, false, 3000000, IS_IN_PROGRESS },
		{ IS_IN_PROGRESS, false, true, 3000000, IS_COMPLETED },
		{ IS_VERIFYING, false, true, 3000000, IS_COMPLETED },
		{ IS_VERIFYING, false, true, 1500000, IS_VERIFYING },
		{ IS_COMPLETED, false, false, 500000, IS_COMPLETED },
		{ IS_RESOLVED, false, false, 500000, IS_COMPLETED },          /* an imported "resolved" maintenance */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct incident m = maint(cases[i].stored, cases[i].auto_start, cases[i].auto_end);
		enum inc_status got = status_maintenance_state(&m, cases[i].at);
		if (got != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, inc_status_name(got), inc_status_name(cases[i].want));
		assert_int_equal(status_is_open(&m, cases[i].at), !inc_status_is_closed(cases[i].want));
		assert_int_equal(status_end(&m, cases[i].at) != 0, inc_status_is_closed(cases[i].want));
	}
	struct incident inc = { .status = IS_MONITORING, .scheduled_auto_in_progress = true, .scheduled_for = 1 };
	assert_int_equal(status_maintenance_state(&inc, 3000000), IS_MONITORING);   /* incidents keep theirs */
	inc.status = IS_RESOLVED;
	inc.postmortem_published_at = 5;
	assert_int_equal(status_public_state(&inc, 3000000), IS_POSTMORTEM);
	assert_false(status_is_open(&inc, 3000000));
}

static void test_incident_level(void **state)
{
	struct incident inc = { .status = IS_INVESTIGATING, .impact = IMP_NONE };
	/* issue 9: an open incident with no impact and no components was shown green */
	assert_int_equal(status_incident_level(&inc, NULL, 0, 1000), CS_DEGRADED_PERFORMANCE);
	inc.impact = IMP_CRITICAL;
	assert_int_equal(status_incident_level(&inc, NULL, 0, 1000), CS_MAJOR_OUTAGE);
	inc.status = IS_RESOLVED;
	inc.impact = IMP_NONE;
	assert_int_equal(status_incident_level(&inc, NULL, 0, 1000), CS_OPERATIONAL);
	struct affected af = { .old_status = CS_OPERATIONAL, .new_status = CS_PARTIAL_OUTAGE };
	struct incident_update u = { .naffected = 1, .affected = &af };
	assert_int_equal(status_incident_level(&inc, &u, 1, 1000), CS_PARTIAL_OUTAGE);
	struct incident m = maint(IS_SCHEDULED, false, false);
	assert_int_equal(status_incident_level(&m, NULL, 0, 1000), CS_UNDER_MAINTENANCE);
}

static void test_when_phrase(void **state)
{
	struct arena *a = arena_new();
	int64_t now = 1773669000000;                /* a minute boundary */
	/* issue 9: right after an incident opens, the page clock (rounded down) is before its start */
	struct incident inc = { .status = IS_INVESTIGATING, .started_at = now + 20000, .created_at = now + 20000 };
	assert_string_equal(status_when_phrase(a, "en", &inc, now, true),
	                    "Started less than a minute ago\xc2\xa0· Ongoing for less than a minute");
	inc.started_at = now - 15 * 24 * HOUR_MS;
	inc.status = IS_RESOLVED;
	inc.resolved_at = inc.started_at + 6 * HOUR_MS - 14 * 60000;
	assert_string_equal(status_when_phrase(a, "en", &inc, now, true), "Started 15 days ago\xc2\xa0· Lasted about 6 hours");
	assert_string_equal(status_when_phrase(a, "es", &inc, now, false), "Comenzó hace 15 días");
	struct incident m = maint(IS_SCHEDULED, false, false);
	m.scheduled_for = now + 2 * 24 * HOUR_MS;
	m.scheduled_until = m.scheduled_for + HOUR_MS;
	assert_string_equal(status_when_phrase(a, "en", &m, now, true), "Starts in 2 days");
	/* absolute phrases, in the zone given (the process TZ is UTC here) */
	const struct zone *gye = zone_get("America/Guayaquil"), *mad = zone_get("Europe/Madrid");
	assert_string_equal(status_clock(a, gye, "en", now), "8:50 AM");
	assert_string_equal(status_datetime(a, gye, "en", now), "Mar 16, 2026, 8:50 AM");
	assert_string_equal(status_date(a, gye, "es", now), "16 mar 2026");
	assert_string_equal(status_month(a, mad, "en", now), "Mar 2026");
	assert_string_equal(status_zone_abbr(gye, now), "-05");
	assert_string_equal(status_zone_abbr(mad, now), "CET");
	assert_string_equal(status_clock(a, mad, "en", now + 200LL * 24 * HOUR_MS), "3:50 PM");   /* October: CEST */
	assert_string_equal(status_zone_abbr(mad, now + 200LL * 24 * HOUR_MS), "CEST");
	arena_free(a);
}

/* ---- the agreement table, through the real handlers ---- */

struct case_inc {
	bool maint;
	enum inc_status st;
	enum impact imp;
	int64_t for_h, until_h;          /* maintenance window, hours from now */
	bool auto_start, auto_end;
};

struct rollup_case {
	const char *name;
	size_t ncomps;
	enum comp_status comps[3];
	size_t ninc;
	struct case_inc inc[2];
	const char *indicator, *description;
};

#define OP CS_OPERATIONAL
#define UM CS_UNDER_MAINTENANCE
#define DG CS_DEGRADED_PERFORMANCE
#define PO CS_PARTIAL_OUTAGE
#define MO CS_MAJOR_OUTAGE
#define INCIDENT(s, i) { false, s, i, 0, 0, false, false }
#define WINDOW(s, f, u, as, ae) { true, s, IMP_MAINTENANCE, f, u, as, ae }

static const struct rollup_case cases[] = {
	/* spec section 4: components only */
	{ "no components", 0, { OP }, 0, { { 0 } }, "none", "All Systems Operational" },
	{ "one operational", 1, { OP }, 0, { { 0 } }, "none", "All Systems Operational" },
	{ "all operational", 3, { OP, OP, OP }, 0, { { 0 } }, "none", "All Systems Operational" },
	{ "one under maintenance", 1, { UM }, 0, { { 0 } }, "maintenance", "Service Under Maintenance" },
	{ "some under maintenance", 2, { UM, OP }, 0, { { 0 } }, "maintenance", "Service Under Maintenance" },
	{ "one degraded", 1, { DG }, 0, { { 0 } }, "minor", "Partially Degraded Service" },
	{ "some degraded", 2, { DG, OP }, 0, { { 0 } }, "minor", "Partially Degraded Service" },
	{ "all degraded", 2, { DG, DG }, 0, { { 0 } }, "minor", "Degraded System Service" },
	{ "maintenance and degraded", 2, { UM, DG }, 0, { { 0 } }, "minor", "Partially Degraded Service" },
	{ "one partial", 1, { PO }, 0, { { 0 } }, "major", "Partial System Outage" },
	{ "some partial", 3, { PO, DG, OP }, 0, { { 0 } }, "minor", "Minor Service Outage" },
	{ "all partial", 2, { PO, PO }, 0, { { 0 } }, "major", "Partial System Outage" },
	{ "one major", 1, { MO }, 0, { { 0 } }, "critical", "Major System Outage" },
	{ "some major", 2, { MO, OP }, 0, { { 0 } }, "major", "Partial System Outage" },
	{ "all major", 2, { MO, MO }, 0, { { 0 } }, "critical", "Major System Outage" },
	/* raised by unresolved incidents, never lowered */
	{ "minor incident", 2, { OP, OP }, 1, { INCIDENT(IS_INVESTIGATING, IMP_MINOR) }, "minor", "Minor Service Outage" },
	{ "major incident", 2, { OP, OP }, 1, { INCIDENT(IS_IDENTIFIED, IMP_MAJOR) }, "major", "Partial System Outage" },
	{ "critical incident", 2, { OP, OP }, 1, { INCIDENT(IS_MONITORING, IMP_CRITICAL) }, "critical", "Major Service Outage" },
	{ "critical incident on degraded", 2, { DG, OP }, 1, { INCIDENT(IS_INVESTIGATING, IMP_CRITICAL) },
	  "critical", "Major Service Outage" },                 /* issue 9: the banner said "Degraded performance" */
	{ "minor incident on all major", 2, { MO, MO }, 1, { INCIDENT(IS_INVESTIGATING, IMP_MINOR) },
	  "critical", "Major System Outage" },
	{ "incident without impact or components", 0, { OP }, 1, { INCIDENT(IS_INVESTIGATING, IMP_NONE) },
	  "minor", "Minor Service Outage" },                    /* "all operational unless there is an active incident" */
	{ "resolved critical incident", 2, { OP, OP }, 1, { INCIDENT(IS_RESOLVED, IMP_CRITICAL) },
	  "none", "All Systems Operational" },
	/* maintenance windows */
	{ "upcoming window", 2, { OP, OP }, 1, { WINDOW(IS_SCHEDULED, 2, 4, true, true) }, "none", "All Systems Operational" },
	{ "window running (auto start)", 2, { OP, OP }, 1, { WINDOW(IS_SCHEDULED, -1, 1, true, true) },
	  "maintenance", "Service Under Maintenance" },
	{ "window due, not started", 2, { OP, OP }, 1, { WINDOW(IS_SCHEDULED, -1, 1, false, true) },
	  "none", "All Systems Operational" },
	{ "window in progress past its end", 2, { OP, OP }, 1, { WINDOW(IS_IN_PROGRESS, -3, -1, false, false) },
	  "maintenance", "Service Under Maintenance" },
	{ "window over (auto complete, no auto start)", 2, { OP, OP }, 1, { WINDOW(IS_SCHEDULED, -3, -1, false, true) },
	  "none", "All Systems Operational" },
	{ "window over (auto complete)", 2, { OP, OP }, 1, { WINDOW(IS_IN_PROGRESS, -3, -1, true, true) },
	  "none", "All Systems Operational" },
	{ "window running and minor incident", 2, { OP, OP }, 2,
	  { WINDOW(IS_IN_PROGRESS, -1, 1, false, false), INCIDENT(IS_INVESTIGATING, IMP_MINOR) }, "minor", "Minor Service Outage" },
	{ "window running on a degraded component", 2, { DG, UM }, 1, { WINDOW(IS_IN_PROGRESS, -1, 1, false, false) },
	  "minor", "Partially Degraded Service" },
};

struct fx {
	char dir[64];
	struct config cfg;
	struct store *s;
	struct app *app;
	struct arena *a;
};

static int fx_open(struct fx *f)
{
	strcpy(f->dir, "/tmp/beacon-status-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	config_defaults(&f->cfg);
	snprintf(f->cfg.store, sizeof f->cfg.store, "%s/db", f->dir);
	snprintf(f->cfg.time_zone, sizeof f->cfg.time_zone, "UTC");
	if (store_open(&f->s, f->cfg.store, STORE_CREATE) != BC_OK)
		return -1;
	f->app = app_new(&f->cfg, f->s, false);
	f->a = arena_new();
	return 0;
}

static void fx_close(struct fx *f)
{
	arena_free(f->a);
	app_free(f->app);      /* closes the store */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

static const struct route *find_route(const struct route *table, const char *pattern)
{
	for (const struct route *rt = table; rt->pattern; rt++)
		if (strcmp(rt->method, "GET") == 0 && strcmp(rt->pattern, pattern) == 0)
			return rt;
	fail_msg("no route %s", pattern);
	return NULL;
}

/* GET through the route's handler (no cache); returns the body (arena copy). */
static char *get(struct fx *f, const struct route *table, const char *pattern, const char *path, const char *param,
                 const char *lang)
{
	const struct route *rt = find_route(table, pattern);
	struct req r = { .arena = f->a, .app = f->app, .cfg = &f->cfg, .method = "GET", .path = path, .raw_uri = path,
	                 .query_string = "", .lang = lang, .store = f->s, .status = 200, .send_fd = -1 };
	r.params[0] = param;
	buf_init(&r.headers);
	buf_init(&r.body_out);
	rt->fn(&r);
	if (r.tx)
		store_abort(r.tx);
	assert_int_equal(r.status, 200);
	char *body = arena_strndup(f->a, r.body_out.p ? r.body_out.p : "", r.body_out.len);
	buf_free(&r.headers);
	buf_free(&r.body_out);
	return body;
}

/* The text between the first `from` after `start` and the next `to` (arena copy), or fails. */
static char *between(struct fx *f, const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	if (p == NULL)
		fail_msg("missing %s in %.400s", from, s);
	p += strlen(from);
	const char *e = strstr(p, to);
	assert_non_null(e);
	return arena_strndup(f->a, p, (size_t)(e - p));
}

static void fill(struct fx *f, const struct rollup_case *c, char ids[2][ID_LEN + 1])
{
	struct stx *t;
	assert_int_equal(store_begin_write(f->s, f->a, &t), BC_OK);
	struct page_settings ps = { .name = "Acme", .url = "https://status.acme.test", .time_zone = "UTC",
	                            .default_language = "en", .languages = "en,es" };
	assert_int_equal(store_page_put(t, &ps), BC_OK);
	for (size_t i = 0; i < c->ncomps; i++) {
		struct component comp = { .name = arena_printf(f->a, "Component %zu", i), .status = c->comps[i],
		                          .position = (int)i };
		assert_int_equal(store_component_put(t, &comp, ""), BC_OK);
	}
	int64_t now = now_ms();
	for (size_t i = 0; i < c->ninc; i++) {
		const struct case_inc *ci = &c->inc[i];
		struct incident inc = { .name = arena_printf(f->a, "Notice %zu", i), .status = ci->st, .impact = ci->imp,
		                        .is_maintenance = ci->maint, .created_at = now - 4 * HOUR_MS,
		                        .started_at = now - 4 * HOUR_MS };
		if (ci->maint) {
			inc.scheduled_for = now + ci->for_h * HOUR_MS;
			inc.scheduled_until = now + ci->until_h * HOUR_MS;
			inc.scheduled_auto_in_progress = ci->auto_start;
			inc.scheduled_auto_completed = ci->auto_end;
			inc.started_at = inc.scheduled_for;
		}
		if (inc_status_is_closed(ci->st))
			inc.resolved_at = now - HOUR_MS;
		assert_int_equal(store_incident_put(t, &inc), BC_OK);
		strcpy(ids[i], inc.id);
	}
	assert_int_equal(store_commit(t), BC_OK);
}

static void test_banner_status_badge_agree(void **state)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct rollup_case *c = &cases[k];
		struct fx f;
		assert_int_equal(fx_open(&f), 0);
		char ids[2][ID_LEN + 1];
		fill(&f, c, ids);

		char *home = get(&f, routes_pages, "/", "/", NULL, "en");
		char *json = get(&f, routes_api_v2, "/api/v2/status.json", "/api/v2/status.json", NULL, "en");
		char *badge = get(&f, routes_api_v2, "/badge.svg", "/badge.svg", NULL, "en");
		char *banner_cls = between(&f, home, "<section class=\"banner s", "\"");
		char *banner_ind = between(&f, home, "data-indicator=\"", "\"");
		char *banner_text = between(&f, strstr(home, "<section class=\"banner"), "</svg>", "</h1>");
		char *json_ind = between(&f, json, "\"indicator\":\"", "\"");
		char *json_desc = between(&f, json, "\"description\":\"", "\"");
		char *badge_ind = between(&f, badge, "data-indicator=\"", "\"");
		char *badge_text = between(&f, strstr(badge, "data-indicator="), ">", "</text>");
		char *badge_fill = between(&f, strstr(badge, "<g clip-path"), "fill=\"#555\"/><rect x=", "/>");

		const char *who = c->name;
		if (strcmp(json_ind, c->indicator) != 0 || strcmp(json_desc, c->description) != 0)
			fail_msg("%s: status.json %s/%s, want %s/%s", who, json_ind, json_desc, c->indicator, c->description);
		if (strcmp(banner_ind, json_ind) != 0 || strcasecmp(banner_text, json_desc) != 0)
			fail_msg("%s: banner %s/%s, status.json %s/%s", who, banner_ind, banner_text, json_ind, json_desc);
		if (strcmp(badge_ind, json_ind) != 0 || strcmp(badge_text, json_desc) != 0)
			fail_msg("%s: badge %s/%s, status.json %s/%s", who, badge_ind, badge_text, json_ind, json_desc);
		/* one colour per indicator: the banner's class and the badge's fill */
		enum status_indicator ind = SI_NONE;
		while (ind < SI_CRITICAL && strcmp(status_indicator_name(ind), json_ind) != 0)
			ind++;
		enum comp_status level = status_indicator_level(ind);
		assert_int_equal(atoi(banner_cls), (int)level);
		if (strstr(badge_fill, status_level_colour(level)) == NULL)
			fail_msg("%s: badge fill %s, want %s", who, badge_fill, status_level_colour(level));
		/* and in Spanish the banner says the same thing */
		char *home_es = get(&f, routes_pages, "/", "/", NULL, "es");
		char *es_text = between(&f, strstr(home_es, "<section class=\"banner"), "</svg>", "</h1>");
		enum status_description d = SD_ALL_OPERATIONAL;
		while (d + 1 < SD__COUNT && strcmp(status_description_text(d), json_desc) != 0)
			d++;
		assert_string_equal(es_text, i18n_text("es", status_banner_msg(d)));
		fx_close(&f);
	}
}

/* issue 9: a window that is over, with auto-complete on and auto-start off, was "scheduled" in v2 and
 * "Lasted about 2 hours" on the page; now both say completed. */
static void test_window_over_agrees(void **state)
{
	struct rollup_case c = { "over", 1, { OP }, 1, { WINDOW(IS_SCHEDULED, -3, -1, false, true) }, "none", "" };
	struct fx f;
	assert_int_equal(fx_open(&f), 0);
	char ids[2][ID_LEN + 1];
	fill(&f, &c, ids);
	char *all = get(&f, routes_api_v2, "/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances.json",
	                NULL, "en");
	assert_non_null(strstr(all, "\"status\":\"completed\""));
	assert_null(strstr(all, "\"status\":\"scheduled\""));
	char *upcoming = get(&f, routes_api_v2, "/api/v2/scheduled-maintenances/upcoming.json",
	                     "/api/v2/scheduled-maintenances/upcoming.json", NULL, "en");
	assert_non_null(strstr(upcoming, "\"scheduled_maintenances\":[]"));
	char *path = arena_printf(f.a, "/incidents/%s", ids[0]);
	char *page = get(&f, routes_pages, "/incidents/:id", path, ids[0], "en");
	assert_non_null(strstr(page, ">Completed</span>"));
	assert_non_null(strstr(page, "Lasted about 2 hours"));
	char *home = get(&f, routes_pages, "/", "/", NULL, "en");
	assert_null(strstr(home, "maint-next"));
	fx_close(&f);
}

/* issue 9: an incident page right after it opens, and one with no impact and no components. */
static void test_incident_page_fresh_incident(void **state)
{
	struct fx f;
	assert_int_equal(fx_open(&f), 0);
	struct rollup_case c = { "fresh", 0, { OP }, 0, { { 0 } }, "", "" };
	char ids[2][ID_LEN + 1];
	fill(&f, &c, ids);
	struct stx *t;
	assert_int_equal(store_begin_write(f.s, f.a, &t), BC_OK);
	int64_t now = now_ms();
	struct incident inc = { .name = "Just opened", .status = IS_INVESTIGATING, .impact = IMP_NONE,
	                        .created_at = now, .started_at = now };
	assert_int_equal(store_incident_put(t, &inc), BC_OK);
	assert_int_equal(store_commit(t), BC_OK);
	char *path = arena_printf(f.a, "/incidents/%s", inc.id);
	char *page = get(&f, routes_pages, "/incidents/:id", path, inc.id, "en");
	assert_null(strstr(page, "Starts in"));
	assert_non_null(strstr(page, "Started less than a minute ago"));
	/* not green: the status badge and the level badge are at least degraded */
	char *badges = between(&f, page, "<p class=\"badges\">", "</p>");
	assert_null(strstr(badges, "class=\"st s0\""));
	assert_null(strstr(badges, "Operational"));
	assert_non_null(strstr(badges, "<span class=\"st s2\">"));
	char *home = get(&f, routes_pages, "/", "/", NULL, "en");
	assert_null(strstr(between(&f, home, "<section class=\"notices active\"", "</section>"), "class=\"st s0\""));
	fx_close(&f);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maintenance_state),
		cmocka_unit_test(test_incident_level),
		cmocka_unit_test(test_when_phrase),
		cmocka_unit_test(test_banner_status_badge_agree),
		cmocka_unit_test(test_incident_public),
		cmocka_unit_test(test_window_over_agrees),
		cmocka_unit_test(test_incident_page_fresh_incident),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
