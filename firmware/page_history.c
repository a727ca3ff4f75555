/* page_history.c: notice history, three months per page, newest first, one bounded range read per month. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out.h"
#include "pages.h"

#define HISTORY_MONTHS 3          /* months per page */

#define HISTORY_MONTH_LIMIT 50    /* notices shown per month */

/* ?page=N or /history/page/N, N in [0, HISTORY_MAX_PAGE]; false on anything else. */
static bool parse_page(const char *s, int *out)
{
	*out = 0;
	if (s == NULL)
		return true;
	if (*s == '\0' || strlen(s) > 4)
		return false;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	*out = atoi(s);
	return *out <= HISTORY_MAX_PAGE;
}

static void history_notice(struct page_ctx *p, const struct incident *inc)
{
	struct buf *b = p->b;
	struct incident_update *u = NULL;
	size_t n = 0;
	if (store_update_list(p->tx, inc->id, &u, &n) != BC_OK)
		n = 0;
	enum inc_status st = status_maintenance_state(inc, p->now);
	enum comp_status level = status_incident_level(inc, u, n, p->now);
	out_raw_trusted(b, "<article class=\"notice\"><h3><a href=\"");
	page_incident_href(p, inc->id);
	out_raw_trusted(b, "\">");
	out_text(b, inc->name);
	out_raw_trusted(b, "</a></h3>\n<p class=\"badges\">");
	page_status_badge(p, inc_status_is_closed(st) ? CS_OPERATIONAL : level, i18n_inc_status(p->lang, st));
	out_raw_trusted(b, " ");
	page_status_badge(p, inc->is_maintenance ? CS_UNDER_MAINTENANCE : level,
	                  inc->is_maintenance ? i18n_impact(p->lang, IMP_MAINTENANCE) : i18n_comp_status(p->lang, level));
	out_raw_trusted(b, " ");
	int64_t end = status_end(inc, p->now);
	if (!end && inc->is_maintenance)
		end = inc->scheduled_until;
	page_time_range(p, status_start(inc), end);
	out_raw_trusted(b, "</p>\n");
	page_timeline(p, inc, u, n, 4, true);
	out_raw_trusted(b, "</article>\n");
}

static void history_month(struct page_ctx *p, int64_t from, int64_t to)
{
	struct buf *b = p->b;
	struct incident *inc = NULL;
	size_t n = 0;
	enum bc_err e = store_incident_range(p->tx, from, to, HISTORY_MONTH_LIMIT + 1, &inc, &n);
	out_raw_trusted(b, "<section class=\"card month\"><h2>");
	page_time(p, from, fmt_month(p, from));
	out_raw_trusted(b, "</h2>\n");
	if (e != BC_OK || n == 0) {
		out_raw_trusted(b, "<p class=\"empty\">");
		out_text(b, i18n_text(p->lang, M_NO_NOTICES_MONTH));
		out_raw_trusted(b, "</p>\n");
	}
	for (size_t i = 0; e == BC_OK && i < n && i < HISTORY_MONTH_LIMIT; i++)
		history_notice(p, &inc[i]);
	if (e == BC_OK && n > HISTORY_MONTH_LIMIT) {
		char count[16];
		snprintf(count, sizeof count, "%d", HISTORY_MONTH_LIMIT);
		out_raw_trusted(b, "<p class=\"empty\">");
		out_text(b, i18n_fmt(p->a, p->lang, M_MORE_NOTICES, count));
		out_raw_trusted(b, "</p>\n");
	}
	out_raw_trusted(b, "</section>\n");
}

static void history_nav_link(struct page_ctx *p, int page, enum msg label, const char *rel)
{
	char *path = page == 0 ? arena_strdup(p->a, "/history") : arena_printf(p->a, "/history/page/%d", page);
	buf_printf(p->b, "<a class=\"btn\" rel=\"%s\" href=\"", rel);
	page_href(p, path);
	out_raw_trusted(p->b, "\">");
	out_text(p->b, i18n_text(p->lang, label));
	out_raw_trusted(p->b, "</a>");
}

/* Page page_text (NULL: the first) of the history. Older pages live at /history/page/N, a path, so a
 * static copy (beacon export --static) serves them under the same URLs; ?page=N still works. */
static void page_history_at(struct req *r, const char *page_text)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	int page;
	if (!parse_page(page_text, &page)) {
		page_error(&p, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST_TEXT);
		return;
	}
	struct buf *b = p.b;
	const char *heading = i18n_text(p.lang, M_NOTICE_HISTORY);
	char *self = page == 0 ? arena_strdup(p.a, "/history") : arena_printf(p.a, "/history/page/%d", page);
	page_begin(&p, arena_printf(p.a, "%s - %s", p.name, heading), self);
	out_raw_trusted(b, "<h1 class=\"page-title\">");
	out_text(b, heading);
	out_raw_trusted(b, "</h1>\n");

	int first = -page * HISTORY_MONTHS;    /* months relative to the current one */
	for (int i = 0; i < HISTORY_MONTHS; i++)
		history_month(&p, page_month_start(&p, p.now, first - i), page_month_start(&p, p.now, first - i + 1));

	int64_t oldest = page_month_start(&p, p.now, first - HISTORY_MONTHS + 1);
	int64_t newest = page_month_start(&p, p.now, first);
	struct incident *older = NULL;
	size_t nolder = 0;
	bool more = store_incident_range(p.tx, 0, oldest, 1, &older, &nolder) == BC_OK && nolder > 0;

	out_raw_trusted(b, "<nav class=\"pager\" aria-label=\"");
	out_attr(b, heading);
	out_raw_trusted(b, "\"><span class=\"pager-range\">");
	out_text(b, i18n_range(p.a, p.lang, fmt_month(&p, oldest), fmt_month(&p, newest)));
	out_raw_trusted(b, "</span><span class=\"pager-links\">");
	if (page > 0)
		history_nav_link(&p, page - 1, M_PREVIOUS, "prev");
	if (more && page < HISTORY_MAX_PAGE)
		history_nav_link(&p, page + 1, M_NEXT, "next");
	out_raw_trusted(b, "</span></nav>\n");
	page_end(&p);
}

void page_history(struct req *r)
{
	page_history_at(r, req_query(r, "page"));
}

void page_history_page(struct req *r)
{
	page_history_at(r, r->params[0]);
}
