/* out.h: the one output module: writers named for the context they escape for, and a JSON writer. */
#ifndef BEACON_OUT_H
#define BEACON_OUT_H
#include <stdbool.h>
#include <stdint.h>
#include "arena.h"

/* Literal markup from our own code: never pass request or store data here. */
void out_raw_trusted(struct buf *b, const char *s);
/* HTML text node: escapes & < > " ' ; drops NUL and C0 controls except \t \n; replaces invalid UTF-8 with U+FFFD. */
void out_text(struct buf *b, const char *s);
void out_textn(struct buf *b, const char *s, size_t n);
/* Double-quoted HTML attribute value (same escaping as out_text, also \t \n as entities). */
void out_attr(struct buf *b, const char *s);
/* One URL component (path segment or query value): percent-encodes all but unreserved. Safe inside attributes. */
void out_url_arg(struct buf *b, const char *s);
/* A quoted JSON string with \uXXXX for controls, and </ written as <\/ (safe in <script>). NULL writes null. */
void out_json_str(struct buf *b, const char *s);
/* XML text/attribute for feeds: same as out_text but with XML-only entities (&#39; for '). */
void out_xml(struct buf *b, const char *s);
/* A quoted Prometheus label value: escapes \\, " and newline. */
void out_prom_label(struct buf *b, const char *s);
/* True if url is http:, https: or mailto: (after trimming and case-folding the scheme), or relative without a scheme. */
bool url_is_safe(const char *url);

/*
 * JSON writer: keeps a nesting stack so it cannot emit invalid JSON.
 * Inside an object every call takes a key; inside an array pass key = NULL.
 * Misuse sets jw->err (and writes nothing more); callers check jw_ok() once at the end.
 */
#define JW_MAXDEPTH 32
struct jw {
	struct buf *b;
	int depth;
	bool err;
	char kind[JW_MAXDEPTH];     /* 'o' object, 'a' array */
	uint32_t count[JW_MAXDEPTH];
	bool pretty;
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);   /* NULL val -> null */
void jw_int(struct jw *w, const char *key, int64_t val);
void jw_double(struct jw *w, const char *key, double val);      /* NaN/Inf -> err */
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);
void jw_raw(struct jw *w, const char *key, const char *json);   /* pre-serialized JSON we produced */
bool jw_ok(const struct jw *w);                                 /* balanced and no misuse */

#endif
