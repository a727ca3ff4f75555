/* cli_util.h: what the CLI subcommands share: option parsing, value checks, the store txn, output. */
#ifndef BEACON_CLI_UTIL_H
#define BEACON_CLI_UTIL_H
#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "out.h"
#include "write.h"

/* Choice lists, in the order they are shown in errors and usage text. */
#define CHOICES_COMP_STATUS "operational, degraded_performance, partial_outage, major_outage, under_maintenance"
#define CHOICES_INC_OPEN    "investigating, identified, monitoring"
#define CHOICES_INC_UPDATE  "investigating, identified, monitoring, resolved"
#define CHOICES_MAINT       "in_progress, verifying, completed"
#define CHOICES_IMPACT      "none, minor, major, critical"
#define CHOICES_SCOPE       "read, write, admin, replication, intake"
#define CLI_MAXPOS 4

/* One subcommand run: names it in messages, holds its arena, store and write transaction. */
struct cli {
	const char *cmd;                 /* "component add" */
	const char *usage;               /* its usage line(s), without "usage: beacon " */
	const struct config *cfg;
	struct arena *a;
	struct store *s;
	struct stx *t;
	char *pos[CLI_MAXPOS];           /* positional arguments */
	size_t npos;
	size_t reserve;                  /* bytes one large write (an import) may need: cli_begin grows the map first */
};

enum opt_kind { OPT_VAL, OPT_FLAG, OPT_MULTI };

/* A long option "--name"; a table of them ends with a NULL name. */
struct opt {
	const char *name;                /* without the leading "--" */
	enum opt_kind kind;
	const char *val;                 /* OPT_VAL: its value; OPT_FLAG: non-NULL when given */
	const char **vals;               /* OPT_MULTI: every value in order (arena) */
	size_t nvals;
};

#define OPTV(n) { .name = (n), .kind = OPT_VAL }
#define OPTF(n) { .name = (n), .kind = OPT_FLAG }
#define OPTM(n) { .name = (n), .kind = OPT_MULTI }
#define OPT_END { .name = NULL }

/* A subcommand of a command ("component add"). */
struct subcmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
};

/* Runs argv[1] of command cmd from subs with a fresh struct cli; frees everything after. */
int cli_dispatch(const struct config *cfg, const char *cmd, const struct subcmd *subs, int argc, char **argv);
/* Runs one subcommand (argv[0] is its name) with a fresh struct cli; messages name it "<cmd> <name>". */
int cli_run(const struct config *cfg, const char *cmd, const struct subcmd *sc, int argc, char **argv);

/* Parses argv[1..argc) (argv[0] is the subcommand) against opts, with npos_min..npos_max positionals.
 * Returns -1 to go on; otherwise the exit code to return (0 after -h/--help, EXIT_USAGE on bad usage). */
int cli_parse(struct cli *c, struct opt *opts, int argc, char **argv, size_t npos_min, size_t npos_max);
const char *opt_get(const struct opt *opts, const char *name);
const struct opt *opt_find(const struct opt *opts, const char *name);

/* Messages: "beacon: <cmd>: ..." on stderr. cli_fail returns 1; cli_usage_fail also prints usage and returns 2. */
int cli_fail(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_fail(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_store_fail(struct cli *c, const char *what, enum bc_err e);

/* "beacon: <cmd>: --<opt>: <why>" on stderr; returns false. */
bool cli_bad(struct cli *c, const char *opt, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Value checks: each prints "beacon: <cmd>: --<opt>: <why>" and returns false on a bad value. */
bool cli_choice(struct cli *c, const char *opt, const char *v, const char *choices);
bool cli_comp_status(struct cli *c, const char *opt, const char *v, enum comp_status *out);
bool cli_yesno(struct cli *c, const char *opt, const char *v, bool *out);
bool cli_int(struct cli *c, const char *opt, const char *v, long min, long max, long *out);
bool cli_text(struct cli *c, const char *opt, const char *v, size_t max);
/* "now", "2026-03-16 08:50[:00]" or "2026-03-16" in the page's zone (config time_zone),
 * "2026-03-16T08:50:00Z" UTC, or with an offset "2026-03-16T08:50-05:00". */
bool cli_time(struct cli *c, const char *opt, const char *v, int64_t *out);
bool cli_date(struct cli *c, const char *opt, const char *v, int64_t *out);   /* YYYY-MM-DD */
/* Markdown from --body or --body-file (at most LIM_BODY bytes); *out = dflt when neither is given. */
bool cli_body(struct cli *c, const struct opt *opts, const char *dflt, const char **out);
bool cli_read_file(struct cli *c, const char *opt, const char *path, size_t max, char **out);
bool cli_id_ok(const char *id);                   /* 1 to 12 base36 characters */

/* Store: open cfg->store with flags and begin a write txn; commit (then close) or end (abort, close). */
int cli_begin(struct cli *c, unsigned open_flags);
int cli_begin_read(struct cli *c);
int cli_commit(struct cli *c);
void cli_end(struct cli *c);
/* An audit entry "cli:<user>" in the open txn; returns 0 or (after printing) 1. */
int cli_audit(struct cli *c, const char *action, const char *target, const char *detail);

/* The write layer: a write_ctx on the open txn (actor "cli:<user>"); a refused write printed as
 * "beacon: <cmd>: --<option>: why" (returns 1). */
void cli_write_ctx(struct cli *c, struct write_ctx *w);
int cli_write_fail(struct cli *c, const struct write_ctx *w, enum bc_err e);
/* In the open txn: a component by id, name or "Group/Name", a group by id or name; 0 or 1 after printing. */
int cli_find_component(struct cli *c, const char *opt, const char *ref, bc_id out);
int cli_find_group(struct cli *c, const char *opt, const char *ref, bc_id out);

/* Output: UTC "2026-03-16 08:50:00Z" (or "-" for 0) in the arena; a JSON buffer flushed to stdout. */
const char *cli_time_str(struct cli *c, int64_t ms);
void cli_json_begin(struct jw *w, struct buf *b);
int cli_json_end(struct cli *c, struct jw *w, struct buf *b);

#endif
