/* settings.c: which of beacon.conf and the store owns each page setting, and applying the config-owned ones. */
#include <string.h>
#include "settings.h"

/* Page fields (v1/import names) and the beacon.conf key of each. */
static const struct {
	const char *field, *key;
} owned[] = {
	{ "name", "page_name" }, { "url", "page_url" }, { "time_zone", "time_zone" },
	{ "default_language", "default_language" }, { "languages", "languages" },
};
#define NOWNED (sizeof owned / sizeof owned[0])

const char *settings_owner(const struct config *c, const char *field)
{
	for (size_t i = 0; i < NOWNED; i++)
		if (strcmp(owned[i].field, field) == 0)
			return config_key_set(c, owned[i].key) ? owned[i].key : NULL;
	return NULL;
}

static const char *config_value(const struct config *c, const char *key)
{
	if (strcmp(key, "page_name") == 0)
		return c->page_name;
	if (strcmp(key, "page_url") == 0)
		return c->page_url;
	if (strcmp(key, "time_zone") == 0)
		return c->time_zone;
	if (strcmp(key, "default_language") == 0)
		return c->default_language;
	return c->languages;
}

const char *settings_refuses(const struct config *c, const char *field, const char *value)
{
	const char *key = settings_owner(c, field);
	return key && strcmp(config_value(c, key), value ? value : "") != 0 ? key : NULL;
}

static bool put(struct arena *a, const char **dst, const char *v)
{
	if (*dst && strcmp(*dst, v) == 0)
		return false;
	*dst = arena_strdup(a, v);
	return true;
}

bool settings_apply(const struct config *c, struct arena *a, struct page_settings *p)
{
	const char **dst[NOWNED] = { &p->name, &p->url, &p->time_zone, &p->default_language, &p->languages };
	bool changed = false;
	for (size_t i = 0; i < NOWNED; i++)
		if (config_key_set(c, owned[i].key))
			changed |= put(a, dst[i], config_value(c, owned[i].key));
	return changed;
}

enum bc_err settings_sync_tx(const struct config *c, struct stx *t, bool *changed)
{
	struct page_settings p;
	if (changed)
		*changed = false;
	enum bc_err e = store_page_get(t, &p);
	if (e == BC_NOTFOUND)
		return BC_OK;
	if (e != BC_OK)
		return e;
	struct arena *a = arena_new();
	if (settings_apply(c, a, &p)) {
		e = store_page_put(t, &p);
		if (e == BC_OK)
			e = store_audit_add(t, "config", "page.update", p.id, c->path);
		if (changed)
			*changed = true;
	}
	arena_free(a);
	return e;
}

enum bc_err settings_sync(const struct config *c, struct store *s)
{
	struct arena *a = arena_new();
	struct stx *t;
	enum bc_err e = store_begin_write(s, a, &t);
	if (e == BC_OK) {
		bool changed = false;
		e = settings_sync_tx(c, t, &changed);
		if (e == BC_OK && changed)
			e = store_commit(t);
		else
			store_abort(t);     /* nothing differs: a restart is no new generation (no re-render, no snapshot) */
	}
	arena_free(a);
	return e;
}
