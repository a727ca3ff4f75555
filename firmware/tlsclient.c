/* tlsclient.c: blocking HTTP/1.0 GET over TCP or mbedtls TLS (1.2 minimum, CA + hostname check), with timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "sign.h"
#include "tlsclient.h"

#define URL_MAX 2048

struct url {
	bool tls;
	char host[256];
	char port[8];
	char hostport[272];     /* for the Host header */
	char path[URL_MAX];
};

struct conn {
	int fd;
	bool tls;
	int read_timeout_ms;
	int64_t deadline;           /* CLOCK_MONOTONIC ms; 0: none */
	bool deadline_hit;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	struct ca_chain *ca;         /* shared, see ca_acquire */
};

/* The parsed CA bundle, shared by every connection of the process (the sender's workers each had
 * their own parse of all Debian CAs, about 1 MB apiece). Parsed on the first https/STARTTLS
 * connection only, again when the file changes (path, inode, size or mtime), freed with its last
 * user. Verification only reads it, so concurrent handshakes can share it. */
struct ca_chain {
	mbedtls_x509_crt crt;
	int refs;                    /* users, + 1 while it is the current one */
	char path[1024];
	struct stat st;
};
static pthread_mutex_t ca_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ca_chain *ca_current;

static bool ca_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void ca_release(struct ca_chain *ca)
{
	if (ca == NULL)
		return;
	pthread_mutex_lock(&ca_lock);
	bool last = --ca->refs == 0;
	pthread_mutex_unlock(&ca_lock);
	if (last) {
		mbedtls_x509_crt_free(&ca->crt);
		free(ca);
	}
}

/* The chain of ca_file, parsed now or shared; NULL with a reason (mbedtls' error code in *rc). */
static struct ca_chain *ca_acquire(const char *path, int *rc)
{
	struct stat st;
	*rc = 0;
	if (stat(path, &st) != 0) {
		*rc = MBEDTLS_ERR_X509_FILE_IO_ERROR;
		return NULL;
	}
	pthread_mutex_lock(&ca_lock);
	struct ca_chain *ca = ca_current;
	if (ca && strcmp(ca->path, path) == 0 && ca_same_file(&ca->st, &st)) {
		ca->refs++;
		pthread_mutex_unlock(&ca_lock);
		return ca;
	}
	ca = calloc(1, sizeof *ca);
	if (ca == NULL || strlen(path) >= sizeof ca->path) {
		pthread_mutex_unlock(&ca_lock);
		free(ca);
		*rc = MBEDTLS_ERR_X509_ALLOC_FAILED;
		return NULL;
	}
	mbedtls_x509_crt_init(&ca->crt);
	if ((*rc = mbedtls_x509_crt_parse_file(&ca->crt, path)) < 0) {       /* under the lock: parsed once */
		pthread_mutex_unlock(&ca_lock);
		mbedtls_x509_crt_free(&ca->crt);
		free(ca);
		return NULL;
	}
	snprintf(ca->path, sizeof ca->path, "%s", path);
	ca->st = st;
	ca->refs = 2;                /* this user and ca_current */
	struct ca_chain *old = ca_current;
	ca_current = ca;
	pthread_mutex_unlock(&ca_lock);
	ca_release(old);
	return ca;
}

static bool url_parse(const char *u, struct url *o)
{
	memset(o, 0, sizeof *o);
	if (strncasecmp(u, "https://", 8) == 0) {
		o->tls = true;
		u += 8;
	} else if (strncasecmp(u, "http://", 7) == 0) {
		u += 7;
	} else {
		return false;
	}
	const char *host = u, *end;
	if (*u == '[') {                          /* [IPv6] */
		end = strchr(u, ']');
		if (end == NULL)
			return false;
		host = u + 1;
		u = end + 1;
	} else {
		end = u + strcspn(u, ":/?#");
		u = end;
	}
	size_t hl = (size_t)(end - host);
	if (hl == 0 || hl >= sizeof o->host)
		return false;
	memcpy(o->host, host, hl);
	if (strspn(o->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != hl)
		return false;
	strcpy(o->port, o->tls ? "443" : "80");
	bool explicit_port = false;
	if (*u == ':') {
		size_t pl = strspn(u + 1, "0123456789");
		if (pl == 0 || pl > 5 || atoi(u + 1) > 65535 || atoi(u + 1) == 0)
			return false;
		memcpy(o->port, u + 1, pl);
		o->port[pl] = '\0';
		u += 1 + pl;
		explicit_port = true;
	}
	if (*u != '\0' && *u != '/')
		return false;
	const char *path = *u ? u : "/";
	if (strlen(path) >= sizeof o->path)
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '#')
			return false;
	strcpy(o->path, path);
	bool v6 = strchr(o->host, ':') != NULL;
	snprintf(o->hostport, sizeof o->hostport, "%s%s%s%s%s", v6 ? "[" : "", o->host, v6 ? "]" : "",
	         explicit_port ? ":" : "", explicit_port ? o->port : "");
	return true;
}

bool http_url_ok(const char *u)
{
	struct url parsed;
	return u != NULL && url_parse(u, &parsed);
}

/* Non-blocking connect bounded by timeout_ms, then back to blocking with send/recv timeouts. */
static int connect_timeout(const struct url *u, const struct http_opts *o, char *why, size_t whylen)
{
	int timeout_ms = o->deadline_ms > 0 && o->deadline_ms < o->connect_timeout_ms ? o->deadline_ms : o->connect_timeout_ms;
	int io_timeout_ms = o->read_timeout_ms;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "resolve %s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (o->addr_ok && !o->addr_ok(ai->ai_addr)) {
			snprintf(why, whylen, "refused address of %s (private, loopback or link-local; see notify_allow_private)",
			         u->host);
			continue;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		int err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			err = errno;
			if (err == EINPROGRESS) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				int n;
				while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
					;
				socklen_t len = sizeof err;
				if (n == 0)
					err = ETIMEDOUT;
				else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
					err = errno;
			}
		}
		if (err == 0)
			break;
		snprintf(why, whylen, "connect %s:%s: %s", u->host, u->port, strerror(err));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	struct timeval tv = { .tv_sec = io_timeout_ms / 1000, .tv_usec = (io_timeout_ms % 1000) * 1000 };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* timeout_ms cut to what is left before the connection's deadline; 0 once it has passed. */
static int clamp_timeout(struct conn *c, int timeout_ms)
{
	if (c->deadline == 0)
		return timeout_ms;
	int64_t left = c->deadline - mono_ms();
	if (left <= 0) {
		c->deadline_hit = true;
		return 0;
	}
	return left < timeout_ms ? (int)left : timeout_ms;
}

/* Socket read with a poll() timeout (poll, unlike mbedtls' select(), has no fd limit), bounded by
 * the deadline. */
static int raw_recv(struct conn *c, unsigned char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int t = clamp_timeout(c, timeout_ms);
	if (t == 0 && c->deadline_hit)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	int n = poll(&p, 1, t);
	if (n == 0) {
		if (c->deadline != 0 && t < timeout_ms)
			c->deadline_hit = true;
		return MBEDTLS_ERR_SSL_TIMEOUT;
	}
	if (n < 0)
		return errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
	ssize_t r = recv(c->fd, buf, len, 0);
	if (r < 0)
		return errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
	return (int)r;
}

static int bio_recv_timeout(void *ctx, unsigned char *buf, size_t len, uint32_t timeout_ms)
{
	struct conn *c = ctx;
	return raw_recv(c, buf, len, timeout_ms > 0 ? (int)timeout_ms : c->read_timeout_ms);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

static void mbed_why(int rc, const char *what, char *why, size_t whylen)
{
	char msg[160];
	mbedtls_strerror(rc, msg, sizeof msg);
	snprintf(why, whylen, "%s: %s", what, msg);
}

static int tls_start(struct conn *c, const struct url *u, const struct http_opts *o, char *why, size_t whylen)
{
	int rc;
	if ((c->ca = ca_acquire(o->ca_file, &rc)) == NULL) {
		mbed_why(rc, o->ca_file, why, whylen);
		return -1;
	}
	if ((rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	                                      MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
		mbed_why(rc, "tls config", why, whylen);
		return -1;
	}
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca->crt, NULL);
	mbedtls_ssl_conf_rng(&c->conf, sign_rng, NULL);
	mbedtls_ssl_conf_read_timeout(&c->conf, (uint32_t)o->read_timeout_ms);
	if ((rc = mbedtls_ssl_setup(&c->ssl, &c->conf)) != 0 || (rc = mbedtls_ssl_set_hostname(&c->ssl, u->host)) != 0) {
		mbed_why(rc, "tls setup", why, whylen);
		return -1;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, NULL, bio_recv_timeout);
	while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0) {
			char info[256];
			mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
			info[strcspn(info, "\n")] = '\0';
			snprintf(why, whylen, "tls certificate of %s refused: %s", u->host, info);
		} else {
			mbed_why(rc, "tls handshake", why, whylen);
		}
		return -1;
	}
	return 0;
}

static int conn_write(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		int w = c->tls ? mbedtls_ssl_write(&c->ssl, (const unsigned char *)p, n)
		               : bio_send(c, (const unsigned char *)p, n);
		if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Bytes read, 0 at end of stream, or a negative mbedtls error (MBEDTLS_ERR_SSL_TIMEOUT on timeout). */
static int conn_read(struct conn *c, unsigned char *buf, size_t n)
{
	for (;;) {
		int r = c->tls ? mbedtls_ssl_read(&c->ssl, buf, n) : raw_recv(c, buf, n, c->read_timeout_ms);
		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_SSL_CONN_EOF)
			return 0;
		return r;
	}
}

static void read_error(const struct conn *c, int r, char *why, size_t whylen)
{
	if (r == MBEDTLS_ERR_SSL_TIMEOUT && c->deadline_hit)
		snprintf(why, whylen, "deadline exceeded: the transfer did not finish in time (pull_deadline_seconds)");
	else if (r == MBEDTLS_ERR_SSL_TIMEOUT)
		snprintf(why, whylen, "read timed out");
	else
		mbed_why(r, "read", why, whylen);
}

const char *http_resp_header(const struct http_resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *line = strstr(r->head, "\r\n");
	while (line != NULL && line[2] != '\0') {
		line += 2;
		const char *eol = strstr(line, "\r\n");
		if (eol == NULL)
			break;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *e = eol;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			size_t vl = (size_t)(e - v);
			if (vl >= n)
				return NULL;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		line = eol;
	}
	return NULL;
}

static bool parse_head(struct http_resp *r)
{
	char cl[32];
	if (strncmp(r->head, "HTTP/1.", 7) != 0 || r->head[8] != ' ')
		return false;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (r->head[i] < '0' || r->head[i] > '9')
			return false;
		status = status * 10 + (r->head[i] - '0');
	}
	r->status = status;
	r->content_length = -1;
	if (http_resp_header(r, "Content-Length", cl, sizeof cl) != NULL) {
		char *end;
		errno = 0;
		long long v = strtoll(cl, &end, 10);
		if (errno || end == cl || *end != '\0' || v < 0)
			return false;
		r->content_length = v;
	}
	return true;
}

static enum bc_err exchange(struct conn *c, const struct url *u, const struct http_opts *o, struct http_resp *resp,
                            http_head_fn on_head, http_body_fn on_body, void *ctx, char *why, size_t whylen)
{
	char req[URL_MAX + 2048];
	int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: %s\r\n"
	                 "Accept: */*\r\nConnection: close\r\n", o->method ? o->method : "GET", u->path, u->hostport,
	                 o->user_agent ? o->user_agent : "beacon-pull");
	if (o->body)
		n += snprintf(req + n, sizeof req - (size_t)n, "Content-Length: %zu\r\n", o->body_len);
	for (const char *const *h = o->headers; h != NULL && *h != NULL; h++) {
		if (strpbrk(*h, "\r\n") != NULL || n + strlen(*h) + 4 >= sizeof req) {
			snprintf(why, whylen, "bad request header");
			return BC_INVALID;
		}
		n += snprintf(req + n, sizeof req - (size_t)n, "%s\r\n", *h);
	}
	n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
	if (conn_write(c, req, (size_t)n) != 0 || (o->body && conn_write(c, o->body, o->body_len) != 0)) {
		snprintf(why, whylen, "sending request to %s failed", u->hostport);
		return BC_IO;
	}
	size_t have = 0;
	char *end = NULL;
	while (end == NULL) {
		if (have >= HTTP_HEAD_MAX) {
			snprintf(why, whylen, "response headers over %d bytes", HTTP_HEAD_MAX);
			return BC_TOOBIG;
		}
		int r = conn_read(c, (unsigned char *)resp->head + have, HTTP_HEAD_MAX - have);
		if (r <= 0) {
			if (r == 0)
				snprintf(why, whylen, "connection closed before the response headers");
			else
				read_error(c, r, why, whylen);
			return BC_IO;
		}
		have += (size_t)r;
		resp->head[have] = '\0';
		end = memmem(resp->head, have, "\r\n\r\n", 4);
	}
	size_t body_start = (size_t)(end - resp->head) + 4;
	size_t extra = have - body_start;
	unsigned char first[HTTP_HEAD_MAX];
	memcpy(first, resp->head + body_start, extra);
	resp->head[body_start - 2] = '\0';          /* keep the last header's CRLF, drop the blank line */
	if (!parse_head(resp)) {
		snprintf(why, whylen, "malformed HTTP response");
		return BC_IO;
	}
	enum bc_err e = on_head ? on_head(ctx, resp) : BC_OK;
	if (e != BC_OK || resp->status == 304 || resp->status == 204)
		return e;
	int64_t total = (int64_t)extra;
	if (extra > 0 && on_body && (e = on_body(ctx, first, extra)) != BC_OK)
		return e;
	unsigned char *buf = malloc(1 << 16);
	if (buf == NULL)
		return BC_ENOMEM;
	for (;;) {
		if (resp->content_length >= 0 && total >= resp->content_length)
			break;
		int r = conn_read(c, buf, 1 << 16);
		if (r == 0)
			break;
		if (r < 0) {
			read_error(c, r, why, whylen);
			e = BC_IO;
			break;
		}
		total += r;
		if (on_body && (e = on_body(ctx, buf, (size_t)r)) != BC_OK)
			break;
	}
	free(buf);
	if (e == BC_OK && resp->content_length >= 0 && total != resp->content_length) {
		snprintf(why, whylen, "body truncated: %lld of %lld bytes", (long long)total,
		         (long long)resp->content_length);
		e = BC_IO;
	}
	return e;
}

enum bc_err http_get(const char *url, const struct http_opts *o, struct http_resp *resp,
                     http_head_fn on_head, http_body_fn on_body, void *ctx, char *why, size_t whylen)
{
	struct url u;
	struct conn c = { .fd = -1, .read_timeout_ms = o->read_timeout_ms,
	                  .deadline = o->deadline_ms > 0 ? mono_ms() + o->deadline_ms : 0 };
	memset(resp, 0, sizeof *resp);
	if (!url_parse(url, &u)) {
		snprintf(why, whylen, "bad URL (want http[s]://host[:port]/path)");
		return BC_INVALID;
	}
	c.tls = u.tls;
	c.fd = connect_timeout(&u, o, why, whylen);
	if (c.fd < 0)
		return BC_IO;
	mbedtls_ssl_init(&c.ssl);
	mbedtls_ssl_config_init(&c.conf);
	enum bc_err e = BC_IO;
	if (!c.tls || tls_start(&c, &u, o, why, whylen) == 0)
		e = exchange(&c, &u, o, resp, on_head, on_body, ctx, why, whylen);
	if (c.tls && e == BC_OK)
		mbedtls_ssl_close_notify(&c.ssl);
	mbedtls_ssl_free(&c.ssl);
	mbedtls_ssl_config_free(&c.conf);
	ca_release(c.ca);
	close(c.fd);
	return e;
}

struct tls_conn {
	struct conn c;
};

struct tls_conn *tls_conn_start(int fd, const char *host, const char *ca_file, int timeout_ms, char *why, size_t whylen)
{
	struct url u;
	memset(&u, 0, sizeof u);
	if (strlen(host) >= sizeof u.host) {
		snprintf(why, whylen, "host name too long");
		return NULL;
	}
	strcpy(u.host, host);
	struct tls_conn *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->c.fd = fd;
	t->c.tls = true;
	t->c.read_timeout_ms = timeout_ms;
	mbedtls_ssl_init(&t->c.ssl);
	mbedtls_ssl_config_init(&t->c.conf);
	struct http_opts o = { .ca_file = ca_file, .read_timeout_ms = timeout_ms };
	if (tls_start(&t->c, &u, &o, why, whylen) != 0) {
		tls_conn_free(t);
		return NULL;
	}
	return t;
}

int tls_conn_write(struct tls_conn *t, const void *p, size_t n)
{
	return conn_write(&t->c, p, n);
}

int tls_conn_read(struct tls_conn *t, void *p, size_t n)
{
	return conn_read(&t->c, p, n);
}

void tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	mbedtls_ssl_close_notify(&t->c.ssl);
	mbedtls_ssl_free(&t->c.ssl);
	mbedtls_ssl_config_free(&t->c.conf);
	ca_release(t->c.ca);
	free(t);
}
