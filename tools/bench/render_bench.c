/* render_bench.c: times the home page and the admin pages on a large store (10,000 incidents, 300 components, < 5 ms). */
/*
 * usage: render_bench STORE_DIR [--incidents N] [--components N] [--groups N] [--days N] [--renders N]
 *                     [--out FILE]
 * Fills an empty store through store.h (groups, components, incidents with updates and the component
 * status changes they cause, spread over the last --days days, plus two open incidents and one
 * upcoming maintenance), then calls the GET "/" handler of routes_pages directly with a fake request
 * (no FastCGI, no render cache) --renders times and prints the median, p90, min and max in ms.
 * --out saves the rendered page, to see what the time is spent on.
 * Then the same for the admin pages (dashboard, incidents, one incident, components, audit log) through
 * admin_dispatch with a signed-in owner's session cookie (session check included).
 * Built by tools/bench/bench.sh against beacon's objects minus main.o. Exit 0 when it ran (PASS or
 * MISS is printed), 1 when it could not run.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "admin.h"
#include "app_internal.h"
#include "auth.h"
#include "config.h"
#include "req.h"
#include "store.h"

#define DAY_MS (24LL * 3600 * 1000)
#define TARGET_MS 5.0
#define INCIDENTS_PER_TXN 250

struct opts {
	long incidents, components, groups, days, renders;
};

static const char *const update_text[] = {
	"We are investigating reports of errors and elevated latency. Some requests may fail; "
	"we will post an update within **30 minutes**.",
	"We implemented a fix and are monitoring the results. Affected services are recovering.",
	"This incident has been resolved. All services operate normally. A [postmortem](https://example.com/pm) "
	"follows if the root cause warrants one.",
};

static void die(const char *what, enum bc_err e)
{
	fprintf(stderr, "render_bench: %s: %s\n", what, bc_strerror(e));
	exit(1);
}

static void check(const char *what, enum bc_err e)
{
	if (e != BC_OK)
		die(what, e);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Page settings, groups and components in one transaction; comps keeps them (strings in keep). */
static void fill_components(struct store *s, struct arena *keep, const struct opts *o, struct component *comps)
{
	struct arena *a = arena_new();
	struct stx *t;
	check("begin write", store_begin_write(s, a, &t));
	struct page_settings ps = { .name = "Bench Status", .url = "http://127.0.0.1/", .time_zone = "UTC",
	                            .default_language = "en", .languages = "en,es" };
	check("page settings", store_page_put(t, &ps));
	struct group *groups = arena_alloc(keep, (size_t)o->groups * sizeof *groups);
	for (long g = 0; g < o->groups; g++) {
		groups[g].name = arena_printf(keep, "Region %ld services", g + 1);
		groups[g].description = arena_printf(keep, "Everything hosted in region %ld", g + 1);
		groups[g].position = (int)g;
		check("group", store_group_put(t, &groups[g]));
	}
	int64_t start = (now_ms() - (o->days + 30) * DAY_MS) / DAY_MS * DAY_MS;
	for (long i = 0; i < o->components; i++) {
		struct component *c = &comps[i];
		if (o->groups > 0)
			memcpy(c->group_id, groups[i % o->groups].id, sizeof c->group_id);
		c->name = arena_printf(keep, "Service %ld (%s)", i + 1, i % 3 ? "API" : "Web & dashboard");
		c->description = arena_printf(keep, "Component number %ld of the benchmark page", i + 1);
		c->status = CS_OPERATIONAL;
		c->position = (int)(i / (o->groups > 0 ? o->groups : 1));
		c->showcase = true;
		c->start_date = start;
		check("component", store_component_put(t, c, NULL));
	}
	check("commit", store_commit(t));
	arena_free(a);
}

/* One incident with its updates; the affected components change status at each step. */
static void add_incident(struct stx *t, struct arena *a, struct component *comps, long ncomps, long n,
                         int64_t at, int nsteps)
{
	static const enum inc_status steps[] = { IS_INVESTIGATING, IS_MONITORING, IS_RESOLVED };
	static const enum comp_status hit[] = { CS_DEGRADED_PERFORMANCE, CS_PARTIAL_OUTAGE, CS_MAJOR_OUTAGE };
	struct component *affected[2] = { &comps[(n * 7) % ncomps], &comps[(n * 13 + 1) % ncomps] };
	size_t naff = affected[0] == affected[1] ? 1 : 2;
	struct incident inc = { .name = arena_printf(a, "Elevated error rates on service %ld", n % ncomps + 1),
	                        .impact = (enum impact)(IMP_MINOR + n % 3), .started_at = at };
	inc.component_ids = arena_alloc(a, naff * sizeof *inc.component_ids);
	for (size_t k = 0; k < naff; k++)
		memcpy(inc.component_ids[k], affected[k]->id, sizeof(bc_id));
	inc.ncomponents = naff;
	for (int step = 0; step < nsteps; step++) {
		int64_t when = at + step * 25 * 60 * 1000;
		inc.status = steps[step];
		if (inc.status == IS_MONITORING)
			inc.monitoring_at = when;
		if (inc.status == IS_RESOLVED) {
			inc.resolved_at = when;
			if (n % 50 == 0) {
				inc.postmortem_body = "## Root cause\n\nA configuration change reduced capacity.\n\n"
				                      "## Fix\n\n1. Rolled back.\n2. Added a check before deploys.";
				inc.postmortem_published_at = when + DAY_MS;
			}
		}
		check("incident", store_incident_put(t, &inc));
		struct incident_update u = { .status = inc.status, .body = update_text[step], .display_at = when };
		memcpy(u.incident_id, inc.id, sizeof u.incident_id);
		u.affected = arena_alloc(a, naff * sizeof *u.affected);
		u.naffected = naff;
		for (size_t k = 0; k < naff; k++) {
			struct component *c = affected[k];
			enum comp_status next = step == 0 ? hit[n % 3] : step == 2 ? CS_OPERATIONAL : c->status;
			memcpy(u.affected[k].component_id, c->id, sizeof(bc_id));
			u.affected[k].old_status = c->status;
			u.affected[k].new_status = next;
			if (next != c->status) {
				c->status = next;
				check("component status", store_component_put_at(t, c, inc.id, when));
			}
		}
		check("update", store_update_put(t, &u));
	}
}

static void fill_incidents(struct store *s, const struct opts *o, struct component *comps)
{
	struct arena *a = arena_new();
	int64_t now = now_ms();
	int64_t first = now - o->days * DAY_MS;
	int64_t step = o->incidents > 0 ? (o->days * DAY_MS) / o->incidents : 0;
	struct stx *t = NULL;
	for (long n = 0; n < o->incidents; n++) {
		if (t == NULL)
			check("begin write", store_begin_write(s, a, &t));
		add_incident(t, a, comps, o->components, n, first + n * step, 3);
		if ((n + 1) % INCIDENTS_PER_TXN == 0 || n + 1 == o->incidents) {
			check("commit", store_commit(t));
			t = NULL;
			arena_reset(a);
		}
	}
	/* what a busy page shows on top: two open incidents and an upcoming maintenance */
	check("begin write", store_begin_write(s, a, &t));
	add_incident(t, a, comps, o->components, o->incidents + 1, now - 40 * 60 * 1000, 1);
	add_incident(t, a, comps, o->components, o->incidents + 2, now - 90 * 60 * 1000, 2);
	struct incident m = { .name = "Database maintenance", .status = IS_SCHEDULED, .impact = IMP_MAINTENANCE,
	                      .is_maintenance = true, .scheduled_for = now + 3 * DAY_MS,
	                      .scheduled_until = now + 3 * DAY_MS + 2 * 3600 * 1000,
	                      .scheduled_auto_in_progress = true, .scheduled_auto_completed = true,
	                      .component_ids = &comps[0].id, .ncomponents = 1 };
	check("maintenance", store_incident_put(t, &m));
	struct incident_update mu = { .status = IS_SCHEDULED, .body = "We will upgrade the primary database.",
	                              .display_at = now };
	memcpy(mu.incident_id, m.id, sizeof mu.incident_id);
	check("maintenance update", store_update_put(t, &mu));
	check("commit", store_commit(t));
	arena_free(a);
}

static const struct route *home_route(void)
{
	for (const struct route *rt = routes_pages; rt->pattern; rt++)
		if (strcmp(rt->pattern, "/") == 0 && strcmp(rt->method, "GET") == 0)
			return rt;
	return NULL;
}

/* One render of "/" as route_dispatch would run it on a cache miss; returns ms, or -1 on a non-200. */
static double render_once(const struct route *rt, struct app *app, const struct config *cfg,
                          struct store *s, struct arena *a, size_t *body_len, const char *save_to)
{
	struct req r = { .arena = a, .app = app, .cfg = cfg, .method = "GET", .path = "/", .raw_uri = "/",
	                 .query_string = "", .lang = "en", .store = s, .status = 200, .send_fd = -1 };
	buf_init(&r.headers);
	buf_init(&r.body_out);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rt->fn(&r);
	if (r.tx)
		store_abort(r.tx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*body_len = r.body_out.len;
	int status = r.status;
	FILE *f = save_to ? fopen(save_to, "wb") : NULL;
	if (f) {
		fwrite(r.body_out.p, 1, r.body_out.len, f);
		fclose(f);
	} else if (save_to) {
		perror(save_to);
	}
	buf_free(&r.headers);
	buf_free(&r.body_out);
	arena_reset(a);
	return status == 200 ? ms_between(&t0, &t1) : -1;
}

/* One admin request as route_dispatch would hand it over; ms, or -1 unless the status is 200. */
static double admin_once(struct app *app, const struct config *cfg, struct store *s, struct arena *a,
                         const char *path, const char *query, char **envp)
{
	struct req r = { .arena = a, .app = app, .cfg = cfg, .method = "GET", .path = path, .raw_uri = path,
	                 .query_string = query, .lang = "en", .store = s, .status = 200, .send_fd = -1, .envp = envp };
	if (query && *query) {
		r.query[0].key = "id";
		r.query[0].val = query + 3;
		r.nquery = 1;
	}
	buf_init(&r.headers);
	buf_init(&r.body_out);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	admin_dispatch(&r);
	if (r.tx)
		store_abort(r.tx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int status = r.status;
	buf_free(&r.headers);
	buf_free(&r.body_out);
	arena_reset(a);
	return status == 200 ? ms_between(&t0, &t1) : -1;
}

/* An owner and a session for it, then each admin page --renders times; false when one did not answer 200. */
static bool bench_admin(struct app *app, const struct config *cfg, struct store *s, long renders, double *worst)
{
	struct arena *a = arena_new();
	struct stx *t;
	struct write_ctx w = { .a = a, .actor = "bench" };
	char hash[AUTH_HASH_MAX];
	struct user_change ch;
	write_user_change_init(&ch);
	ch.create = true;
	ch.email = "owner@example.com";
	ch.role = ROLE_OWNER;
	if (!auth_password_hash("bench-password", hash))
		return false;
	ch.password_hash = hash;
	check("begin", store_begin_write(s, a, &t));
	w.t = t;
	struct user u;
	check("user", write_user(&w, &ch, &u));
	check("commit", store_commit(t));
	struct incident *open;
	size_t nopen;
	check("begin", store_begin_read(s, a, &t));
	check("incidents", store_incident_recent(t, 0, 1, &open, &nopen));
	const char *inc_query = nopen ? arena_printf(a, "id=%s", open[0].id) : "id=x";
	store_abort(t);
	struct req r = { .arena = a, .cfg = cfg, .app = app, .store = s };
	struct admin ad = { .r = &r, .a = a };
	char id[65];
	if (!admin_session_create(&ad, u.email, u.epoch, STAGE_FULL, id))
		return false;
	char *cookie = arena_printf(a, "HTTP_COOKIE=" ADMIN_COOKIE "=%s", id);
	char remote[] = "REMOTE_ADDR=127.0.0.1";
	char *envp[] = { cookie, remote, NULL };
	const char *const paths[][2] = { { "/admin", "" }, { "/admin/incidents", "" }, { "/admin/incident", inc_query },
	                                 { "/admin/components", "" }, { "/admin/audit", "" } };
	double *ms = calloc((size_t)renders, sizeof *ms);
	struct arena *ra = arena_new();
	bool ok = ms != NULL;
	*worst = 0;
	for (size_t p = 0; ok && p < sizeof paths / sizeof paths[0]; p++) {
		for (long i = 0; ok && i < renders; i++)
			ok = (ms[i] = admin_once(app, cfg, s, ra, paths[p][0], paths[p][1], envp)) >= 0;
		if (!ok) {
			fprintf(stderr, "render_bench: GET %s did not answer 200\n", paths[p][0]);
			break;
		}
		qsort(ms, (size_t)renders, sizeof *ms, cmp_double);
		printf("admin %s%s%s: median %.3f ms, p90 %.3f ms, max %.3f ms\n", paths[p][0], *paths[p][1] ? "?" : "",
		       paths[p][1], ms[renders / 2], ms[renders * 9 / 10], ms[renders - 1]);
		if (ms[renders / 2] > *worst)
			*worst = ms[renders / 2];
	}
	free(ms);
	arena_free(ra);
	arena_free(a);
	return ok;
}

static long arg_num(const char *name, const char *v, long lo, long hi)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || *end || n < lo || n > hi) {
		fprintf(stderr, "render_bench: %s must be %ld-%ld\n", name, lo, hi);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct opts o = { .incidents = 10000, .components = 300, .groups = 20, .days = 1000, .renders = 200 };
	static const struct { const char *name; size_t off; long lo, hi; } flags[] = {
		{ "--incidents", offsetof(struct opts, incidents), 0, 1000000 },
		{ "--components", offsetof(struct opts, components), 1, 100000 },
		{ "--groups", offsetof(struct opts, groups), 0, 1000 },
		{ "--days", offsetof(struct opts, days), 1, 10000 },
		{ "--renders", offsetof(struct opts, renders), 1, 100000 },
	};
	const char *save_to = NULL;
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: render_bench STORE_DIR [--incidents N] [--components N] [--groups N] "
		                "[--days N] [--renders N] [--out FILE]\n");
		return 2;
	}
	for (int i = 2; i < argc; i += 2) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			save_to = argv[i + 1];
			continue;
		}
		size_t f = 0;
		while (f < sizeof flags / sizeof flags[0] && strcmp(flags[f].name, argv[i]) != 0)
			f++;
		if (f == sizeof flags / sizeof flags[0]) {
			fprintf(stderr, "render_bench: unknown option %s\n", argv[i]);
			return 2;
		}
		*(long *)((char *)&o + flags[f].off) = arg_num(argv[i], i + 1 < argc ? argv[i + 1] : NULL, flags[f].lo, flags[f].hi);
	}
	const struct route *rt = home_route();
	if (rt == NULL) {
		fprintf(stderr, "render_bench: routes_pages has no GET \"/\" route (pages module not built in yet)\n");
		return 1;
	}
	static struct config cfg;
	config_defaults(&cfg);
	snprintf(cfg.store, sizeof cfg.store, "%s", argv[1]);
	snprintf(cfg.page_name, sizeof cfg.page_name, "Bench Status");
	snprintf(cfg.time_zone, sizeof cfg.time_zone, "UTC");

	struct store *s;
	enum bc_err e = store_open(&s, argv[1], STORE_CREATE);
	if (e != BC_OK)
		die(argv[1], e);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct arena *keep = arena_new();
	struct component *comps = arena_alloc(keep, (size_t)o.components * sizeof *comps);
	fill_components(s, keep, &o, comps);
	fill_incidents(s, &o, comps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("store: %ld incidents (3 updates each) over %ld days, %ld components in %ld groups; filled in %.1f s\n",
	       o.incidents, o.days, o.components, o.groups, ms_between(&t0, &t1) / 1e3);

	struct app *app = app_new(&cfg, s, false);
	struct arena *a = arena_new();
	double *ms = calloc((size_t)o.renders, sizeof *ms);
	if (ms == NULL)
		abort();
	size_t body_len = 0;
	double cold = render_once(rt, app, &cfg, s, a, &body_len, save_to);
	for (long i = 0; i < o.renders && cold >= 0; i++)
		if ((ms[i] = render_once(rt, app, &cfg, s, a, &body_len, NULL)) < 0)
			cold = -1;
	if (cold < 0) {
		fprintf(stderr, "render_bench: GET / did not answer 200\n");
		return 1;
	}
	qsort(ms, (size_t)o.renders, sizeof *ms, cmp_double);
	double median = ms[o.renders / 2];
	printf("home page render: %ld renders of %zu bytes: median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms "
	       "(first %.3f ms)\n", o.renders, body_len, median, ms[o.renders * 9 / 10], ms[0], ms[o.renders - 1], cold);
	printf("render target: median < %.0f ms: %s\n", TARGET_MS, median < TARGET_MS ? "PASS" : "MISS");
	double worst;
	if (!bench_admin(app, &cfg, s, o.renders, &worst))
		return 1;
	printf("admin render target: every page's median < %.0f ms: %s\n", TARGET_MS, worst < TARGET_MS ? "PASS" : "MISS");
	free(ms);
	arena_free(a);
	arena_free(keep);
	app_free(app);   /* closes the store */
	return 0;
}
