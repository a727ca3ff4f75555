/* jsonlimit.h: the one way untrusted JSON text is parsed: nesting depth bounded before jansson sees it. */
#ifndef BEACON_JSONLIMIT_H
#define BEACON_JSONLIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define JSONLIMIT_MAX_DEPTH 32          /* objects and arrays inside each other */

/* Parses len bytes of JSON (duplicate keys refused). NULL when malformed (je says why) or nested
 * deeper than JSONLIMIT_MAX_DEPTH: then deep holds the path of keys that leads there
 * ("incident.metadata.a...", at most deeplen bytes), otherwise deep is "". */
json_t *jsonlimit_load(const char *p, size_t len, json_error_t *je, char *deep, size_t deeplen);

/* The nesting check alone: true when p is at most max levels deep; else false with the path in deep. */
bool jsonlimit_depth_ok(const char *p, size_t len, int max, char *deep, size_t deeplen);

#endif
