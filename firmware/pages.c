/* pages.c: the route table of the public HTML status pages (home, incident, notice history). */
#include "pages.h"

/* Every page is a pure function of the store snapshot, the URI, the language and the minute. */
const struct route routes_pages[] = {
	{ "GET", "/",               page_home,     R_CACHE | R_LANG, "lang,at" },
	{ "GET", "/incidents/:id",  page_incident, R_CACHE | R_LANG, "lang,at" },
	{ "GET", "/history",        page_history,  R_CACHE | R_LANG, "lang,page" },
	{ "GET", "/history/",       page_history,  R_CACHE | R_LANG, "lang,page" },
	{ "GET", "/history/page/:n", page_history_page, R_CACHE | R_LANG, "lang" },
	{ "GET", "/history/page/:n/", page_history_page, R_CACHE | R_LANG, "lang" },
	{ "GET", "/incidents/:id/", page_incident, R_CACHE | R_LANG, "lang,at" },
	{ "GET", "/components/:id/uptime", page_uptime, R_CACHE | R_LANG, "lang" },
	{ "GET", "/api/v2/components/:id/uptime.json", page_uptime_json, R_CACHE | R_CORS | R_JSON_ERR, "" },
	{ NULL, NULL, NULL, 0, NULL }
};
