/* feeds.c: the incident history feeds /history.atom and /history.rss in Statuspage's layout. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api_v2.h"

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

/* "Jun <var data-var='date'> 6</var>, <var data-var='time'>04:43</var>" (page zone). */
static void put_html_when(struct buf *h, const struct tm *tm)
{
	buf_printf(h, "%s <var data-var='date'>%2d</var>, <var data-var='time'>%02d:%02d</var>",
	           month_abbr[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min);
}

static void put_zone(struct buf *h, const struct tm *tm)
{
	buf_putc(h, ' ');
	out_text(h, tm->tm_zone ? tm->tm_zone : "UTC");
}

/* Body text escaped for HTML, newlines as <br />. */
static void put_html_body(struct buf *h, const char *body)
{
	const char *p = body ? body : "";
	for (;;) {
		const char *nl = strchr(p, '\n');
		if (nl == NULL) {
			out_text(h, p);
			return;
		}
		out_textn(h, p, (size_t)(nl - p));
		out_raw_trusted(h, "<br />");
		p = nl + 1;
	}
}

static const char *update_label(enum inc_status s)
{
	switch (s) {
	case IS_INVESTIGATING: return "Investigating";
	case IS_IDENTIFIED: return "Identified";
	case IS_MONITORING: return "Monitoring";
	case IS_RESOLVED: return "Resolved";
	case IS_POSTMORTEM: return "Postmortem";
	case IS_SCHEDULED: return "Scheduled";
	case IS_IN_PROGRESS: return "In progress";
	case IS_VERIFYING: return "Verifying";
	case IS_COMPLETED: return "Completed";
	default: return "Update";
	}
}

static void put_paragraph(struct buf *h, const struct zone *tz, int64_t at, const char *label, const char *body)
{
	struct tm tm = local_tm(tz, at);
	out_raw_trusted(h, "<p><small>");
	put_html_when(h, &tm);
	put_zone(h, &tm);
	out_raw_trusted(h, "</small><br><strong>");
	out_text(h, label);
	out_raw_trusted(h, "</strong> - ");
	put_html_body(h, body);
	out_raw_trusted(h, "</p>");
}

/* The entry's HTML: maintenance header, postmortem, then one paragraph per update, newest first. */
static void entry_html(struct buf *h, const struct zone *tz, const struct incident *inc,
                       const struct incident_update *u, size_t n)
{
	if (inc->is_maintenance && inc->scheduled_for) {
		struct tm from = local_tm(tz, inc->scheduled_for);
		struct tm until = local_tm(tz, inc->scheduled_until ? inc->scheduled_until : inc->scheduled_for);
		out_raw_trusted(h, "<p><strong>THIS IS A SCHEDULED EVENT ");
		put_html_when(h, &from);
		if (from.tm_year == until.tm_year && from.tm_yday == until.tm_yday)
			buf_printf(h, " - <var data-var='time'>%02d:%02d</var>", until.tm_hour, until.tm_min);
		else {
			out_raw_trusted(h, " - ");
			put_html_when(h, &until);
		}
		put_zone(h, &until);
		out_raw_trusted(h, "</strong></p>");
	}
	if (inc->postmortem_body && inc->postmortem_published_at)
		put_paragraph(h, tz, inc->postmortem_published_at, update_label(IS_POSTMORTEM), inc->postmortem_body);
	for (size_t i = n; i-- > 0;) {
		bool same = i > 0 && u[i - 1].status == u[i].status;
		put_paragraph(h, tz, u[i].display_at ? u[i].display_at : u[i].created_at,
		              same ? "Update" : update_label(u[i].status), u[i].body);
	}
}

/* Time of the latest update (updates are ordered by display_at), else creation. */
static int64_t latest_update(const struct incident *inc, const struct incident_update *u, size_t n)
{
	if (n > 0 && u[n - 1].display_at)
		return u[n - 1].display_at;
	return inc->created_at;
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
	return true;
}

static void put_title(struct buf *b, const struct sp_view *v)
{
	out_xml(b, v->page.name ? v->page.name : "");
	out_raw_trusted(b, " Status - Incident History");
}

/* Writes one entry or item through fn after loading its updates and HTML; false on store error. */
typedef void (*entry_fn)(struct feed *f, const struct incident *inc, const char *html, int64_t latest);

static bool feed_entries(struct feed *f, entry_fn fn)
{
	struct buf html;
	buf_init(&html);
	for (size_t i = 0; i < f->n; i++) {
		struct incident_update *u = NULL;
		size_t nu = 0;
		enum bc_err e = store_update_list(f->v.t, f->list[i].id, &u, &nu);
		if (e != BC_OK) {
			buf_free(&html);
			resp_err(f->r, e, "cannot list incident updates");
			return false;
		}
		buf_reset(&html);
		entry_html(&html, f->v.tz, &f->list[i], u, nu);
		fn(f, &f->list[i], html.p ? html.p : "", latest_update(&f->list[i], u, nu));
	}
	buf_free(&html);
	return true;
}

static void atom_entry(struct feed *f, const struct incident *inc, const char *html, int64_t latest)
{
	struct buf *b = &f->r->body_out;
	out_raw_trusted(b, "  <entry>\n    <id>tag:");
	out_xml(b, f->host);
	buf_printf(b, ",2005:Incident/%llu</id>\n    <published>", numeric_id(inc->id));
	put_utc(b, latest);
	out_raw_trusted(b, "</published>\n    <updated>");
	put_utc(b, inc->updated_at ? inc->updated_at : latest);
	out_raw_trusted(b, "</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
	out_xml(b, sp_incident_url(&f->v, inc->id));
	out_raw_trusted(b, "\"/>\n    <title>");
	out_xml(b, inc->name);
	out_raw_trusted(b, "</title>\n    <content type=\"html\">");
	out_xml(b, html);
	out_raw_trusted(b, "</content>\n  </entry>\n");
}

void feed_atom(struct req *r)
{
	struct feed f;
	if (!feed_load(r, &f))
		return;
	struct buf *b = &r->body_out;
	out_raw_trusted(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                   "<feed xml:lang=\"en-US\" xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:");
	out_xml(b, f.host);
	out_raw_trusted(b, ",2005:/history</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
	out_xml(b, f.url);
	out_raw_trusted(b, "\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
	out_xml(b, f.url);
	out_raw_trusted(b, "/history.atom\"/>\n  <title>");
	put_title(b, &f.v);
	out_raw_trusted(b, "</title>\n  <updated>");
	put_utc(b, f.v.updated_at);
	out_raw_trusted(b, "</updated>\n  <author>\n    <name>");
	out_xml(b, f.v.page.name ? f.v.page.name : "");
	out_raw_trusted(b, "</name>\n  </author>\n");
	if (!feed_entries(&f, atom_entry))
		return;
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
	out_raw_trusted(b, "</link>\n      <guid>");
	out_xml(b, link);
	out_raw_trusted(b, "</guid>\n    </item>\n");
}

void feed_rss(struct req *r)
{
	struct feed f;
	if (!feed_load(r, &f))
		return;
	struct buf *b = &r->body_out;
	out_raw_trusted(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                   "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
	                   "  <channel>\n    <title>");
	put_title(b, &f.v);
	out_raw_trusted(b, "</title>\n    <link>");
	out_xml(b, f.url);
	out_raw_trusted(b, "</link>\n    <description>Statuspage</description>\n    <pubDate>");
	put_rfc822(b, f.v.tz, f.v.updated_at);
	out_raw_trusted(b, "</pubDate>\n");
	if (!feed_entries(&f, rss_item))
		return;
	out_raw_trusted(b, "  </channel>\n</rss>\n");
	r->content_type_out = "application/rss+xml; charset=utf-8";
}
