/* pages.h: what the status page renderers share: the page context, layout, icons and time formatting. */
#ifndef BEACON_PAGES_H
#define BEACON_PAGES_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "i18n.h"
#include "req.h"
#include "status.h"
#include "zone.h"
#include "store.h"

/* Everything one page render depends on: store snapshot, language, and the time rounded to a minute. */
struct page_ctx {
	struct req *r;
	struct stx *tx;
	struct arena *a;
	struct buf *b;                /* r->body_out */
	const char *lang;             /* "en" or "es" */
	bool lang_in_url;             /* ?lang= was given: internal links keep it */
	int64_t now;                  /* ms, rounded down to the minute */
	const char *name;             /* page name */
	const char *zone;             /* IANA zone name shown to readers, e.g. "America/Guayaquil" */
	const struct zone *tz;        /* that zone: every time on the page is formatted in it */
	struct component *comps;      /* all components, in display order */
	size_t ncomps;
	struct group *groups;
	size_t ngroups;
	struct incident *open;        /* open incidents and maintenance (the banner's input) */
	size_t nopen;
	bool home;                    /* the home page: the banner is its h1 */
	int64_t asof;                 /* ?at=: the moment shown (now is set to it), 0 for the present */
	const char *asof_raw;         /* the ?at= value, kept on internal links */
};

/* " · " bound to the word before it, and a no-break space: separators and zone names never start a line. */
#define PAGE_SEP "\xc2\xa0· "
#define PAGE_NBSP "\xc2\xa0"

/* Handlers (page_home.c, page_incident.c, page_history.c). */
void page_home(struct req *r);
void page_incident(struct req *r);
#define HISTORY_MAX_PAGE 1200      /* /history/page/N goes this far back (300 years) */
void page_history(struct req *r);
void page_history_page(struct req *r);      /* /history/page/:n */
/* Monthly uptime of one component: the page and its JSON (page_uptime.c). */
void page_uptime(struct req *r);
void page_uptime_json(struct req *r);
/* The localized, styled 404 for an address no route answers (route.c). */
void page_not_found(struct req *r);

/* Opens the read txn and loads settings, components and groups; on failure writes an error page
 * and returns false. */
bool page_ctx_init(struct page_ctx *p, struct req *r);

/* Layout. title is the full <title>; self is this page's path and query without lang (built by the
 * caller from encoded parts), used for the language switcher. */
void page_begin(struct page_ctx *p, const char *title, const char *self);
void page_end(struct page_ctx *p);
/* The current-status banner (page_home.c), written by page_begin on every page. */
void page_banner(struct page_ctx *p);
/* The page's overall state: the banner's class and, in *text when not NULL, its words. */
enum comp_status page_rollup(const struct page_ctx *p, enum msg *text);
/* A full localized error page (404 unknown incident, 400 bad query) with the given HTTP status. */
void page_error(struct page_ctx *p, int status, enum msg title, enum msg text);
/* Writes an href attribute value: path plus "lang=" when the reader chose a language in the URL. */
void page_href(struct page_ctx *p, const char *path);
/* Href of the Atom ("atom") or RSS ("rss") feed in the page's language. */
void page_feed_href(struct page_ctx *p, const char *kind);
/* "/incidents/<id>" href for an incident. */
void page_incident_href(struct page_ctx *p, const char *id);

/* Status: an inline SVG icon whose shape tells the state, then the localized text. */
void page_status_icon(struct page_ctx *p, enum comp_status s);
void page_status_badge(struct page_ctx *p, enum comp_status s, const char *text);
/* An icon without words beside it: the SVG is an image named after the status (role="img"). */
void page_status_icon_named(struct page_ctx *p, enum comp_status s);
/* Time in the page's zone (p->tz, per request; never the process TZ). */
void page_localtime(const struct page_ctx *p, int64_t ms, struct tm *out);
/* Local midnight of the day containing ms, shifted by add_days days (DST-safe). */
int64_t page_day_start(const struct page_ctx *p, int64_t ms, int add_days);
/* Local start of the month containing ms, shifted by add_months months. */
int64_t page_month_start(const struct page_ctx *p, int64_t ms, int add_months);
char *fmt_clock(struct page_ctx *p, int64_t ms);       /* "8:50 AM" / "08:50" */
char *fmt_date(struct page_ctx *p, int64_t ms);        /* "Mar 16, 2026" / "16 mar 2026" */
char *fmt_datetime(struct page_ctx *p, int64_t ms);    /* "Mar 16, 2026, 8:50 AM" / "16 mar 2026, 08:50" */
char *fmt_month(struct page_ctx *p, int64_t ms);       /* "Mar 2026" / "mar 2026" */
const char *fmt_zone_abbr(const struct page_ctx *p, int64_t ms);   /* "-05", "CET" */
/* <time datetime="ISO-8601 with offset" class="lt">text</time>; JS may show it in the reader's zone. */
void page_time(struct page_ctx *p, int64_t ms, const char *text);
/* "Mar 16, 2026, 8:50 AM – 2:36 PM -05" (the end's date only when it differs). end 0: from start on. */
void page_time_range(struct page_ctx *p, int64_t start, int64_t end);

/* The updates of an incident (and its published postmortem), newest first; fold_postmortem puts the
 * postmortem text behind a "Read the postmortem" disclosure (history). */
void page_timeline(struct page_ctx *p, const struct incident *inc, const struct incident_update *u,
                   size_t n, int heading_level, bool fold_postmortem);
/* Markdown body of an update or postmortem. */
void page_markdown(struct page_ctx *p, const char *md);

#endif
