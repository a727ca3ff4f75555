/* import.h: the Statuspage import's parse of documents held in memory (the CLI reads files or URLs). */
#ifndef BEACON_IMPORT_H
#define BEACON_IMPORT_H
#include <stdbool.h>
#include <stddef.h>
#include "cli_util.h"

/* Parses summary.json, incidents.json and scheduled-maintenances.json (text[i] NULL: absent; the
 * first is required) and imports them into c's open write transaction c->t without committing, as
 * `beacon import statuspage` does; page also takes the page's name, URL and time zone. False after
 * printing why on stderr. */
bool import_statuspage_text(struct cli *c, const char *const text[3], const size_t len[3], bool page);

#endif
