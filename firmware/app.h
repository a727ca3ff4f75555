/* app.h: process-wide state shared by request threads: config, the current store, render cache. */
#ifndef BEACON_APP_H
#define BEACON_APP_H
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "store.h"

struct app;

/* Takes a reference to the store now being served. On a secondary the store is swapped when a new
 * snapshot is installed; the old one closes when its last reference is released. */
struct store *app_store_acquire(struct app *a);
void app_store_release(struct app *a, struct store *s);
/* Installs a newly opened store (secondary snapshot swap). Takes ownership of s. */
void app_store_swap(struct app *a, struct store *s);
bool app_readonly(const struct app *a);        /* true on a secondary */
const struct config *app_config(const struct app *a);

#endif
