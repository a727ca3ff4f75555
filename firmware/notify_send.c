/* notify_send.c: one delivery attempt: signed webhook/Slack POST, SMTP relay or sendmail; the retry schedule; SSRF checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/base64.h>
#include "notify.h"
#include "sign.h"
#include "tlsclient.h"

static const int64_t retry_s[NOTIFY_MAX_ATTEMPTS - 1] = {
	5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600,
};

int64_t notify_retry_delay_ms(int n)
{
	static double scale = -1;
	if (scale < 0) {
		const char *e = getenv("BEACON_NOTIFY_TIME_SCALE");
		scale = e && atof(e) > 0 ? atof(e) : 1.0;
	}
	if (n < 1)
		n = 1;
	if (n > NOTIFY_MAX_ATTEMPTS - 1)
		n = NOTIFY_MAX_ATTEMPTS - 1;
	int64_t ms = (int64_t)((double)retry_s[n - 1] * 1000.0 * scale);
	return ms < 1 ? 1 : ms;
}

/* Public unicast addresses only: no loopback, private, link-local, CGNAT, multicast or unspecified. */
static bool addr_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
		unsigned b1 = a >> 24, b2 = (a >> 16) & 0xff;
		return !(b1 == 0 || b1 == 10 || b1 == 127 || (b1 == 169 && b2 == 254) || (b1 == 172 && (b2 & 0xf0) == 16) ||
		         (b1 == 192 && b2 == 168) || (b1 == 100 && (b2 & 0xc0) == 64) || b1 >= 224);
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			struct sockaddr_in v4 = { .sin_family = AF_INET };
			memcpy(&v4.sin_addr, &a->s6_addr[12], 4);
			return addr_public((const struct sockaddr *)&v4);
		}
		return !(IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
		         IN6_IS_ADDR_MULTICAST(a) || (a->s6_addr[0] & 0xfe) == 0xfc);
	}
	return false;
}

static void send_http(const struct config *cfg, struct notify_job *j)
{
	char sig_b64[64];
	char ts[24], idh[DELIV_ID_MAX + 16], tsh[48], sigh[100];
	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	const char *headers[6] = { "Content-Type: application/json", NULL };
	if (j->mode == SUB_WEBHOOK) {
		/* Standard Webhooks: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")> */
		struct buf msg;
		buf_init(&msg);
		buf_printf(&msg, "%s.%s.", j->d.id, ts);
		buf_append(&msg, j->body, j->body_len);
		unsigned char mac[SIGN_SHA256_LEN];
		sign_hmac_sha256(j->key, sizeof j->key, msg.p, msg.len, mac);
		buf_free(&msg);
		size_t olen = 0;
		mbedtls_base64_encode((unsigned char *)sig_b64, sizeof sig_b64, &olen, mac, sizeof mac);
		sig_b64[olen] = '\0';
		snprintf(idh, sizeof idh, "webhook-id: %s", j->d.id);
		snprintf(tsh, sizeof tsh, "webhook-timestamp: %s", ts);
		snprintf(sigh, sizeof sigh, "webhook-signature: v1,%s", sig_b64);
		headers[1] = idh;
		headers[2] = tsh;
		headers[3] = sigh;
	}
	struct http_opts o = { .ca_file = cfg->ca_file, .connect_timeout_ms = 10000, .read_timeout_ms = NOTIFY_TIMEOUT_MS,
	                       .headers = headers, .method = "POST", .body = j->body, .body_len = j->body_len,
	                       .user_agent = "beacon-notify/1 (+Standard Webhooks)",
	                       .addr_ok = strcmp(cfg->notify_allow_private, "yes") == 0 ? NULL : addr_public };
	struct http_resp *resp = malloc(sizeof *resp);
	if (resp == NULL) {
		snprintf(j->why, sizeof j->why, "out of memory");
		return;
	}
	enum bc_err e = http_get(j->url, &o, resp, NULL, NULL, NULL, j->why, sizeof j->why);
	j->status = resp->status;
	if (e == BC_OK) {
		j->ok = resp->status >= 200 && resp->status < 300;
		j->gone = resp->status == 410;
		if (!j->ok)
			snprintf(j->why, sizeof j->why, "HTTP %d", resp->status);
	}
	free(resp);
}

/* ---- SMTP ---- */

struct smtp {
	int fd;
	struct tls_conn *tls;          /* after STARTTLS */
	char line[1024];
	char *why;
	size_t whylen;
};

/* Reads one (multi-line) reply; its code, or -1. */
static int smtp_reply(struct smtp *s)
{
	size_t have = 0;
	for (;;) {
		ssize_t n;
		if (s->tls) {
			n = tls_conn_read(s->tls, s->line + have, sizeof s->line - 1 - have);
		} else {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			if (poll(&p, 1, NOTIFY_TIMEOUT_MS) <= 0) {
				snprintf(s->why, s->whylen, "SMTP: reply timed out");
				return -1;
			}
			n = recv(s->fd, s->line + have, sizeof s->line - 1 - have, 0);
		}
		if (n <= 0) {
			snprintf(s->why, s->whylen, "SMTP: connection closed");
			return -1;
		}
		have += (size_t)n;
		s->line[have] = '\0';
		/* the last line of a reply is "ddd " */
		char *last = s->line, *nl;
		while ((nl = strstr(last, "\r\n")) && nl[2] != '\0')
			last = nl + 2;
		if (nl && strlen(last) >= 4 && last[3] == ' ')
			return atoi(last);
		if (have >= sizeof s->line - 1) {          /* long multi-line reply: keep the tail */
			char *keep = strrchr(s->line, '\n');
			size_t k = keep ? strlen(keep + 1) : 0;
			memmove(s->line, s->line + have - k, k);
			have = k;
		}
	}
}

static bool smtp_write(struct smtp *s, const char *p, size_t n)
{
	if (s->tls)
		return tls_conn_write(s->tls, p, n) == 0;
	return send(s->fd, p, n, MSG_NOSIGNAL) == (ssize_t)n;
}

static int smtp_cmd(struct smtp *s, int want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int smtp_cmd(struct smtp *s, int want, const char *fmt, ...)
{
	char cmd[1200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd || !smtp_write(s, cmd, (size_t)n)) {
		snprintf(s->why, s->whylen, "SMTP: send failed");
		return -1;
	}
	int code = smtp_reply(s);
	if (code >= 0 && code / 100 != want) {
		char *eol = strstr(s->line, "\r\n");
		snprintf(s->why, s->whylen, "SMTP: %.*s", eol ? (int)(eol - s->line) : 200, s->line);
	}
	return code;
}

static int smtp_connect(const struct config *cfg, char *why, size_t whylen)
{
	char port[8];
	snprintf(port, sizeof port, "%d", cfg->smtp_port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(cfg->smtp_host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "SMTP: resolve %.100s: %s", cfg->smtp_host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		struct timeval tv = { .tv_sec = NOTIFY_TIMEOUT_MS / 1000 };
		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
				snprintf(why, whylen, "SMTP: connect %.100s:%s: %s", cfg->smtp_host, port, strerror(errno));
				close(fd);
				fd = -1;
			}
		}
	}
	freeaddrinfo(res);
	return fd;
}

static void b64(const char *in, size_t n, char *out, size_t outlen)
{
	size_t olen = 0;
	mbedtls_base64_encode((unsigned char *)out, outlen, &olen, (const unsigned char *)in, n);
	out[olen] = '\0';
}

/* AUTH PLAIN when the server offers it (s->line holds the EHLO reply), else AUTH LOGIN. */
static bool smtp_auth(struct smtp *s, const struct config *cfg, int *code)
{
	char plain[1100], enc[1500];
	const char *auth = strstr(s->line, "AUTH");
	if (auth && strstr(auth, "PLAIN")) {
		int n = snprintf(plain, sizeof plain, "%c%s%c%s", 0, cfg->smtp_user, 0, cfg->smtp_password);
		b64(plain, (size_t)n, enc, sizeof enc);
		return (*code = smtp_cmd(s, 2, "AUTH PLAIN %s\r\n", enc)) / 100 == 2;
	}
	if ((*code = smtp_cmd(s, 3, "AUTH LOGIN\r\n")) / 100 != 3)
		return false;
	b64(cfg->smtp_user, strlen(cfg->smtp_user), enc, sizeof enc);
	if ((*code = smtp_cmd(s, 3, "%s\r\n", enc)) / 100 != 3)
		return false;
	b64(cfg->smtp_password, strlen(cfg->smtp_password), enc, sizeof enc);
	return (*code = smtp_cmd(s, 2, "%s\r\n", enc)) / 100 == 2;
}

#define SMTP_MAILS_PER_SESSION 100    /* then QUIT and a new connection */

struct notify_conn {
	struct smtp s;
	bool open;
	int mails;                    /* sent in this session */
};

struct notify_conn *notify_conn_new(void)
{
	struct notify_conn *c = calloc(1, sizeof *c);
	if (c)
		c->s.fd = -1;
	return c;
}

static void smtp_close(struct notify_conn *c, bool quit)
{
	if (c->open && quit)
		smtp_write(&c->s, "QUIT\r\n", 6);
	tls_conn_free(c->s.tls);
	c->s.tls = NULL;
	if (c->s.fd >= 0)
		close(c->s.fd);
	c->s.fd = -1;
	c->open = false;
	c->mails = 0;
}

void notify_conn_free(struct notify_conn *c)
{
	if (c == NULL)
		return;
	char why[64];
	c->s.why = why;
	c->s.whylen = sizeof why;
	smtp_close(c, true);
	free(c);
}

/* Connects, reads the greeting, EHLO, STARTTLS and EHLO again, AUTH: a session ready for MAIL.
 * The reply code of the step that failed, or 0 with the reason in s->why. */
static int smtp_open(const struct config *cfg, struct notify_conn *c)
{
	struct smtp *s = &c->s;
	if ((s->fd = smtp_connect(cfg, s->why, s->whylen)) < 0)
		return 0;
	int code = smtp_reply(s);
	if (code / 100 != 2 || (code = smtp_cmd(s, 2, "EHLO beacon\r\n")) / 100 != 2)
		return code;
	if (strcmp(cfg->smtp_starttls, "yes") == 0) {
		if (!strstr(s->line, "STARTTLS")) {
			snprintf(s->why, s->whylen, "SMTP: %.100s offers no STARTTLS (smtp_starttls = yes)", cfg->smtp_host);
			return 0;
		}
		if ((code = smtp_cmd(s, 2, "STARTTLS\r\n")) / 100 != 2)
			return code;
		if ((s->tls = tls_conn_start(s->fd, cfg->smtp_host, cfg->ca_file, NOTIFY_TIMEOUT_MS, s->why, s->whylen)) == NULL)
			return 0;
		if ((code = smtp_cmd(s, 2, "EHLO beacon\r\n")) / 100 != 2)
			return code;
	}
	if (cfg->smtp_user[0] && !smtp_auth(s, cfg, &code))
		return code;
	c->open = true;
	return code;
}

/* One mail on the worker's session c, opened (or reopened) as needed; kept open after it. */
static void send_smtp(const struct config *cfg, struct notify_conn *c, struct notify_job *j)
{
	struct smtp *s = &c->s;
	s->why = j->why;
	s->whylen = sizeof j->why;
	if (c->open && c->mails >= SMTP_MAILS_PER_SESSION)
		smtp_close(c, true);
	int code = 0;
	const char *from = strchr(cfg->notify_from, '<') ? strchr(cfg->notify_from, '<') + 1 : cfg->notify_from;
	size_t fl = strcspn(from, ">");
	for (int tries = 0; tries < 2; tries++) {
		bool reused = c->open;
		if (!c->open && (code = smtp_open(cfg, c), !c->open))
			goto fail;
		code = smtp_cmd(s, 2, "MAIL FROM:<%.*s>\r\n", (int)fl, from);
		if (code / 100 == 2)
			break;
		if (!reused || (code >= 0 && code != 421))
			goto reset;
		smtp_close(c, false);           /* the server ended the idle session: once more on a new one */
	}
	if (code / 100 != 2)
		goto reset;
	if ((code = smtp_cmd(s, 2, "RCPT TO:<%s>\r\n", j->rcpt)) / 100 != 2 ||
	    (code = smtp_cmd(s, 3, "DATA\r\n")) / 100 != 3)
		goto reset;
	/* the message has base64 parts and CRLF lines; dot-stuff anyway */
	struct buf m;
	buf_init(&m);
	const char *p = j->body, *end = j->body + j->body_len;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (n > 0 && p[0] == '.')
			buf_putc(&m, '.');
		buf_append(&m, p, n);
		buf_puts(&m, "\r\n");
		p += n + (eol ? 2 : 0);
	}
	buf_puts(&m, ".\r\n");
	bool sent = smtp_write(s, m.p, m.len);
	buf_free(&m);
	if (!sent) {
		snprintf(j->why, sizeof j->why, "SMTP: sending the message failed");
		code = 0;
		goto fail;
	}
	code = smtp_reply(s);
	if (code / 100 == 2) {
		j->ok = true;
		j->why[0] = '\0';
		c->mails++;
		j->status = code;
		return;
	}
	if (code > 0) {
		char *eol = strstr(s->line, "\r\n");
		snprintf(j->why, sizeof j->why, "SMTP: %.*s", eol ? (int)(eol - s->line) : 200, s->line);
	}
reset:
	/* a refused mail: RSET keeps the session for the next one; anything worse ends it */
	j->status = code > 0 ? code : 0;
	if (code > 0 && code != 421 && c->open) {
		char keep[sizeof j->why];
		snprintf(keep, sizeof keep, "%s", j->why);
		if (smtp_cmd(s, 2, "RSET\r\n") / 100 == 2) {
			snprintf(j->why, sizeof j->why, "%s", keep);
			return;
		}
		snprintf(j->why, sizeof j->why, "%s", keep);
	}
	smtp_close(c, code > 0);
	return;
fail:
	j->status = code > 0 ? code : 0;
	smtp_close(c, false);
}

/* `sendmail -oi -f FROM -- RCPT`, the message on its stdin; exit 0 = accepted. */
static void send_sendmail(const struct config *cfg, struct notify_job *j)
{
	int in[2];
	if (pipe(in) != 0) {
		snprintf(j->why, sizeof j->why, "sendmail: pipe: %s", strerror(errno));
		return;
	}
	const char *from = strchr(cfg->notify_from, '<') ? strchr(cfg->notify_from, '<') + 1 : cfg->notify_from;
	char envfrom[CFG_STR_MAX];
	snprintf(envfrom, sizeof envfrom, "%.*s", (int)strcspn(from, ">"), from);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		execl(cfg->sendmail, cfg->sendmail, "-oi", "-f", envfrom, "--", j->rcpt, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	if (pid < 0) {
		close(in[1]);
		snprintf(j->why, sizeof j->why, "sendmail: fork: %s", strerror(errno));
		return;
	}
	size_t off = 0;
	while (off < j->body_len) {
		ssize_t n = write(in[1], j->body + off, j->body_len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	j->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	j->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && off == j->body_len;
	if (!j->ok)
		snprintf(j->why, sizeof j->why, "%.100s exited with status %d", cfg->sendmail, j->status);
}

void notify_send(const struct config *cfg, struct notify_conn *c, struct notify_job *j)
{
	j->ok = j->gone = false;
	j->status = 0;
	j->why[0] = '\0';
	if (j->mode != SUB_EMAIL)
		send_http(cfg, j);
	else if (cfg->smtp_host[0] && c)
		send_smtp(cfg, c, j);
	else
		send_sendmail(cfg, j);
}
