/* cli_util.c: shared CLI plumbing: option parsing, value checks, store transactions, audit, output. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli_util.h"
#include "zone.h"
#include "settings.h"

enum bc_err cli_open_store(const struct config *c, struct store **out, unsigned flags)
{
	return store_open(out, c->store, flags);
}

const char *cli_who(void)
{
	static char who[LIM_SHORT];
	if (who[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());
		if (pw != NULL && pw->pw_name != NULL && strlen(pw->pw_name) < sizeof who - 4)
			snprintf(who, sizeof who, "cli:%s", pw->pw_name);
		else
			snprintf(who, sizeof who, "cli:uid%u", (unsigned)getuid());
	}
	return who;
}

static void print_usage(struct cli *c, FILE *f)
{
	fprintf(f, "usage: beacon %s\n", c->usage);
}

static void __attribute__((format(printf, 2, 0))) vmsg(struct cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "beacon: %s: ", c->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return 1;
}

int cli_usage_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	print_usage(c, stderr);
	return EXIT_USAGE;
}

int cli_store_fail(struct cli *c, const char *what, enum bc_err e)
{
	return cli_fail(c, "%s: %s", what, bc_strerror(e));
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_dispatch(const struct config *cfg, const char *cmd, const struct subcmd *subs, int argc, char **argv)
{
	const struct subcmd *sc = NULL;
	if (argc >= 2)
		for (const struct subcmd *s = subs; s->name; s++)
			if (strcmp(s->name, argv[1]) == 0)
				sc = s;
	if (sc == NULL) {
		bool help = argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
		FILE *f = help ? stdout : stderr;
		if (!help)
			fprintf(stderr, argc >= 2 ? "beacon: %s: unknown subcommand '%s'\n"
			                          : "beacon: %s: missing subcommand\n", cmd, argc >= 2 ? argv[1] : "");
		fprintf(f, "usage:\n");
		for (const struct subcmd *s = subs; s->name; s++)
			fprintf(f, "  beacon %s\n", s->usage);
		return help ? 0 : EXIT_USAGE;
	}
	return cli_run(cfg, cmd, sc, argc - 1, argv + 1);
}

int cli_run(const struct config *cfg, const char *cmd, const struct subcmd *sc, int argc, char **argv)
{
	struct cli c = { .usage = sc->usage, .cfg = cfg, .a = arena_new() };
	c.cmd = strcmp(cmd, sc->name) == 0 ? cmd : arena_printf(c.a, "%s %s", cmd, sc->name);
	int rc = sc->fn(&c, argc, argv);
	cli_end(&c);
	arena_free(c.a);
	return rc;
}

const struct opt *opt_find(const struct opt *opts, const char *name)
{
	for (const struct opt *o = opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

const char *opt_get(const struct opt *opts, const char *name)
{
	const struct opt *o = opt_find(opts, name);
	return o ? o->val : NULL;
}

static void opt_add(struct cli *c, struct opt *o, const char *v)
{
	if (o->kind != OPT_MULTI) {
		o->val = v;
		return;
	}
	const char **vals = arena_alloc(c->a, (o->nvals + 1) * sizeof *vals);
	if (o->nvals)
		memcpy(vals, o->vals, o->nvals * sizeof *vals);
	vals[o->nvals++] = v;
	o->vals = vals;
}

int cli_parse(struct cli *c, struct opt *opts, int argc, char **argv, size_t npos_min, size_t npos_max)
{
	bool only_pos = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (c->npos >= npos_max || c->npos >= CLI_MAXPOS)
				return cli_usage_fail(c, "unexpected argument '%s'", arg);
			c->pos[c->npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			print_usage(c, stdout);
			return 0;
		}
		if (strncmp(arg, "--", 2) != 0)
			return cli_usage_fail(c, "unknown option '%s'", arg);
		const char *eq = strchr(arg + 2, '=');
		char *name = eq ? arena_strndup(c->a, arg + 2, (size_t)(eq - arg - 2)) : arena_strdup(c->a, arg + 2);
		const struct opt *found = opt_find(opts, name);
		struct opt *o = found ? &opts[found - opts] : NULL;
		if (o == NULL)
			return cli_usage_fail(c, "unknown option '--%s'", name);
		if (o->kind == OPT_FLAG) {
			if (eq)
				return cli_usage_fail(c, "--%s takes no value", name);
			o->val = "yes";
		} else if (eq) {
			opt_add(c, o, eq + 1);
		} else if (i + 1 < argc) {
			opt_add(c, o, argv[++i]);
		} else {
			return cli_usage_fail(c, "--%s needs a value", name);
		}
	}
	if (c->npos < npos_min)
		return cli_usage_fail(c, "missing argument");
	return -1;
}

bool cli_bad(struct cli *c, const char *opt, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "beacon: %s: %s%s: ", c->cmd, opt[0] == '-' ? "" : "--", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

bool cli_choice(struct cli *c, const char *opt, const char *v, const char *choices)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && n > 0 && strncmp(p, v, n) == 0)
			return true;
		p += len;
		p += strspn(p, ", ");
	}
	return cli_bad(c, opt, "expected one of %s", choices);
}

bool cli_comp_status(struct cli *c, const char *opt, const char *v, enum comp_status *out)
{
	return cli_choice(c, opt, v, CHOICES_COMP_STATUS) && comp_status_parse(v, out);
}

bool cli_yesno(struct cli *c, const char *opt, const char *v, bool *out)
{
	if (!cli_choice(c, opt, v, "yes, no"))
		return false;
	*out = strcmp(v, "yes") == 0;
	return true;
}

bool cli_int(struct cli *c, const char *opt, const char *v, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < min || n > max)
		return cli_bad(c, opt, "expected a whole number from %ld to %ld", min, max);
	*out = n;
	return true;
}

bool cli_text(struct cli *c, const char *opt, const char *v, size_t max)
{
	size_t n = strlen(v);
	if (n > max)
		return cli_bad(c, opt, "longer than %zu bytes (%zu)", max, n);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 && *p != '\n' && *p != '\t')
			return cli_bad(c, opt, "contains a control character");
	return true;
}

bool cli_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

/* Converts broken-down UTC to ms, rejecting fields that timegm would silently normalise. */
static bool utc_ms(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	                 .tm_hour = h, .tm_min = mi, .tm_sec = s };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return false;
	*out = (int64_t)t * 1000;
	return true;
}

bool cli_date(struct cli *c, const char *opt, const char *v, int64_t *out)
{
	int y, mo, d, n = -1;
	if (sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || v[n] != '\0' ||
	    !utc_ms(y, mo, d, 0, 0, 0, out))
		return cli_bad(c, opt, "expected a date YYYY-MM-DD, not '%s'", v);
	return true;
}

/* Local wall time in zone tz to UTC ms (zone.c's TZif data; no process TZ). */
static bool zone_ms(const char *tz, int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
	int64_t probe;
	if (!utc_ms(y, mo, d, h, mi, s, &probe))
		return false;                   /* checks the fields */
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
	*out = zone_to_ms(zone_or_utc(tz), &tm);
	return true;
}

/* The zone times without an offset are in: the page's. beacon.conf's time_zone when the file sets
 * it (it owns the key, settings.h), else the zone stored with the page. */
static const char *page_zone(struct cli *c)
{
	if (c->cfg && config_key_set(c->cfg, "time_zone") && c->cfg->time_zone[0])
		return c->cfg->time_zone;
	struct page_settings p;
	const char *tz = NULL;
	if (c->t != NULL) {
		if (store_page_get(c->t, &p) == BC_OK && p.time_zone)
			tz = p.time_zone;
	} else if (c->cfg && c->s == NULL) {
		struct store *s = NULL;
		struct stx *t = NULL;
		unsigned flags = strcmp(c->cfg->role, "secondary") == 0 ? STORE_SNAPSHOT : STORE_RDONLY;
		if (cli_open_store(c->cfg, &s, flags) == BC_OK) {
			if (store_begin_read(s, c->a, &t) == BC_OK) {
				if (store_page_get(t, &p) == BC_OK && p.time_zone)
					tz = arena_strdup(c->a, p.time_zone);
				store_abort(t);
			}
			store_close(s);
		}
	}
	return tz && tz[0] ? tz : "UTC";
}

bool cli_time(struct cli *c, const char *opt, const char *v, int64_t *out)
{
	if (strcmp(v, "now") == 0) {
		*out = now_ms();
		return true;
	}
	int y, mo, d, h = 0, mi = 0, s = 0, n = -1, off = 0;
	bool ok = false, utc = false, has_off = false;
	const char *rest = v + strlen(v);
	if (strlen(v) == 10) {
		ok = sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10;
	} else if (strlen(v) >= 16 && (v[10] == 'T' || v[10] == ' ')) {
		ok = sscanf(v, "%4d-%2d-%2d%*c%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 && n == 16;
		rest = v + 16;
		if (ok && rest[0] == ':') {
			n = -1;
			ok = sscanf(rest, ":%2d%n", &s, &n) == 1 && n == 3;
			rest += 3;
		}
		if (ok && rest[0] == '.')                       /* fractions of a second are dropped */
			for (rest++; *rest >= '0' && *rest <= '9'; rest++)
				;
		if (ok && rest[0] == 'Z') {
			utc = true;
			rest++;
		} else if (ok && (rest[0] == '+' || rest[0] == '-')) {
			int oh, om = 0;
			n = -1;
			if (sscanf(rest + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5)
				rest += 6;
			else if (n = -1, sscanf(rest + 1, "%2d%2d%n", &oh, &om, &n) == 2 && n == 4)
				rest += 5;
			else if (n = -1, sscanf(rest + 1, "%2d%n", &oh, &n) == 1 && n == 2)
				rest += 3;
			else
				ok = false;
			if (ok && (oh > 14 || om > 59))
				ok = false;
			has_off = ok;
			if (ok)
				off = (oh * 60 + om) * (*strpbrk(v + 16, "+-") == '-' ? -1 : 1);
		}
		ok = ok && rest[0] == '\0';
	}
	if (ok) {
		int64_t utc_val;
		if (utc || has_off) {
			ok = utc_ms(y, mo, d, h, mi, s, &utc_val);
			*out = utc_val - (int64_t)off * 60000;
		} else {
			ok = zone_ms(page_zone(c), y, mo, d, h, mi, s, out);
		}
	}
	if (!ok)
		return cli_bad(c, opt, "expected a time like '2026-03-16 08:50' (in the page's zone, %s), "
		               "2026-03-16T08:50:00-05:00, 2026-03-16T13:50Z or now, not '%s'", page_zone(c), v);
	return true;
}

bool cli_read_file(struct cli *c, const char *opt, const char *path, size_t max, char **out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return cli_bad(c, opt, "%s: %s", path, strerror(errno));
	char *p = arena_alloc(c->a, max + 2);
	size_t n = fread(p, 1, max + 1, f);
	bool err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (err)
		return cli_bad(c, opt, "%s: read error", path);
	if (n > max)
		return cli_bad(c, opt, "%s: longer than %zu bytes", path, max);
	if (memchr(p, '\0', n) != NULL)
		return cli_bad(c, opt, "%s: contains a NUL byte", path);
	p[n] = '\0';
	*out = p;
	return true;
}

bool cli_body(struct cli *c, const struct opt *opts, const char *dflt, const char **out)
{
	const char *body = opt_get(opts, "body"), *file = opt_get(opts, "body-file");
	if (body && file)
		return cli_bad(c, "body-file", "give either --body or --body-file, not both");
	if (file) {
		char *text;
		if (!cli_read_file(c, "body-file", file, LIM_BODY, &text))
			return false;
		*out = text;
		return true;
	}
	if (body && !cli_text(c, "body", body, LIM_BODY))
		return false;
	*out = arena_strdup(c->a, body ? body : dflt);
	return true;
}

static int open_fail(struct cli *c, enum bc_err e)
{
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no store at '%s' (run 'beacon init' first)", c->cfg->store);
	return cli_fail(c, "cannot open store '%s': %s", c->cfg->store, bc_strerror(e));
}

int cli_begin(struct cli *c, unsigned open_flags)
{
	if (strcmp(c->cfg->role, "secondary") == 0)
		return cli_fail(c, "this node is a read-only secondary (role = secondary); write on the primary");
	enum bc_err e = cli_open_store(c->cfg, &c->s, open_flags);
	if (e != BC_OK)
		return open_fail(c, e);
	if (c->reserve && (e = store_reserve(c->s, c->reserve)) != BC_OK)
		return cli_store_fail(c, "growing the map", e);
	e = store_begin_write(c->s, c->a, &c->t);
	if (e != BC_OK) {
		c->t = NULL;
		return cli_store_fail(c, "begin write", e);
	}
	if ((e = settings_sync_tx(c->cfg, c->t, NULL)) != BC_OK)    /* beacon.conf's page keys win (settings.h) */
		return cli_store_fail(c, "page settings from the config", e);
	return 0;
}

int cli_begin_read(struct cli *c)
{
	unsigned flags = strcmp(c->cfg->role, "secondary") == 0 ? STORE_SNAPSHOT : STORE_RDONLY;
	enum bc_err e = cli_open_store(c->cfg, &c->s, flags);
	if (e != BC_OK)
		return open_fail(c, e);
	e = store_begin_read(c->s, c->a, &c->t);
	if (e != BC_OK) {
		c->t = NULL;
		return cli_store_fail(c, "begin read", e);
	}
	return 0;
}

int cli_commit(struct cli *c)
{
	enum bc_err e = store_commit(c->t);
	c->t = NULL;
	if (e != BC_OK)
		return cli_store_fail(c, "commit", e);
	return 0;
}

void cli_end(struct cli *c)
{
	if (c->t)
		store_abort(c->t);
	c->t = NULL;
	if (c->s)
		store_close(c->s);
	c->s = NULL;
}

int cli_audit(struct cli *c, const char *action, const char *target, const char *detail)
{
	enum bc_err e = store_audit_add(c->t, cli_who(), action, target, detail);
	return e == BC_OK ? 0 : cli_store_fail(c, "audit", e);
}

const char *cli_time_str(struct cli *c, int64_t ms)
{
	if (ms == 0)
		return "-";
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];
	if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof s, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		return "?";
	return arena_strdup(c->a, s);
}

void cli_json_begin(struct jw *w, struct buf *b)
{
	buf_init(b);
	jw_init(w, b);
}

int cli_json_end(struct cli *c, struct jw *w, struct buf *b)
{
	int rc = 0;
	if (!jw_ok(w))
		rc = cli_fail(c, "internal error: bad JSON output");
	else if (b->len)
		printf("%s\n", b->p);
	buf_free(b);
	return rc;
}

void cli_write_ctx(struct cli *c, struct write_ctx *w)
{
	memset(w, 0, sizeof *w);
	w->t = c->t;
	w->a = c->a;
	w->actor = cli_who();
}

/* The CLI option a write layer field is given with. */
static const char *field_option(const char *field)
{
	static const char *const map[][2] = {
		{ "scheduled_for", "from" }, { "scheduled_until", "until" }, { "components", "component" },
		{ "group_id", "group" }, { "impact_override", "impact" }, { "display_at", "at" },
		{ "only_show_if_degraded", "only-show-if-degraded" }, { "start_date", "start-date" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], field) == 0)
			return map[i][1];
	return field;
}

int cli_write_fail(struct cli *c, const struct write_ctx *w, enum bc_err e)
{
	if (e != BC_INVALID && e != BC_TOOBIG && e != BC_NOTFOUND && e != BC_CONFLICT && w->err[0] == '\0')
		return cli_store_fail(c, "write", e);
	if (w->err_field[0]) {
		const char *why = w->err + strlen(w->err_field);
		if (*why == ':')
			why += 2;
		return cli_fail(c, "--%s: %s", field_option(w->err_field), why);
	}
	return cli_fail(c, "%s", w->err);
}

/* A component or group named by id, by name, or as "Group/Name". */
int cli_find_component(struct cli *c, const char *opt, const char *ref, bc_id out)
{
	struct component *cs;
	struct group *gs;
	size_t n, ng, hits = 0;
	enum bc_err e = store_component_list(c->t, &cs, &n);
	if (e == BC_OK)
		e = store_group_list(c->t, &gs, &ng);
	if (e != BC_OK)
		return cli_store_fail(c, "components", e);
	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i].id, ref) == 0) {
			snprintf(out, sizeof(bc_id), "%s", cs[i].id);
			return 0;
		}
	const char *slash = strchr(ref, '/');
	for (size_t i = 0; i < n; i++) {
		bool match = strcmp(cs[i].name, ref) == 0;
		if (!match && slash && cs[i].group_id[0])
			for (size_t g = 0; g < ng; g++)
				if (strcmp(gs[g].id, cs[i].group_id) == 0 && strlen(gs[g].name) == (size_t)(slash - ref) &&
				    strncmp(gs[g].name, ref, (size_t)(slash - ref)) == 0 && strcmp(cs[i].name, slash + 1) == 0)
					match = true;
		if (match && hits++ == 0)
			snprintf(out, sizeof(bc_id), "%s", cs[i].id);
	}
	if (hits == 1)
		return 0;
	if (hits > 1)
		return cli_fail(c, "--%s: %zu components are named '%s'; give its id or 'Group/Name'", opt, hits, ref);
	return cli_fail(c, "--%s: no component '%s'", opt, ref);
}

int cli_find_group(struct cli *c, const char *opt, const char *ref, bc_id out)
{
	struct group *gs;
	size_t ng, hits = 0;
	enum bc_err e = store_group_list(c->t, &gs, &ng);
	if (e != BC_OK)
		return cli_store_fail(c, "groups", e);
	for (size_t i = 0; i < ng; i++)
		if (strcmp(gs[i].id, ref) == 0) {
			snprintf(out, sizeof(bc_id), "%s", gs[i].id);
			return 0;
		}
	for (size_t i = 0; i < ng; i++)
		if (strcmp(gs[i].name, ref) == 0 && hits++ == 0)
			snprintf(out, sizeof(bc_id), "%s", gs[i].id);
	if (hits == 1)
		return 0;
	if (hits > 1)
		return cli_fail(c, "--%s: %zu groups are named '%s'; give its id", opt, hits, ref);
	return cli_fail(c, "--%s: no group '%s'", opt, ref);
}
