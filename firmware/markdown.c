/* markdown.c: a safe HTML renderer over md4c's parser callbacks (raw HTML off, link schemes checked). */
#include <string.h>
#include <md4c.h>
#include "markdown.h"
#include "out.h"

#define MD_MAXNEST 64

struct md_ctx {
	struct buf *b;
	struct buf scratch;        /* decoded href being checked */
	int span_depth;
	bool span_link[MD_MAXNEST];   /* did this A/IMG span open an <a>? */
	int open_links;            /* <a> currently open: no nested links */
};

/* Encodes code point cp as UTF-8 into out (4 bytes max); invalid ones become U+FFFD. */
static size_t utf8_put(unsigned long cp, char *out)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static const struct { const char *name; unsigned long cp; } named_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 }, { "deg", 0xb0 },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 }, { "bull", 0x2022 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "middot", 0xb7 }, { "times", 0xd7 }, { "euro", 0x20ac },
	{ "iexcl", 0xa1 }, { "iquest", 0xbf }, { "ntilde", 0xf1 }, { "Ntilde", 0xd1 },
	{ "aacute", 0xe1 }, { "eacute", 0xe9 }, { "iacute", 0xed }, { "oacute", 0xf3 }, { "uacute", 0xfa },
	{ "Aacute", 0xc1 }, { "Eacute", 0xc9 }, { "Iacute", 0xcd }, { "Oacute", 0xd3 }, { "Uacute", 0xda },
	{ "uuml", 0xfc }, { "colon", ':' }, { "sol", '/' }, { "Tab", '\t' }, { "NewLine", '\n' },
};

/* Decodes one entity ("&amp;", "&#106;", "&#x6A;") into out; 0 when it is not one we know. */
static size_t entity_decode(const char *s, size_t n, char out[4])
{
	if (n < 3 || s[0] != '&' || s[n - 1] != ';')
		return 0;
	if (s[1] == '#') {
		unsigned long cp = 0;
		bool hex = n > 3 && (s[2] == 'x' || s[2] == 'X');
		size_t i = hex ? 3 : 2;
		if (i >= n - 1)
			return 0;
		for (; i < n - 1; i++) {
			char c = s[i];
			int d = c >= '0' && c <= '9' ? c - '0' :
			        hex && c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			        hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			if (cp > 0x10ffff)
				cp = 0x110000;   /* saturate: becomes U+FFFD */
		}
		return utf8_put(cp, out);
	}
	for (size_t k = 0; k < sizeof named_entities / sizeof named_entities[0]; k++) {
		size_t l = strlen(named_entities[k].name);
		if (l == n - 2 && memcmp(s + 1, named_entities[k].name, l) == 0)
			return utf8_put(named_entities[k].cp, out);
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool markdown_href_is_safe(const char *href)
{
	if (!url_is_safe(href))
		return false;
	/* also judge the percent-decoded form, so "javascript%3A..." is refused as well */
	char head[32];
	size_t k = 0;
	for (const char *p = href; *p && k + 1 < sizeof head; p++) {
		int hi, lo;
		if (p[0] == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
			char c = (char)(hi * 16 + lo);
			if (c == '\0')
				return false;
			head[k++] = c;
			p += 2;
		} else {
			head[k++] = *p;
		}
	}
	head[k] = '\0';
	return url_is_safe(head);
}

/* Decodes an md4c attribute into ctx->scratch; false if it holds something we cannot judge. */
static bool attr_decode(struct md_ctx *c, const MD_ATTRIBUTE *a)
{
	buf_reset(&c->scratch);
	buf_append(&c->scratch, "", 0);
	for (unsigned i = 0; a->substr_offsets[i] < a->size; i++) {
		const char *s = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
		char dec[4];
		size_t dn;
		switch (a->substr_types[i]) {
		case MD_TEXT_NORMAL:
			if (memchr(s, '\0', n))
				return false;
			buf_append(&c->scratch, s, n);
			break;
		case MD_TEXT_ENTITY:
			dn = entity_decode(s, n, dec);
			if (dn == 0 || memchr(dec, '\0', dn))
				return false;
			buf_append(&c->scratch, dec, dn);
			break;
		default:
			return false;
		}
	}
	return true;
}

/* Opens <a href> for a link or image span when its target is safe; records whether it did. */
static void link_open(struct md_ctx *c, const MD_ATTRIBUTE *href, const MD_ATTRIBUTE *title, bool image)
{
	bool opened = false;
	if (c->open_links == 0 && c->span_depth < MD_MAXNEST && attr_decode(c, href) &&
	    c->scratch.len > 0 && markdown_href_is_safe(c->scratch.p)) {
		out_raw_trusted(c->b, "<a href=\"");
		out_attr(c->b, c->scratch.p);
		out_raw_trusted(c->b, image ? "\" class=\"md-img\" rel=\"nofollow noopener noreferrer\"" :
		                              "\" rel=\"nofollow noopener noreferrer\"");
		if (title && title->size > 0 && attr_decode(c, title)) {
			out_raw_trusted(c->b, " title=\"");
			out_attr(c->b, c->scratch.p);
			out_raw_trusted(c->b, "\"");
		}
		out_raw_trusted(c->b, ">");
		c->open_links++;
		opened = true;
	}
	if (c->span_depth < MD_MAXNEST)
		c->span_link[c->span_depth] = opened;
	c->span_depth++;
}

static void link_close(struct md_ctx *c)
{
	if (c->span_depth == 0)
		return;
	c->span_depth--;
	if (c->span_depth < MD_MAXNEST && c->span_link[c->span_depth]) {
		out_raw_trusted(c->b, "</a>");
		c->open_links--;
	}
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;
	static const char *const align_class[] = { "", " class=\"ta-l\"", " class=\"ta-c\"", " class=\"ta-r\"" };
	switch (type) {
	case MD_BLOCK_DOC:   break;
	case MD_BLOCK_QUOTE: out_raw_trusted(c->b, "<blockquote>\n"); break;
	case MD_BLOCK_UL:    out_raw_trusted(c->b, "<ul>\n"); break;
	case MD_BLOCK_OL: {
		const MD_BLOCK_OL_DETAIL *d = detail;
		if (d->start != 1)
			buf_printf(c->b, "<ol start=\"%u\">\n", d->start);
		else
			out_raw_trusted(c->b, "<ol>\n");
		break;
	}
	case MD_BLOCK_LI:    out_raw_trusted(c->b, "<li>"); break;
	case MD_BLOCK_HR:    out_raw_trusted(c->b, "<hr>\n"); break;
	case MD_BLOCK_H: {
		const MD_BLOCK_H_DETAIL *d = detail;
		unsigned level = d->level + 3 > 6 ? 6 : d->level + 3;
		buf_printf(c->b, "<h%u>", level);
		break;
	}
	case MD_BLOCK_CODE:  out_raw_trusted(c->b, "<pre><code>"); break;
	case MD_BLOCK_HTML:  break;   /* not produced with MD_FLAG_NOHTML; its text is escaped anyway */
	case MD_BLOCK_P:     out_raw_trusted(c->b, "<p>"); break;
	case MD_BLOCK_TABLE: out_raw_trusted(c->b, "<div class=\"md-table\"><table>\n"); break;
	case MD_BLOCK_THEAD: out_raw_trusted(c->b, "<thead>\n"); break;
	case MD_BLOCK_TBODY: out_raw_trusted(c->b, "<tbody>\n"); break;
	case MD_BLOCK_TR:    out_raw_trusted(c->b, "<tr>"); break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD: {
		const MD_BLOCK_TD_DETAIL *d = detail;
		unsigned al = (unsigned)d->align < 4 ? (unsigned)d->align : 0;
		out_raw_trusted(c->b, type == MD_BLOCK_TH ? "<th" : "<td");
		out_raw_trusted(c->b, align_class[al]);
		out_raw_trusted(c->b, ">");
		break;
	}
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;
	switch (type) {
	case MD_BLOCK_DOC:   break;
	case MD_BLOCK_QUOTE: out_raw_trusted(c->b, "</blockquote>\n"); break;
	case MD_BLOCK_UL:    out_raw_trusted(c->b, "</ul>\n"); break;
	case MD_BLOCK_OL:    out_raw_trusted(c->b, "</ol>\n"); break;
	case MD_BLOCK_LI:    out_raw_trusted(c->b, "</li>\n"); break;
	case MD_BLOCK_HR:    break;
	case MD_BLOCK_H: {
		const MD_BLOCK_H_DETAIL *d = detail;
		unsigned level = d->level + 3 > 6 ? 6 : d->level + 3;
		buf_printf(c->b, "</h%u>\n", level);
		break;
	}
	case MD_BLOCK_CODE:  out_raw_trusted(c->b, "</code></pre>\n"); break;
	case MD_BLOCK_HTML:  break;
	case MD_BLOCK_P:     out_raw_trusted(c->b, "</p>\n"); break;
	case MD_BLOCK_TABLE: out_raw_trusted(c->b, "</table></div>\n"); break;
	case MD_BLOCK_THEAD: out_raw_trusted(c->b, "</thead>\n"); break;
	case MD_BLOCK_TBODY: out_raw_trusted(c->b, "</tbody>\n"); break;
	case MD_BLOCK_TR:    out_raw_trusted(c->b, "</tr>\n"); break;
	case MD_BLOCK_TH:    out_raw_trusted(c->b, "</th>"); break;
	case MD_BLOCK_TD:    out_raw_trusted(c->b, "</td>"); break;
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;
	switch (type) {
	case MD_SPAN_EM:     out_raw_trusted(c->b, "<em>"); break;
	case MD_SPAN_STRONG: out_raw_trusted(c->b, "<strong>"); break;
	case MD_SPAN_CODE:   out_raw_trusted(c->b, "<code>"); break;
	case MD_SPAN_DEL:    out_raw_trusted(c->b, "<del>"); break;
	case MD_SPAN_U:      out_raw_trusted(c->b, "<u>"); break;
	case MD_SPAN_A: {
		const MD_SPAN_A_DETAIL *d = detail;
		link_open(c, &d->href, &d->title, false);
		break;
	}
	case MD_SPAN_IMG: {
		/* images are not loaded from a status page: they become a link to the image, alt as text */
		const MD_SPAN_IMG_DETAIL *d = detail;
		link_open(c, &d->src, &d->title, true);
		break;
	}
	default:             break;   /* latex, wikilinks: not enabled; their text renders plainly */
	}
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;
	switch (type) {
	case MD_SPAN_EM:     out_raw_trusted(c->b, "</em>"); break;
	case MD_SPAN_STRONG: out_raw_trusted(c->b, "</strong>"); break;
	case MD_SPAN_CODE:   out_raw_trusted(c->b, "</code>"); break;
	case MD_SPAN_DEL:    out_raw_trusted(c->b, "</del>"); break;
	case MD_SPAN_U:      out_raw_trusted(c->b, "</u>"); break;
	case MD_SPAN_A:
	case MD_SPAN_IMG:    link_close(c); break;
	default:             break;
	}
	return 0;
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	struct md_ctx *c = ud;
	char dec[4];
	size_t dn;
	switch (type) {
	case MD_TEXT_NULLCHAR:
		out_raw_trusted(c->b, "\xef\xbf\xbd");
		break;
	case MD_TEXT_BR:
		out_raw_trusted(c->b, "<br>\n");
		break;
	case MD_TEXT_SOFTBR:
		out_raw_trusted(c->b, "\n");
		break;
	case MD_TEXT_ENTITY:
		dn = entity_decode(s, n, dec);
		if (dn > 0)
			out_textn(c->b, dec, dn);
		else
			out_textn(c->b, s, n);   /* unknown entity: shown as typed */
		break;
	default:                 /* normal, code, (escaped) html, latex */
		out_textn(c->b, s, n);
		break;
	}
	return 0;
}

void markdown_html(struct buf *b, const char *src, size_t len)
{
	if (src == NULL || len == 0)
		return;
	MD_PARSER p = {
		.abi_version = 0,
		.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEURLAUTOLINKS,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	struct md_ctx c = { .b = b };
	buf_init(&c.scratch);
	size_t start = b->len;
	/* md4c 0.4.8 reads the byte after the text (a link destination at the end: "[a](b"); when it
	 * is ')' the link runs past the end and the parser walks off its line array. Give it a copy
	 * that ends in NUL, whatever the caller's buffer holds next. */
	struct buf text;
	buf_init(&text);
	buf_append(&text, src, len);
	int rc = md_parse(text.p, (MD_SIZE)len, &p, &c);
	buf_free(&text);
	if (rc != 0) {
		/* parser failure (out of memory): fall back to the escaped source */
		b->len = start;
		buf_append(b, "", 0);
		out_raw_trusted(b, "<p>");
		out_textn(b, src, len);
		out_raw_trusted(b, "</p>\n");
	}
	buf_free(&c.scratch);
}
