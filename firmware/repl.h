/* repl.h: the secondary's snapshot watcher, started by `beacon serve` when role = secondary. */
#ifndef BEACON_REPL_H
#define BEACON_REPL_H
#include <stdbool.h>
#include <stdint.h>
#include "app.h"
#include "config.h"

/* Opens the newest installed snapshot (if any) into the app and starts a thread that swaps in
 * newer ones as `beacon pull` installs them. 0 on success. */
int repl_watch_start(struct app *a);
void repl_watch_stop(void);

/* True when this node serves snapshots read-only: role = secondary and `beacon promote` has not
 * left its marker (<store>/promoted) since. */
bool repl_is_secondary(const struct config *c);
/* On a secondary: ms time the primary last confirmed our data (0 if never); 0 on a primary. */
int64_t repl_last_sync_ms(const struct config *c);

#endif
