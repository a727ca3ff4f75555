/* brand.h: the page's logo and brand colour (stored in the store's "brand" kv namespace). */
#ifndef BEACON_BRAND_H
#define BEACON_BRAND_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "req.h"
#include "store.h"

#define BRAND_NS "brand"               /* the store kv namespace of logo and colour */
#define BRAND_LOGO_MAX (256 * 1024)     /* bytes of a PNG logo */
#define BRAND_SVG_MAX (64 * 1024)       /* bytes of an SVG logo */
#define BRAND_PNG_MAX_SIDE 1024         /* pixels */

struct brand {
	const char *color;                  /* "#RRGGBB" or NULL */
	const char *logo;                   /* bytes (arena) or NULL */
	size_t logo_len;
	const char *logo_type;              /* "image/png" or "image/svg+xml" */
	char logo_etag[40];
};

/* Reads the brand settings; true when a logo or colour is set. */
bool brand_load(struct stx *t, struct arena *a, struct brand *out);
/* An SVG rebuilt from allow-listed elements and attributes: other elements are dropped with their
 * content (script, foreignObject, metadata), other attributes dropped (on*, href, style), and values
 * that point outside the document (url() other than url(#id), any scheme) or use entities refuse the
 * file, as do DOCTYPE, CDATA and processing instructions. false with a reason in err. */
bool brand_svg_sanitize(struct arena *a, const char *in, size_t n, struct buf *out, char *err, size_t errlen);
/* A PNG signature and an IHDR of at most BRAND_PNG_MAX_SIDE pixels a side. */
bool brand_png_ok(const unsigned char *p, size_t n, char *err, size_t errlen);
/* "logo.svg" or "logo.png": the logo's file name under /brand/. */
const char *brand_logo_name(const struct brand *b);
/* "#RRGGBB" (hex digits). */
bool brand_color_ok(const char *c);

extern const struct route routes_brand[];   /* GET /brand/logo.svg|logo.png */

#endif
