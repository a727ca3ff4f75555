/* write_brand.c: the page's logo and brand colour through the write layer: checked, sanitized, one event. */
#include <stdio.h>
#include <string.h>
#include "brand.h"
#include "out.h"
#include "write.h"

/* Stores (val != NULL) or removes key of the brand namespace and records the change. */
static enum bc_err write_brand_put(struct write_ctx *w, const char *key, const void *val, size_t len,
                                   const char *after)
{
	enum bc_err e = val ? store_kv_put(w->t, BRAND_NS, key, val, len) : store_kv_del(w->t, BRAND_NS, key);
	if (e == BC_NOTFOUND && val == NULL)
		e = BC_OK;                                  /* removing what is not there changes nothing */
	if (e != BC_OK)
		return write_refuse(w, e, key, "cannot store the %s", key);
	const char *kind = val ? "page.brand_updated" : "page.brand_removed";
	return write_event(w, kind, "page", "", NULL, after, false, key);
}

enum bc_err write_brand_logo(struct write_ctx *w, const unsigned char *raw, size_t n)
{
	if (raw == NULL)
		return write_brand_put(w, "logo", NULL, 0, NULL);
	if (n > BRAND_LOGO_MAX)
		return write_refuse(w, BC_TOOBIG, "logo", "larger than %d bytes", BRAND_LOGO_MAX);
	char why[160] = "";
	struct buf val;
	buf_init(&val);
	enum bc_err e = BC_OK;
	if (n >= 8 && raw[0] == 0x89) {
		if (!brand_png_ok(raw, n, why, sizeof why))
			e = write_refuse(w, BC_INVALID, "logo", "%s", why);
		buf_putc(&val, 'p');
		buf_append(&val, raw, n);
	} else if (n > BRAND_SVG_MAX) {
		e = write_refuse(w, BC_TOOBIG, "logo", "not an accepted SVG: larger than %d KiB", BRAND_SVG_MAX / 1024);
	} else {
		buf_putc(&val, 's');
		if (!brand_svg_sanitize(w->a, (const char *)raw, n, &val, why, sizeof why))
			e = write_refuse(w, BC_INVALID, "logo", "not an accepted SVG: %s", why);
	}
	if (e == BC_OK) {
		char after[64];
		snprintf(after, sizeof after, "{\"logo_type\":\"%s\",\"bytes\":%zu}", val.p[0] == 'p' ? "png" : "svg",
		         val.len - 1);
		e = write_brand_put(w, "logo", val.p, val.len, after);
	}
	buf_free(&val);
	return e;
}

enum bc_err write_brand_color(struct write_ctx *w, const char *color)
{
	if (color == NULL)
		return write_brand_put(w, "color", NULL, 0, NULL);
	if (!brand_color_ok(color))
		return write_refuse(w, BC_INVALID, "color", "'%.16s' is not a colour like '#1d4ed8'", color);
	char after[40];
	snprintf(after, sizeof after, "{\"color\":\"%s\"}", color);
	return write_brand_put(w, "color", color, 7, after);
}
