/* req.h: one FastCGI request and its response, the handler contract, and the route table types. */
#ifndef BEACON_REQ_H
#define BEACON_REQ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "arena.h"
#include "config.h"
#include "err.h"
#include "store.h"

#define ROUTE_MAXPARAMS 4
#define REQ_MAXQUERY 32

struct app;      /* process-wide state: config, current store, caches (app.h) */

struct kv {
	const char *key, *val;   /* decoded, NUL-terminated, in the request arena */
};

struct cached;

struct req {
	struct arena *arena;               /* freed when the request ends */
	struct app *app;
	const struct config *cfg;

	/* request, all in the arena */
	const char *method;                /* "GET", "HEAD", "POST", ... */
	const char *path;                  /* decoded path, without query */
	const char *raw_uri;               /* REQUEST_URI as sent */
	const char *query_string;
	struct kv query[REQ_MAXQUERY];     /* decoded query pairs */
	size_t nquery;
	const char *params[ROUTE_MAXPARAMS];   /* path captures of the matched route, in order */
	const char *content_type;
	char *body;                        /* NUL-terminated; body_len bytes */
	size_t body_len;
	const char *lang;                  /* "en" or "es": ?lang=, Accept-Language, default */
	char **envp;                       /* FastCGI params (use req_header / req_env) */
	bool head;                         /* HEAD: server drops the body */
	const char *route;                 /* the matched route's pattern (what the log names), or NULL */
	int route_class;                   /* enum metrics_route of the matched table */

	/* auth (filled by the router for routes that need a token) */
	bool authed;
	struct token_info token;

	/* the read transaction, opened on first req_tx() and closed by the server */
	struct store *store;
	struct stx *tx;

	/* response */
	int status;                        /* 200 unless set */
	const char *content_type_out;      /* default text/html; charset=utf-8 */
	struct buf headers;                /* extra "Name: value\r\n" lines */
	struct buf body_out;
	const char *cache_control;         /* NULL: server default for the route */
	bool microcache;                   /* nginx may keep it until the end of this second */
	const char *csp;                   /* NULL: the public pages' Content-Security-Policy (the admin sets its own) */
	struct cached *held;               /* a render cache entry whose body is sent (instead of body_out); */
	                                   /* the server releases it after sending */
	bool held_gz;                      /* send the entry's gzip copy */
	int send_fd;                       /* >= 0: after the headers, stream send_len bytes of this fd */
	uint64_t send_len;                 /* (instead of body_out); the server closes the fd */
};

/* Request accessors. */
const char *req_env(struct req *r, const char *name);       /* raw FastCGI param or NULL */
const char *req_header(struct req *r, const char *name);    /* "If-None-Match" -> HTTP_IF_NONE_MATCH */
const char *req_query(struct req *r, const char *key);      /* first value or NULL */
/* The client's address: REMOTE_ADDR, or when that is one of trusted_proxies, the last address in
 * X-Forwarded-For that is not a trusted proxy itself. "" when unknown. */
const char *req_client_addr(struct req *r);
struct stx *req_tx(struct req *r);                          /* read txn for this request; NULL on error */

/* Response helpers. */
void resp_header(struct req *r, const char *name, const char *value);   /* value is CR/LF-stripped */
void resp_json_error(struct req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void resp_html_error(struct req *r, int status, const char *title, const char *detail);
void resp_err(struct req *r, enum bc_err e, const char *detail);        /* JSON error from a bc_err */

/* Form and JSON bodies: parses application/x-www-form-urlencoded into kv pairs (arena). */
size_t form_parse(struct arena *a, char *s, struct kv *out, size_t max);
/* Percent-decodes in place ('+' -> ' ' when plus is true); false on bad escapes or NUL bytes. */
bool url_decode(char *s, bool plus);

/* Reads up to n body bytes into p: the count, 0 at the end, -1 on error (libfcgi's FCGX_GetStr). */
typedef int (*req_body_reader)(void *ctx, char *p, int n);
/* Fills method, path, query, content type and body from r->envp (the FastCGI params) and the body
 * from body_read; false after writing the error response (400 bad URI, encoding or NUL; 413 too large),
 * both as route_body_policy says (limit, binary, page or JSON). */
bool req_parse(struct req *r, req_body_reader body_read, void *ctx);

/* Route table. */
typedef void (*handler_fn)(struct req *r);

enum route_flags {
	R_CACHE     = 1 << 0,   /* output depends only on store generation, uri, lang: cached, gzip, ETag */
	R_CORS      = 1 << 1,   /* Access-Control-Allow-Origin: * */
	R_LANG      = 1 << 2,   /* negotiate r->lang */
	R_WRITE     = 1 << 3,   /* refused with 503 on a read-only replica */
	R_AUTH_READ = 1 << 4,   /* needs a token of at least this scope */
	R_AUTH_WRITE = 1 << 5,
	R_AUTH_ADMIN = 1 << 6,
	R_AUTH_REPL = 1 << 7,   /* replication scope (or admin) */
	R_JSON_ERR  = 1 << 8,   /* errors from the router are JSON, not HTML */
	R_LOOPBACK  = 1 << 9,   /* with R_AUTH_*: a loopback client (REMOTE_ADDR) needs no token */
	R_NO_STORE  = 1 << 10,  /* runs even when no store is being served (a replica before its first snapshot) */
	R_AUTH_INTAKE = 1 << 11, /* intake scope (or admin) */
};

struct route {
	const char *method;     /* "GET" (also serves HEAD), "POST", "PATCH", "PUT", "DELETE", or "*" */
	const char *pattern;    /* "/api/v2/summary.json", "/incidents/:id", "/v1/pages/:page/incidents/:id" */
	handler_fn fn;
	unsigned flags;
	const char *query;      /* R_CACHE: the query parameters the handler reads ("lang,page"); the router
	                           drops every other one, and the render cache key holds only these */
};

/* Tables owned by their modules, each ending with { NULL }. route.c walks them in this order. */
extern const struct route routes_core[];     /* assets (route.c) */
extern const struct route routes_ops[];      /* /health, /metrics (health.c) */
extern const struct route routes_pages[];    /* HTML pages (issue 3) */
extern const struct route routes_api_v2[];   /* public JSON, feeds, badges */
extern const struct route routes_api_v1[];   /* management API */
extern const struct route routes_api_v1_subscribers[];   /* v1 subscribers (api_v1_subscribers.c) */
extern const struct route routes_subscribe[];   /* public subscribe, confirm, unsubscribe pages (page_subscribe.c) */
extern const struct route routes_repl[];     /* replication */
extern const struct route routes_intake[];   /* monitoring intake: Alertmanager, heartbeats, pushes */

/* For an R_CACHE route: keeps only the query parameters rt declares (the first of each, ?lang= only
 * when en or es) and returns the render cache key made of language, path and those parameters. */
const char *route_cache_key(struct req *r, const struct route *rt);

/* Finds the route for method+path; fills r->params. Returns NULL with *allowed set when the path
 * matches under another method (405), NULL with *allowed false when nothing matches (404). */
const struct route *route_match(struct req *r, bool *allowed);
/* The page language: ?lang=, then Accept-Language by q-value, then the configured default ("en" or "es"). */
const char *route_negotiate_lang(struct req *r);
/* The page's languages ("en,es") and default language: beacon.conf's when it sets them, else the store's. */
void route_page_languages(struct req *r, const char **langs, const char **dflt);
/* The body policy of method+path, before its body is read: limit is max_body_kb unless the route
 * declares its own; true when the body may hold binary bytes (NUL), only for such declared routes
 * (the admin's AR_BINARY rows). html: errors are pages (the admin), not JSON. */
/* Prints every row of the public route tables (all but /admin), "METHOD PATTERN" a line. */
void route_print(FILE *f);
bool route_body_policy(const char *method, const char *path, const struct config *cfg, size_t *limit, bool *html);
/* Runs one request end to end: match, auth, read-only check, cache, handler. */
void route_dispatch(struct req *r);

#endif
