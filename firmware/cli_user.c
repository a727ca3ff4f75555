/* cli_user.c: `beacon user add|list|set|del` (admin users and roles) `beacon admin routes|require-2fa` and `beacon routes`. */
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "cli_util.h"
#include "users.h"

#define CHOICES_ROLE "owner, editor, viewer"

/* One line from standard input (the password), without its newline; 1 after printing on error. */
static int read_password(struct cli *c, char *out, size_t cap)
{
	if (fgets(out, (int)cap, stdin) == NULL)
		return cli_fail(c, "no password on standard input (echo it in, or type it and press Enter)");
	size_t n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[--n] = '\0';
	else if (n == cap - 1)
		return cli_fail(c, "the password is longer than %d bytes", AUTH_PASSWORD_MAX);
	if (n && out[n - 1] == '\r')
		out[--n] = '\0';
	const char *why = auth_password_problem(out);
	return why ? cli_fail(c, "password: %s", why) : 0;
}

static int role_opt(struct cli *c, const char *v, int *role)
{
	enum user_role r;
	if (!cli_choice(c, "role", v, CHOICES_ROLE) || !user_role_parse(v, &r))
		return 1;
	*role = (int)r;
	return 0;
}

static int user_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("role"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct user_change ch;
	write_user_change_init(&ch);
	ch.create = true;
	ch.email = c->pos[0];
	const char *role = opt_get(opts, "role");
	if (role == NULL)
		return cli_usage_fail(c, "--role is required");
	if (role_opt(c, role, &ch.role))
		return 1;
	char pw[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX];
	if (read_password(c, pw, sizeof pw))
		return 1;
	if (!auth_password_hash(pw, hash))
		return cli_fail(c, "cannot hash the password");
	ch.password_hash = hash;
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_user(&w, &ch, NULL);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	return cli_commit(c);
}

static int user_set(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("role"), OPTF("password"), OPTF("no-2fa"), OPTF("sign-out"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = c->pos[0];
	const char *role = opt_get(opts, "role");
	if (role && role_opt(c, role, &ch.role))
		return 1;
	char pw[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX];
	if (opt_get(opts, "password")) {
		if (read_password(c, pw, sizeof pw))
			return 1;
		if (!auth_password_hash(pw, hash))
			return cli_fail(c, "cannot hash the password");
		ch.password_hash = hash;
	}
	if (opt_get(opts, "no-2fa"))
		ch.set_totp = true;          /* totp_secret NULL: off, recovery codes dropped */
	ch.new_epoch = opt_get(opts, "sign-out") != NULL;
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_user(&w, &ch, NULL);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	return cli_commit(c);
}

static int user_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_user_delete(&w, c->pos[0]);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	return cli_commit(c);
}

static int user_list_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	if (cli_begin_read(c))
		return 1;
	struct user *us;
	size_t n;
	enum bc_err e = user_list(c->t, c->a, &us, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "users", e);
	if (opt_get(opts, "json")) {
		struct jw w;
		struct buf b;
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
		for (size_t i = 0; i < n; i++) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "email", us[i].email);
			jw_str(&w, "role", user_role_name(us[i].role));
			jw_bool(&w, "two_factor", us[i].totp_secret != NULL);
			jw_int(&w, "created_at", us[i].created_at);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	for (size_t i = 0; i < n; i++)
		printf("%-40s  %-6s  %-6s  %s\n", us[i].email, user_role_name(us[i].role),
		       us[i].totp_secret ? "2fa" : "-", cli_time_str(c, us[i].created_at));
	return 0;
}

int cmd_user(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add",  user_add,      "user add EMAIL --role owner|editor|viewer   (the password is read from standard input)" },
		{ "list", user_list_run, "user list [--json]" },
		{ "set",  user_set,      "user set EMAIL [--role owner|editor|viewer] [--password] [--no-2fa] [--sign-out]\n"
		                         "       --password reads the new one from standard input; --sign-out ends every session" },
		{ "del",  user_del,      "user del EMAIL" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "user", subs, argc, argv);
}

static int admin_routes_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	for (const struct admin_route *rt = admin_routes; rt->path; rt++) {
		printf("%s %s %s %s", rt->method, rt->path, user_role_name(rt->role),
		       (rt->flags & AR_WRITE) ? "write" : "read");
		if (rt->flags & AR_BINARY)          /* the body limit the web server configs must match */
			printf(" upload=%uk", rt->flags >> 8);
		putchar('\n');
	}
	return 0;
}

static int admin_2fa_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	bool on;
	if (!cli_yesno(c, "require-2fa", c->pos[0], &on))
		return 1;
	if (cli_begin(c, 0))
		return 1;
	struct write_ctx w;
	cli_write_ctx(c, &w);
	enum bc_err e = write_admin_require_2fa(&w, on);
	if (e != BC_OK)
		return cli_write_fail(c, &w, e);
	return cli_commit(c);
}

static int routes_run(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	route_print(stdout);
	return 0;
}

int cmd_routes(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd sc = { "routes", routes_run, "routes                      every HTTP route outside /admin: METHOD PATTERN" };
	return cli_run(cfg, "routes", &sc, argc, argv);
}

int cmd_admin(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "routes",      admin_routes_run, "admin routes          the web admin's route table: METHOD PATH ROLE read|write [upload=KBk]" },
		{ "require-2fa", admin_2fa_run,    "admin require-2fa yes|no" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "admin", subs, argc, argv);
}
