/* log.h: one log module to stderr; request-supplied bytes are escaped before they are logged. */
#ifndef BEACON_LOG_H
#define BEACON_LOG_H
#include <stddef.h>
#include <stdint.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One request: its route pattern (NULL when nothing matched: then the path, escaped, is logged),
 * status, response bytes and time. Never the query string or headers: tokens stay out of logs. */
void log_request(const char *method, const char *route, const char *path, int status, uint64_t bytes,
                 uint64_t micros);
/* "text" (default) or "json": the config's log_format. */
void log_set_format(const char *format);
/* Copies untrusted s into dst (size n) with non-printables as \xNN; returns dst. */
char *log_escape(char *dst, size_t n, const char *s);
extern int log_verbose;

#endif
