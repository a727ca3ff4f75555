/* scheduler.h: the primary's scheduler thread (maintenance auto start and auto complete, late heartbeat checks). */
#ifndef BEACON_SCHEDULER_H
#define BEACON_SCHEDULER_H
#include <stddef.h>
#include "store.h"

/* Starts the thread on the primary's store (never on a secondary); it runs one pass every 2 s. */
int scheduler_start(struct store *s);
void scheduler_stop(void);
/* One pass: brings every maintenance to its state at now, in one write txn (none when nothing is due). */
enum bc_err scheduler_tick(struct store *s, size_t *done);

#endif
