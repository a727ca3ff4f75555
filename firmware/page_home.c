/* page_home.c: the status page home: banner, incidents, maintenance, components with 90-day uptime bars. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asof.h"
#include "out.h"
#include "intake.h"
#include "pages.h"
#include "uptime.h"

#define HOME_WINDOW_INCIDENTS 500   /* incidents read for the uptime tooltips */
#define HOME_RECENT 5               /* closed notices listed under "Recent notices" */

struct txt {                        /* escaped text with its length */
	const char *s;
	size_t n;
};

/* What the home page reads once and shares between its sections. */
struct home {
	struct incident *open;          /* open incidents and maintenance */
	size_t nopen;
	struct incident *window;        /* everything touching the 90-day window, for tooltips */
	int64_t *wstart, *wend;
	size_t nwindow;
	int64_t edges[UPTIME_DAYS + 1];
	/* the tooltip texts, HTML-escaped once per render */
	struct txt day_label[UPTIME_DAYS];    /* each day's date */
	struct txt *wname;                    /* window incident names */
	struct txt status_label[CS__MAX];     /* component status names */
	size_t status_max;                    /* longest of them */
	struct txt no_data, no_incidents;
	const char *no_data_raw;
	struct txt pct_pre, pct_post;         /* M_UPTIME_PCT around its "%s", escaped */
	/* the bars' aria-label "<name>: <pct> uptime (<legend>)", attribute-escaped but for the name */
	struct txt aria_no_data, aria_pct_pre, aria_pct_post, aria_tail;
	bool aria_pct_arg;                    /* M_UPTIME_PCT has its "%s" */
	size_t *group_of;                     /* per component: its index in p->groups, or SIZE_MAX */
	/* the day bars that have nothing to tell (most of the 27,000 bars of a big page), each day's
	 * one after the other: all up with no incidents ([1]), or no data and no incidents ([0]) */
	char *quiet_run[2];
	size_t quiet_at[2][UPTIME_DAYS + 1];  /* where day d's bar starts in quiet_run */
	bool any_stale;                       /* intake_stale_any */
	struct txt foot_open, foot_close;     /* page_home_bar_foot */
};

static bool visible(const struct component *c)
{
	return !(c->only_show_if_degraded && c->status == CS_OPERATIONAL);
}

/* "99.95%": floored so that any downtime never shows as 100%. Written by hand (27,000 tooltips
 * per page): the digits of floor(pct * 100) are what "%.2f" prints for floor(pct * 100) / 100. */
static const char *percent_text(char out[16], double pct)
{
	double f = floor(pct * 100.0);
	if (f >= 10000.0)
		return "100%";
	if (!(f >= 0.0)) {
		snprintf(out, 16, "%.2f%%", f / 100.0);
		return out;
	}
	unsigned k = (unsigned)f, ip = k / 100, fr = k % 100;
	char *e = out;
	if (ip >= 10)
		*e++ = (char)('0' + ip / 10);
	*e++ = (char)('0' + ip % 10);
	*e++ = '.';
	*e++ = (char)('0' + fr / 10);
	*e++ = (char)('0' + fr % 10);
	*e++ = '%';
	*e = '\0';
	return out;
}

/* s HTML-escaped (as out_text, or as out_attr), in the arena. */
static struct txt page_home_escaped_as(struct page_ctx *p, const char *s, bool attr)
{
	struct buf e;
	buf_init(&e);
	if (attr)
		out_attr(&e, s);
	else
		out_text(&e, s);
	struct txt r = { arena_strndup(p->a, e.p ? e.p : "", e.len), e.len };
	buf_free(&e);
	return r;
}

static struct txt escaped(struct page_ctx *p, const char *s)
{
	return page_home_escaped_as(p, s, false);
}

static char *put(char *e, struct txt t)
{
	memcpy(e, t.s, t.n);
	return e + t.n;
}

#define PUT_LIT(e, lit) (memcpy((e), (lit), sizeof(lit) - 1), (e) += sizeof(lit) - 1)

/* Decimal digits of v (v < 10^6). */
static char *put_uint(char *e, unsigned v)
{
	char d[8];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 7);
	while (n)
		*e++ = d[--n];
	return e;
}

/* "42 min", "1 h 12 min", "24 h" (the same in English and Spanish). At most 22 bytes; no printf (it
 * runs for every day with an outage). */
static char *minutes_text(char *e, unsigned m)
{
	if (m >= 60) {
		e = put_uint(e, m / 60);
		PUT_LIT(e, " h");
		if (m % 60 == 0)
			return e;
		*e++ = ' ';
	}
	e = put_uint(e, m % 60 ? m % 60 : m);
	PUT_LIT(e, " min");
	return e;
}

enum comp_status page_rollup(const struct page_ctx *p, enum msg *text)
{
	struct status_rollup st = status_rollup(p->comps, p->ncomps, p->open, p->nopen, p->now);
	if (text)
		*text = status_banner_msg(st.what);
	return status_indicator_level(st.indicator);
}

/* The page rollup (the same as status.json and the badge), in the page's language and its colour. */
void page_banner(struct page_ctx *p)
{
	struct status_rollup st = status_rollup(p->comps, p->ncomps, p->open, p->nopen, p->now);
	enum comp_status cls = status_indicator_level(st.indicator);
	/* the home page's heading; elsewhere the page has its own h1 */
	const char *tag = p->home ? "h1" : "p";
	buf_printf(p->b, "<section class=\"banner s%d\" aria-live=\"polite\" data-indicator=\"%s\"><%s class=\"bt\">",
	           (int)cls, status_indicator_name(st.indicator), tag);
	page_status_icon(p, cls);
	out_text(p->b, i18n_text(p->lang, status_banner_msg(st.what)));
	buf_printf(p->b, "</%s></section>\n", tag);
}

/* An open incident or maintenance with its latest update. */
static void notice_card(struct page_ctx *p, const struct incident *inc)
{
	struct buf *b = p->b;
	struct incident_update *u = NULL;
	size_t n = 0;
	if (store_update_list(p->tx, inc->id, &u, &n) != BC_OK)
		n = 0;
	if (p->asof)
		n = asof_updates_visible(u, n, p->asof);
	enum inc_status st = status_maintenance_state(inc, p->now);
	enum comp_status level = status_incident_level(inc, u, n, p->now);
	buf_printf(b, "<article class=\"notice-card s%d\"><h3><a href=\"", (int)level);
	page_incident_href(p, inc->id);
	out_raw_trusted(b, "\">");
	out_text(b, inc->name);
	out_raw_trusted(b, "</a></h3>\n<p class=\"badges\">");
	page_status_badge(p, level, i18n_inc_status(p->lang, st));
	out_raw_trusted(b, " ");
	if (inc->is_maintenance) {
		page_time_range(p, status_start(inc), inc->scheduled_until);
	} else {
		out_text(b, status_when_phrase(p->a, p->lang, inc, p->now, false));
	}
	out_raw_trusted(b, "</p>\n");
	if (n > 0) {
		const struct incident_update *last = &u[n - 1];
		int64_t at = last->display_at ? last->display_at : last->created_at;
		out_raw_trusted(b, "<div class=\"latest\"><p class=\"tl-time\"><strong>");
		out_text(b, i18n_inc_status(p->lang, last->status));
		out_raw_trusted(b, "</strong>" PAGE_SEP);
		page_time(p, at, fmt_datetime(p, at));
		out_raw_trusted(b, PAGE_NBSP);
		out_text(b, fmt_zone_abbr(p, at));
		out_raw_trusted(b, "</p>");
		page_markdown(p, last->body);
		out_raw_trusted(b, "</div>\n");
	}
	out_raw_trusted(b, "</article>\n");
}

/* Open notices of one kind: incidents, maintenance in progress, or upcoming maintenance. */
static void notices_section(struct page_ctx *p, const struct home *h, enum msg title, const char *cls)
{
	bool opened = false;
	for (size_t i = 0; i < h->nopen; i++) {
		const struct incident *inc = &h->open[i];
		enum inc_status s = status_maintenance_state(inc, p->now);
		bool want;
		if (title == M_ACTIVE_INCIDENTS)
			want = !inc->is_maintenance && !inc_status_is_closed(s);
		else if (title == M_MAINTENANCE_ACTIVE)
			want = inc->is_maintenance && (s == IS_IN_PROGRESS || s == IS_VERIFYING);
		else
			want = inc->is_maintenance && s == IS_SCHEDULED;
		if (!want)
			continue;
		if (!opened) {
			buf_printf(p->b, "<section class=\"notices %s\" aria-labelledby=\"%s-h\"><h2 id=\"%s-h\">", cls, cls, cls);
			out_text(p->b, i18n_text(p->lang, title));
			out_raw_trusted(p->b, "</h2>\n");
			opened = true;
		}
		notice_card(p, inc);
	}
	if (opened)
		out_raw_trusted(p->b, "</section>\n");
}

/* One day's bar: a rect coloured by the worst status with its tooltip (date, uptime, status and
 * incident names). 27,000 of these on a page of 300 components: no printf, one buffer check, and
 * every text was escaped once in home_load (percent digits need no escaping). */
static void day_bar(struct buf *b, const struct home *h, const struct uptime_day *day, size_t d)
{
	double dp = uptime_day_value(day);
	size_t kept = day->nincidents < UPTIME_DAY_INCIDENTS ? day->nincidents : UPTIME_DAY_INCIDENTS;
	size_t need = 160 + h->day_label[d].n + h->no_data.n + CS__MAX * (h->status_max + 24) + h->no_incidents.n;
	for (size_t k = 0; k < kept; k++)
		need += 8 + h->wname[day->incidents[k] - h->window].n;   /* all point into h->window */
	buf_grow(b, need);
	char *e = b->p + b->len;
	PUT_LIT(e, "<rect x=\"");
	size_t x = d * 6;
	if (x >= 100)
		*e++ = (char)('0' + x / 100);
	if (x >= 10)
		*e++ = (char)('0' + x / 10 % 10);
	*e++ = (char)('0' + x % 10);
	PUT_LIT(e, "\" width=\"4\" height=\"34\" class=\"");
	if (dp >= 0) {
		*e++ = 'd';
		*e++ = (char)('0' + day->worst);
	} else {
		*e++ = 'n';
		*e++ = 'd';
	}
	PUT_LIT(e, "\"><title>");
	e = put(e, h->day_label[d]);
	PUT_LIT(e, " · ");
	if (dp < 0) {
		e = put(e, h->no_data);
	} else if (day->down_ms <= 0) {
		PUT_LIT(e, "100%");
	} else {
		char pct[16];
		const char *t = percent_text(pct, dp);
		size_t n = strlen(t);
		memcpy(e, t, n);
		e += n;
	}
	/* the day's time in each status other than operational, worst first: "Major outage: 1 h 12 min" */
	for (int s = CS__MAX - 1; dp >= 0 && s > CS_OPERATIONAL; s--) {
		if (day->minutes[s - 1] == 0)
			continue;
		PUT_LIT(e, "\n");
		e = put(e, h->status_label[s]);
		PUT_LIT(e, ": ");
		e = minutes_text(e, day->minutes[s - 1]);
	}
	for (size_t k = 0; k < kept; k++) {
		PUT_LIT(e, "\n• ");
		e = put(e, h->wname[day->incidents[k] - h->window]);
	}
	if (day->nincidents > kept) {
		char more[32];
		int n = snprintf(more, sizeof more, "\n• +%zu", (size_t)day->nincidents - kept);
		memcpy(e, more, (size_t)n);
		e += n;
	}
	if (dp >= 0 && day->nincidents == 0) {
		*e++ = '\n';
		e = put(e, h->no_incidents);
	}
	PUT_LIT(e, "</title></rect>");
	b->len = (size_t)(e - b->p);
	b->p[b->len] = '\0';
}

/* Whether a day's bar is one of h->quiet_run's (no incidents; no data, or all up without a minute
 * in another status), and which. */
static int page_home_quiet_kind(const struct uptime_day *day)
{
	if (day->nincidents != 0)
		return -1;
	if (day->known_ms <= 0)
		return 0;
	if (day->down_ms > 0 || day->worst != 0)
		return -1;
	for (int s = 0; s < CS__MAX - 1; s++)
		if (day->minutes[s] != 0)
			return -1;
	return 1;
}

/* h->quiet_run, written by day_bar from days of those kinds (so they are its bytes exactly). */
static void page_home_quiet_bars(struct page_ctx *p, struct home *h)
{
	struct buf b;
	buf_init(&b);
	for (int kind = 0; kind < 2; kind++) {
		buf_reset(&b);
		for (size_t d = 0; d < UPTIME_DAYS; d++) {
			struct uptime_day day = { .known_ms = kind ? 1.0 : 0.0 };
			h->quiet_at[kind][d] = b.len;
			day_bar(&b, h, &day, d);
		}
		h->quiet_at[kind][UPTIME_DAYS] = b.len;
		h->quiet_run[kind] = arena_strndup(p->a, b.p, b.len);
	}
	buf_free(&b);
}

/* The 90 day bars: one rect per day, coloured by the worst status and shaped text in its tooltip. */
static void uptime_bars(struct page_ctx *p, const struct home *h, const struct uptime *u, const char *label)
{
	struct buf *b = p->b;
	double pct = uptime_percent(u);
	out_raw_trusted(b, "<span class=\"uptime\"><svg class=\"bars\" viewBox=\"0 0 538 34\" "
	                   "preserveAspectRatio=\"none\" role=\"img\" aria-label=\"");
	/* "<label>: <pct> (<legend>)" escaped piece by piece: each piece meets the next at ASCII, so
	 * this is byte for byte what escaping the joined text gives */
	out_attr(b, label);
	buf_append(b, ": ", 2);
	if (pct < 0) {
		buf_append(b, h->aria_no_data.s, h->aria_no_data.n);
	} else {
		char digits[16];
		buf_append(b, h->aria_pct_pre.s, h->aria_pct_pre.n);
		if (h->aria_pct_arg)
			out_raw_trusted(b, percent_text(digits, pct));   /* digits, '.', '%': nothing to escape */
		buf_append(b, h->aria_pct_post.s, h->aria_pct_post.n);
	}
	buf_append(b, h->aria_tail.s, h->aria_tail.n);
	out_raw_trusted(b, "\"><g>");
	for (size_t d = 0; d < UPTIME_DAYS;) {
		int quiet = page_home_quiet_kind(&u->day[d]);
		if (quiet < 0) {
			day_bar(b, h, &u->day[d], d);
			d++;
			continue;
		}
		size_t end = d + 1;         /* a run of quiet days of one kind: one copy */
		while (end < UPTIME_DAYS && page_home_quiet_kind(&u->day[end]) == quiet)
			end++;
		buf_append(b, h->quiet_run[quiet] + h->quiet_at[quiet][d], h->quiet_at[quiet][end] - h->quiet_at[quiet][d]);
		d = end;
	}
	buf_append(b, h->foot_open.s, h->foot_open.n);
	static const char *const spans[3] = { "<span class=\"a90\">", "<span class=\"a60\">", "<span class=\"a30\">" };
	for (size_t k = 0; k < 3; k++) {       /* the uptime of the days shown at each width */
		double sp = k == 0 ? pct : uptime_percent_last(u, (size_t)(90 - 30 * k));   /* pct: all 90 */
		out_raw_trusted(b, spans[k]);
		if (sp < 0) {
			buf_append(b, h->no_data.s, h->no_data.n);
		} else {
			char digits[16];
			buf_append(b, h->pct_pre.s, h->pct_pre.n);
			out_raw_trusted(b, percent_text(digits, sp));
			buf_append(b, h->pct_post.s, h->pct_post.n);
		}
		buf_append(b, "</span>", 7);
	}
	buf_append(b, h->foot_close.s, h->foot_close.n);
}

/* The markup under every bar row around its three percentages, once per render. */
static void page_home_bar_foot(struct page_ctx *p, struct home *h)
{
	struct buf b;
	buf_init(&b);
	out_raw_trusted(&b, "</g></svg>\n<span class=\"bar-foot\" aria-hidden=\"true\"><span class=\"ago\">"
	                    "<span class=\"a90\">");
	out_text(&b, i18n_text(p->lang, M_DAYS_AGO_90));
	out_raw_trusted(&b, "</span><span class=\"a60\">");
	out_text(&b, i18n_text(p->lang, M_DAYS_AGO_60));
	out_raw_trusted(&b, "</span><span class=\"a30\">");
	out_text(&b, i18n_text(p->lang, M_DAYS_AGO_30));
	out_raw_trusted(&b, "</span></span><span class=\"pct ago\">");
	h->foot_open = (struct txt){ arena_strndup(p->a, b.p, b.len), b.len };
	buf_reset(&b);
	out_raw_trusted(&b, "</span><span>");
	out_text(&b, i18n_text(p->lang, M_TODAY));
	out_raw_trusted(&b, "</span></span></span>\n");
	h->foot_close = (struct txt){ arena_strndup(p->a, b.p, b.len), b.len };
	buf_free(&b);
}

static void component_row(struct page_ctx *p, const struct home *h, const struct component *c, const struct uptime *u)
{
	struct buf *b = p->b;
	out_raw_trusted(b, "<li class=\"comp\"><div class=\"row\"><h3 class=\"cname\"><a href=\"");
	struct buf link;                /* the component's monthly uptime */
	buf_init(&link);
	out_raw_trusted(&link, "/components/");
	out_url_arg(&link, c->id);
	out_raw_trusted(&link, "/uptime");
	page_href(p, link.p);
	buf_free(&link);
	out_raw_trusted(b, "\">");
	out_text(b, c->name);
	out_raw_trusted(b, "</a></h3>");
	page_status_badge(p, c->status, NULL);
	out_raw_trusted(b, "</div>\n");
	if (c->description && c->description[0]) {
		out_raw_trusted(b, "<p class=\"desc\">");
		out_text(b, c->description);
		out_raw_trusted(b, "</p>\n");
	}
	int64_t stale = 0;
	if (h->any_stale && intake_stale_get(p->tx, c->id, &stale) == BC_OK && stale) {
		/* its heartbeat went silent: said on the page, never a silent green */
		bool today = page_day_start(p, stale, 0) == page_day_start(p, p->now, 0);
		out_raw_trusted(b, "<p class=\"stale\">");
		out_text(b, i18n_fmt(p->a, p->lang, M_NO_MONITORING_DATA, today ? fmt_clock(p, stale) : fmt_datetime(p, stale)));
		out_raw_trusted(b, "</p>\n");
	}
	if (c->showcase)        /* showcase: false hides the uptime bars, as on Statuspage */
		uptime_bars(p, h, u, c->name);
	out_raw_trusted(b, "</li>\n");
}

struct comp_ref {
	const char *id;
	size_t i;
};

static int comp_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct comp_ref *)a)->id, ((const struct comp_ref *)b)->id);
}

/* Notes each window incident on the days of the components it affects: one pass over the
 * incidents with the components looked up by id (newest incident first on every day, as before). */
/* The page's components by id: an open-addressing table of their indices + 1 (0: empty). */
struct page_home_comp_table {
	size_t mask;
	size_t *slot;
};

static size_t page_home_comp_table_hash(const char *id)
{
	size_t x = (size_t)14695981039346656037ULL;   /* FNV-1a */
	for (; *id; id++)
		x = (x ^ (unsigned char)*id) * (size_t)1099511628211ULL;
	return x;
}

static void page_home_comp_table_init(struct page_ctx *p, struct page_home_comp_table *t)
{
	size_t n = 16;
	while (n < 2 * p->ncomps)
		n *= 2;
	t->mask = n - 1;
	t->slot = arena_alloc(p->a, n * sizeof *t->slot);
	for (size_t i = 0; i < p->ncomps; i++) {
		size_t s = page_home_comp_table_hash(p->comps[i].id) & t->mask;
		while (t->slot[s] && strcmp(p->comps[t->slot[s] - 1].id, p->comps[i].id) != 0)
			s = (s + 1) & t->mask;
		if (t->slot[s] == 0)
			t->slot[s] = i + 1;
	}
}

/* The index of the component with this id, or SIZE_MAX. */
static size_t page_home_comp_table_find(const struct page_ctx *p, const struct page_home_comp_table *t, const char *id)
{
	for (size_t s = page_home_comp_table_hash(id) & t->mask; t->slot[s]; s = (s + 1) & t->mask)
		if (strcmp(p->comps[t->slot[s] - 1].id, id) == 0)
			return t->slot[s] - 1;
	return SIZE_MAX;
}

static void mark_window(struct page_ctx *p, const struct home *h, struct uptime *ups)
{
	struct page_home_comp_table tab;
	page_home_comp_table_init(p, &tab);
	size_t *last = arena_alloc(p->a, (p->ncomps + 1) * sizeof *last);   /* last incident marked + 1 */
	for (size_t i = 0; i < h->nwindow; i++) {
		const struct incident *inc = &h->window[i];
		for (size_t k = 0; k < inc->ncomponents; k++) {
			size_t c = page_home_comp_table_find(p, &tab, inc->component_ids[k]);
			if (c == SIZE_MAX || last[c] == i + 1)
				continue;
			last[c] = i + 1;
			uptime_mark_incident(&ups[c], inc, h->wstart[i], h->wend[i], h->edges, p->now);
		}
	}
}

/* h->group_of: each component's group, looked up by id once (group ids are unique in a store). */
static void page_home_group_index(struct page_ctx *p, struct home *h)
{
	struct comp_ref *refs = arena_alloc(p->a, (p->ngroups + 1) * sizeof *refs);
	for (size_t g = 0; g < p->ngroups; g++)
		refs[g] = (struct comp_ref){ p->groups[g].id, g };
	qsort(refs, p->ngroups, sizeof *refs, comp_ref_cmp);
	h->group_of = arena_alloc(p->a, (p->ncomps + 1) * sizeof *h->group_of);
	for (size_t i = 0; i < p->ncomps; i++) {
		struct comp_ref key = { p->comps[i].group_id, 0 };
		const struct comp_ref *r = p->comps[i].group_id[0] && p->ngroups ?
		                           bsearch(&key, refs, p->ngroups, sizeof *refs, comp_ref_cmp) : NULL;
		h->group_of[i] = r ? r->i : SIZE_MAX;
	}
}

/* Components in page order: ungrouped ones first, then each group as a collapsible block. */
static void components_section(struct page_ctx *p, struct home *h)
{
	struct buf *b = p->b;
	page_home_group_index(p, h);
	struct uptime *ups = arena_alloc(p->a, (p->ncomps + 1) * sizeof *ups);
	for (size_t i = 0; i < p->ncomps; i++)
		if (uptime_component(p->tx, &p->comps[i], h->edges, p->now, &ups[i]) != BC_OK)
			memset(&ups[i], 0, sizeof ups[i]);
	mark_window(p, h, ups);
	out_raw_trusted(b, "<section class=\"card comps-card\" aria-labelledby=\"comp-h\"><div class=\"card-head\">"
	                   "<h2 id=\"comp-h\">");
	out_text(b, i18n_text(p->lang, M_COMPONENTS));
	out_raw_trusted(b, "</h2><p class=\"legend\">");
	out_text(b, i18n_text(p->lang, M_UPTIME_LEGEND));
	out_raw_trusted(b, "</p></div>\n<ul class=\"comps\">\n");
	for (size_t i = 0; i < p->ncomps; i++)
		if (p->comps[i].group_id[0] == '\0' && visible(&p->comps[i]))
			component_row(p, h, &p->comps[i], &ups[i]);
	const struct uptime **parts = arena_alloc(p->a, (p->ncomps + 1) * sizeof *parts);
	for (size_t g = 0; g < p->ngroups; g++) {
		size_t np = 0, nshown = 0;
		enum comp_status worst = CS_OPERATIONAL;
		for (size_t i = 0; i < p->ncomps; i++) {
			if (h->group_of[i] != g || !visible(&p->comps[i]))
				continue;
			np++;
			if (p->comps[i].showcase)
				parts[nshown++] = &ups[i];
			if (p->comps[i].status > worst)
				worst = p->comps[i].status;
		}
		if (np == 0)
			continue;
		/* collapsed unless something in it is not operational; the summary keeps the group's
		 * name, status and bars (the members' series) in view, aligned with the members' bars */
		buf_printf(b, "<li class=\"group\"><details class=\"members\"%s><summary><h3 class=\"cname\">",
		           worst != CS_OPERATIONAL ? " open" : "");
		out_text(b, p->groups[g].name);
		out_raw_trusted(b, "</h3>");
		page_status_badge(p, worst, NULL);
		out_raw_trusted(b, "<span class=\"count\">");
		char count[24];
		snprintf(count, sizeof count, "%zu", np);
		out_text(b, np == 1 ? i18n_text(p->lang, M_ONE_COMPONENT) : i18n_fmt(p->a, p->lang, M_N_COMPONENTS, count));
		out_raw_trusted(b, "</span>");
		if (nshown > 0) {
			struct uptime gu;
			uptime_group(parts, nshown, &gu);
			uptime_bars(p, h, &gu, p->groups[g].name);
		}
		out_raw_trusted(b, "</summary>\n<ul>\n");
		for (size_t i = 0; i < p->ncomps; i++)
			if (h->group_of[i] == g && visible(&p->comps[i]))
				component_row(p, h, &p->comps[i], &ups[i]);
		out_raw_trusted(b, "</ul></details></li>\n");
	}
	out_raw_trusted(b, "</ul>\n<details class=\"uptime-def\"><summary>");
	out_text(b, i18n_text(p->lang, M_UPTIME_HOW));
	out_raw_trusted(b, "</summary><p>");
	out_text(b, i18n_text(p->lang, M_UPTIME_DEFINITION));
	out_raw_trusted(b, "</p></details>\n</section>\n");
}

static void recent_section(struct page_ctx *p)
{
	struct buf *b = p->b;
	struct incident *inc = NULL;
	size_t n = 0;
	if (store_incident_recent(p->tx, p->now + 1, HOME_RECENT * 2, &inc, &n) != BC_OK)
		n = 0;
	out_raw_trusted(b, "<section class=\"card\" aria-labelledby=\"recent-h\"><h2 id=\"recent-h\">");
	out_text(b, i18n_text(p->lang, M_RECENT_NOTICES));
	out_raw_trusted(b, "</h2>\n<ul class=\"recent\">\n");
	size_t shown = 0;
	for (size_t i = 0; i < n && shown < HOME_RECENT; i++) {
		if (p->asof && !asof_incident(p->tx, &inc[i], p->asof))
			continue;
		int64_t end = status_end(&inc[i], p->now);
		if (!end || end > p->now)
			continue;    /* open ones are listed above */
		int64_t start = status_start(&inc[i]);
		enum comp_status level = status_incident_level(&inc[i], NULL, 0, p->now);
		out_raw_trusted(b, "<li>");
		page_status_icon_named(p, level);
		out_raw_trusted(b, "<span><a href=\"");
		page_incident_href(p, inc[i].id);
		out_raw_trusted(b, "\">");
		out_text(b, inc[i].name);
		out_raw_trusted(b, "</a> <span class=\"muted\">");
		page_time(p, start, fmt_date(p, start));
		out_raw_trusted(b, PAGE_SEP);
		out_text(b, i18n_fmt(p->a, p->lang, M_LASTED, i18n_duration(p->a, p->lang, end - start)));
		out_raw_trusted(b, "</span></span></li>\n");
		shown++;
	}
	if (shown == 0) {
		out_raw_trusted(b, "<li class=\"empty\">");
		out_text(b, i18n_text(p->lang, M_NO_RECENT_NOTICES));
		out_raw_trusted(b, "</li>\n");
	}
	out_raw_trusted(b, "</ul>\n<p><a class=\"btn\" href=\"");
	page_href(p, "/history");
	out_raw_trusted(b, "\">");
	out_text(b, i18n_text(p->lang, M_VIEW_HISTORY));
	out_raw_trusted(b, "</a></p></section>\n");
}

/* Reads the open notices and those touching the uptime window, with their spans. */
static bool home_load(struct page_ctx *p, struct home *h)
{
	uptime_edges(p->tz, p->now, h->edges);
	h->no_data_raw = i18n_text(p->lang, M_NO_DATA);
	h->no_data = escaped(p, h->no_data_raw);
	h->no_incidents = escaped(p, i18n_text(p->lang, M_NO_INCIDENTS_DAY));
	const char *pt = i18n_text(p->lang, M_UPTIME_PCT), *ps = strstr(pt, "%s");
	h->pct_pre = escaped(p, ps ? arena_strndup(p->a, pt, (size_t)(ps - pt)) : "");
	h->pct_post = escaped(p, ps ? ps + 2 : pt);
	h->aria_no_data = page_home_escaped_as(p, h->no_data_raw, true);
	h->aria_pct_arg = ps != NULL;
	h->aria_pct_pre = page_home_escaped_as(p, ps ? arena_strndup(p->a, pt, (size_t)(ps - pt)) : "", true);
	h->aria_pct_post = page_home_escaped_as(p, ps ? ps + 2 : pt, true);
	h->aria_tail = page_home_escaped_as(p, arena_printf(p->a, " (%s)", i18n_text(p->lang, M_UPTIME_LEGEND)), true);
	for (int s = 0; s < CS__MAX; s++) {
		h->status_label[s] = escaped(p, i18n_comp_status(p->lang, (enum comp_status)s));
		if (h->status_label[s].n > h->status_max)
			h->status_max = h->status_label[s].n;
	}
	for (size_t d = 0; d < UPTIME_DAYS; d++)
		h->day_label[d] = escaped(p, fmt_date(p, h->edges[d]));
	page_home_quiet_bars(p, h);
	page_home_bar_foot(p, h);
	h->any_stale = intake_stale_any(p->tx);
	struct incident *range = NULL;
	size_t nrange = 0;
	h->open = p->open;
	h->nopen = p->nopen;
	if (store_incident_range(p->tx, h->edges[0], p->now + 1, HOME_WINDOW_INCIDENTS, &range, &nrange) != BC_OK)
		return false;
	/* the window list plus open ones that started before it */
	h->window = arena_alloc(p->a, (nrange + h->nopen + 1) * sizeof *h->window);
	h->wstart = arena_alloc(p->a, (nrange + h->nopen + 1) * sizeof *h->wstart);
	h->wend = arena_alloc(p->a, (nrange + h->nopen + 1) * sizeof *h->wend);
	for (size_t i = 0; i < nrange; i++)
		h->window[h->nwindow++] = range[i];
	for (size_t i = 0; i < h->nopen; i++)
		if (status_start(&h->open[i]) < h->edges[0])
			h->window[h->nwindow++] = h->open[i];
	h->wname = arena_alloc(p->a, (h->nwindow + 1) * sizeof *h->wname);
	for (size_t i = 0; i < h->nwindow; i++) {
		h->wstart[i] = status_start(&h->window[i]);
		h->wend[i] = status_end(&h->window[i], p->now);
		h->wname[i] = escaped(p, h->window[i].name);
	}
	return true;
}

void page_home(struct req *r)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	struct home h;
	memset(&h, 0, sizeof h);
	if (!home_load(&p, &h)) {
		resp_html_error(r, 503, "Service unavailable", "The status store cannot be read right now.");
		return;
	}
	p.home = true;
	/* room for the whole page at once (a big page is megabytes: no copy per doubling): each bar row
	 * about 90 quiet bars and its markup, and a little for the rest */
	size_t rows = p.ngroups;
	for (size_t i = 0; i < p.ncomps; i++)
		rows += p.comps[i].showcase;
	buf_grow(p.b, 32768 + rows * (h.quiet_at[1][UPTIME_DAYS] + UPTIME_DAYS * 16 + 2048));
	page_begin(&p, arena_printf(p.a, "%s - %s", p.name, i18n_text(p.lang, M_STATUS_TITLE)), "/");
	notices_section(&p, &h, M_ACTIVE_INCIDENTS, "active");
	notices_section(&p, &h, M_MAINTENANCE_ACTIVE, "maint-now");
	notices_section(&p, &h, M_MAINTENANCE_UPCOMING, "maint-next");
	components_section(&p, &h);
	recent_section(&p);
	page_end(&p);
}
