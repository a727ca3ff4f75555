/* api_v2.h: the public read surface's handlers shared across its files (JSON API, feeds, badges). */
#ifndef BEACON_API_V2_H
#define BEACON_API_V2_H
#include <stdbool.h>
#include "api_v2_objects.h"
#include "req.h"

/* Loads the page view for a public handler; on failure sends the error response and returns false. */
bool api_v2_view(struct req *r, struct sp_view *v);
/* Open incidents and maintenances (store_incident_list_open); same error contract. */
bool api_v2_open(struct req *r, struct incident **open, size_t *nopen);

void feed_atom(struct req *r);        /* feeds.c: /history.atom */
void feed_rss(struct req *r);         /* feeds.c: /history.rss */
void badge_page(struct req *r);       /* badge.c: /badge.svg */
void badge_component(struct req *r);  /* badge.c: /badge/:id (also "ID.svg") */

#endif
