/* web.h: assets from web/ compiled into the binary by tools/embed.sh. */
#ifndef BEACON_WEB_H
#define BEACON_WEB_H
#include <stddef.h>

struct web_asset {
	const char *name;               /* basename, e.g. "style.css" */
	const unsigned char *data;      /* NUL-terminated */
	size_t len;
};

const struct web_asset *web_asset_get(const char *name);

#endif
