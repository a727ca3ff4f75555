/* brand.c: the page's logo (PNG, or SVG rebuilt from an allow-list) and brand colour: checks, storage, serving, CLI. */
#include <stdio.h>
#include <string.h>
#include "brand.h"
#include "write.h"
#include "cache.h"
#include "cli_util.h"
#include "out.h"

#define SVG_MAX_DEPTH 32

/* ---- SVG: parsed, checked against allow-lists and written again by us ---- */

static const char *const svg_elements[] = {
	"svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "text", "tspan",
	"title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath", NULL
};
static const char *const svg_attrs[] = {
	"viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy",
	"d", "points", "fill", "fill-opacity", "fill-rule", "clip-rule", "clip-path", "stroke", "stroke-width",
	"stroke-linecap", "stroke-linejoin", "stroke-opacity", "stroke-miterlimit", "stroke-dasharray",
	"stroke-dashoffset", "opacity", "transform", "id", "offset", "stop-color", "stop-opacity",
	"gradientUnits", "gradientTransform", "spreadMethod", "font-family", "font-size", "font-weight",
	"font-style", "text-anchor", "dominant-baseline", "letter-spacing", "preserveAspectRatio", "version", NULL
};

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	return false;
}

struct svg_in {
	struct arena *a;
	const char *p, *end;
	struct buf *out;
	char *err;
	size_t errlen;
	int depth;
	int skip;                       /* > 0 inside an element dropped with its content */
};

static bool svg_fail(struct svg_in *s, const char *what)
{
	snprintf(s->err, s->errlen, "%s", what);
	return false;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == ':' || c == '.';
}

static void skip_space(struct svg_in *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* A value may reference only this document: url(#id); no entities, no schemes, no CSS. */
static bool value_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '&' || v[i] == '<' || v[i] == '\\' || (unsigned char)v[i] < 0x20)
			return false;
		if (n - i >= 4 && strncmp(v + i, "url(", 4) == 0 && (n - i < 5 || v[i + 4] != '#'))
			return false;
		if (v[i] == ':')
			return false;           /* javascript:, data:, http: ... */
	}
	return true;
}

static bool svg_element(struct svg_in *s);

/* Text between tags: kept (escaped) unless inside a dropped element; entities are refused. */
static bool svg_text(struct svg_in *s)
{
	const char *t = s->p;
	while (s->p < s->end && *s->p != '<')
		s->p++;
	if (memchr(t, '&', (size_t)(s->p - t)))
		return svg_fail(s, "entities are not allowed in SVG text");
	if (s->skip == 0)
		out_textn(s->out, t, (size_t)(s->p - t));
	return true;
}

/* Children up to the closing tag of name (n bytes). */
static bool svg_children(struct svg_in *s, const char *name, size_t n)
{
	for (;;) {
		if (!svg_text(s))
			return false;
		if (s->p >= s->end)
			return svg_fail(s, "unexpected end of the SVG");
		if (s->end - s->p >= 4 && strncmp(s->p, "<!--", 4) == 0) {
			const char *e = strstr(s->p + 4, "-->");
			if (e == NULL || e >= s->end)
				return svg_fail(s, "unclosed comment");
			s->p = e + 3;
			continue;
		}
		if (s->end - s->p >= 2 && s->p[1] == '/') {
			s->p += 2;
			if ((size_t)(s->end - s->p) < n || memcmp(s->p, name, n) != 0)
				return svg_fail(s, "mismatched closing tag");
			s->p += n;
			skip_space(s);
			if (s->p >= s->end || *s->p != '>')
				return svg_fail(s, "bad closing tag");
			s->p++;
			return true;
		}
		if (!svg_element(s))
			return false;
	}
}

static bool svg_element(struct svg_in *s)
{
	if (s->p >= s->end || *s->p != '<')
		return svg_fail(s, "expected an element");
	s->p++;
	if (s->p < s->end && (*s->p == '!' || *s->p == '?'))
		return svg_fail(s, "DOCTYPE, CDATA and processing instructions are not allowed");
	const char *name = s->p;
	while (s->p < s->end && name_char(*s->p))
		s->p++;
	size_t n = (size_t)(s->p - name);
	if (n == 0)
		return svg_fail(s, "bad element name");
	if (++s->depth > SVG_MAX_DEPTH)
		return svg_fail(s, "SVG nested too deeply");
	bool root = s->depth == 1;
	if (root && !(n == 3 && memcmp(name, "svg", 3) == 0))
		return svg_fail(s, "the root element must be <svg>");
	bool keep = s->skip == 0 && in_list(svg_elements, name, n);
	if (!keep)
		s->skip++;                  /* metadata, editor data, <script>, <foreignObject>...: dropped whole */
	if (keep) {
		buf_putc(s->out, '<');
		buf_append(s->out, name, n);
		if (root)
			out_raw_trusted(s->out, " xmlns=\"http://www.w3.org/2000/svg\"");
	}
	for (;;) {
		skip_space(s);
		if (s->p >= s->end)
			return svg_fail(s, "unexpected end of the SVG");
		if (*s->p == '>' || *s->p == '/')
			break;
		const char *an = s->p;
		while (s->p < s->end && name_char(*s->p))
			s->p++;
		size_t alen = (size_t)(s->p - an);
		skip_space(s);
		if (alen == 0 || s->p >= s->end || *s->p != '=')
			return svg_fail(s, "bad attribute");
		s->p++;
		skip_space(s);
		if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
			return svg_fail(s, "attribute values must be quoted");
		char q = *s->p++;
		const char *v = s->p;
		while (s->p < s->end && *s->p != q)
			s->p++;
		if (s->p >= s->end)
			return svg_fail(s, "unclosed attribute value");
		size_t vlen = (size_t)(s->p - v);
		s->p++;
		if (!keep || !in_list(svg_attrs, an, alen))
			continue;               /* xmlns, on*, href, style, editor attributes: dropped */
		if (!value_ok(v, vlen))
			return svg_fail(s, "an attribute value refers outside the document or uses entities");
		buf_putc(s->out, ' ');
		buf_append(s->out, an, alen);
		out_raw_trusted(s->out, "=\"");
		out_attr(s->out, arena_strndup(s->a, v, vlen));
		buf_putc(s->out, '"');
	}
	bool ok = true;
	if (*s->p == '/') {
		s->p++;
		if (s->p >= s->end || *s->p != '>')
			return svg_fail(s, "bad empty element");
		s->p++;
		if (keep)
			out_raw_trusted(s->out, "/>");
	} else {
		s->p++;
		if (keep)
			buf_putc(s->out, '>');
		ok = svg_children(s, name, n);
		if (ok && keep) {
			out_raw_trusted(s->out, "</");
			buf_append(s->out, name, n);
			buf_putc(s->out, '>');
		}
	}
	if (!keep)
		s->skip--;
	s->depth--;
	return ok;
}

bool brand_svg_sanitize(struct arena *a, const char *in, size_t n, struct buf *out, char *err, size_t errlen)
{
	struct svg_in s = { .a = a, .p = in, .end = in + n, .out = out, .err = err, .errlen = errlen };
	if (memchr(in, '\0', n))
		return svg_fail(&s, "NUL byte in the SVG");
	skip_space(&s);
	if (s.end - s.p >= 5 && strncmp(s.p, "<?xml", 5) == 0) {     /* the XML declaration, dropped */
		const char *e = strstr(s.p, "?>");
		if (e == NULL || e >= s.end)
			return svg_fail(&s, "unclosed XML declaration");
		s.p = e + 2;
	}
	for (;;) {                      /* comments before the root */
		skip_space(&s);
		if (s.end - s.p >= 4 && strncmp(s.p, "<!--", 4) == 0) {
			const char *e = strstr(s.p + 4, "-->");
			if (e == NULL || e >= s.end)
				return svg_fail(&s, "unclosed comment");
			s.p = e + 3;
			continue;
		}
		break;
	}
	if (!svg_element(&s))
		return false;
	skip_space(&s);
	if (s.p != s.end)
		return svg_fail(&s, "content after the root element");
	return true;
}

bool brand_png_ok(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n < 33 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0) {
		snprintf(err, errlen, "not a PNG file");
		return false;
	}
	uint32_t w = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	uint32_t h = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
	if (w == 0 || h == 0 || w > BRAND_PNG_MAX_SIDE || h > BRAND_PNG_MAX_SIDE) {
		snprintf(err, errlen, "PNG is %ux%u; at most %dx%d pixels", w, h, BRAND_PNG_MAX_SIDE, BRAND_PNG_MAX_SIDE);
		return false;
	}
	return true;
}

bool brand_color_ok(const char *c)
{
	if (c == NULL || strlen(c) != 7 || c[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f') || (c[i] >= 'A' && c[i] <= 'F')))
			return false;
	return true;
}

/* ---- reads ---- */

bool brand_load(struct stx *t, struct arena *a, struct brand *out)
{
	memset(out, 0, sizeof *out);
	const void *v;
	size_t n;
	if (store_kv_get(t, BRAND_NS, "color", &v, &n) == BC_OK && n == 7) {
		out->color = arena_strndup(a, v, n);
		if (!brand_color_ok(out->color))
			out->color = NULL;
	}
	if (store_kv_get(t, BRAND_NS, "logo", &v, &n) == BC_OK && n > 1) {
		/* one byte of kind ('p' PNG, 's' SVG), then the checked bytes */
		const char *b = v;
		out->logo_type = b[0] == 's' ? "image/svg+xml" : "image/png";
		out->logo = b + 1;
		out->logo_len = n - 1;
		cache_etag(out->logo, out->logo_len, out->logo_etag);
	}
	return out->logo || out->color;
}

const char *brand_logo_name(const struct brand *b)
{
	return strcmp(b->logo_type, "image/svg+xml") == 0 ? "logo.svg" : "logo.png";
}

/* GET /brand/logo.svg or logo.png: the stored logo, with a policy that forbids anything active even if opened alone. */
static void brand_logo(struct req *r)
{
	struct stx *t = req_tx(r);
	struct brand b;
	if (t == NULL || !brand_load(t, r->arena, &b) || b.logo == NULL ||
	    strcmp(r->params[0], brand_logo_name(&b)) != 0) {
		resp_html_error(r, 404, "Not found", "This page has no logo.");
		return;
	}
	resp_header(r, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
	resp_header(r, "ETag", b.logo_etag);
	r->content_type_out = b.logo_type;
	buf_append(&r->body_out, b.logo, b.logo_len);
}

const struct route routes_brand[] = {
	{ "GET", "/brand/:name", brand_logo, 0, NULL },      /* not R_CACHE: the cache keeps no handler headers (CSP) */
	{ NULL, NULL, NULL, 0, NULL }
};

/* ---- CLI: beacon page logo FILE|--remove, beacon page color '#RRGGBB'|--remove, beacon page show ---- */

/* Logo (raw != NULL: set, else remove) or colour through the write layer, in one transaction; 0 or 1. */
static int brand_cli_write(struct cli *c, bool logo, const unsigned char *raw, size_t n, const char *color)
{
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = logo ? write_brand_logo(&w, raw, n) : write_brand_color(&w, color);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
}

static int page_logo(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("remove"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 1);
	if (rc >= 0)
		return rc;
	bool remove = opt_get(opts, "remove") != NULL;
	if (remove == (c->npos == 1))
		return cli_usage_fail(c, "give FILE or --remove");
	unsigned char *raw = NULL;
	size_t got = 0;
	if (!remove) {
		FILE *f = fopen(c->pos[0], "rb");
		if (f == NULL)
			return cli_fail(c, "%s: cannot open", c->pos[0]);
		raw = arena_alloc(c->a, BRAND_LOGO_MAX + 1);
		got = fread(raw, 1, BRAND_LOGO_MAX + 1, f);
		bool bad = ferror(f);
		fclose(f);
		if (bad)
			return cli_fail(c, "%s: read error", c->pos[0]);
	}
	if (brand_cli_write(c, true, raw, got, NULL))
		return 1;
	if (remove)
		printf("logo removed\n");
	else
		printf("logo set (%zu bytes)\n", got);
	return 0;
}

static int page_color(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("remove"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 1);
	if (rc >= 0)
		return rc;
	bool remove = opt_get(opts, "remove") != NULL;
	if (remove == (c->npos == 1))
		return cli_usage_fail(c, "give '#RRGGBB' or --remove");
	if (brand_cli_write(c, false, NULL, 0, remove ? NULL : c->pos[0]))
		return 1;
	printf(remove ? "colour removed\n" : "colour set\n");
	return 0;
}

static int page_show(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct brand b;
	brand_load(c->t, c->a, &b);
	printf("color\t%s\nlogo\t%s", b.color ? b.color : "-", b.logo ? b.logo_type : "-");
	if (b.logo)
		printf(" (%zu bytes)", b.logo_len);
	printf("\n");
	return 0;
}

int cmd_page(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "logo", page_logo, "page logo FILE|--remove   (PNG up to 256 KiB and 1024x1024, or SVG, sanitized)" },
		{ "color", page_color, "page color '#RRGGBB'|--remove" },
		{ "show", page_show, "page show" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "page", subs, argc, argv);
}
