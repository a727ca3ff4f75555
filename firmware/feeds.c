/* feeds.c: the incident history feeds /history.atom and /history.rss in Statuspage's layout, English or Spanish. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api_v2.h"
#include "i18n.h"
#include "markdown.h"

#define FEED_ENTRIES 25

static const char *const month_abbr[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* ms in the page's zone (the request's view), never the process TZ. */
static struct tm local_tm(const struct zone *tz, int64_t ms)
{
	struct tm tm;
	zone_local(tz, ms, &tm);
	return tm;
}

/* Atom dates: UTC, whole seconds. */
static void put_utc(struct buf *b, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_puts(b, s);
}

/* RSS dates: RFC 822 in the page zone, English names whatever the locale. */
static void put_rfc822(struct buf *b, const struct zone *tz, int64_t ms)
{
	struct tm tm = local_tm(tz, ms);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", day_abbr[tm.tm_wday % 7], tm.tm_mday,
	           month_abbr[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
	           off / 3600, off / 60 % 60);
}

/* "Jun <var data-var='date'> 6</var>, <var data-var='time'>04:43</var>" (page zone); Spanish puts the
 * day first: "<var data-var='date'>6</var> jun, <var data-var='time'>04:43</var>". */
static void put_html_when(struct buf *h, const char *lang, const struct tm *tm)
{
	if (strcmp(lang, "es") == 0)
		buf_printf(h, "<var data-var='date'>%d</var> %s, <var data-var='time'>%02d:%02d</var>",
		           tm->tm_mday, i18n_month_short(lang, tm->tm_mon % 12), tm->tm_hour, tm->tm_min);
	else
		buf_printf(h, "%s <var data-var='date'>%2d</var>, <var data-var='time'>%02d:%02d</var>",
		           month_abbr[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min);
}

static void put_zone(struct buf *h, const struct tm *tm)
{
	buf_putc(h, ' ');
	out_text(h, tm->tm_zone ? tm->tm_zone : "UTC");
}

/* One update: when and what in a paragraph, then its Markdown body rendered as HTML. */
static void put_update(struct buf *h, const struct zone *tz, const char *lang, int64_t at, const char *label,
                       const char *body)
{
	struct tm tm = local_tm(tz, at);
	out_raw_trusted(h, "<p><small>");
	put_html_when(h, lang, &tm);
	put_zone(h, &tm);
	out_raw_trusted(h, "</small><br><strong>");
	out_text(h, label);
	out_raw_trusted(h, "</strong></p>");
	if (body && body[0])
		markdown_html(h, body, strlen(body));
}

/* The entry's HTML: maintenance header, postmortem, then one block per update, newest first. */
static void entry_html(struct buf *h, const struct zone *tz, const char *lang, const struct incident *inc,
                       const struct incident_update *u, size_t n)
{
	bool es = strcmp(lang, "es") == 0;
	if (inc->is_maintenance && inc->scheduled_for) {
		struct tm from = local_tm(tz, inc->scheduled_for);
		struct tm until = local_tm(tz, inc->scheduled_until ? inc->scheduled_until : inc->scheduled_for);
		out_raw_trusted(h, es ? "<p><strong>MANTENIMIENTO PROGRAMADO " : "<p><strong>THIS IS A SCHEDULED EVENT ");
		put_html_when(h, lang, &from);
		if (from.tm_year == until.tm_year && from.tm_yday == until.tm_yday)
			buf_printf(h, " - <var data-var='time'>%02d:%02d</var>", until.tm_hour, until.tm_min);
		else {
			out_raw_trusted(h, " - ");
			put_html_when(h, lang, &until);
		}
		put_zone(h, &until);
		out_raw_trusted(h, "</strong></p>");
	}
	if (inc->postmortem_body && inc->postmortem_published_at)
		put_update(h, tz, lang, inc->postmortem_published_at, i18n_inc_status(lang, IS_POSTMORTEM), inc->postmortem_body);
	for (size_t i = n; i-- > 0;) {
		bool same = i > 0 && u[i - 1].status == u[i].status;
		put_update(h, tz, lang, u[i].display_at ? u[i].display_at : u[i].created_at,
		           same ? i18n_text(lang, M_UPDATE) : i18n_inc_status(lang, u[i].status), u[i].body);
	}
}

/* The HTML text escaper writes ' as &#39;, which the XML escaping of the entry would turn into
 * &amp;#39;. Attributes are double-quoted, so a bare ' is valid HTML everywhere we write it: undo it
 * here and the apostrophe is escaped exactly once, by out_xml. A typed "&#39;" was escaped to
 * "&amp;#39;" and does not match. */
static void feed_html_apostrophes(struct buf *h)
{
	if (h->p == NULL)
		return;
	char *w = h->p;
	for (const char *r = h->p; *r;) {
		if (strncmp(r, "&#39;", 5) == 0) {
			*w++ = '\'';
			r += 5;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	h->len = (size_t)(w - h->p);
}

/* When the entry last changed for readers: its latest update, or the postmortem if published later. */
static int64_t latest_update(const struct incident *inc, const struct incident_update *u, size_t n)
{
	int64_t t = inc->created_at;
	if (n > 0)
		t = u[n - 1].display_at ? u[n - 1].display_at : u[n - 1].created_at;
	if (inc->postmortem_body && inc->postmortem_published_at > t)
		t = inc->postmortem_published_at;
	return t;
}

/* A stable integer for the Atom entry id: the base-36 id read as a number (12 chars fit 63 bits). */
static unsigned long long numeric_id(const char *id)
{
	unsigned long long v = 0;
	for (const char *p = id; *p; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'z' ? *p - 'a' + 10 : 0;
		v = v * 36 + (unsigned)d;
	}
	return v;
}

/* Host of the page URL for tag: ids ("www.example.com"). */
static const char *page_host(const struct sp_view *v, const char *url)
{
	const char *p = strstr(url, "://");
	if (p == NULL)
		return "localhost";
	p += 3;
	size_t n = strcspn(p, "/:?#@");
	return n ? arena_strndup(v->a, p, n) : "localhost";
}

struct feed {
	struct req *r;
	struct sp_view v;
	struct incident *list;
	size_t n;
	const char *url, *host;
	const char *lang;           /* ?lang=es: Spanish labels and dates; anything else English */
	int64_t updated;            /* latest entry update (the feed's own date) */
};

static bool feed_load(struct req *r, struct feed *f)
{
	memset(f, 0, sizeof *f);
	f->r = r;
	if (!api_v2_view(r, &f->v))
		return false;
	enum bc_err e = sp_recent(&f->v, SP_ALL, FEED_ENTRIES, &f->list, &f->n);
	if (e != BC_OK) {
		resp_err(r, e, "cannot list incidents");
		return false;
	}
	f->url = sp_page_url(&f->v);
	f->host = page_host(&f->v, f->url);
	const char *ql = req_query(r, "lang");
	const char *langs, *dflt;
	route_page_languages(r, &langs, &dflt);
	f->lang = ql && strcmp(ql, "es") == 0 && strstr(langs, "es") ? "es" : "en";
	return true;
}

static void put_title(struct buf *b, const struct feed *f)
{
	out_xml(b, f->v.page.name ? f->v.page.name : "");
	if (strcmp(f->lang, "es") == 0)
		out_raw_trusted(b, " - Historial de incidentes");
	else
		out_raw_trusted(b, " Status - Incident History");
}

/* The page link and the feed's own address, with ?lang=es for the Spanish feed. */
static void put_lang_query(struct buf *b, const struct feed *f)
{
	if (strcmp(f->lang, "es") == 0)
		out_raw_trusted(b, "?lang=es");
}

/* Writes one entry or item through fn after loading its updates and HTML; false on store error. */
typedef void (*entry_fn)(struct feed *f, const struct incident *inc, const char *html, int64_t latest);

struct feed_entry {
	const char *html;
	int64_t latest;
};

/* Loads every entry's updates and renders its HTML (so that the feed's date is known before the
 * entries are written); false on store error. */
static bool feed_prepare(struct feed *f, struct feed_entry **out)
{
	struct feed_entry *e = arena_alloc(f->v.a, (f->n + 1) * sizeof *e);
	struct buf html;
	buf_init(&html);
	f->updated = f->v.updated_at;
	int64_t newest = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct incident_update *u = NULL;
		size_t nu = 0;
		enum bc_err err = store_update_list(f->v.t, f->list[i].id, &u, &nu);
		if (err != BC_OK) {
			buf_free(&html);
			resp_err(f->r, err, "cannot list incident updates");
			return false;
		}
		buf_reset(&html);
		entry_html(&html, f->v.tz, f->lang, &f->list[i], u, nu);
		feed_html_apostrophes(&html);
		e[i].html = arena_strndup(f->v.a, html.p ? html.p : "", html.len);
		e[i].latest = latest_update(&f->list[i], u, nu);
		if (e[i].latest > newest)
			newest = e[i].latest;
	}
	buf_free(&html);
	if (newest > 0)
		f->updated = newest;
	*out = e;
	return true;
}

static void feed_entries(struct feed *f, const struct feed_entry *e, entry_fn fn)
{
	for (size_t i = 0; i < f->n; i++)
		fn(f, &f->list[i], e[i].html, e[i].latest);
}

static void atom_entry(struct feed *f, const struct incident *inc, const char *html, int64_t latest)
{
	struct buf *b = &f->r->body_out;
	out_raw_trusted(b, "  <entry>\n    <id>tag:");
	out_xml(b, f->host);
	buf_printf(b, ",2005:Incident/%llu</id>\n    <published>", numeric_id(inc->id));
	int64_t begun = inc->is_maintenance && inc->scheduled_for ? inc->created_at :
	                inc->started_at ? inc->started_at : inc->created_at;
	put_utc(b, begun ? begun : latest);      /* published when it began, updated at its last update */
	out_raw_trusted(b, "</published>\n    <updated>");
	put_utc(b, latest);
	out_raw_trusted(b, "</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
	out_xml(b, sp_incident_url(&f->v, inc->id));
	put_lang_query(b, f);
	out_raw_trusted(b, "\"/>\n    <title>");
	out_xml(b, inc->name);
	out_raw_trusted(b, "</title>\n    <content type=\"html\">");
	out_xml(b, html);
	out_raw_trusted(b, "</content>\n  </entry>\n");
}

void feed_atom(struct req *r)
{
	struct feed f;
	struct feed_entry *e;
	if (!feed_load(r, &f) || !feed_prepare(&f, &e))
		return;
	struct buf *b = &r->body_out;
	buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<feed xml:lang=\"%s\" xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:",
	           strcmp(f.lang, "es") == 0 ? "es" : "en-US");
	out_xml(b, f.host);
	buf_printf(b, ",2005:/history%s</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"",
	           strcmp(f.lang, "es") == 0 ? "/es" : "");
	out_xml(b, f.url);
	if (strcmp(f.lang, "es") == 0)
		out_raw_trusted(b, "/");
	put_lang_query(b, &f);
	out_raw_trusted(b, "\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
	out_xml(b, f.url);
	out_raw_trusted(b, "/history.atom");
	put_lang_query(b, &f);
	out_raw_trusted(b, "\"/>\n  <title>");
	put_title(b, &f);
	out_raw_trusted(b, "</title>\n  <updated>");
	put_utc(b, f.updated);
	out_raw_trusted(b, "</updated>\n  <author>\n    <name>");
	out_xml(b, f.v.page.name ? f.v.page.name : "");
	out_raw_trusted(b, "</name>\n  </author>\n");
	feed_entries(&f, e, atom_entry);
	out_raw_trusted(b, "</feed>\n");
	r->content_type_out = "application/atom+xml; charset=utf-8";
}

static void rss_item(struct feed *f, const struct incident *inc, const char *html, int64_t latest)
{
	struct buf *b = &f->r->body_out;
	const char *link = sp_incident_url(&f->v, inc->id);
	out_raw_trusted(b, "    <item>\n      <title>");
	out_xml(b, inc->name);
	out_raw_trusted(b, "</title>\n      <description>\n");
	out_xml(b, html);
	out_raw_trusted(b, "      </description>\n      <pubDate>");
	put_rfc822(b, f->v.tz, inc->is_maintenance && inc->scheduled_for ? inc->scheduled_for : latest);
	out_raw_trusted(b, "</pubDate>\n");
	if (inc->is_maintenance && inc->scheduled_until) {
		out_raw_trusted(b, "      <maintenanceEndDate>");
		put_rfc822(b, f->v.tz, inc->scheduled_until);
		out_raw_trusted(b, "</maintenanceEndDate>\n");
	}
	out_raw_trusted(b, "      <link>");
	out_xml(b, link);
	put_lang_query(b, f);
	out_raw_trusted(b, "</link>\n      <guid>");
	out_xml(b, link);
	out_raw_trusted(b, "</guid>\n    </item>\n");
}

void feed_rss(struct req *r)
{
	struct feed f;
	struct feed_entry *e;
	if (!feed_load(r, &f) || !feed_prepare(&f, &e))
		return;
	struct buf *b = &r->body_out;
	bool es = strcmp(f.lang, "es") == 0;
	out_raw_trusted(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                   "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
	                   "  <channel>\n    <title>");
	put_title(b, &f);
	out_raw_trusted(b, "</title>\n    <link>");
	out_xml(b, f.url);
	if (es)
		out_raw_trusted(b, "/");
	put_lang_query(b, &f);
	out_raw_trusted(b, "</link>\n    <description>");
	out_raw_trusted(b, es ? "Incidentes y mantenimientos de " : "Incidents and maintenance of ");
	out_xml(b, f.v.page.name ? f.v.page.name : "");
	out_raw_trusted(b, es ? ", con cada actualización" : ", with every update");
	buf_printf(b, "</description>\n    <language>%s</language>\n    <pubDate>", es ? "es" : "en-us");
	put_rfc822(b, f.v.tz, f.updated);
	out_raw_trusted(b, "</pubDate>\n");
	feed_entries(&f, e, rss_item);
	out_raw_trusted(b, "  </channel>\n</rss>\n");
	r->content_type_out = "application/rss+xml; charset=utf-8";
}
