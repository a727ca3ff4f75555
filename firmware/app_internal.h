/* app_internal.h: creating and tearing down the app; used by server.c, repl.c and tests only. */
#ifndef BEACON_APP_INTERNAL_H
#define BEACON_APP_INTERNAL_H
#include "app.h"

struct app *app_new(const struct config *cfg, struct store *s, bool readonly);  /* s may be NULL */
void app_free(struct app *a);
int app_stores_open(struct app *a);          /* stores still open (current + draining) */
void app_set_readonly(struct app *a, bool ro);

#endif
