/* page_incident.c: the incident (or maintenance) detail page: summary, affected components, timeline. */
#include <string.h>
#include "asof.h"
#include "out.h"
#include "pages.h"

/* One status a component held during the incident, from an update's time on. */
struct segment {
	enum comp_status status;
	int64_t from;
};

void page_timeline(struct page_ctx *p, const struct incident *inc, const struct incident_update *u,
                   size_t n, int heading_level, bool fold_postmortem)
{
	struct buf *b = p->b;
	out_raw_trusted(b, "<ol class=\"timeline\">\n");
	if (inc->postmortem_body && inc->postmortem_published_at) {
		out_raw_trusted(b, "<li class=\"tl pm\">");
		buf_printf(b, "<h%d class=\"tl-status\">", heading_level);
		out_text(b, i18n_text(p->lang, M_POSTMORTEM));
		buf_printf(b, "</h%d>", heading_level);
		if (fold_postmortem) {      /* a disclosure, no script: the history stays scannable */
			out_raw_trusted(b, "<details class=\"pm-more\"><summary>");
			out_text(b, i18n_text(p->lang, M_READ_POSTMORTEM));
			out_raw_trusted(b, "</summary>");
		}
		page_markdown(p, inc->postmortem_body);
		if (fold_postmortem)
			out_raw_trusted(b, "</details>");
		out_raw_trusted(b, "<p class=\"tl-time\">");
		page_time(p, inc->postmortem_published_at, fmt_datetime(p, inc->postmortem_published_at));
		out_raw_trusted(b, " ");
		out_text(b, fmt_zone_abbr(p, inc->postmortem_published_at));
		out_raw_trusted(b, "</p></li>\n");
	}
	for (size_t k = n; k-- > 0;) {
		/* an update that keeps the previous status is an "Update" */
		bool same = k > 0 && u[k - 1].status == u[k].status;
		const char *label = same ? i18n_text(p->lang, M_UPDATE) : i18n_inc_status(p->lang, u[k].status);
		int64_t at = u[k].display_at ? u[k].display_at : u[k].created_at;
		buf_printf(b, "<li class=\"tl is%d\">", (int)u[k].status);
		buf_printf(b, "<h%d class=\"tl-status\">", heading_level);
		out_text(b, label);
		buf_printf(b, "</h%d>", heading_level);
		page_markdown(p, u[k].body);
		out_raw_trusted(b, "<p class=\"tl-time\">");
		page_time(p, at, fmt_datetime(p, at));
		out_raw_trusted(b, " ");
		out_text(b, fmt_zone_abbr(p, at));
		out_raw_trusted(b, "</p></li>\n");
	}
	out_raw_trusted(b, "</ol>\n");
}

static const struct component *find_component(const struct page_ctx *p, const char *id)
{
	for (size_t i = 0; i < p->ncomps; i++)
		if (strcmp(p->comps[i].id, id) == 0)
			return &p->comps[i];
	return NULL;
}

/* The statuses component id went through, from the updates' affected entries (oldest first). */
static size_t component_segments(const struct incident_update *u, size_t n, const char *id,
                                 struct segment *seg, size_t max)
{
	size_t ns = 0;
	for (size_t k = 0; k < n; k++) {
		int64_t at = u[k].display_at ? u[k].display_at : u[k].created_at;
		for (size_t j = 0; j < u[k].naffected; j++) {
			if (strcmp(u[k].affected[j].component_id, id) != 0)
				continue;
			enum comp_status s = u[k].affected[j].new_status;
			if (ns > 0 && seg[ns - 1].status == s)
				continue;
			if (ns == max)
				return ns;
			seg[ns].status = s;
			seg[ns].from = at;
			ns++;
		}
	}
	return ns;
}

/* A clock time, with the date when it is not the incident's first day. */
static void range_time(struct page_ctx *p, int64_t day0, int64_t at)
{
	page_time(p, at, page_day_start(p, at, 0) == day0 ? fmt_clock(p, at) : fmt_datetime(p, at));
}

/* "Major outage from 8:50 AM to 12:51 PM, Operational from 12:51 PM to 2:36 PM" */
static void component_ranges(struct page_ctx *p, const struct segment *seg, size_t ns, int64_t day0, int64_t end)
{
	struct buf *b = p->b;
	out_raw_trusted(b, "<p class=\"ranges\">");
	for (size_t i = 0; i < ns; i++) {
		int64_t to = i + 1 < ns ? seg[i + 1].from : end;
		if (i > 0)
			out_raw_trusted(b, ", ");
		out_text(b, i18n_comp_status(p->lang, seg[i].status));
		out_raw_trusted(b, " ");
		out_text(b, i18n_text(p->lang, to ? M_STATUS_FROM_TO : M_STATUS_SINCE));
		out_raw_trusted(b, " ");
		range_time(p, day0, seg[i].from);
		if (to) {
			out_raw_trusted(b, " ");
			out_text(b, i18n_text(p->lang, M_RANGE_TO));
			out_raw_trusted(b, " ");
			range_time(p, day0, to);
		}
	}
	out_raw_trusted(b, "</p>");
}

static void affected_component(struct page_ctx *p, const char *id, const struct incident_update *u, size_t n,
                               int64_t day0, int64_t end)
{
	const struct component *c = find_component(p, id);
	struct segment seg[32];
	size_t ns = component_segments(u, n, id, seg, sizeof seg / sizeof seg[0]);
	enum comp_status worst = CS_OPERATIONAL;
	for (size_t i = 0; i < ns; i++)
		if (seg[i].status > worst)
			worst = seg[i].status;
	out_raw_trusted(p->b, "<li class=\"aff\"><div class=\"aff-name\">");
	page_status_icon_named(p, worst);
	out_text(p->b, c ? c->name : id);
	out_raw_trusted(p->b, "</div>");
	if (ns > 0)
		component_ranges(p, seg, ns, day0, end);
	out_raw_trusted(p->b, "</li>\n");
}

/* Affected components, grouped under their group's name in page order. */
static void affected_section(struct page_ctx *p, const struct incident *inc, const struct incident_update *u,
                             size_t n, int64_t end)
{
	if (inc->ncomponents == 0)
		return;
	struct buf *b = p->b;
	int64_t day0 = page_day_start(p, status_start(inc), 0);
	out_raw_trusted(b, "<section class=\"card\" aria-labelledby=\"aff-h\"><h2 id=\"aff-h\">");
	out_text(b, i18n_text(p->lang, M_AFFECTED));
	out_raw_trusted(b, "</h2>\n");
	bool *done = arena_alloc(p->a, inc->ncomponents + 1);
	/* walk groups in page order ("" = ungrouped first), listing the affected members of each */
	for (size_t g = 0; g <= p->ngroups; g++) {
		const char *gid = g == 0 ? "" : p->groups[g - 1].id;
		bool opened = false;
		for (size_t i = 0; i < p->ncomps; i++) {
			if (strcmp(p->comps[i].group_id, gid) != 0)
				continue;
			for (size_t k = 0; k < inc->ncomponents; k++) {
				if (done[k] || strcmp(inc->component_ids[k], p->comps[i].id) != 0)
					continue;
				if (!opened) {
					if (g > 0) {
						out_raw_trusted(b, "<h3 class=\"aff-group\">");
						out_text(b, p->groups[g - 1].name);
						out_raw_trusted(b, "</h3>\n");
					}
					out_raw_trusted(b, "<ul class=\"affected\">\n");
					opened = true;
				}
				done[k] = true;
				affected_component(p, inc->component_ids[k], u, n, day0, end);
			}
		}
		if (opened)
			out_raw_trusted(b, "</ul>\n");
	}
	/* components deleted since, or in a group that no longer exists */
	bool opened = false;
	for (size_t k = 0; k < inc->ncomponents; k++) {
		if (done[k])
			continue;
		if (!opened)
			out_raw_trusted(b, "<ul class=\"affected\">\n");
		opened = true;
		affected_component(p, inc->component_ids[k], u, n, day0, end);
	}
	if (opened)
		out_raw_trusted(b, "</ul>\n");
	out_raw_trusted(b, "</section>\n");
}

void page_incident(struct req *r)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	const char *id = r->params[0];
	struct incident inc;
	if (id == NULL || strlen(id) != ID_LEN || store_incident_get(p.tx, id, &inc) != BC_OK ||
	    !status_incident_public(&inc)) {
		page_error(&p, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND_TEXT);
		return;
	}
	if (p.asof && !asof_incident(p.tx, &inc, p.asof)) {
		page_error(&p, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND_TEXT);   /* not announced yet then */
		return;
	}
	struct incident_update *u = NULL;
	size_t n = 0;
	if (store_update_list(p.tx, inc.id, &u, &n) != BC_OK) {
		resp_html_error(r, 503, "Service unavailable", "The status store cannot be read right now.");
		return;
	}
	if (p.asof)
		n = asof_updates_visible(u, n, p.asof);
	struct buf *b = p.b;
	enum msg details = inc.is_maintenance ? M_MAINTENANCE_DETAILS : M_INCIDENT_DETAILS;
	char *title = arena_printf(p.a, "%s - %s - %s", p.name, inc.name, i18n_text(p.lang, details));
	struct buf self;
	buf_init(&self);
	out_raw_trusted(&self, "/incidents/");
	out_url_arg(&self, inc.id);
	page_begin(&p, title, self.p);
	buf_free(&self);

	enum inc_status st = status_maintenance_state(&inc, p.now);
	enum comp_status level = status_incident_level(&inc, u, n, p.now);
	int64_t start = status_start(&inc), end = status_end(&inc, p.now);
	bool closed = inc_status_is_closed(st);

	out_raw_trusted(b, "<article class=\"incident\">\n<header class=\"card inc-head\"><h1>");
	out_text(b, inc.name);
	out_raw_trusted(b, "</h1>\n<p class=\"badges\">");
	page_status_badge(&p, closed ? CS_OPERATIONAL : level, i18n_inc_status(p.lang, st));
	out_raw_trusted(b, " ");
	page_status_badge(&p, level, inc.is_maintenance ? i18n_impact(p.lang, IMP_MAINTENANCE) :
	                  i18n_comp_status(p.lang, level));
	out_raw_trusted(b, "</p>\n<p class=\"meta\">");
	out_text(b, status_when_phrase(p.a, p.lang, &inc, p.now, true));
	out_raw_trusted(b, "</p>\n<p class=\"when\">");
	if (inc.is_maintenance && !end && inc.scheduled_until)
		page_time_range(&p, start, inc.scheduled_until);
	else
		page_time_range(&p, start, end);
	out_raw_trusted(b, "</p>\n</header>\n");

	affected_section(&p, &inc, u, n, end);

	out_raw_trusted(b, "<section class=\"card\" aria-labelledby=\"upd-h\"><h2 id=\"upd-h\">");
	out_text(b, i18n_text(p.lang, M_UPDATES));
	out_raw_trusted(b, "</h2>\n");
	page_timeline(&p, &inc, u, n, 3, false);
	out_raw_trusted(b, "</section>\n</article>\n");
	page_end(&p);
}
