/* app.c: process-wide state: the config, and the served store with reference counts for hot swaps. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "app_internal.h"
#include "log.h"

#define MAX_HELD 16

struct held {
	struct store *s;
	int refs;          /* requests using it, plus one while it is current */
};

struct app {
	const struct config *cfg;
	pthread_mutex_t mu;
	struct held held[MAX_HELD];
	struct store *current;
	bool readonly;
};

struct app *app_new(const struct config *cfg, struct store *s, bool readonly)
{
	struct app *a = calloc(1, sizeof *a);
	if (a == NULL)
		abort();
	a->cfg = cfg;
	a->readonly = readonly;
	pthread_mutex_init(&a->mu, NULL);
	if (s) {
		a->held[0].s = s;
		a->held[0].refs = 1;
		a->current = s;
	}
	return a;
}

void app_free(struct app *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < MAX_HELD; i++)
		if (a->held[i].s)
			store_close(a->held[i].s);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

struct store *app_store_acquire(struct app *a)
{
	struct store *s = NULL;
	pthread_mutex_lock(&a->mu);
	if (a->current) {
		for (int i = 0; i < MAX_HELD; i++)
			if (a->held[i].s == a->current) {
				a->held[i].refs++;
				s = a->current;
				break;
			}
	}
	pthread_mutex_unlock(&a->mu);
	return s;
}

/* Drops one reference from slot i; returns the store to close when it was the last. */
static struct store *unref_locked(struct app *a, int i)
{
	if (--a->held[i].refs > 0)
		return NULL;
	struct store *s = a->held[i].s;
	a->held[i].s = NULL;
	return s;
}

void app_store_release(struct app *a, struct store *s)
{
	struct store *close_me = NULL;
	if (s == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	for (int i = 0; i < MAX_HELD; i++)
		if (a->held[i].s == s) {
			close_me = unref_locked(a, i);
			break;
		}
	pthread_mutex_unlock(&a->mu);
	if (close_me) {
		log_debug("closing replaced store %s", store_path(close_me));
		store_close(close_me);
	}
}

void app_store_swap(struct app *a, struct store *s)
{
	struct store *close_me = NULL;
	pthread_mutex_lock(&a->mu);
	int slot = -1;
	for (int i = 0; i < MAX_HELD && slot < 0; i++)
		if (a->held[i].s == NULL)
			slot = i;
	if (slot < 0) {
		/* every slot pinned by an old store still in use: keep serving the current one */
		pthread_mutex_unlock(&a->mu);
		log_warnx("store swap refused: %d older stores still in use", MAX_HELD);
		store_close(s);
		return;
	}
	for (int i = 0; i < MAX_HELD; i++)
		if (a->current && a->held[i].s == a->current) {
			close_me = unref_locked(a, i);
			break;
		}
	a->held[slot].s = s;
	a->held[slot].refs = 1;
	a->current = s;
	pthread_mutex_unlock(&a->mu);
	if (close_me)
		store_close(close_me);
}

int app_stores_open(struct app *a)
{
	int n = 0;
	pthread_mutex_lock(&a->mu);
	for (int i = 0; i < MAX_HELD; i++)
		n += a->held[i].s != NULL;
	pthread_mutex_unlock(&a->mu);
	return n;
}

bool app_readonly(const struct app *a)
{
	return a->readonly;
}

void app_set_readonly(struct app *a, bool ro)
{
	a->readonly = ro;
}

const struct config *app_config(const struct app *a)
{
	return a->cfg;
}
