/* page_uptime.c: monthly uptime of one component over the last 12 months, as a page and as JSON. */
#include <stdio.h>
#include <string.h>
#include "out.h"
#include "pages.h"
#include "uptime.h"

/* "99.95%" floored (any downtime shows below 100%), "No data" without data. */
static const char *month_percent_text(struct page_ctx *p, const struct uptime_month *m)
{
	double pct = uptime_month_percent(m);
	if (pct < 0)
		return i18n_text(p->lang, M_NO_DATA);
	if (m->down_ms <= 0)
		return "100%";
	double f = (double)(long long)(pct * 100.0) / 100.0;
	return arena_printf(p->a, "%.2f%%", f);
}

/* "42 min" / "3 h 12 min" of weighted downtime. */
static const char *minutes_text(struct page_ctx *p, double ms)
{
	long long m = (long long)((ms + 59999.0) / 60000.0);
	if (m < 60)
		return arena_printf(p->a, "%lld min", m);
	return m % 60 ? arena_printf(p->a, "%lld h %lld min", m / 60, m % 60) : arena_printf(p->a, "%lld h", m / 60);
}

static bool load_component(struct page_ctx *p, const char *id, const struct component **out)
{
	for (size_t i = 0; id && i < p->ncomps; i++)
		if (strcmp(p->comps[i].id, id) == 0) {
			*out = &p->comps[i];
			return true;
		}
	return false;
}

void page_uptime(struct req *r)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	const struct component *c;
	if (!load_component(&p, r->params[0], &c)) {
		page_error(&p, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND_TEXT);
		return;
	}
	struct uptime_month m[UPTIME_MONTHS];
	if (uptime_months(p.tx, c, p.tz, p.now, m) != BC_OK) {
		resp_html_error(r, 503, "Service unavailable", "The status store cannot be read right now.");
		return;
	}
	struct buf *b = p.b;
	struct buf self;
	buf_init(&self);
	out_raw_trusted(&self, "/components/");
	out_url_arg(&self, c->id);
	out_raw_trusted(&self, "/uptime");
	const char *heading = i18n_text(p.lang, M_MONTHLY_UPTIME);
	page_begin(&p, arena_printf(p.a, "%s - %s - %s", p.name, c->name, heading), self.p);
	buf_free(&self);
	out_raw_trusted(b, "<h1 class=\"page-title\">");
	out_text(b, c->name);
	out_raw_trusted(b, "<span class=\"muted sub\">");
	out_text(b, heading);
	out_raw_trusted(b, "</span></h1>\n<section class=\"card\"><div class=\"md-table\"><table class=\"months\"><thead><tr><th scope=\"col\">");
	out_text(b, i18n_text(p.lang, M_MONTH));
	out_raw_trusted(b, "</th><th scope=\"col\">");
	out_text(b, i18n_text(p.lang, M_UPTIME));
	out_raw_trusted(b, "</th><th scope=\"col\">");
	out_text(b, i18n_text(p.lang, M_DOWNTIME));
	out_raw_trusted(b, "</th></tr></thead>\n<tbody>\n");
	for (int i = UPTIME_MONTHS - 1; i >= 0; i--) {       /* newest first */
		out_raw_trusted(b, "<tr><th scope=\"row\">");
		page_time(&p, m[i].start, fmt_month(&p, m[i].start));
		out_raw_trusted(b, "</th><td>");
		out_text(b, month_percent_text(&p, &m[i]));
		out_raw_trusted(b, "</td><td>");
		bool any = false;
		for (int s = CS__MAX - 1; s > CS_OPERATIONAL; s--) {
			if (m[i].status_ms[s] <= 0 || s == CS_UNDER_MAINTENANCE || s == CS_DEGRADED_PERFORMANCE)
				continue;           /* only outages count as downtime */
			if (any)
				out_raw_trusted(b, "<br>");
			out_text(b, arena_printf(p.a, "%s: %s", i18n_comp_status(p.lang, (enum comp_status)s),
			                         minutes_text(&p, m[i].status_ms[s])));
			any = true;
		}
		if (!any)
			out_raw_trusted(b, "–");
		out_raw_trusted(b, "</td></tr>\n");
	}
	out_raw_trusted(b, "</tbody></table></div>\n<p class=\"legend\">");
	out_text(b, i18n_text(p.lang, M_UPTIME_DEFINITION));
	out_raw_trusted(b, "</p>\n<p><a class=\"btn\" href=\"");
	page_href(&p, "/");
	out_raw_trusted(b, "\">");
	out_text(b, i18n_text(p.lang, M_BACK_HOME));
	out_raw_trusted(b, "</a></p></section>\n");
	page_end(&p);
}

/* GET /api/v2/components/:id/uptime.json: the same months as numbers. */
void page_uptime_json(struct req *r)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	const struct component *c;
	if (!load_component(&p, r->params[0], &c)) {
		resp_json_error(r, 404, "no such component");
		return;
	}
	struct uptime_month m[UPTIME_MONTHS];
	if (uptime_months(p.tx, c, p.tz, p.now, m) != BC_OK) {
		resp_json_error(r, 503, "the status store cannot be read right now");
		return;
	}
	static const char *const keys[CS__MAX] = { "operational_seconds", "under_maintenance_seconds",
	                                           "degraded_performance_seconds", "partial_outage_seconds",
	                                           "major_outage_seconds" };
	struct jw w;
	jw_init(&w, p.b);
	jw_obj_open(&w, NULL);
	jw_obj_open(&w, "component");
	jw_str(&w, "id", c->id);
	jw_str(&w, "name", c->name);
	jw_obj_close(&w);
	jw_str(&w, "time_zone", p.zone);
	jw_str(&w, "definition", i18n_text("en", M_UPTIME_DEFINITION));
	jw_arr_open(&w, "months");
	for (int i = UPTIME_MONTHS - 1; i >= 0; i--) {
		struct tm tm;
		page_localtime(&p, m[i].start, &tm);
		jw_obj_open(&w, NULL);
		jw_str(&w, "month", arena_printf(p.a, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1));
		double pct = uptime_month_percent(&m[i]);
		if (pct < 0)
			jw_null(&w, "uptime_percent");
		else
			jw_raw(&w, "uptime_percent", arena_printf(p.a, "%.4f", (double)(long long)(pct * 10000.0) / 10000.0));
		jw_int(&w, "known_seconds", (int64_t)(m[i].known_ms / 1000));
		jw_int(&w, "downtime_seconds", (int64_t)(m[i].down_ms / 1000));
		for (int s = 0; s < CS__MAX; s++)
			jw_int(&w, keys[s], (int64_t)(m[i].status_ms[s] / 1000));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	if (!jw_ok(&w)) {
		resp_json_error(r, 500, "internal error while writing the response");
		return;
	}
	r->content_type_out = "application/json; charset=utf-8";
}
