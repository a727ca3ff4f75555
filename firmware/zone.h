/* zone.h: IANA time zones read from the system's TZif files, for formatting times per request in the
 * page's zone without touching the process TZ (thread-safe, no tzset). */
#ifndef BEACON_ZONE_H
#define BEACON_ZONE_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define ZONE_DIR "/usr/share/zoneinfo"
#define ZONE_NAME_MAX 64

struct zone;   /* immutable once loaded; cached for the life of the process */

/* The zone named name ("America/Guayaquil", "UTC"), loaded from ZONE_DIR once and cached; NULL when
 * the name is malformed or no such zone file exists. Safe from any thread. */
const struct zone *zone_get(const char *name);
/* zone_get(name), or UTC when name is NULL, empty or unknown. Never NULL. */
const struct zone *zone_or_utc(const char *name);
const struct zone *zone_utc(void);
/* The IANA name it was loaded as. */
const char *zone_name(const struct zone *z);
/* A name zone_get accepts (safe characters, exists as a TZif file). */
bool zone_exists(const char *name);

/* Broken-down local time of ms in z: tm_gmtoff, tm_isdst and tm_zone ("-05", "CET") are set;
 * tm_zone points into the cached zone. */
void zone_local(const struct zone *z, int64_t ms, struct tm *out);
/* UTC offset of z at ms, seconds east. */
long zone_offset(const struct zone *z, int64_t ms);
/* ms of a local wall time in z (fields normalised like timegm: tm_mday 0 or 40 is fine). A time
 * skipped by a DST change maps to the instant after the gap. */
int64_t zone_to_ms(const struct zone *z, const struct tm *local);

#endif
