/* export_static.c: `beacon export --static DIR [--every 60s]`: the whole public site as files for any static host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "export_static.h"
#include "web.h"

#define STATIC_MAX_INCIDENTS 5000   /* incident pages written per export */

/* mkdir -p of the directory part of path (relative to nothing: path is absolute or cwd-relative). */
static int mkdirs_for(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		int rc = mkdir(path, 0755);
		*s = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

static int write_file(struct cli *c, const char *root, const char *rel, const char *data, size_t len)
{
	char *path = arena_printf(c->a, "%s/%s", root, rel);
	if (mkdirs_for(path) != 0)
		return cli_fail(c, "%s: %s", path, strerror(errno));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return cli_fail(c, "%s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return cli_fail(c, "%s: %s", path, strerror(errno));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return cli_fail(c, "%s: %s", path, strerror(errno));
	return 0;
}

/* True when the exported history page (0: history/index.html) links an older one. */
static bool export_has_next(const char *root, int page)
{
	char path[4096];
	if (page == 0)
		snprintf(path, sizeof path, "%s/history/index.html", root);
	else
		snprintf(path, sizeof path, "%s/history/page/%d/index.html", root, page);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	char line[4096];
	bool next = false;
	while (!next && fgets(line, sizeof line, f))
		next = strstr(line, "rel=\"next\"") != NULL;
	fclose(f);
	return next;
}

/* Renders one public URL through its route handler, exactly as the server would for a reader
 * without ?lang (the configured default language), and writes the body to rel. */
static int render_to(struct cli *c, struct store *s, const char *root, const char *url, const char *rel,
                     int *n_written)
{
	struct arena *a = arena_new();
	struct req r = { .arena = a, .cfg = c->cfg, .store = s, .method = "GET", .send_fd = -1 };
	buf_init(&r.headers);
	buf_init(&r.body_out);
	r.path = r.raw_uri = arena_strdup(a, url);
	r.lang = route_negotiate_lang(&r);     /* no ?lang, no Accept-Language: the page's default */
	r.status = 200;
	bool allowed;
	const struct route *rt = route_match(&r, &allowed);
	int rc = 0;
	if (rt == NULL) {
		page_not_found(&r);     /* the 404 page (404.html) */
	} else {
		rt->fn(&r);
	}
	if (rt != NULL && r.status != 200)
		rc = cli_fail(c, "%s: HTTP %d", url, r.status);
	else
		rc = write_file(c, root, rel, r.body_out.p ? r.body_out.p : "", r.body_out.len);
	if (rc == 0)
		(*n_written)++;
	if (r.tx)
		store_abort(r.tx);
	buf_free(&r.headers);
	buf_free(&r.body_out);
	arena_free(a);
	return rc;
}

/* Everything a reader can reach: pages, their assets, the v2 API, feeds, badges, monthly uptime. */
static int export_once(struct cli *c, const char *root, int *n)
{
	struct store *s;
	enum bc_err e = cli_open_store(c->cfg, &s, STORE_RDONLY);
	if (e != BC_OK)
		return cli_fail(c, "cannot open store '%s': %s", c->cfg->store, bc_strerror(e));
	struct stx *t;
	struct component *comps = NULL;
	struct incident *inc = NULL, *open = NULL;
	size_t ncomps = 0, ninc = 0, nopen = 0;
	if ((e = store_begin_read(s, c->a, &t)) != BC_OK) {
		store_close(s);
		return cli_store_fail(c, "read", e);
	}
	if ((e = store_component_list(t, &comps, &ncomps)) == BC_OK &&
	    (e = store_incident_range(t, 0, INT64_MAX, STATIC_MAX_INCIDENTS, &inc, &ninc)) == BC_OK)
		e = store_incident_list_open(t, &open, &nopen);
	if (e != BC_OK) {
		store_abort(t);
		store_close(s);
		return cli_store_fail(c, "read", e);
	}
	size_t nids = ninc + nopen, nc = ncomps;
	const char **ids = arena_alloc(c->a, (nids + 1) * sizeof *ids);
	const char **cids = arena_alloc(c->a, (nc + 1) * sizeof *cids);
	for (size_t i = 0; i < ninc; i++)
		ids[i] = inc[i].id;
	for (size_t i = 0; i < nopen; i++)
		ids[ninc + i] = open[i].id;
	for (size_t i = 0; i < nc; i++)
		cids[i] = comps[i].id;
	store_abort(t);              /* the records live in c->a */

	static const struct { const char *url, *file; } fixed[] = {
		{ "/", "index.html" },
		{ "/history", "history/index.html" },
		{ "/history.atom", "history.atom" },
		{ "/history.rss", "history.rss" },
		{ "/badge.svg", "badge.svg" },
		{ "/api/v2/summary.json", "api/v2/summary.json" },
		{ "/api/v2/status.json", "api/v2/status.json" },
		{ "/api/v2/components.json", "api/v2/components.json" },
		{ "/api/v2/incidents.json", "api/v2/incidents.json" },
		{ "/api/v2/incidents/unresolved.json", "api/v2/incidents/unresolved.json" },
		{ "/api/v2/scheduled-maintenances.json", "api/v2/scheduled-maintenances.json" },
		{ "/api/v2/scheduled-maintenances/upcoming.json", "api/v2/scheduled-maintenances/upcoming.json" },
		{ "/api/v2/scheduled-maintenances/active.json", "api/v2/scheduled-maintenances/active.json" },
		{ "/static/style.css", "static/style.css" },
		{ "/static/beacon.js", "static/beacon.js" },
		{ "/404", "404.html" },
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof fixed / sizeof fixed[0]; i++)
		rc = render_to(c, s, root, fixed[i].url, fixed[i].file, n);
	for (size_t i = 0; rc == 0 && i < nids; i++) {
		bool dup = false;              /* open ones are also in the range list */
		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(ids[k], ids[i]) == 0;
		if (!dup)
			rc = render_to(c, s, root, arena_printf(c->a, "/incidents/%s", ids[i]),
			               arena_printf(c->a, "incidents/%s/index.html", ids[i]), n);
	}
	for (size_t i = 0; rc == 0 && i < nc; i++) {
		rc = render_to(c, s, root, arena_printf(c->a, "/badge/%s.svg", cids[i]),
		               arena_printf(c->a, "badge/%s.svg", cids[i]), n);
		if (rc == 0)
			rc = render_to(c, s, root, arena_printf(c->a, "/components/%s/uptime", cids[i]),
			               arena_printf(c->a, "components/%s/uptime/index.html", cids[i]), n);
		if (rc == 0)
			rc = render_to(c, s, root, arena_printf(c->a, "/api/v2/components/%s/uptime.json", cids[i]),
			               arena_printf(c->a, "api/v2/components/%s/uptime.json", cids[i]), n);
	}
	/* the older history pages, as long as each page links a next one (bounded by the pager) */
	for (int page = 1; rc == 0 && page <= HISTORY_MAX_PAGE && export_has_next(root, page - 1); page++)
		rc = render_to(c, s, root, arena_printf(c->a, "/history/page/%d", page),
		               arena_printf(c->a, "history/page/%d/index.html", page), n);
	if (rc == 0) {                     /* the logo, when there is one */
		struct stx *bt;
		const char *name = NULL;
		if (store_begin_read(s, c->a, &bt) == BC_OK) {   /* one read txn per thread at a time */
			struct brand b;
			if (brand_load(bt, c->a, &b) && b.logo)
				name = brand_logo_name(&b);
			store_abort(bt);
		}
		if (name)
			rc = render_to(c, s, root, arena_printf(c->a, "/brand/%s", name), arena_printf(c->a, "brand/%s", name), n);
	}
	store_close(s);
	return rc;
}

/* rm -r of a directory this command made (no symlinks followed). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		size_t n = strlen(path) + strlen(de->d_name) + 2;
		char *p = malloc(n);
		if (p == NULL)
			break;
		snprintf(p, n, "%s/%s", path, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

/* One export into a fresh sibling directory, then DIR (a symlink) is switched to it with one
 * rename: a reader of DIR sees the old site or the new one, never a mix. */
static int export_swap(struct cli *c, const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) == 0 && !S_ISLNK(st.st_mode))
		return cli_fail(c, "%s exists and is not a symlink; give a new path (export --static makes DIR "
		                   "a symlink to the latest copy)", dir);
	char *old = NULL;
	if (lstat(dir, &st) == 0) {
		char target[4096];
		ssize_t n = readlink(dir, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			old = arena_strdup(c->a, target);
		}
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char *copy = arena_printf(c->a, "%s.%lld%03ld", dir, (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	if (mkdir(copy, 0755) != 0)
		return cli_fail(c, "%s: %s", copy, strerror(errno));
	int n = 0;
	if (export_once(c, copy, &n) != 0) {
		remove_tree(copy);
		return 1;
	}
	char *base = arena_strdup(c->a, copy);
	char *link_tmp = arena_printf(c->a, "%s.link", dir);
	unlink(link_tmp);
	if (symlink(basename(base), link_tmp) != 0 || rename(link_tmp, dir) != 0) {
		int err = errno;
		unlink(link_tmp);
		remove_tree(copy);
		return cli_fail(c, "switch %s: %s", dir, strerror(err));
	}
	if (old && strcmp(old, basename(base)) != 0) {
		char *dcopy = arena_strdup(c->a, dir);
		remove_tree(arena_printf(c->a, "%s/%s", dirname(dcopy), old));
	}
	printf("%s -> %s: %d files\n", dir, copy, n);
	fflush(stdout);
	return 0;
}

int export_static_run(struct cli *c, const char *dir, const char *every)
{
	long secs = 0;
	if (every) {
		char *end;
		secs = strtol(every, &end, 10);
		if (end == every || (strcmp(end, "s") != 0 && *end != '\0') || secs < 1 || secs > 86400)
			return cli_usage_fail(c, "--every: a number of seconds like 60s (1 to 86400)");
	}
	for (;;) {
		int rc = export_swap(c, dir);
		if (!every)
			return rc;
		if (rc != 0)
			fprintf(stderr, "beacon: export: retrying in %lds\n", secs);
		sleep((unsigned)secs);
		arena_reset(c->a);
	}
}
