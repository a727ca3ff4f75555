/* route.c: the route table walk and the one place that checks method, auth, replica mode, language and cache. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "admin.h"
#include "app.h"
#include "brand.h"
#include "cache.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "out.h"
#include "pages.h"
#include "ratelimit.h"
#include "req.h"
#include "web.h"

#define AUTH_FAILS_PER_MINUTE 10     /* invalid API keys per client address */

static void core_static(struct req *r);

const struct route routes_core[] = {
	{ "GET", "/static/:name", core_static, 0, NULL },
	{ NULL, NULL, NULL, 0, NULL },
};

static const struct route *const tables[] = {
	routes_core, routes_ops, routes_pages, routes_api_v2, routes_api_v1, routes_api_v1_subscribers, routes_subscribe,
	routes_repl, routes_brand, routes_intake,
};
/* tables[i]'s class in beacon_http_requests_total */
static const enum metrics_route table_class[] = {
	MR_STATIC, MR_OPS, MR_PAGES, MR_API_V2, MR_API_V1, MR_API_V1, MR_PAGES, MR_REPLICATION, MR_PAGES, MR_INTAKE,
};

/* Matches pattern against path; ":name" captures one non-empty segment. */
static bool pattern_match(const char *pat, const char *path, struct req *r, int *np)
{
	int n = 0;
	while (*pat && *path) {
		if (*pat == ':') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || n >= ROUTE_MAXPARAMS)
				return false;
			r->params[n++] = arena_strndup(r->arena, path, len);
			while (*pat && *pat != '/')
				pat++;
			path += len;
			continue;
		}
		if (*pat++ != *path++)
			return false;
	}
	*np = n;
	return *pat == '\0' && *path == '\0';
}

static bool method_ok(const struct route *rt, const char *m)
{
	return strcmp(rt->method, "*") == 0 || strcmp(rt->method, m) == 0 ||
	       (strcmp(rt->method, "GET") == 0 && strcmp(m, "HEAD") == 0);
}

const struct route *route_match(struct req *r, bool *allowed)
{
	*allowed = false;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct route *rt = tables[t]; rt->pattern; rt++) {
			int n = 0;
			if (!pattern_match(rt->pattern, r->path, r, &n))
				continue;
			if (method_ok(rt, r->method)) {
				r->route = rt->pattern;
				r->route_class = (int)table_class[t];
				return rt;
			}
			*allowed = true;
		}
	return NULL;
}

/* Lists the methods the path answers to, for 405 and OPTIONS. */
static void allow_header(struct req *r)
{
	struct buf b;
	buf_init(&b);
	const char *seen[8];
	size_t nseen = 0;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct route *rt = tables[t]; rt->pattern; rt++) {
			int n;
			if (!pattern_match(rt->pattern, r->path, r, &n))
				continue;
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup |= strcmp(seen[i], rt->method) == 0;
			if (dup || nseen == 8)
				continue;
			seen[nseen++] = rt->method;
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, rt->method);
			if (strcmp(rt->method, "GET") == 0)
				buf_puts(&b, ", HEAD");
		}
	if (b.len) {
		buf_puts(&b, ", OPTIONS");
		resp_header(r, "Allow", b.p);
	}
	buf_free(&b);
}

/* ?lang=, then Accept-Language by q-value, then the configured default. */
/* The page's languages and default: beacon.conf's when it sets them, else the store's (settings.c
 * owns the rule; the store's are what the admin and v1 edit). */
/* The store's two language keys as of one store generation: every request negotiates its language,
 * and decoding the page record cost more than the rest of a request answered from the render
 * cache. Any write makes a new generation (as for the render cache), so a stale copy is never used. */
static struct {
	pthread_mutex_t mu;
	const struct store *s;
	uint64_t gen;
	bool valid;
	char langs[64], dflt[16];           /* "" when the store has none */
} page_langs = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The store's languages and default_language (arena copies, "" when unset); false when unreadable. */
static bool route_store_languages(struct req *r, struct stx *t, const char **langs, const char **dflt)
{
	uint64_t gen = store_generation(t);
	bool hit = false;
	pthread_mutex_lock(&page_langs.mu);
	if (page_langs.valid && page_langs.s == r->store && page_langs.gen == gen) {
		*langs = arena_strdup(r->arena, page_langs.langs);
		*dflt = arena_strdup(r->arena, page_langs.dflt);
		hit = true;
	}
	pthread_mutex_unlock(&page_langs.mu);
	if (hit)
		return true;
	struct page_settings p;
	if (store_page_get(t, &p) != BC_OK)
		return false;
	*langs = p.languages ? p.languages : "";
	*dflt = p.default_language ? p.default_language : "";
	if (strlen(*langs) < sizeof page_langs.langs && strlen(*dflt) < sizeof page_langs.dflt) {
		pthread_mutex_lock(&page_langs.mu);
		page_langs.s = r->store;
		page_langs.gen = gen;
		strcpy(page_langs.langs, *langs);
		strcpy(page_langs.dflt, *dflt);
		page_langs.valid = true;
		pthread_mutex_unlock(&page_langs.mu);
	}
	return true;
}

void route_page_languages(struct req *r, const char **langs, const char **dflt)
{
	*langs = r->cfg->languages;
	*dflt = r->cfg->default_language;
	bool own_l = config_key_set(r->cfg, "languages"), own_d = config_key_set(r->cfg, "default_language");
	if (own_l && own_d)
		return;
	struct stx *t = r->store ? req_tx(r) : NULL;
	const char *sl, *sd;
	if (t == NULL || !route_store_languages(r, t, &sl, &sd))
		return;
	if (!own_l && *sl)
		*langs = sl;
	if (!own_d && *sd)
		*dflt = sd;
}

const char *route_negotiate_lang(struct req *r)
{
	const char *langs, *dflt;
	route_page_languages(r, &langs, &dflt);
	const char *q = req_query(r, "lang");
	if (q && strlen(q) == 2 && strstr(langs, q))
		return strcmp(q, "es") == 0 ? "es" : "en";
	const char *al = req_header(r, "Accept-Language");
	const char *best = NULL;
	double bestq = 0;
	if (al && strlen(al) < 1024) {
		const char *p = al;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			char tag[3] = { 0 };
			if (((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z') && ((p[1] | 32) >= 'a' && (p[1] | 32) <= 'z')) {
				tag[0] = (char)(p[0] | 32);
				tag[1] = (char)(p[1] | 32);
			}
			double qv = 1.0;
			const char *end = strchr(p, ',');
			const char *semi = strstr(p, ";q=");
			if (semi && (end == NULL || semi < end))
				sscanf(semi + 3, "%lf", &qv);
			if (tag[0] && qv > bestq && strstr(langs, tag) &&
			    (strcmp(tag, "en") == 0 || strcmp(tag, "es") == 0)) {
				best = strcmp(tag, "es") == 0 ? "es" : "en";
				bestq = qv;
			}
			if (end == NULL)
				break;
			p = end + 1;
		}
	}
	if (best)
		return best;
	return strcmp(dflt, "es") == 0 ? "es" : "en";
}

static int scope_needed(unsigned flags)
{
	if (flags & R_AUTH_ADMIN) return SCOPE_ADMIN;
	if (flags & R_AUTH_REPL) return SCOPE_REPLICATION;
	if (flags & R_AUTH_INTAKE) return SCOPE_INTAKE;
	if (flags & R_AUTH_WRITE) return SCOPE_WRITE;
	if (flags & R_AUTH_READ) return SCOPE_READ;
	return 0;
}

/* Answers 429 with Retry-After to a client address that failed authentication too often. */
static void auth_refuse_flood(struct req *r, int retry)
{
	char s[16];
	snprintf(s, sizeof s, "%d", retry);
	resp_header(r, "Retry-After", s);
	resp_json_error(r, 429, "too many failed authentications from this address (%d a minute); retry in %d s",
	                AUTH_FAILS_PER_MINUTE, retry);
}

/* Authenticates from Authorization (OAuth <key>, Bearer <key>, or the bare key) or ?api_key=; false
 * after writing the error. Invalid keys count against the client address: past AUTH_FAILS_PER_MINUTE
 * it gets 429 without its keys being checked. */
static bool authenticate(struct req *r, unsigned flags)
{
	int need = scope_needed(flags);
	const char *key = NULL;
	const char *h = req_header(r, "Authorization");
	if (h) {
		if (strncasecmp(h, "OAuth ", 6) == 0)
			key = h + 6;
		else if (strncasecmp(h, "Bearer ", 7) == 0)
			key = h + 7;
		else if (strchr(h, ' ') == NULL)
			key = h;                          /* the bare key, as Statuspage also accepts */
		while (key && *key == ' ')
			key++;
	}
	if (key == NULL)
		key = req_query(r, "api_key");
	if (key == NULL || *key == '\0') {
		resp_header(r, "WWW-Authenticate", "OAuth realm=\"beacon\"");
		resp_json_error(r, 401, "Could not authenticate: missing API key (send Authorization: OAuth <key>)");
		return false;
	}
	char fail_key[80];
	int retry = 0;
	snprintf(fail_key, sizeof fail_key, "authfail %s", req_client_addr(r));
	if (!ratelimit_allows(fail_key, AUTH_FAILS_PER_MINUTE, now_ms(), &retry)) {
		auth_refuse_flood(r, retry);
		return false;
	}
	struct stx *tx = req_tx(r);
	if (tx == NULL) {
		resp_err(r, BC_STORE, NULL);
		return false;
	}
	if (strlen(key) > TOKEN_TEXT_MAX || store_token_check(tx, key, &r->token) != BC_OK) {
		if (!ratelimit_take(fail_key, AUTH_FAILS_PER_MINUTE, now_ms(), &retry)) {
			auth_refuse_flood(r, retry);
			return false;
		}
		resp_header(r, "WWW-Authenticate", "OAuth realm=\"beacon\"");
		resp_json_error(r, 401, "Could not authenticate: invalid API key");
		return false;
	}
	bool ok;
	if (need == SCOPE_REPLICATION || need == SCOPE_INTAKE)
		ok = (int)r->token.scope == need || r->token.scope == SCOPE_ADMIN;
	else        /* the narrow scopes (replication, intake) open only their own routes */
		ok = r->token.scope <= SCOPE_ADMIN && (int)r->token.scope >= need;
	if (!ok) {
		resp_json_error(r, 403, "this key's scope (%s) does not allow this request (needs %s)",
		                scope_name(r->token.scope), scope_name((enum scope)need));
		return false;
	}
	r->authed = true;
	return true;
}

/* True when the client (REMOTE_ADDR, as the web server saw it) is 127.0.0.0/8 or ::1. */
static bool route_from_loopback(struct req *r)
{
	const char *a = req_env(r, "REMOTE_ADDR");
	return a && (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 || strncmp(a, "::ffff:127.", 11) == 0);
}

static bool accepts_gzip(struct req *r)
{
	const char *ae = req_header(r, "Accept-Encoding");
	return ae && strstr(ae, "gzip") && !strstr(ae, "gzip;q=0");
}

/* Serves a cached entry: 304 on a matching If-None-Match, else the gzip or plain body. */
/* Answers from a cache entry; takes over the caller's reference to it. */
static void serve_cached(struct req *r, struct cached *c)
{
	r->status = c->status;
	r->content_type_out = c->content_type;
	resp_header(r, "ETag", c->etag);
	resp_header(r, "Vary", "Accept-Encoding, Accept-Language");
	buf_reset(&r->body_out);
	if (c->status == 200 && etag_matches(req_header(r, "If-None-Match"), c->etag)) {
		r->status = 304;
		cache_release(c);
		return;
	}
	if (c->gz_len && accepts_gzip(r)) {
		resp_header(r, "Content-Encoding", "gzip");
		r->held_gz = true;
	}
	r->held = c;            /* sent from the entry itself, no copy; released after sending */
}

/* True when name is one of the comma list's entries. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == n && strncmp(p, name, n) == 0)
			return true;
	}
	return false;
}

const char *route_cache_key(struct req *r, const struct route *rt)
{
	struct kv kept[REQ_MAXQUERY];
	size_t nkept = 0;
	for (size_t i = 0; i < r->nquery; i++) {
		const struct kv *q = &r->query[i];
		if (!in_list(rt->query, q->key))
			continue;
		if (strcmp(q->key, "lang") == 0 && strcmp(q->val, "en") != 0 && strcmp(q->val, "es") != 0)
			continue;
		bool dup = false;
		for (size_t j = 0; j < nkept; j++)
			dup |= strcmp(kept[j].key, q->key) == 0;
		if (!dup)
			kept[nkept++] = *q;
	}
	memcpy(r->query, kept, nkept * sizeof kept[0]);
	r->nquery = nkept;
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s|%s", r->lang ? r->lang : "-", r->path);
	for (const char *p = rt->query; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(p, ","), p);
		const char *v = req_query(r, name);
		if (v) {
			buf_printf(&b, "|%s=", name);
			for (const char *c = v; *c; c++)       /* '|' and '=' escaped: the key stays unambiguous */
				if (*c == '|' || *c == '=' || *c == '%')
					buf_printf(&b, "%%%02X", (unsigned char)*c);
				else
					buf_putc(&b, *c);
		}
	}
	char *key = arena_strdup(r->arena, b.p);
	buf_free(&b);
	return key;
}

static pthread_mutex_t render_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_cached(struct req *r, const struct route *rt)
{
	struct stx *tx = req_tx(r);
	if (tx == NULL) {
		rt->fn(r);          /* the handler reports the store error itself */
		return;
	}
	uint64_t gen = store_generation(tx);
	const char *key = route_cache_key(r, rt);
	int64_t max_age = (int64_t)r->cfg->cache_seconds * 1000;
	struct cached *c = cache_get(key, gen, max_age);
	if (req_header(r, "Authorization") || req_query(r, "api_key"))
		metrics_inc(M_NGINX_BYPASS);
	if (c != NULL)
		metrics_inc(M_RENDER_CACHE_HITS);
	if (c == NULL) {
		/* One render at a time: when a new generation lands under load, the other readers wait
		 * a few ms for that render instead of all rendering the same page at once. */
		pthread_mutex_lock(&render_mu);
		c = cache_get(key, gen, max_age);
		if (c != NULL)
			metrics_inc(M_RENDER_CACHE_HITS);   /* rendered by the request we waited for */
		if (c == NULL) {
			size_t keep = r->headers.len;     /* headers set before the handler (CORS) */
			uint64_t t0 = metrics_now_us();
			metrics_inc(M_RENDER_CACHE_MISSES);
			rt->fn(r);
			metrics_render(metrics_now_us() - t0);
			if (r->status != 200 && r->status != 404) {
				pthread_mutex_unlock(&render_mu);
				return;         /* errors are never cached */
			}
			c = cache_put(key, gen, r->status,
			              r->content_type_out ? r->content_type_out : "text/html; charset=utf-8",
			              r->body_out.p ? r->body_out.p : "", r->body_out.len);
			r->headers.len = keep;            /* a cached response carries only what serve_cached adds */
			if (r->headers.p)
				r->headers.p[keep] = '\0';
			buf_free(&r->body_out);
		}
		pthread_mutex_unlock(&render_mu);
	}
	r->cache_control = "public, max-age=1, stale-if-error=86400";
	r->microcache = true;
	serve_cached(r, c);     /* takes over the reference */
}

static bool route_is_admin(const char *path)
{
	return strncmp(path, "/admin", 6) == 0 && (path[6] == '\0' || path[6] == '/');
}

void route_print(FILE *f)
{
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct route *rt = tables[t]; rt->pattern; rt++)
			fprintf(f, "%s %s\n", rt->method, rt->pattern);
}

bool route_body_policy(const char *method, const char *path, const struct config *cfg, size_t *limit, bool *html)
{
	*limit = (size_t)cfg->max_body_kb * 1024;
	*html = route_is_admin(path);
	return *html && admin_body_binary(method, path, limit);
}

void route_dispatch(struct req *r)
{
	bool allowed = false;
	r->status = 200;
	if (route_is_admin(r->path)) {
		admin_dispatch(r);          /* the admin's own table and checks (admin.c) */
		return;
	}
	const struct route *rt = route_match(r, &allowed);
	bool api = strncmp(r->path, "/api/", 5) == 0 || strncmp(r->path, "/v1/", 4) == 0;

	if (rt == NULL && strcmp(r->method, "OPTIONS") == 0 && allowed) {
		r->status = 204;
		allow_header(r);
		resp_header(r, "Access-Control-Allow-Origin", "*");
		resp_header(r, "Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		resp_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, If-None-Match");
		resp_header(r, "Access-Control-Max-Age", "86400");
		return;
	}
	if (rt == NULL) {
		if (allowed) {
			allow_header(r);
			if (api)
				resp_json_error(r, 405, "method %s not allowed here", r->method);
			else
				resp_html_error(r, 405, "Method not allowed", "This address does not accept that method.");
		} else if (api) {
			resp_json_error(r, 404, "no such endpoint");
		} else {
			r->lang = route_negotiate_lang(r);
			/* the pages module renders the styled, localized 404 when there is a store to read */
			if (r->store != NULL)
				page_not_found(r);
			else
				resp_html_error(r, 404, "Page not found", "There is nothing at this address.");
		}
		return;
	}
	bool json = (rt->flags & R_JSON_ERR) || api;
	if (rt->flags & R_CORS)
		resp_header(r, "Access-Control-Allow-Origin", "*");
	if (r->store == NULL && !(rt->flags & R_NO_STORE)) {
		if (json)
			resp_json_error(r, 503, "no data yet: this replica has not received a snapshot");
		else
			resp_html_error(r, 503, "Status temporarily unavailable", "This replica has not received its first snapshot yet.");
		resp_header(r, "Retry-After", "5");
		return;
	}
	if ((rt->flags & R_WRITE) && app_readonly(r->app)) {
		resp_json_error(r, 503, "read-only replica: send writes to the primary");
		return;
	}
	if (scope_needed(rt->flags) && !((rt->flags & R_LOOPBACK) && route_from_loopback(r)) &&
	    (r->store == NULL || !authenticate(r, rt->flags))) {
		if (r->store == NULL)
			resp_json_error(r, 503, "no data yet: tokens cannot be checked before the first snapshot");
		return;
	}
	if (rt->flags & R_LANG)
		r->lang = route_negotiate_lang(r);
	if ((rt->flags & R_CACHE) && (strcmp(r->method, "GET") == 0 || r->head)) {
		run_cached(r, rt);
		return;
	}
	rt->fn(r);
}

/* GET /static/:name: an embedded web/ asset. */
static void core_static(struct req *r)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".html", "text/html; charset=utf-8" },
	};
	const char *name = r->params[0];
	const struct web_asset *a = web_asset_get(name);
	const char *type = NULL;
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			type = types[i].type;
	if (a == NULL || type == NULL || strstr(name, "..")) {
		resp_html_error(r, 404, "Not found", "No such file.");
		return;
	}
	char etag[40];
	cache_etag((const char *)a->data, a->len, etag);
	resp_header(r, "ETag", etag);
	r->cache_control = "public, max-age=3600";
	r->content_type_out = type;
	if (etag_matches(req_header(r, "If-None-Match"), etag)) {
		r->status = 304;
		return;
	}
	buf_append(&r->body_out, a->data, a->len);
}
