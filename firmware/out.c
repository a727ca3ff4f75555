/* out.c: context escapers (HTML text, attribute, URL component, JSON, XML) and the JSON writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include "out.h"

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void html_escape(struct buf *b, const char *s, size_t n, bool attr, bool xml)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		/* copy a run of plain ASCII in one go */
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '&' && p[run] != '<' &&
		       p[run] != '>' && p[run] != '"' && p[run] != '\'' && p[run] != 0x7f)
			run++;
		if (run > i) {
			buf_append(b, p + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = p[i];
		switch (c) {
		case '&': buf_puts(b, "&amp;"); i++; continue;
		case '<': buf_puts(b, "&lt;"); i++; continue;
		case '>': buf_puts(b, "&gt;"); i++; continue;
		case '"': buf_puts(b, "&quot;"); i++; continue;
		case '\'': buf_puts(b, xml ? "&apos;" : "&#39;"); i++; continue;
		case '\t': case '\n':
			if (attr)
				buf_printf(b, "&#%d;", c);
			else
				buf_putc(b, (char)c);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {  /* other controls, including \r and NUL: dropped */
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, n - i);
		if (l == 0) {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		} else {
			buf_append(b, p + i, l);
			i += l;
		}
	}
}

void out_raw_trusted(struct buf *b, const char *s)
{
	if (s)
		buf_puts(b, s);
}

void out_text(struct buf *b, const char *s)
{
	if (s)
		html_escape(b, s, strlen(s), false, false);
}

void out_textn(struct buf *b, const char *s, size_t n)
{
	if (s)
		html_escape(b, s, n, false, false);
}

void out_attr(struct buf *b, const char *s)
{
	if (s)
		html_escape(b, s, strlen(s), true, false);
}

void out_xml(struct buf *b, const char *s)
{
	if (s)
		html_escape(b, s, strlen(s), true, true);
}

void out_prom_label(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(b, '\\');
		if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

void out_url_arg(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (s == NULL)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		size_t run = 0;             /* unreserved bytes go out as they are, a run at a time */
		while (isalnum(p[run]) || p[run] == '-' || p[run] == '_' || p[run] == '.' || p[run] == '~')
			run++;
		if (run > 0) {
			buf_append(b, p, run);
			p += run - 1;
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_append(b, e, 3);
		}
	}
}

void out_json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	buf_putc(b, '"');
	while (i < n) {
		unsigned char c = p[i];
		if (c == '"') { buf_puts(b, "\\\""); i++; continue; }
		if (c == '\\') { buf_puts(b, "\\\\"); i++; continue; }
		if (c == '\n') { buf_puts(b, "\\n"); i++; continue; }
		if (c == '\r') { buf_puts(b, "\\r"); i++; continue; }
		if (c == '\t') { buf_puts(b, "\\t"); i++; continue; }
		if (c == '/' && i > 0 && p[i - 1] == '<') { buf_puts(b, "\\/"); i++; continue; }
		if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_append(b, e, 6);
			i++;
			continue;
		}
		if (c < 0x80) {
			buf_putc(b, (char)c);
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, n - i);
		if (l == 0) {
			buf_puts(b, "\\ufffd");
			i++;
		} else {
			/* U+2028/U+2029 are valid JSON but break JavaScript string literals */
			if (l == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
				buf_puts(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			else
				buf_append(b, p + i, l);
			i += l;
		}
	}
	buf_putc(b, '"');
}

bool url_is_safe(const char *url)
{
	if (url == NULL)
		return false;
	/* browsers ignore leading controls/spaces and tabs/newlines inside the scheme */
	char scheme[16];
	size_t k = 0;
	const char *p = url;
	while (*p && (unsigned char)*p <= 0x20)
		p++;
	for (; *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == ':')
			break;
		if (*p == '/' || *p == '?' || *p == '#')
			return true;   /* relative reference: no scheme */
		if (k + 1 >= sizeof scheme)
			return false;
		scheme[k++] = (char)tolower((unsigned char)*p);
	}
	if (*p != ':')
		return true;       /* no colon at all: relative */
	scheme[k] = '\0';
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "mailto") == 0;
}

/* ---- JSON writer ---- */

void jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof *w);
	w->b = b;
}

/* Emits the separator and key for a new value; false on misuse. */
static bool jw_value_start(struct jw *w, const char *key)
{
	if (w->err)
		return false;
	if (w->depth == 0) {
		if (key != NULL || w->count[0]++ > 0) {
			w->err = true;
			return false;
		}
		return true;
	}
	char k = w->kind[w->depth];
	if ((k == 'o') != (key != NULL)) {
		w->err = true;
		return false;
	}
	if (w->count[w->depth]++ > 0)
		buf_putc(w->b, ',');
	if (key) {
		out_json_str(w->b, key);
		buf_putc(w->b, ':');
	}
	return true;
}

static void jw_open(struct jw *w, const char *key, char kind)
{
	if (!jw_value_start(w, key))
		return;
	if (w->depth + 1 >= JW_MAXDEPTH) {
		w->err = true;
		return;
	}
	w->depth++;
	w->kind[w->depth] = kind;
	w->count[w->depth] = 0;
	buf_putc(w->b, kind == 'o' ? '{' : '[');
}

static void jw_close(struct jw *w, char kind)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->kind[w->depth] != kind) {
		w->err = true;
		return;
	}
	w->depth--;
	buf_putc(w->b, kind == 'o' ? '}' : ']');
}

void jw_obj_open(struct jw *w, const char *key) { jw_open(w, key, 'o'); }
void jw_obj_close(struct jw *w) { jw_close(w, 'o'); }
void jw_arr_open(struct jw *w, const char *key) { jw_open(w, key, 'a'); }
void jw_arr_close(struct jw *w) { jw_close(w, 'a'); }

void jw_str(struct jw *w, const char *key, const char *val)
{
	if (jw_value_start(w, key))
		out_json_str(w->b, val);
}

void jw_int(struct jw *w, const char *key, int64_t val)
{
	if (jw_value_start(w, key))
		buf_printf(w->b, "%lld", (long long)val);
}

void jw_double(struct jw *w, const char *key, double val)
{
	if (!isfinite(val)) {
		w->err = true;
		return;
	}
	if (jw_value_start(w, key))
		buf_printf(w->b, "%.17g", val);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	if (jw_value_start(w, key))
		buf_puts(w->b, val ? "true" : "false");
}

void jw_null(struct jw *w, const char *key)
{
	if (jw_value_start(w, key))
		buf_puts(w->b, "null");
}

void jw_raw(struct jw *w, const char *key, const char *json)
{
	if (jw_value_start(w, key))
		buf_puts(w->b, json ? json : "null");
}

bool jw_ok(const struct jw *w)
{
	return !w->err && w->depth == 0 && w->count[0] == 1;
}
