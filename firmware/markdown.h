/* markdown.h: incident and postmortem bodies from Markdown to safe HTML (md4c parser, our renderer). */
#ifndef BEACON_MARKDOWN_H
#define BEACON_MARKDOWN_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

/*
 * Renders CommonMark (+ tables, strikethrough, URL autolinks) into b. Raw HTML is off (it shows as
 * text), every text and attribute goes through out.h's escapers, and a link keeps its href only when
 * the href, after entity and percent decoding, is http:, https:, mailto: or relative; other links
 * and all images render as their text. Headings are shifted down by three levels (# -> h4).
 */
void markdown_html(struct buf *b, const char *src, size_t len);

/* True if an href taken from Markdown (entities already decoded) may be emitted as a link. */
bool markdown_href_is_safe(const char *href);

#endif
