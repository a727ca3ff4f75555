/* intake_hb.h: heartbeat pings for the HTTP front end (intake_http.c). */
#ifndef BEACON_INTAKE_HB_H
#define BEACON_INTAKE_HB_H
#include "intake.h"

/* One ping of check uuid (a: for its read txn; the thread must hold no other txn): remembered in memory; a write only when the
 * check goes down (fail) or comes back (success after late or failing). BC_NOTFOUND for unknown
 * and malformed ids alike. */
enum bc_err intake_hb_ping(struct store *s, struct arena *a, const char *uuid, enum intake_ping kind);

/* When this process last had a success ping of check uuid (0: none since it started). */
int64_t intake_hb_last_ping(const char *uuid);

#endif
