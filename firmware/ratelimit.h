/* ratelimit.h: per-key request limits (API keys, failing client addresses) over a sliding 60-second window, in bounded memory. */
#ifndef BEACON_RATELIMIT_H
#define BEACON_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 1024      /* keys tracked at once; the stalest is evicted beyond that */

/* Counts one request of key at now_ms against per_minute (0 or less: unlimited). Returns false when
 * the request is over the limit, with *retry_after set to the seconds until one more would pass. */
bool ratelimit_take(const char *key, int per_minute, int64_t now_ms, int *retry_after);
/* Whether one more request of key would pass now, without counting it. */
bool ratelimit_allows(const char *key, int per_minute, int64_t now_ms, int *retry_after);
/* Forgets every key (tests, config reload). */
void ratelimit_reset(void);

#endif
