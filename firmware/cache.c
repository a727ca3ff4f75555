/* cache.c: bounded in-memory cache of rendered responses with libdeflate gzip copies and ETags. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <libdeflate.h>
#include "cache.h"
#include "store.h"

#define NBUCKETS 256

struct entry {
	struct entry *next;
	char *key;
	struct cached *c;
	int64_t used_ms;
};

static struct {
	pthread_mutex_t mu;
	struct entry *b[NBUCKETS];
	size_t n, bytes, max_entries, max_bytes;
} cache = { .mu = PTHREAD_MUTEX_INITIALIZER };

static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void cache_etag(const char *body, size_t len, char out[40])
{
	snprintf(out, 40, "\"%016llx\"", (unsigned long long)fnv1a(body, len));
}

bool etag_matches(const char *inm, const char *etag)
{
	if (inm == NULL)
		return false;
	size_t n = strlen(etag);
	const char *p = inm;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		/* nginx may add "-gzip"-free weak forms; compare the quoted value exactly */
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

static void cached_free(struct cached *c)
{
	free(c->body);
	free(c->gz);
	free(c);
}

void cache_release(struct cached *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&cache.mu);
	int last = --c->refs == 0;
	pthread_mutex_unlock(&cache.mu);
	if (last)
		cached_free(c);
}

void cache_init(size_t max_entries, size_t max_bytes)
{
	cache.max_entries = max_entries;
	cache.max_bytes = max_bytes;
}

static size_t entry_bytes(const struct entry *e)
{
	return strlen(e->key) + e->c->body_len + e->c->gz_len + sizeof *e->c;
}

static void unlink_entry(struct entry **pp)
{
	struct entry *e = *pp;
	*pp = e->next;
	cache.n--;
	cache.bytes -= entry_bytes(e);
	if (--e->c->refs == 0)
		cached_free(e->c);
	free(e->key);
	free(e);
}

void cache_shutdown(void)
{
	pthread_mutex_lock(&cache.mu);
	for (int i = 0; i < NBUCKETS; i++)
		while (cache.b[i])
			unlink_entry(&cache.b[i]);
	pthread_mutex_unlock(&cache.mu);
}

static struct entry **find(const char *key)
{
	struct entry **pp = &cache.b[fnv1a(key, strlen(key)) % NBUCKETS];
	while (*pp && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->next;
	return pp;
}

struct cached *cache_get(const char *key, uint64_t gen, int64_t max_age_ms)
{
	struct cached *c = NULL;
	int64_t now = now_ms();
	pthread_mutex_lock(&cache.mu);
	struct entry **pp = find(key);
	/* Pages are rendered for the minute (relative times, uptime up to now rounded down to the
	 * minute): a render of an earlier minute is stale even within max_age. */
	if (*pp && (*pp)->c->generation == gen && now - (*pp)->c->made_ms < max_age_ms &&
	    (*pp)->c->made_ms / 60000 == now / 60000) {
		c = (*pp)->c;
		c->refs++;
		(*pp)->used_ms = now;
	}
	pthread_mutex_unlock(&cache.mu);
	return c;
}

/* Drops the least recently used entry; caller holds the lock. */
static void evict_one(void)
{
	struct entry **victim = NULL;
	for (int i = 0; i < NBUCKETS; i++)
		for (struct entry **pp = &cache.b[i]; *pp; pp = &(*pp)->next)
			if (victim == NULL || (*pp)->used_ms < (*victim)->used_ms)
				victim = pp;
	if (victim)
		unlink_entry(victim);
}

static void *xmemdup(const void *p, size_t n)
{
	void *q = malloc(n + 1);
	if (q == NULL)
		abort();
	memcpy(q, p, n);
	((char *)q)[n] = '\0';
	return q;
}

struct cached *cache_put(const char *key, uint64_t gen, int status, const char *content_type,
                         const char *body, size_t len)
{
	struct cached *c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	c->status = status;
	snprintf(c->content_type, sizeof c->content_type, "%s", content_type);
	cache_etag(body, len, c->etag);
	c->body = xmemdup(body, len);
	c->body_len = len;
	c->generation = gen;
	c->made_ms = now_ms();
	c->refs = 2;                         /* the cache's and the caller's */
	if (len >= 256) {
		struct libdeflate_compressor *z = libdeflate_alloc_compressor(6);
		if (z) {
			size_t bound = libdeflate_gzip_compress_bound(z, len);
			c->gz = malloc(bound);
			if (c->gz == NULL)
				abort();
			c->gz_len = libdeflate_gzip_compress(z, body, len, c->gz, bound);
			libdeflate_free_compressor(z);
			if (c->gz_len == 0 || c->gz_len >= len) {
				free(c->gz);
				c->gz = NULL;
				c->gz_len = 0;
			}
		}
	}
	struct entry *e = calloc(1, sizeof *e);
	if (e == NULL)
		abort();
	e->key = xmemdup(key, strlen(key));
	e->c = c;
	e->used_ms = c->made_ms;
	pthread_mutex_lock(&cache.mu);
	struct entry **pp = find(key);
	if (*pp)
		unlink_entry(pp);
	while (cache.n > 0 && (cache.n >= cache.max_entries || cache.bytes + entry_bytes(e) > cache.max_bytes))
		evict_one();
	if (entry_bytes(e) <= cache.max_bytes) {
		pp = &cache.b[fnv1a(key, strlen(key)) % NBUCKETS];
		e->next = *pp;
		*pp = e;
		cache.n++;
		cache.bytes += entry_bytes(e);
		e = NULL;
	}
	pthread_mutex_unlock(&cache.mu);
	if (e) {                             /* too large to keep: hand it out uncached */
		c->refs = 1;
		free(e->key);
		free(e);
	}
	return c;
}
