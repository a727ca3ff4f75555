/* log.h: one log module to stderr; request-supplied bytes are escaped before they are logged. */
#ifndef BEACON_LOG_H
#define BEACON_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies untrusted s into dst (size n) with non-printables as \xNN; returns dst. */
char *log_escape(char *dst, size_t n, const char *s);
extern int log_verbose;

#endif
