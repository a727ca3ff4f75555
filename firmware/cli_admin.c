/* cli_admin.c: `beacon init`, `beacon token create|list|revoke`, `beacon backup FILE` and `beacon restore FILE`. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli_util.h"
#include "write.h"
#include "log.h"

/* The id part of "bk_<id>_<secret>", for audit entries (never the secret). */
static const char *token_id(struct cli *c, const char *token)
{
	return arena_strndup(c->a, token + 3, ID_LEN);
}

static int page_from_config(struct cli *c, struct page_settings *p)
{
	const struct config *cfg = c->cfg;
	static const struct { const char *key; size_t max; } lim[] = {
		{ "page_name", LIM_NAME }, { "page_url", LIM_URL }, { "time_zone", LIM_SHORT },
		{ "default_language", LIM_SHORT }, { "languages", LIM_SHORT },
	};
	const char *vals[] = { cfg->page_name, cfg->page_url, cfg->time_zone, cfg->default_language, cfg->languages };
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
		if (strlen(vals[i]) > lim[i].max)
			return cli_fail(c, "%s: config value '%s' is longer than %zu bytes", cfg->path, lim[i].key, lim[i].max);
	memset(p, 0, sizeof *p);
	p->name = arena_strdup(c->a, cfg->page_name);
	p->url = arena_strdup(c->a, cfg->page_url);
	p->time_zone = arena_strdup(c->a, cfg->time_zone);
	p->default_language = arena_strdup(c->a, cfg->default_language);
	p->languages = arena_strdup(c->a, cfg->languages);
	return 0;
}

static int init_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("force-token"), OPTV("page-id"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	bool force = opt_get(opts, "force-token") != NULL;
	const char *page_id = opt_get(opts, "page-id");
	if (page_id && !cli_id_ok(page_id))
		return !cli_bad(c, "page-id", "a page id is 1 to 12 of [a-z0-9] (Statuspage's), not '%s'", page_id);
	if (cli_begin(c, STORE_CREATE))
		return 1;
	struct page_settings page;
	enum bc_err e = store_page_get(c->t, &page);
	if (e != BC_OK && e != BC_NOTFOUND)
		return cli_store_fail(c, "page settings", e);
	if (e == BC_OK && !force)
		return cli_fail(c, "the store at '%s' is already initialised (--force-token mints a new admin token)",
		                c->cfg->store);
	if (e == BC_NOTFOUND) {
		if (page_from_config(c, &page))
			return 1;
		if (page_id)                /* the Statuspage page id: migrated v1 scripts keep their URLs */
			snprintf(page.id, sizeof page.id, "%s", page_id);
		if ((e = store_page_put(c->t, &page)) != BC_OK)
			return cli_store_fail(c, "page settings", e);
		struct write_ctx w;
		cli_write_ctx(c, &w);
		if ((e = write_event(&w, "page.created", "page", page.id, NULL, write_json_page(&w, &page), false,
		                     page.name)) != BC_OK)
			return cli_write_fail(c, &w, e);
	} else if (page_id && strcmp(page_id, page.id) != 0) {
		return cli_fail(c, "--page-id: the store's page id is already '%s'", page.id);
	}
	char token[TOKEN_TEXT_MAX];
	if ((e = store_token_create(c->t, SCOPE_ADMIN, "admin", token)) != BC_OK)
		return cli_store_fail(c, "admin token", e);
	if (cli_audit(c, "token.create", token_id(c, token), "admin") || cli_commit(c))
		return 1;
	printf("%s\n", token);
	return 0;
}

int cmd_init(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd init = { "init", init_run, "init [--force-token] [--page-id ID]\n"
	                                    "       --page-id: keep a Statuspage page's id, so its v1 URLs keep working" };
	return cli_run(cfg, "init", &init, argc, argv);
}

static int token_create(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("scope"), OPTV("name"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *scope_s = opt_get(opts, "scope"), *name = opt_get(opts, "name");
	if (scope_s == NULL)
		return cli_usage_fail(c, "--scope is required");
	enum scope scope;
	if (!cli_choice(c, "scope", scope_s, CHOICES_SCOPE) || !scope_parse(scope_s, &scope))
		return 1;
	if (name == NULL)
		name = scope_s;
	if (!cli_text(c, "name", name, LIM_SHORT))
		return 1;
	if (cli_begin(c, 0))
		return 1;
	char token[TOKEN_TEXT_MAX];
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_token_create(&w, scope, name, token);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	if (cli_commit(c))
		return 1;
	printf("%s\n", token);
	return 0;
}

static int token_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct token_info *toks;
	size_t n;
	enum bc_err e = store_token_list(c->t, &toks, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "tokens", e);
	if (opt_get(opts, "json")) {
		struct jw w;
		struct buf b;
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
		for (size_t i = 0; i < n; i++) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "id", toks[i].id);
			jw_str(&w, "name", toks[i].name);
			jw_str(&w, "scope", scope_name(toks[i].scope));
			jw_int(&w, "created_at", toks[i].created_at);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	for (size_t i = 0; i < n; i++)
		printf("%-12s  %-11s  %s  %s\n", toks[i].id, scope_name(toks[i].scope),
		       cli_time_str(c, toks[i].created_at), toks[i].name ? toks[i].name : "");
	return 0;
}

static int token_revoke(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *id = c->pos[0];
	if (!cli_id_ok(id))
		return cli_fail(c, "no token '%s'", id);
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_token_revoke(&w, id);
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no token '%s'", id);
	return e != BC_OK ? cli_write_fail(c, &w, e) : cli_commit(c);
}

int cmd_token(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "create", token_create, "token create --scope read|write|admin|replication|intake [--name NAME]" },
		{ "list",   token_list,   "token list [--json]" },
		{ "revoke", token_revoke, "token revoke ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "token", subs, argc, argv);
}

/* fsyncs the directory holding path, so a rename into it is durable. */
static int fsync_dir_of(const char *path)
{
	char tmp[4096];
	if (strlen(path) >= sizeof tmp)
		return -1;
	strcpy(tmp, path);
	int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int backup_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("force"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *file = c->pos[0];
	struct stat st;
	if (strcmp(c->cfg->role, "secondary") == 0)
		return cli_fail(c, "a secondary holds snapshot files already; back up the primary");
	if (lstat(file, &st) == 0 && !opt_get(opts, "force"))
		return cli_fail(c, "%s exists (--force overwrites it)", file);
	enum bc_err e = cli_open_store(c->cfg, &c->s, STORE_RDONLY);
	if (e != BC_OK)
		return cli_fail(c, "cannot open store '%s': %s", c->cfg->store, bc_strerror(e));
	const char *tmp = arena_printf(c->a, "%s.tmp", file);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cli_fail(c, "%s: %s", tmp, strerror(errno));
	e = store_copy_fd(c->s, fd);
	if (e != BC_OK) {
		close(fd);
		unlink(tmp);
		return cli_store_fail(c, "copy", e);
	}
	if (fsync(fd) != 0 || fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		unlink(tmp);
		return cli_fail(c, "%s: %s", tmp, strerror(err));
	}
	close(fd);
	if (rename(tmp, file) != 0) {
		int err = errno;
		unlink(tmp);
		return cli_fail(c, "rename %s to %s: %s", tmp, file, strerror(err));
	}
	if (fsync_dir_of(file) != 0)
		return cli_fail(c, "fsync of the directory of %s: %s", file, strerror(errno));
	printf("%s: %lld bytes\n", file, (long long)st.st_size);
	return 0;
}

int cmd_backup(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd backup = { "backup", backup_run, "backup FILE [--force]" };
	return cli_run(cfg, "backup", &backup, argc, argv);
}

/* Copies src into a new file dst (mode 0640, owner uid:gid when we may set it) and fsyncs it. */
static int restore_copy(struct cli *c, const char *src, const char *dst, uid_t uid, gid_t gid)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cli_fail(c, "%s: %s", src, strerror(errno));
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (out < 0) {
		int err = errno;
		close(in);
		return cli_fail(c, "%s: %s", dst, strerror(err));
	}
	char chunk[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, chunk, sizeof chunk)) > 0)
		for (ssize_t off = 0; off < n && rc == 0;) {
			ssize_t w = write(out, chunk + off, (size_t)(n - off));
			if (w < 0)
				rc = -1;
			else
				off += w;
		}
	if (n < 0 || rc != 0 || fsync(out) != 0) {
		int err = errno;
		close(in);
		close(out);
		unlink(dst);
		return cli_fail(c, "copying %s to %s: %s", src, dst, strerror(err));
	}
	if (getuid() == 0 && fchown(out, uid, gid) != 0)
		log_warn("restore: chown %s", dst);
	close(in);
	close(out);
	return 0;
}

static int restore_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("force"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	const char *file = c->pos[0];
	const char *dir = c->cfg->store;
	bool force = opt_get(opts, "force") != NULL;
	if (strcmp(c->cfg->role, "secondary") == 0)
		return cli_fail(c, "a secondary installs snapshots from its primary; restore on the primary");
	/* verify: a Beacon store that opens and reads, before anything is touched */
	struct store *b = NULL;
	struct stx *t = NULL;
	enum bc_err e = store_open(&b, file, STORE_SNAPSHOT);
	if (e == BC_OK)
		e = store_begin_read(b, c->a, &t);
	if (e != BC_OK) {
		store_close(b);
		return cli_fail(c, "%s is not a readable Beacon backup: %s", file, bc_strerror(e));
	}
	uint64_t gen = store_generation(t);
	store_abort(t);
	store_close(b);

	pid_t holder = store_holder_pid(dir);
	if (holder > 0 && !force)
		return cli_fail(c, "the store %s is open in process %ld (a running beacon serve?): stop it first, "
		                "or --force and restart it after", dir, (long)holder);
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (mkdir(dir, 0750) != 0 || stat(dir, &st) != 0)
			return cli_fail(c, "%s: %s", dir, strerror(errno));
	}
	const char *data = arena_printf(c->a, "%s/data.mdb", dir);
	const char *tmp = arena_printf(c->a, "%s/data.mdb.restore-tmp", dir);
	const char *old = arena_printf(c->a, "%s/data.mdb.before-restore", dir);
	struct stat dst;
	bool had = stat(data, &dst) == 0;
	if (restore_copy(c, file, tmp, had ? dst.st_uid : st.st_uid, had ? dst.st_gid : st.st_gid) != 0)
		return 1;
	if (had) {
		unlink(old);
		if (link(data, old) != 0) {
			int err = errno;
			unlink(tmp);
			return cli_fail(c, "keeping the current store as %s: %s", old, strerror(err));
		}
	}
	if (rename(tmp, data) != 0) {
		int err = errno;
		unlink(tmp);
		return cli_fail(c, "rename %s to %s: %s", tmp, data, strerror(err));
	}
	/* a fresh lock file: any process still holding the old one keeps it, and the old data */
	unlink(arena_printf(c->a, "%s/lock.mdb", dir));
	if (fsync_dir_of(data) != 0)
		return cli_fail(c, "fsync of %s: %s", dir, strerror(errno));
	printf("restored %s into %s (generation %llu)%s\n", file, dir, (unsigned long long)gen,
	       had ? "; the previous store is data.mdb.before-restore" : "");
	if (holder > 0)
		fprintf(stderr, "beacon: restore: process %ld still serves the old store: restart it now\n", (long)holder);
	return 0;
}

int cmd_restore(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd restore = { "restore", restore_run, "restore FILE [--force]\n"
		"      checks that FILE (from `beacon backup`) is a readable Beacon store, then installs it as the\n"
		"      store's data.mdb; the previous one is kept as data.mdb.before-restore. Refused while another\n"
		"      process (a running `beacon serve`) has the store open; --force installs anyway: restart the\n"
		"      server then (until it restarts it serves the old data and its /health fails)." };
	return cli_run(cfg, "restore", &restore, argc, argv);
}
