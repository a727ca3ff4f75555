/* req.c: request accessors, URL and form decoding, the request parse, and the response helpers every handler uses. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "log.h"
#include "out.h"
#include "req.h"

const char *req_env(struct req *r, const char *name)
{
	size_t n = strlen(name);
	if (r->envp == NULL)
		return NULL;
	for (char **e = r->envp; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *req_header(struct req *r, const char *name)
{
	char key[128] = "HTTP_";
	size_t k = 5;
	for (const char *p = name; *p && k + 1 < sizeof key; p++)
		key[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	key[k] = '\0';
	if (strcmp(key, "HTTP_CONTENT_TYPE") == 0)
		return req_env(r, "CONTENT_TYPE");
	return req_env(r, key);
}

const char *req_query(struct req *r, const char *key)
{
	for (size_t i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0)
			return r->query[i].val;
	return NULL;
}

/* True when addr (len bytes) is one of the comma list's entries (spaces around them ignored). */
static bool addr_in_list(const char *list, const char *addr, size_t len)
{
	for (const char *p = list; *p; ) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && p[m - 1] == ' ')
			m--;
		if (m > 0 && m == len && strncmp(p, addr, len) == 0)
			return true;
		p += n;
	}
	return false;
}

static bool addr_valid(const char *s, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET, tmp, bin) == 1 || inet_pton(AF_INET6, tmp, bin) == 1;
}

const char *req_client_addr(struct req *r)
{
	const char *remote = req_env(r, "REMOTE_ADDR");
	const char *trusted = r->cfg ? r->cfg->trusted_proxies : "";
	if (remote == NULL)
		return "";
	if (!*trusted || !addr_in_list(trusted, remote, strlen(remote)))
		return remote;
	const char *xff = req_header(r, "X-Forwarded-For");
	if (xff == NULL || strlen(xff) > 4096)
		return remote;
	const char *end = xff + strlen(xff);      /* walk the hops from the nearest one back */
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *a = start, *b = end;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if (!addr_valid(a, (size_t)(b - a)))
			return remote;                   /* a hop we cannot read: trust nothing before it */
		if (!addr_in_list(trusted, a, (size_t)(b - a)))
			return arena_strndup(r->arena, a, (size_t)(b - a));
		end = start > xff ? start - 1 : xff;
	}
	return remote;
}

struct stx *req_tx(struct req *r)
{
	if (r->tx == NULL && r->store != NULL) {
		enum bc_err e = store_begin_read(r->store, r->arena, &r->tx);
		if (e != BC_OK) {
			log_warnx("read transaction: %s", bc_strerror(e));
			r->tx = NULL;
		}
	}
	return r->tx;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

bool url_decode(char *s, bool plus)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == '%') {
			int h = hexval((unsigned char)p[1]), l = h < 0 ? -1 : hexval((unsigned char)p[2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return false;
			*o++ = (char)(h * 16 + l);
			p += 2;
		} else if (*p == '+' && plus) {
			*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return true;
}

size_t form_parse(struct arena *a, char *s, struct kv *out, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	if (s == NULL)
		return 0;
	for (char *pair = strtok_r(s, "&", &save); pair && n < max; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		char empty[1] = "";
		char *val = empty;
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
		if (*pair == '\0' || !url_decode(pair, true) || !url_decode(val, true))
			continue;
		out[n].key = arena_strdup(a, pair);
		out[n].val = arena_strdup(a, val);
		n++;
	}
	return n;
}

/* A refused body: a page for the admin, JSON for everything else. */
static void req_parse_refuse(struct req *r, bool html, int status, const char *title, const char *detail)
{
	if (html)
		resp_html_error(r, status, title, detail);
	else
		resp_json_error(r, status, "%s", detail);
}

#define REQ_BODY_START 256          /* first size of the body buffer when none is declared */

bool req_parse(struct req *r, req_body_reader body_read, void *ctx)
{
	r->method = req_env(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	r->head = strcmp(r->method, "HEAD") == 0;
	const char *uri = req_env(r, "REQUEST_URI");
	if (uri == NULL)
		uri = req_env(r, "DOCUMENT_URI");
	if (uri == NULL || uri[0] != '/' || strlen(uri) > 4096) {
		resp_json_error(r, 400, "bad request URI");
		return false;
	}
	r->raw_uri = arena_strdup(r->arena, uri);
	const char *q = strchr(uri, '?');
	char *path = arena_strndup(r->arena, uri, q ? (size_t)(q - uri) : strlen(uri));
	if (!url_decode(path, false)) {
		resp_json_error(r, 400, "bad percent-encoding in path");
		return false;
	}
	r->path = path;
	r->query_string = q ? arena_strdup(r->arena, q + 1) : "";
	r->nquery = form_parse(r->arena, arena_strdup(r->arena, r->query_string), r->query, REQ_MAXQUERY);
	r->content_type = req_env(r, "CONTENT_TYPE");

	size_t limit;
	bool html;
	bool binary = route_body_policy(r->method, r->path, r->cfg, &limit, &html);
	const char *cl = req_env(r, "CONTENT_LENGTH");
	long long declared = (cl && *cl) ? atoll(cl) : 0;
	if (declared < 0 || (unsigned long long)declared > limit) {
		req_parse_refuse(r, html, 413, "Too large", arena_printf(r->arena, "request body over %zu bytes", limit));
		return false;
	}
	/* sized from the declared length (a GET has none) and doubled as the body comes, up to the
	 * limit and one byte more (to see that it is over): not max_body_kb zeroed for every request */
	size_t cap = (size_t)declared + 2 < REQ_BODY_START ? REQ_BODY_START : (size_t)declared + 2;
	if (cap > limit + 2)
		cap = limit + 2;
	char *body = arena_alloc(r->arena, cap);
	size_t got = 0;
	while (got <= limit) {
		if (got == cap - 1) {       /* full (one byte kept for the NUL): cap <= limit + 1 here */
			size_t bigger = cap * 2 < limit + 2 ? cap * 2 : limit + 2;
			char *p = arena_alloc(r->arena, bigger);
			memcpy(p, body, got);
			body = p;
			cap = bigger;
		}
		int n = body_read(ctx, body + got, (int)(cap - 1 - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->body = body;
	if (got > limit) {
		req_parse_refuse(r, html, 413, "Too large", arena_printf(r->arena, "request body over %zu bytes", limit));
		return false;
	}
	r->body[got] = '\0';
	r->body_len = got;
	if (!binary && memchr(r->body, '\0', r->body_len)) {
		req_parse_refuse(r, html, 400, "Bad request", "request body contains a NUL byte");
		return false;
	}
	return true;
}

void resp_header(struct req *r, const char *name, const char *value)
{
	buf_puts(&r->headers, name);
	buf_puts(&r->headers, ": ");
	for (const char *p = value; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_putc(&r->headers, *p);
	buf_puts(&r->headers, "\r\n");
}

void resp_json_error(struct req *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->status = status;
	r->content_type_out = "application/json; charset=utf-8";
	r->cache_control = "no-store";
	buf_reset(&r->body_out);
	buf_puts(&r->body_out, "{\"error\":");
	out_json_str(&r->body_out, msg);
	buf_puts(&r->body_out, "}\n");
}

void resp_err(struct req *r, enum bc_err e, const char *detail)
{
	if (detail && *detail)
		resp_json_error(r, bc_http_status(e), "%s: %s", bc_strerror(e), detail);
	else
		resp_json_error(r, bc_http_status(e), "%s", bc_strerror(e));
}

void resp_html_error(struct req *r, int status, const char *title, const char *detail)
{
	struct buf *b = &r->body_out;
	r->status = status;
	r->content_type_out = "text/html; charset=utf-8";
	r->cache_control = "no-store";
	buf_reset(b);
	out_raw_trusted(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	                   "<link rel=\"stylesheet\" href=\"/static/style.css\"><title>");
	out_text(b, title);
	out_raw_trusted(b, "</title></head><body><main class=\"error-page\"><h1>");
	out_text(b, title);
	out_raw_trusted(b, "</h1><p>");
	out_text(b, detail);
	out_raw_trusted(b, "</p><p><a href=\"/\">Back to the status page</a></p></main></body></html>\n");
}
