/* settings.h: page settings have one owner: a page key set in beacon.conf is owned by the config (applied to
 * the store at every start of serve and by every CLI write, refused by v1 and import); one not set there is
 * owned by the store (init writes the default, v1 PATCH and import change it). */
#ifndef BEACON_SETTINGS_H
#define BEACON_SETTINGS_H
#include <stdbool.h>
#include "config.h"
#include "store.h"

/* The config key that owns a page field ("name", "url", "time_zone", "default_language", "languages"),
 * or NULL when the store owns it (the key is not set in beacon.conf). */
const char *settings_owner(const struct config *c, const char *field);
/* The config key that refuses setting field to value: the owner when it is the config and value
 * differs from the config's (setting the same value changes nothing and is allowed); else NULL. */
const char *settings_refuses(const struct config *c, const char *field, const char *value);
/* Sets p's config-owned fields from c (arena strings); true when one changed. */
bool settings_apply(const struct config *c, struct arena *a, struct page_settings *p);
/* In a write transaction: the stored page settings get the config-owned values (nothing when the
 * page is not initialised or nothing differs); *changed (when not NULL) says whether it wrote. */
enum bc_err settings_sync_tx(const struct config *c, struct stx *t, bool *changed);
/* The same in a transaction of its own (serve at start). */
enum bc_err settings_sync(const struct config *c, struct store *s);

#endif
