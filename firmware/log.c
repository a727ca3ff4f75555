/* log.c: one line per event or request on stderr (text or JSON, for journald), with an escaper for untrusted bytes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "arena.h"
#include "log.h"
#include "metrics.h"
#include "out.h"

int log_verbose;
static bool log_json;

void log_set_format(const char *format)
{
	log_json = format && strcmp(format, "json") == 0;
}

/* "2026-12-01T12:00:00.123Z" (n >= 32), without strftime or printf (it runs for every request). */
static void log_timestamp(char *ts, size_t n)
{
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	int year = tm.tm_year + 1900;
	if (n < 32 || year < 1000 || year > 9999) {
		size_t len = strftime(ts, n, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + len, n - len, ".%03ldZ", now.tv_nsec / 1000000);
		return;
	}
	int v[6] = { year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec };
	static const char sep[6] = { '-', '-', 'T', ':', ':', '.' };
	char *e = ts;
	for (int i = 0; i < 6; i++) {
		if (i == 0) {
			*e++ = (char)('0' + v[0] / 1000);
			*e++ = (char)('0' + v[0] / 100 % 10);
		}
		*e++ = (char)('0' + v[i] / 10 % 10);
		*e++ = (char)('0' + v[i] % 10);
		*e++ = sep[i];
	}
	long ms = now.tv_nsec / 1000000;
	*e++ = (char)('0' + ms / 100);
	*e++ = (char)('0' + ms / 10 % 10);
	*e++ = (char)('0' + ms % 10);
	*e++ = 'Z';
	*e = '\0';
}

/* Writes b as one line with one write(2), so lines of concurrent threads never interleave. */
static void log_emit(struct buf *b)
{
	buf_putc(b, '\n');
	fwrite(b->p, 1, b->len, stderr);
	metrics_inc(M_LOG_LINES);
}

static void __attribute__((format(printf, 2, 0))) vlog(const char *level, const char *fmt, va_list ap, int err)
{
	char ts[40], msg[2048];
	log_timestamp(ts, sizeof ts);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (err && n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(err));
	struct buf b;
	buf_init(&b);
	if (log_json) {
		struct jw w;
		jw_init(&w, &b);
		jw_obj_open(&w, NULL);
		jw_str(&w, "time", ts);
		jw_str(&w, "level", level);
		jw_str(&w, "msg", msg);
		jw_obj_close(&w);
	} else {
		buf_printf(&b, "%s beacon[%s]: %s", ts, level, msg);
	}
	log_emit(&b);
	buf_free(&b);
}

/* Appends s at *e if it fits before end; false if not. */
static bool log_put(char **e, const char *end, const char *s)
{
	size_t n = strlen(s);
	if (n > (size_t)(end - *e))
		return false;
	memcpy(*e, s, n);
	*e += n;
	return true;
}

/* Decimal v, at least min digits (zero-padded). */
static bool log_put_u(char **e, const char *end, unsigned long long v, int min)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) || n < min);
	if (n > end - *e)
		return false;
	while (n)
		*(*e)++ = d[--n];
	return true;
}

/* The text request line (what log_request's buf_printf calls would write), without printf: one per
 * request. 0 when it does not fit in cap. */
static size_t log_request_text(char *out, size_t cap, const char *ts, const char *level, const char *method,
                               const char *route, const char *path, int status, uint64_t bytes, uint64_t micros)
{
	char esc[300];
	char *e = out;
	const char *end = out + cap;
	bool ok = log_put(&e, end, ts) && log_put(&e, end, " beacon[") && log_put(&e, end, level) &&
	          log_put(&e, end, "]: request method=") && log_put(&e, end, log_escape(esc, 16, method)) &&
	          log_put(&e, end, " route=") && log_put(&e, end, route ? route : "-");
	if (ok && route == NULL)
		ok = log_put(&e, end, " path=") && log_put(&e, end, log_escape(esc, sizeof esc, path));
	ok = ok && log_put(&e, end, " status=");
	if (ok && status < 0)
		ok = log_put(&e, end, "-");
	ok = ok && log_put_u(&e, end, status < 0 ? 0ULL - (unsigned long long)status : (unsigned long long)status, 1) &&
	     log_put(&e, end, " bytes=") && log_put_u(&e, end, (unsigned long long)bytes, 1) &&
	     log_put(&e, end, " ms=") && log_put_u(&e, end, (unsigned long long)(micros / 1000), 1) &&
	     log_put(&e, end, ".") && log_put_u(&e, end, (unsigned long long)(micros % 1000), 3) &&
	     log_put(&e, end, "\n");
	return ok ? (size_t)(e - out) : 0;
}

void log_request(const char *method, const char *route, const char *path, int status, uint64_t bytes,
                 uint64_t micros)
{
	char ts[40], esc[300];
	log_timestamp(ts, sizeof ts);
	const char *level = status >= 500 ? "warn" : "info";
	if (!log_json) {
		char line[1024];
		size_t n = log_request_text(line, sizeof line, ts, level, method, route, path, status, bytes, micros);
		if (n > 0) {            /* one write(2), as log_emit */
			fwrite(line, 1, n, stderr);
			metrics_inc(M_LOG_LINES);
			return;
		}
	}
	struct buf b;
	buf_init(&b);
	if (log_json) {
		struct jw w;
		jw_init(&w, &b);
		jw_obj_open(&w, NULL);
		jw_str(&w, "time", ts);
		jw_str(&w, "level", level);
		jw_str(&w, "event", "request");
		jw_str(&w, "method", method);
		jw_str(&w, "route", route);
		if (route == NULL)
			jw_str(&w, "path", log_escape(esc, sizeof esc, path));
		jw_int(&w, "status", status);
		jw_int(&w, "bytes", (int64_t)bytes);
		char ms[32];
		snprintf(ms, sizeof ms, "%llu.%03llu", (unsigned long long)(micros / 1000), (unsigned long long)(micros % 1000));
		jw_raw(&w, "duration_ms", ms);
		jw_obj_close(&w);
	} else {
		buf_printf(&b, "%s beacon[%s]: request method=%s route=%s", ts, level,
		           log_escape(esc, 16, method), route ? route : "-");
		if (route == NULL)
			buf_printf(&b, " path=%s", log_escape(esc, sizeof esc, path));
		buf_printf(&b, " status=%d bytes=%llu ms=%llu.%03llu", status, (unsigned long long)bytes,
		           (unsigned long long)(micros / 1000), (unsigned long long)(micros % 1000));
	}
	log_emit(&b);
	buf_free(&b);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", fmt, ap, 0);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warn", fmt, ap, 0);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("warn", fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("debug", fmt, ap, 0);
	va_end(ap);
}

char *log_escape(char *dst, size_t n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (n == 0)
		return dst;
	for (const unsigned char *p = (const unsigned char *)(s ? s : "(null)"); *p && o + 5 < n; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			dst[o++] = (char)*p;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
