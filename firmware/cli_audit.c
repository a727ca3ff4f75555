/* cli_audit.c: `beacon audit [--limit N] [--json]`: the audit log, newest first. */
#include <stdio.h>
#include "cli.h"
#include "cli_util.h"

#define AUDIT_DEFAULT_LIMIT 50
#define AUDIT_MAX_LIMIT 100000

static int audit_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("limit"), OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	long limit = AUDIT_DEFAULT_LIMIT;
	const char *l = opt_get(opts, "limit");
	if (l && !cli_int(c, "limit", l, 1, AUDIT_MAX_LIMIT, &limit))
		return EXIT_USAGE;
	if (cli_begin_read(c))
		return 1;
	struct audit_entry *ents;
	size_t n;
	enum bc_err e = store_audit_list(c->t, (size_t)limit, &ents, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "audit log", e);
	if (opt_get(opts, "json")) {
		struct jw w;
		struct buf b;
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
		for (size_t i = 0; i < n; i++) {
			jw_obj_open(&w, NULL);
			jw_int(&w, "at", ents[i].at);
			jw_str(&w, "who", ents[i].who ? ents[i].who : "");
			jw_str(&w, "action", ents[i].action ? ents[i].action : "");
			jw_str(&w, "target", ents[i].target ? ents[i].target : "");
			jw_str(&w, "detail", ents[i].detail ? ents[i].detail : "");
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		return cli_json_end(c, &w, &b);
	}
	for (size_t i = 0; i < n; i++)
		printf("%s  %-16s  %-24s  %-12s  %s\n", cli_time_str(c, ents[i].at),
		       ents[i].who ? ents[i].who : "", ents[i].action ? ents[i].action : "",
		       ents[i].target ? ents[i].target : "", ents[i].detail ? ents[i].detail : "");
	return 0;
}

int cmd_audit(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd sc = { "audit", audit_list, "audit [--limit N] [--json]" };
	return cli_run(cfg, "audit", &sc, argc, argv);
}
