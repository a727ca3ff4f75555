/* write_import.c: the write layer for page settings and for imports, which keep the source's ids, times and statuses. */
#include <stdio.h>
#include <string.h>
#include "write.h"
#include "zone.h"

static bool page_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return false;
	return true;
}

/* "en", "es", "en,es" or "es,en": the page's languages. */
static bool write_languages_ok(const char *s)
{
	return strcmp(s, "en") == 0 || strcmp(s, "es") == 0 || strcmp(s, "en,es") == 0 || strcmp(s, "es,en") == 0;
}

static bool write_language_listed(const char *languages, const char *lang)
{
	return strlen(lang) == 2 && strstr(languages, lang) != NULL;
}

enum bc_err write_page(struct write_ctx *w, struct page_change *ch, struct page_settings *out)
{
	struct page_settings p, before;
	enum bc_err e = store_page_get(w->t, &p);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot read the page settings");
	before = p;
	if (ch->id) {
		if (!page_id_ok(ch->id))
			return write_refuse(w, BC_INVALID, "id", "a page id is 1 to 12 of [a-z0-9]");
		snprintf(p.id, sizeof p.id, "%s", ch->id);
	}
	if (ch->name) {
		if (*ch->name == '\0' || strlen(ch->name) > LIM_NAME)
			return write_refuse(w, BC_INVALID, "name", "1 to %d bytes", LIM_NAME);
		p.name = ch->name;
	}
	if (ch->url) {
		if (strlen(ch->url) > LIM_URL)
			return write_refuse(w, BC_TOOBIG, "url", "at most %d bytes", LIM_URL);
		if (*ch->url && strncmp(ch->url, "http://", 7) != 0 && strncmp(ch->url, "https://", 8) != 0)
			return write_refuse(w, BC_INVALID, "url", "must be an absolute http or https URL");
		p.url = ch->url;
	}
	if (ch->time_zone) {
		if (strlen(ch->time_zone) > LIM_SHORT || !zone_exists(ch->time_zone))
			return write_refuse(w, BC_INVALID, "time_zone", "unknown time zone '%.64s'", ch->time_zone);
		p.time_zone = ch->time_zone;
	}
	if (ch->languages) {
		if (!write_languages_ok(ch->languages))
			return write_refuse(w, BC_INVALID, "languages", "a comma list of en and es, each once ('en,es')");
		p.languages = ch->languages;
	}
	if (ch->default_language)
		p.default_language = ch->default_language;
	if ((ch->languages || ch->default_language) &&
	    !write_language_listed(p.languages ? p.languages : "en", p.default_language ? p.default_language : "en"))
		return write_refuse(w, BC_INVALID, "default_language", "must be one of the languages (%.16s)",
		                    p.languages ? p.languages : "en");
	if ((e = store_page_put(w->t, &p)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot save the page settings: %s", bc_strerror(e));
	if ((e = write_event(w, "page.updated", "page", p.id, write_json_page(w, &before), write_json_page(w, &p), true,
	                     p.name)) != BC_OK)
		return e;
	if (out)
		*out = p;
	return BC_OK;
}

enum bc_err write_import_incident(struct write_ctx *w, struct incident *inc, struct incident_update *ups, size_t nups)
{
	store_keep_times(w->t, true);
	enum bc_err e = store_incident_put(w->t, inc);
	for (size_t i = 0; e == BC_OK && i < nups; i++) {
		struct incident_update *u = &ups[i];
		snprintf(u->incident_id, sizeof u->incident_id, "%s", inc->id);
		if (u->display_at == 0)
			u->display_at = u->created_at;
		/* the source's statuses, logged when they happened (a later state is never overwritten) */
		for (size_t k = 0; e == BC_OK && k < u->naffected; k++) {
			const struct affected *a = &u->affected[k];
			enum comp_status then;
			if (a->old_status == a->new_status)
				continue;
			if ((e = store_component_status_at(w->t, a->component_id, u->display_at, &then)) == BC_OK &&
			    then != a->new_status)
				e = store_component_status_set(w->t, a->component_id, u->display_at, a->new_status, inc->id, &then);
		}
		if (e == BC_OK)
			e = store_update_put(w->t, u);
	}
	store_keep_times(w->t, false);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot save %s %s: %s", inc->is_maintenance ? "maintenance" : "incident",
		                  inc->id, bc_strerror(e));
	return BC_OK;
}

enum bc_err write_import_done(struct write_ctx *w, const char *source, const char *detail)
{
	w->batch = false;
	return write_event(w, "import.statuspage", "import", "", NULL, NULL, false,
	                   arena_printf(w->a, "%s: %s", source, detail));
}

enum bc_err write_import_component_status(struct write_ctx *w, const char *id, enum comp_status status)
{
	struct component c;
	enum comp_status was;
	enum bc_err e = store_component_get(w->t, id, &c);
	if (e == BC_OK && c.status != status)
		e = store_component_status_set(w->t, id, write_now(w), status, "", &was);
	return e == BC_OK ? BC_OK : write_refuse(w, e, NULL, "cannot set the status of component %s", id);
}
