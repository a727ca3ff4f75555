/* cache.h: rendered responses kept per store generation, URI and language, with a gzip copy. */
#ifndef BEACON_CACHE_H
#define BEACON_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct cached {                       /* one immutable rendered response, shared by readers */
	int status;
	char content_type[64];
	char etag[40];                    /* "\"<16 hex>\"" from a hash of the body */
	char *body, *gz;
	size_t body_len, gz_len;          /* gz_len 0: not compressed (small or incompressible) */
	uint64_t generation;
	int64_t made_ms;
	int refs;
};

void cache_init(size_t max_entries, size_t max_bytes);
void cache_shutdown(void);
/* A fresh entry for key at generation gen made less than max_age_ms ago and in this minute, with a
 * reference; or NULL. */
struct cached *cache_get(const char *key, uint64_t gen, int64_t max_age_ms);
/* Builds an entry from a rendered body (computes ETag and gzip), stores it under key, returns it
 * with a reference held by the caller. */
struct cached *cache_put(const char *key, uint64_t gen, int status, const char *content_type,
                         const char *body, size_t len);
void cache_release(struct cached *c);
/* The ETag of an arbitrary body (same scheme as cached entries). */
void cache_etag(const char *body, size_t len, char out[40]);
/* True when an If-None-Match header value lists etag (or is "*"). */
bool etag_matches(const char *if_none_match, const char *etag);

#endif
