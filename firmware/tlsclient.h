/* tlsclient.h: a small blocking HTTP/1.0 GET client over TCP or TLS 1.2+ (mbedtls), with timeouts. */
#ifndef BEACON_TLSCLIENT_H
#define BEACON_TLSCLIENT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdint.h>
#include "err.h"

#define HTTP_HEAD_MAX 16384     /* status line + headers */

struct http_opts {
	const char *ca_file;               /* CA bundle for https (certificate and hostname are checked) */
	int connect_timeout_ms;
	int read_timeout_ms;               /* per read */
	int deadline_ms;                   /* the whole exchange, connect to last byte; 0: none */
	const char *const *headers;        /* extra "Name: value" lines, NULL-terminated; may be NULL */
	const char *method;                /* NULL = "GET" */
	const char *body;                  /* request body (POST), body_len bytes; NULL = none */
	size_t body_len;
	const char *user_agent;            /* NULL = "beacon-pull" */
	/* Called with each resolved address before connecting; false refuses it (SSRF checks). */
	bool (*addr_ok)(const struct sockaddr *sa);
};

struct http_resp {
	int status;
	int64_t content_length;            /* -1 when absent */
	char head[HTTP_HEAD_MAX + 1];      /* raw header block, NUL-terminated */
};

/* Copies the value of response header name (case-insensitive, trimmed) into out; NULL if absent. */
const char *http_resp_header(const struct http_resp *r, const char *name, char *out, size_t n);

/* Called once the headers are in; anything but BC_OK stops the transfer (the body is not read). */
typedef enum bc_err (*http_head_fn)(void *ctx, const struct http_resp *r);
/* Called for each piece of the body; anything but BC_OK stops the transfer. */
typedef enum bc_err (*http_body_fn)(void *ctx, const void *p, size_t n);

/* True when u is an http:// or https:// URL this client can fetch (host, optional port, path). */
bool http_url_ok(const char *u);

/* GET (or o->method) url (http:// or https://host[:port]/path). Past o->deadline_ms the transfer stops
 * with BC_IO ("deadline ... exceeded"), however slowly the bytes trickle. On a transport or protocol failure returns an
 * error with a reason in why; errors returned by the callbacks are passed through. A body shorter
 * than its Content-Length is an error. */
enum bc_err http_get(const char *url, const struct http_opts *o, struct http_resp *resp,
                     http_head_fn on_head, http_body_fn on_body, void *ctx, char *why, size_t whylen);

/* TLS on a connected socket (SMTP STARTTLS): certificate and hostname checked against ca_file.
 * NULL with a reason in why on failure; the fd stays the caller's. */
struct tls_conn;
struct tls_conn *tls_conn_start(int fd, const char *host, const char *ca_file, int timeout_ms, char *why, size_t whylen);
int tls_conn_write(struct tls_conn *t, const void *p, size_t n);      /* 0, or -1 */
int tls_conn_read(struct tls_conn *t, void *p, size_t n);             /* bytes, 0 at end, < 0 on error/timeout */
void tls_conn_free(struct tls_conn *t);                              /* close_notify, free; not the fd */

#endif
