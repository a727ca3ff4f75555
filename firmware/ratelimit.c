/* ratelimit.c: sliding-window request counters per API key in a fixed table, shared by all threads. */
#include <pthread.h>
#include <string.h>
#include "ratelimit.h"

#define WINDOW_MS 60000
#define KEY_MAX 64                  /* "authfail " + an IPv6 address fits */
#define PROBES 8

/* Two adjacent fixed windows; the sliding count weighs the previous one by how much of it
 * still overlaps the last 60 seconds. */
struct slot {
	char key[KEY_MAX];
	int64_t window_start;        /* start of the current fixed window, ms */
	uint32_t cur, prev;
};

static struct slot slots[RATELIMIT_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;      /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The key's slot, or a fresh one replacing an empty or the stalest slot in its probe run. */
static struct slot *slot_for(const char *key, int64_t now)
{
	uint32_t h = hash(key);
	struct slot *victim = NULL;
	for (int i = 0; i < PROBES; i++) {
		struct slot *s = &slots[(h + (uint32_t)i) % RATELIMIT_SLOTS];
		if (strcmp(s->key, key) == 0)
			return s;
		if (victim == NULL || s->key[0] == '\0' ||
		    (victim->key[0] != '\0' && s->window_start < victim->window_start))
			victim = s;
	}
	memset(victim, 0, sizeof *victim);
	strncpy(victim->key, key, KEY_MAX - 1);
	victim->window_start = now - now % WINDOW_MS;
	return victim;
}

static void advance(struct slot *s, int64_t now)
{
	int64_t start = now - now % WINDOW_MS;
	if (start == s->window_start)
		return;
	s->prev = start - s->window_start == WINDOW_MS ? s->cur : 0;
	s->cur = 0;
	s->window_start = start;
}

static bool ratelimit_count(const char *key, int per_minute, int64_t now_ms, int *retry_after, bool take)
{
	if (per_minute <= 0)
		return true;
	pthread_mutex_lock(&lock);
	struct slot *s = slot_for(key, now_ms);
	advance(s, now_ms);
	int64_t elapsed = now_ms - s->window_start;
	double weight = (double)(WINDOW_MS - elapsed) / WINDOW_MS;
	double count = s->prev * weight + s->cur;
	bool ok = count + 1 <= per_minute;
	if (ok) {
		s->cur += take;
	} else {
		/* the first moment the sliding count leaves room for one more: still in this window (prev's
		 * weight dropping), or in the next one, where this window's count is the one that fades */
		int64_t wait_ms;
		if (s->cur + 1 <= (uint32_t)per_minute && s->prev > 0) {
			double need = 1.0 - (double)(per_minute - 1 - (int)s->cur) / s->prev;
			wait_ms = (int64_t)(need * WINDOW_MS) + 1 - elapsed;
		} else {
			double need = s->cur > 0 ? 1.0 - (double)(per_minute - 1) / s->cur : 0;
			wait_ms = WINDOW_MS - elapsed + (need > 0 ? (int64_t)(need * WINDOW_MS) + 1 : 0);
		}
		if (wait_ms < 1)
			wait_ms = 1;
		*retry_after = (int)((wait_ms + 999) / 1000);
		if (*retry_after < 1)
			*retry_after = 1;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

bool ratelimit_take(const char *key, int per_minute, int64_t now_ms, int *retry_after)
{
	return ratelimit_count(key, per_minute, now_ms, retry_after, true);
}

bool ratelimit_allows(const char *key, int per_minute, int64_t now_ms, int *retry_after)
{
	return ratelimit_count(key, per_minute, now_ms, retry_after, false);
}

void ratelimit_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof slots);
	pthread_mutex_unlock(&lock);
}
