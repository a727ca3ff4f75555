/* api_v2_objects.h: Statuspage object serializers (page, component, incident, update, maintenance) shared by the APIs and feeds. */
#ifndef BEACON_API_V2_OBJECTS_H
#define BEACON_API_V2_OBJECTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "out.h"
#include "status.h"
#include "zone.h"
#include "store.h"

/* Times, in the page's zone of the request's view (never the process TZ). */
#define SP_TIME_MAX 40
/* "2026-03-16T08:50:00.000-05:00" in zone tz ("...Z" when the offset is zero). */
char *sp_time(char buf[SP_TIME_MAX], const struct zone *tz, int64_t ms);
/* "2026-03-16" of a UTC-midnight date (component start_date). */
char *sp_date(char buf[SP_TIME_MAX], int64_t ms);
struct sp_view;
/* Writes sp_time(ms) in the view's zone, or null when ms is 0. */
void sp_write_time(struct jw *w, const struct sp_view *v, const char *key, int64_t ms);

/* Key order and field set of the objects: the public v2 API or the v1 management API. */
enum sp_style { SP_V2 = 0, SP_V1 };

/* The page and all its components and groups, loaded once so objects can resolve ids and names. */
struct sp_view {
	struct stx *t;
	struct arena *a;
	struct page_settings page;
	const struct zone *tz;          /* page.time_zone (UTC when unknown): every time is written in it */
	struct component *comps;        /* store order: group position, position, name */
	size_t ncomps;
	struct group *groups;           /* by position, name */
	size_t ngroups;
	int64_t now;                    /* request time: maintenance auto transitions */
	int64_t updated_at;             /* last change anywhere (the generation's commit time) */
	int64_t asof;                   /* ?at=: the moment shown; updates posted after it are left out (0: now) */
	enum sp_style style;
};
enum bc_err sp_view_load(struct sp_view *v, struct stx *t, struct arena *a, int64_t now);

const struct component *sp_find_component(const struct sp_view *v, const char *id);
const struct group *sp_find_group(const struct sp_view *v, const char *id);
/* A group's status: the worst of its children (operational when empty). */
enum comp_status sp_group_status(const struct sp_view *v, const struct group *g);
/* "Group - Name" for a grouped component, its name otherwise (arena string). */
const char *sp_component_display_name(const struct sp_view *v, const struct component *c);
/* Incident link and shortlink: "{page_url}/incidents/{id}" (arena string). */
const char *sp_incident_url(const struct sp_view *v, const char *incident_id);
/* The page URL when it is a safe absolute http(s) URL, without a trailing slash; "" otherwise. */
const char *sp_page_url(const struct sp_view *v);

/* Objects. key is the member name inside an object, NULL inside an array. */
void sp_write_page(struct jw *w, const char *key, const struct sp_view *v);
void sp_write_status(struct jw *w, const char *key, const struct status_rollup *s);
void sp_write_component(struct jw *w, const char *key, const struct sp_view *v, const struct component *c);
/* A group as a component row: "group": true and "components": [child ids]. */
void sp_write_group_component(struct jw *w, const char *key, const struct sp_view *v, const struct group *g);
/* v1 /component-groups object: id, page_id, name, description, components, position, created_at, updated_at. */
void sp_write_component_group(struct jw *w, const char *key, const struct sp_view *v, const struct group *g);
/* All components and groups, flat, in display order: each group followed by its children. */
void sp_write_component_list(struct jw *w, const char *key, const struct sp_view *v);
void sp_write_update(struct jw *w, const char *key, const struct sp_view *v, const struct incident_update *u);
/* An incident or a scheduled maintenance with its updates (newest first) and affected components. */
enum bc_err sp_write_incident(struct jw *w, const char *key, const struct sp_view *v, const struct incident *inc);

/* Newest-first incidents for listings: which kinds to keep and how many. Walks the store's
 * range index by sort time (started_at, scheduled_for for maintenance) in bounded pages. */
enum sp_kind { SP_INCIDENTS = 1, SP_MAINTENANCES = 2, SP_ALL = 3 };
enum bc_err sp_recent(struct sp_view *v, enum sp_kind kind, size_t limit, struct incident **out, size_t *n);

#endif
