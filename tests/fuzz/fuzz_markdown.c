/* fuzz_markdown.c: libFuzzer driver for the Markdown renderer; its output must stay safe HTML. */
#include <ctype.h>
#include <stdbool.h>
#include "arena.h"
#include "markdown.h"
#include "out.h"
#include "fuzz.h"

/*
 * The check is independent of the renderer: every tag must be one the renderer is allowed to emit,
 * with only allowed attributes, each double-quoted; a href, decoded as a browser decodes it
 * (entities, then tabs/newlines and leading controls dropped), is relative or http:, https:, mailto:.
 * So no <script>, no on*= attribute, no javascript: (or data:, vbscript:) URL can get through.
 */
static const char *const tags[] = {
	"a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
	"li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul", NULL
};
static const char *const attrs[] = { "class", "href", "rel", "start", "title", NULL };

static bool fuzz_markdown_in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return true;
	return false;
}

/* Decodes the HTML character references the escaper can produce (and any numeric one) into out. */
static size_t fuzz_markdown_attr_unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '&') {
			out[o++] = s[i];
			continue;
		}
		const char *semi = memchr(s + i, ';', n - i);
		if (semi == NULL) {
			out[o++] = s[i];
			continue;
		}
		size_t len = (size_t)(semi - (s + i)) + 1;
		static const struct { const char *name; char c; } named[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
			{ "&colon;", ':' }, { "&Tab;", '\t' }, { "&NewLine;", '\n' },
		};
		bool done = false;
		for (size_t k = 0; k < sizeof named / sizeof named[0] && !done; k++)
			if (strlen(named[k].name) == len && strncmp(named[k].name, s + i, len) == 0) {
				out[o++] = named[k].c;
				done = true;
			}
		if (!done && s[i + 1] == '#') {
			bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
			unsigned long cp = strtoul(s + i + 2 + hex, NULL, hex ? 16 : 10);
			out[o++] = cp < 128 ? (char)cp : '?';
			done = true;
		}
		if (!done) {
			out[o++] = s[i];
			continue;
		}
		i += len - 1;
	}
	out[o] = '\0';
	return o;
}

static void fuzz_markdown_check_href(const char *v, size_t n, const char *html)
{
	char *dec = malloc(n + 1), *url = malloc(n + 1);
	size_t dn = fuzz_markdown_attr_unescape(v, n, dec), un = 0;
	for (size_t i = 0; i < dn; i++) {
		unsigned char ch = (unsigned char)dec[i];
		if (ch == '\t' || ch == '\n' || ch == '\r' || (un == 0 && ch <= 0x20))
			continue;
		url[un++] = (char)tolower(ch);
	}
	url[un] = '\0';
	size_t scheme = strcspn(url, ":/?#");
	if (url[scheme] == ':') {
		bool ok = (scheme == 4 && strncmp(url, "http", 4) == 0) || (scheme == 5 && strncmp(url, "https", 5) == 0) ||
		          (scheme == 6 && strncmp(url, "mailto", 6) == 0);
		FUZZ_CHECK(ok, "unsafe href scheme in \"%s\":\n%s", url, html);
	}
	free(dec);
	free(url);
}

static void fuzz_markdown_check_html(const char *h, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK(h[i] != '\0', "NUL byte in output at %zu", i);
		if (h[i] != '<')
			continue;
		size_t j = i + 1;
		if (h[j] == '/')
			j++;
		size_t name = j;
		while (j < len && isalnum((unsigned char)h[j]))
			j++;
		FUZZ_CHECK(fuzz_markdown_in_list(tags, h + name, j - name), "tag <%.*s> not allowed:\n%s", (int)(j - name + 1), h + name, h);
		for (;;) {
			FUZZ_CHECK(j < len, "unterminated tag:\n%s", h);
			if (h[j] == '>')
				break;
			FUZZ_CHECK(h[j] == ' ', "junk in a tag at %zu:\n%s", j, h);
			size_t an = ++j;
			while (j < len && (islower((unsigned char)h[j])))
				j++;
			FUZZ_CHECK(fuzz_markdown_in_list(attrs, h + an, j - an), "attribute %.*s not allowed:\n%s", (int)(j - an + 1), h + an, h);
			FUZZ_CHECK(j + 1 < len && h[j] == '=' && h[j + 1] == '"', "attribute not double-quoted:\n%s", h);
			size_t vs = j + 2;
			const char *q = memchr(h + vs, '"', len - vs);
			FUZZ_CHECK(q != NULL, "unterminated attribute:\n%s", h);
			size_t ve = (size_t)(q - h);
			FUZZ_CHECK(memchr(h + vs, '<', ve - vs) == NULL && memchr(h + vs, '>', ve - vs) == NULL,
			           "raw < or > in an attribute:\n%s", h);
			if (j - an == 4 && strncmp(h + an, "href", 4) == 0)
				fuzz_markdown_check_href(h + vs, ve - vs, h);
			j = ve + 1;
		}
		i = j;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	buf_init(&b);
	markdown_html(&b, (const char *)data, size);
	if (b.len)
		fuzz_markdown_check_html(b.p, b.len);
	buf_free(&b);

	/* the href rule on its own, for any string */
	char *s = fuzz_strndup(data, size);
	if (strlen(s) == size && markdown_href_is_safe(s)) {
		struct buf a;
		buf_init(&a);
		out_attr(&a, s);
		fuzz_markdown_check_href(a.p ? a.p : "", a.len, s);
		buf_free(&a);
	}
	free(s);
	return 0;
}
