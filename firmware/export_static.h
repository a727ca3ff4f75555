/* export_static.h: the static copy of the public site (export_static.c), run by `beacon export --static`. */
#ifndef BEACON_EXPORT_STATIC_H
#define BEACON_EXPORT_STATIC_H
#include "brand.h"
#include "cli_util.h"
#include "pages.h"

/* Writes the site into a new sibling of dir and points dir (a symlink) at it; with every ("60s")
 * does so again at that interval, forever. Exit code as for CLI commands. */
int export_static_run(struct cli *c, const char *dir, const char *every);

#endif
