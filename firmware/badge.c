/* badge.c: SVG status badges for the page (/badge.svg) and one component or group (/badge/:id). */
#include <string.h>
#include "api_v2.h"
#include "i18n.h"

#define BADGE_LABEL_MAX 40      /* code points of a name shown on a badge */
#define BADGE_CHAR_PX 7         /* average glyph width of 11px Verdana */
#define BADGE_PAD_PX 10

/* Code points in s (UTF-8 continuation bytes not counted). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

/* s cut to at most BADGE_LABEL_MAX code points, with an ellipsis when cut. */
static const char *badge_text(struct arena *a, const char *s)
{
	size_t cps = 0, i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++cps > BADGE_LABEL_MAX)
			break;
	}
	if (s[i] == '\0')
		return s;
	return arena_printf(a, "%.*s\xe2\x80\xa6", (int)i, s);
}

static void badge_write(struct req *r, const char *label_in, const char *value, enum status_indicator ind)
{
	const char *label = badge_text(r->arena, label_in && *label_in ? label_in : "status");
	size_t lw = text_width(label) * BADGE_CHAR_PX + 2 * BADGE_PAD_PX;
	size_t vw = text_width(value) * BADGE_CHAR_PX + 2 * BADGE_PAD_PX;
	size_t w = lw + vw;
	struct buf *b = &r->body_out;

	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"20\" role=\"img\" aria-label=\"", w);
	out_xml(b, label);
	out_raw_trusted(b, ": ");
	out_xml(b, value);
	out_raw_trusted(b, "\"><title>");
	out_xml(b, label);
	out_raw_trusted(b, ": ");
	out_xml(b, value);
	out_raw_trusted(b, "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" "
	                   "stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>");
	buf_printf(b, "<clipPath id=\"r\"><rect width=\"%zu\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>", w);
	buf_printf(b, "<g clip-path=\"url(#r)\"><rect width=\"%zu\" height=\"20\" fill=\"#555\"/>"
	              "<rect x=\"%zu\" width=\"%zu\" height=\"20\" fill=\"%s\"/>"
	              "<rect width=\"%zu\" height=\"20\" fill=\"url(#s)\"/></g>",
	           lw, lw, vw, status_level_colour(status_indicator_level(ind)), w);
	out_raw_trusted(b, "<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" "
	                   "font-size=\"11\">");
	buf_printf(b, "<text x=\"%zu\" y=\"14\">", lw / 2);
	out_xml(b, label);
	buf_printf(b, "</text><text x=\"%zu\" y=\"14\" data-indicator=\"%s\">", lw + vw / 2, status_indicator_name(ind));
	out_xml(b, value);
	out_raw_trusted(b, "</text></g></svg>\n");
	r->content_type_out = "image/svg+xml; charset=utf-8";
}

void badge_page(struct req *r)
{
	struct sp_view v;
	struct incident *open;
	size_t nopen;
	if (!api_v2_view(r, &v) || !api_v2_open(r, &open, &nopen))
		return;
	struct status_rollup st = status_rollup(v.comps, v.ncomps, open, nopen, v.now);
	badge_write(r, v.page.name, st.description, st.indicator);
}

/* The id of "/badge/ID" or "/badge/ID.svg", or NULL when it cannot be an id. */
static const char *badge_id(struct req *r)
{
	const char *p = r->params[0];
	if (p == NULL)
		return NULL;
	size_t n = strlen(p);
	if (n > 4 && strcmp(p + n - 4, ".svg") == 0)
		n -= 4;
	if (n == 0 || n > ID_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z')))
			return NULL;
	return arena_strndup(r->arena, p, n);
}

void badge_component(struct req *r)
{
	const char *id = badge_id(r);
	if (id == NULL) {
		resp_json_error(r, 404, "no such component");
		return;
	}
	struct sp_view v;
	if (!api_v2_view(r, &v))
		return;
	const struct component *c = sp_find_component(&v, id);
	const struct group *g = c ? NULL : sp_find_group(&v, id);
	if (c == NULL && g == NULL) {
		resp_json_error(r, 404, "no such component");
		return;
	}
	enum comp_status s = c ? c->status : sp_group_status(&v, g);
	badge_write(r, c ? sp_component_display_name(&v, c) : g->name, i18n_comp_status("en", s), status_level_indicator(s));
}
