/* asof.h: reading the page as it was at a past moment (?at=2026-03-16T10:00-05:00). */
#ifndef BEACON_ASOF_H
#define BEACON_ASOF_H
#include <stdbool.h>
#include <stdint.h>
#include "store.h"

/* "YYYY-MM-DDTHH:MM[:SS]" with "Z" or a "+HH:MM"/"-HH:MM" offset, to ms; false on anything else. */
bool asof_parse(const char *s, int64_t *out);
/* Each component's status at that moment, from the status log. */
void asof_components(struct stx *t, struct component *comps, size_t n, int64_t at);
/* The incident as readers saw it then: status of its last update by then, resolution and postmortem
 * only if they had happened; false if it had not been announced yet. */
bool asof_incident(struct stx *t, struct incident *inc, int64_t at);
/* How many of the updates (display_at ascending) had been posted by then. */
size_t asof_updates_visible(const struct incident_update *u, size_t n, int64_t at);
/* Incidents and maintenance open at that moment (asof_incident applied). */
enum bc_err asof_open(struct stx *t, struct arena *a, int64_t at, struct incident **out, size_t *n);

#endif
