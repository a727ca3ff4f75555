/* page_common.c: shared page layout (head, header, language switcher, footer), status icons, time formatting. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "asof.h"
#include "brand.h"
#include "markdown.h"
#include "out.h"
#include "pages.h"
#include "repl.h"
#include "zone.h"

/* ?at=: the page as it was then (a moment still to come shows the present). */
static bool page_ctx_rewind(struct page_ctx *p, const char *at)
{
	int64_t t;
	if (!asof_parse(at, &t)) {
		page_error(p, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST_TEXT);
		return false;
	}
	if (t >= p->now)
		return true;
	p->asof = t;
	p->asof_raw = at;
	p->now = t / 60000 * 60000;
	asof_components(p->tx, p->comps, p->ncomps, t);
	if (asof_open(p->tx, p->a, t, &p->open, &p->nopen) != BC_OK) {
		resp_html_error(p->r, 503, "Service unavailable", "The status store cannot be read right now.");
		return false;
	}
	return true;
}

bool page_ctx_init(struct page_ctx *p, struct req *r)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->a = r->arena;
	p->b = &r->body_out;
	p->lang = r->lang && strcmp(r->lang, "es") == 0 ? "es" : "en";
	const char *ql = req_query(r, "lang");
	p->lang_in_url = ql && (strcmp(ql, "en") == 0 || strcmp(ql, "es") == 0);
	p->now = now_ms() / 60000 * 60000;
	p->name = r->cfg->page_name[0] ? r->cfg->page_name : "Status";
	p->zone = r->cfg->time_zone[0] ? r->cfg->time_zone : "UTC";
	p->tx = req_tx(r);
	if (p->tx == NULL) {
		resp_html_error(r, 503, "Service unavailable", "The status store cannot be read right now.");
		return false;
	}
	struct page_settings ps;
	if (store_page_get(p->tx, &ps) == BC_OK) {
		if (ps.name && ps.name[0])
			p->name = ps.name;
		if (ps.time_zone && ps.time_zone[0])
			p->zone = ps.time_zone;
	}
	p->tz = zone_or_utc(p->zone);
	p->zone = zone_name(p->tz);      /* the zone the times are in, also when the stored one is unknown */
	if (store_component_list(p->tx, &p->comps, &p->ncomps) != BC_OK ||
	    store_group_list(p->tx, &p->groups, &p->ngroups) != BC_OK ||
	    store_incident_list_open(p->tx, &p->open, &p->nopen) != BC_OK) {
		resp_html_error(r, 503, "Service unavailable", "The status store cannot be read right now.");
		return false;
	}
	r->status = 200;
	r->content_type_out = "text/html; charset=utf-8";
	const char *at = req_query(r, "at");
	if (at && !page_ctx_rewind(p, at))
		return false;
	return true;
}

/* ---- links ---- */

static void lang_suffix(struct page_ctx *p, const char *path, const char *lang)
{
	out_raw_trusted(p->b, strchr(path, '?') ? "&amp;lang=" : "?lang=");
	out_raw_trusted(p->b, lang);
}

void page_feed_href(struct page_ctx *p, const char *kind)
{
	buf_printf(p->b, "/history.%s%s", strcmp(kind, "rss") == 0 ? "rss" : "atom",
	           strcmp(p->lang, "es") == 0 ? "?lang=es" : "");
}

void page_href(struct page_ctx *p, const char *path)
{
	out_attr(p->b, path);
	bool q = strchr(path, '?') != NULL;
	if (p->lang_in_url) {
		lang_suffix(p, path, p->lang);
		q = true;
	}
	if (p->asof) {                  /* links stay at the same moment */
		out_raw_trusted(p->b, q ? "&amp;at=" : "?at=");
		out_url_arg(p->b, p->asof_raw);
	}
}

void page_incident_href(struct page_ctx *p, const char *id)
{
	struct buf tmp;
	buf_init(&tmp);
	out_raw_trusted(&tmp, "/incidents/");
	out_url_arg(&tmp, id);
	page_href(p, tmp.p);
	buf_free(&tmp);
}

/* ---- icons ---- */

/* One symbol per component status; the shape differs, so colour is never the only signal. */
static const char icon_sprite[] =
	"<svg class=\"sprite\" aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">"
	"<symbol id=\"i0\" viewBox=\"0 0 16 16\"><circle cx=\"8\" cy=\"8\" r=\"8\"/>"
	"<path d=\"M4.6 8.3l2.2 2.2 4.6-4.8\" fill=\"none\" stroke=\"#fff\" stroke-width=\"1.9\" "
	"stroke-linecap=\"round\" stroke-linejoin=\"round\"/></symbol>"
	"<symbol id=\"i1\" viewBox=\"0 0 16 16\"><circle cx=\"8\" cy=\"8\" r=\"8\"/>"
	"<path d=\"M8 3.8V8l2.8 1.7\" fill=\"none\" stroke=\"#fff\" stroke-width=\"1.8\" "
	"stroke-linecap=\"round\" stroke-linejoin=\"round\"/></symbol>"
	"<symbol id=\"i2\" viewBox=\"0 0 16 16\"><rect x=\"1.2\" y=\"1.2\" width=\"13.6\" height=\"13.6\" "
	"rx=\"2.5\" transform=\"rotate(45 8 8)\"/><path d=\"M4.8 8h6.4\" stroke=\"#fff\" stroke-width=\"1.9\" "
	"stroke-linecap=\"round\"/></symbol>"
	"<symbol id=\"i3\" viewBox=\"0 0 16 16\"><path d=\"M8 .6c.5 0 .9.3 1.2.7l6.4 11.6c.5 .9-.1 2-1.2 2"
	"H1.6c-1 0-1.7-1.1-1.2-2L6.8 1.3C7.1.9 7.5.6 8 .6z\"/><path d=\"M8 5.4v4\" stroke=\"#fff\" "
	"stroke-width=\"1.9\" stroke-linecap=\"round\"/><circle cx=\"8\" cy=\"12.2\" r=\"1.1\" fill=\"#fff\"/>"
	"</symbol>"
	"<symbol id=\"i4\" viewBox=\"0 0 16 16\"><path d=\"M5.1.5h5.8l4.6 4.6v5.8l-4.6 4.6H5.1L.5 10.9V5.1z\"/>"
	"<path d=\"M5.5 5.5l5 5m0-5l-5 5\" stroke=\"#fff\" stroke-width=\"1.9\" stroke-linecap=\"round\"/>"
	"</symbol></svg>\n";

/* The markup around a status digit, written without printf (a home page has hundreds of badges). */
#define PAGE_ICON(d) "<svg class=\"ic s" d "\" aria-hidden=\"true\" focusable=\"false\"><use href=\"#i" d "\"/></svg>"
#define PAGE_STATUS_LIT(name, macro) \
	static const char *const name[CS__MAX] = { macro("0"), macro("1"), macro("2"), macro("3"), macro("4") }
#define PAGE_NAMED_OPEN(d) "<svg class=\"ic s" d "\" role=\"img\" aria-label=\""
#define PAGE_NAMED_CLOSE(d) "\" focusable=\"false\"><use href=\"#i" d "\"/></svg>"
#define PAGE_BADGE_OPEN(d) "<span class=\"st s" d "\">" PAGE_ICON(d)
_Static_assert(CS__MAX == 5, "one literal per component status");

void page_status_icon(struct page_ctx *p, enum comp_status s)
{
	PAGE_STATUS_LIT(icon, PAGE_ICON);
	if ((int)s < 0 || s >= CS__MAX)
		s = CS_OPERATIONAL;
	out_raw_trusted(p->b, icon[s]);
}

void page_status_icon_named(struct page_ctx *p, enum comp_status s)
{
	PAGE_STATUS_LIT(open, PAGE_NAMED_OPEN);
	PAGE_STATUS_LIT(close, PAGE_NAMED_CLOSE);
	if ((int)s < 0 || s >= CS__MAX)
		s = CS_OPERATIONAL;
	out_raw_trusted(p->b, open[s]);
	out_attr(p->b, i18n_comp_status(p->lang, s));
	out_raw_trusted(p->b, close[s]);
}

void page_status_badge(struct page_ctx *p, enum comp_status s, const char *text)
{
	PAGE_STATUS_LIT(badge, PAGE_BADGE_OPEN);
	if ((int)s < 0 || s >= CS__MAX)
		s = CS_OPERATIONAL;
	out_raw_trusted(p->b, badge[s]);
	out_text(p->b, text ? text : i18n_comp_status(p->lang, s));
	out_raw_trusted(p->b, "</span>");
}

/* ---- time, in the page's zone (p->tz), never the process TZ ---- */

void page_localtime(const struct page_ctx *p, int64_t ms, struct tm *out)
{
	zone_local(p->tz, ms, out);
}

int64_t page_day_start(const struct page_ctx *p, int64_t ms, int add_days)
{
	struct tm tm;
	zone_local(p->tz, ms, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += add_days;
	return zone_to_ms(p->tz, &tm);
}

int64_t page_month_start(const struct page_ctx *p, int64_t ms, int add_months)
{
	struct tm tm;
	zone_local(p->tz, ms, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday = 1;
	tm.tm_mon += add_months;
	return zone_to_ms(p->tz, &tm);
}

/* The absolute phrases are status.c's, in this page's zone and language. */
char *fmt_clock(struct page_ctx *p, int64_t ms) { return status_clock(p->a, p->tz, p->lang, ms); }
char *fmt_date(struct page_ctx *p, int64_t ms) { return status_date(p->a, p->tz, p->lang, ms); }
char *fmt_datetime(struct page_ctx *p, int64_t ms) { return status_datetime(p->a, p->tz, p->lang, ms); }
char *fmt_month(struct page_ctx *p, int64_t ms) { return status_month(p->a, p->tz, p->lang, ms); }
const char *fmt_zone_abbr(const struct page_ctx *p, int64_t ms) { return status_zone_abbr(p->tz, ms); }

void page_time(struct page_ctx *p, int64_t ms, const char *text)
{
	struct tm tm;
	page_localtime(p, ms, &tm);
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	buf_printf(p->b, "<time class=\"lt\" datetime=\"%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld\">",
	           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	           sign, off / 60, off % 60);
	out_text(p->b, text);
	out_raw_trusted(p->b, "</time>");
}

void page_time_range(struct page_ctx *p, int64_t start, int64_t end)
{
	out_raw_trusted(p->b, "<span class=\"range\">");
	page_time(p, start, fmt_datetime(p, start));
	if (end) {
		out_raw_trusted(p->b, " – ");
		bool same_day = page_day_start(p, start, 0) == page_day_start(p, end, 0);
		page_time(p, end, same_day ? fmt_clock(p, end) : fmt_datetime(p, end));
	}
	out_raw_trusted(p->b, " ");
	out_text(p->b, fmt_zone_abbr(p, end ? end : start));
	out_raw_trusted(p->b, "</span>");
}

void page_markdown(struct page_ctx *p, const char *md)
{
	if (md == NULL || md[0] == '\0')
		return;
	out_raw_trusted(p->b, "<div class=\"md\">");
	markdown_html(p->b, md, strlen(md));
	out_raw_trusted(p->b, "</div>");
}

/* ---- layout ---- */

/* An inline favicon in the colour and shape of the page's current state (so browsers do not ask
 * for a /favicon.ico either): a tick, a clock, a bar, an exclamation mark or a cross. */
static void page_favicon(struct page_ctx *p)
{
	static const char *const fill[CS__MAX] = { "%2315803d", "%231d4ed8", "%23a16207", "%23c2410c", "%23b91c1c" };
	static const char *const glyph[CS__MAX] = {
		"%3Cpath d='M4.6 8.3l2.2 2.2 4.6-4.8' fill='none' stroke='%23fff' stroke-width='1.9' stroke-linecap='round' stroke-linejoin='round'/%3E",
		"%3Cpath d='M8 3.8V8l2.8 1.7' fill='none' stroke='%23fff' stroke-width='1.8' stroke-linecap='round'/%3E",
		"%3Cpath d='M4.8 8h6.4' stroke='%23fff' stroke-width='1.9' stroke-linecap='round'/%3E",
		"%3Cpath d='M8 4v4.6' stroke='%23fff' stroke-width='1.9' stroke-linecap='round'/%3E%3Ccircle cx='8' cy='11.6' r='1.1' fill='%23fff'/%3E",
		"%3Cpath d='M5.5 5.5l5 5m0-5l-5 5' stroke='%23fff' stroke-width='1.9' stroke-linecap='round'/%3E",
	};
	enum comp_status s = page_rollup(p, NULL);
	if ((unsigned)s >= CS__MAX)
		s = CS_OPERATIONAL;
	buf_printf(p->b, "<link rel=\"icon\" data-status=\"%d\" href=\"data:image/svg+xml,%%3Csvg xmlns='http://www.w3.org/2000/svg' "
	           "viewBox='0 0 16 16'%%3E%%3Ccircle cx='8' cy='8' r='8' fill='%s'/%%3E%s%%3C/svg%%3E\">\n",
	           (int)s, fill[s], glyph[s]);
}

static void lang_link(struct page_ctx *p, const char *self, const char *code, const char *label)
{
	out_raw_trusted(p->b, "<a href=\"");
	out_attr(p->b, self);
	lang_suffix(p, self, code);
	buf_printf(p->b, "\" hreflang=\"%s\" lang=\"%s\"%s>", code, code,
	           strcmp(p->lang, code) == 0 ? " aria-current=\"true\"" : "");
	out_text(p->b, label);
	out_raw_trusted(p->b, "</a>");
}

void page_begin(struct page_ctx *p, const char *title, const char *self)
{
	struct buf *b = p->b;
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", p->lang);
	out_raw_trusted(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	                   "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
	out_text(b, title);
	out_raw_trusted(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
	struct brand br;
	brand_load(p->tx, p->a, &br);
	if (br.color) {             /* checked "#RRGGBB" */
		out_raw_trusted(b, "<style>:root{--brand:");
		out_text(b, br.color);
		out_raw_trusted(b, "}</style>\n");
	}
	page_favicon(p);
	static const char *const codes[] = { "en", "es" };
	for (size_t i = 0; i < 2; i++) {
		buf_printf(b, "<link rel=\"alternate\" hreflang=\"%s\" href=\"", codes[i]);
		out_attr(b, self);
		lang_suffix(p, self, codes[i]);
		out_raw_trusted(b, "\">\n");
	}
	/* feed autodiscovery, in the reader's language */
	static const char *const feed_kind[2][3] = { { "atom", "application/atom+xml", "Atom" },
	                                             { "rss", "application/rss+xml", "RSS" } };
	for (size_t i = 0; i < 2; i++) {
		buf_printf(b, "<link rel=\"alternate\" type=\"%s\" title=\"", feed_kind[i][1]);
		out_attr(b, arena_printf(p->a, "%s - %s (%s)", p->name, i18n_text(p->lang, M_NOTICE_HISTORY), feed_kind[i][2]));
		out_raw_trusted(b, "\" href=\"");
		page_feed_href(p, feed_kind[i][0]);
		out_raw_trusted(b, "\">\n");
	}
	out_raw_trusted(b, "<script src=\"/static/beacon.js\" defer></script>\n</head>\n<body>\n");
	out_raw_trusted(b, icon_sprite);
	out_raw_trusted(b, "<a class=\"skip\" href=\"#main\">");
	out_text(b, i18n_text(p->lang, M_SKIP_TO_CONTENT));
	out_raw_trusted(b, "</a>\n<header class=\"top\"><div class=\"wrap\"><a class=\"brand\" href=\"");
	page_href(p, "/");
	out_raw_trusted(b, "\">");
	if (br.logo) {
		out_raw_trusted(b, "<img class=\"logo\" src=\"/brand/");
		out_raw_trusted(b, brand_logo_name(&br));
		out_raw_trusted(b, "?v=");
		out_url_arg(b, br.logo_etag);
		out_raw_trusted(b, "\" alt=\"\" height=\"32\">");
	}
	out_text(b, p->name);
	out_raw_trusted(b, "</a>\n<nav class=\"langs\" aria-label=\"");
	out_attr(b, i18n_text(p->lang, M_LANGUAGE));
	out_raw_trusted(b, "\">");
	lang_link(p, self, "en", "English");
	lang_link(p, self, "es", "Español");
	out_raw_trusted(b, "</nav></div></header>\n<main id=\"main\" class=\"wrap\">\n");
	page_banner(p);
	if (p->asof) {
		out_raw_trusted(b, "<section class=\"card asof\" role=\"note\"><p>");
		const char *when = arena_printf(p->a, "%s %s", fmt_datetime(p, p->asof), fmt_zone_abbr(p, p->asof));
		out_text(b, i18n_fmt(p->a, p->lang, M_AS_OF, when));
		out_raw_trusted(b, " <a class=\"btn\" href=\"");
		out_attr(b, self);          /* the same page, now */
		if (p->lang_in_url)
			lang_suffix(p, self, p->lang);
		out_raw_trusted(b, "\">");
		out_text(b, i18n_text(p->lang, M_BACK_TO_NOW));
		out_raw_trusted(b, "</a></p></section>\n");
	}
}

void page_end(struct page_ctx *p)
{
	struct buf *b = p->b;
	out_raw_trusted(b, "</main>\n<footer class=\"foot\"><div class=\"wrap\"><p>");
	char *zone = arena_printf(p->a, "%s (%s)", p->zone, fmt_zone_abbr(p, p->now));
	out_text(b, i18n_fmt(p->a, p->lang, M_TIMES_IN_ZONE, zone));
	out_raw_trusted(b, " <span class=\"js-only\">");
	out_text(b, i18n_text(p->lang, M_LOCAL_TIME_NOTE));
	out_raw_trusted(b, "</span></p>\n");
	int64_t synced = repl_last_sync_ms(p->r->cfg);
	if (synced > 0) {            /* a secondary says how fresh its copy is */
		out_raw_trusted(b, "<p class=\"replica\">");
		out_text(b, i18n_text(p->lang, M_REPLICA_SYNCED));
		out_raw_trusted(b, " ");
		page_time(p, synced, fmt_datetime(p, synced));
		out_raw_trusted(b, " ");
		out_text(b, fmt_zone_abbr(p, synced));
		out_raw_trusted(b, ".</p>\n");
	}
	out_raw_trusted(b, "<p class=\"feeds\">");
	out_text(b, i18n_text(p->lang, M_FEEDS));
	out_raw_trusted(b, " <a href=\"");
	page_feed_href(p, "atom");
	out_raw_trusted(b, "\" type=\"application/atom+xml\">Atom</a>" PAGE_SEP "<a href=\"");
	page_feed_href(p, "rss");
	out_raw_trusted(b, "\" type=\"application/rss+xml\">RSS</a>" PAGE_SEP "<a class=\"subscribe-link\" href=\"");
	page_href(p, "/subscribe");
	out_raw_trusted(b, "\">");
	out_text(b, i18n_text(p->lang, M_SUBSCRIBE));
	out_raw_trusted(b, "</a></p>\n<p><a href=\"");
	page_href(p, "/");
	out_raw_trusted(b, "\">");
	out_text(b, p->name);
	out_raw_trusted(b, "</a>" PAGE_SEP "<a href=\"");
	page_href(p, "/history");
	out_raw_trusted(b, "\">");
	out_text(b, i18n_text(p->lang, M_NOTICE_HISTORY));
	out_raw_trusted(b, "</a>" PAGE_SEP);
	out_text(b, i18n_text(p->lang, M_POWERED_BY));
	out_raw_trusted(b, "</p></div></footer>\n</body>\n</html>\n");
}

void page_not_found(struct req *r)
{
	struct page_ctx p;
	if (page_ctx_init(&p, r))
		page_error(&p, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND_ROUTE);
}

void page_error(struct page_ctx *p, int status, enum msg title, enum msg text)
{
	buf_reset(p->b);
	p->r->status = status;
	const char *t = i18n_text(p->lang, title);
	page_begin(p, arena_printf(p->a, "%s - %s", p->name, t), "/");
	out_raw_trusted(p->b, "<section class=\"card error\"><h1>");
	out_text(p->b, t);
	out_raw_trusted(p->b, "</h1>\n<p>");
	out_text(p->b, i18n_text(p->lang, text));
	out_raw_trusted(p->b, "</p>\n<p><a class=\"btn\" href=\"");
	page_href(p, "/");
	out_raw_trusted(p->b, "\">");
	out_text(p->b, i18n_text(p->lang, M_BACK_HOME));
	out_raw_trusted(p->b, "</a></p></section>\n");
	page_end(p);
}
