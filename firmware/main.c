/* main.c: beacon's entry point: global options, config loading, and the subcommand table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "config.h"
#include "log.h"

static const struct command {
	const char *name;
	int (*fn)(const struct config *, int, char **);
	const char *usage;
} commands[] = {
	{ "serve",       cmd_serve,       "serve                       run the FastCGI server" },
	{ "init",        cmd_init,        "init                        create the store, print a first admin token" },
	{ "token",       cmd_token,       "token create|list|revoke    manage API tokens" },
	{ "component",   cmd_component,   "component add|set|del|list  manage components" },
	{ "group",       cmd_group,       "group add|set|del|list      manage component groups" },
	{ "incident",    cmd_incident,    "incident open|update|resolve|postmortem|list|show|del" },
	{ "maintenance", cmd_maintenance, "maintenance schedule|update|complete|list" },
	{ "check",       cmd_check,            "check                       validate the configuration" },
	{ "backup",      cmd_backup,      "backup FILE                 consistent compact copy of the store" },
	{ "import",      cmd_import,      "import statuspage DIR|URL   import a Statuspage page's v2 JSON" },
	{ "export",      cmd_export,      "export DIR                  write v2 JSON of this page" },
	{ "pull",        cmd_pull,        "pull --from URL [--every 5s]  secondary: fetch signed snapshots" },
	{ "promote",     cmd_promote,     "promote                     turn a secondary into a primary" },
	{ "audit",       cmd_audit,       "audit [--limit N] [--json]  the audit log, newest first" },
	{ "page",        cmd_page,        "page logo FILE|color '#RRGGBB'|show  the page's logo and brand colour" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: beacon [--config FILE] [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "\nThe config file defaults to $BEACON_CONFIG, then /etc/beacon/beacon.conf.\n"
	           "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	const char *conf = getenv("BEACON_CONFIG");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
			if (++i >= argc) {
				usage(stderr);
				return EXIT_USAGE;
			}
			conf = argv[i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			conf = argv[i] + 9;
		} else if (strcmp(argv[i], "-v") == 0) {
			log_verbose = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "beacon: unknown option %s\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const struct command *cmd = NULL;
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, argv[i]) == 0)
			cmd = c;
	if (cmd == NULL) {
		fprintf(stderr, "beacon: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (conf == NULL)
		conf = "/etc/beacon/beacon.conf";

	static struct config cfg;
	char err[1024];
	if (config_load(&cfg, conf, err, sizeof err) != 0) {
		fprintf(stderr, "beacon: %s\n", err);
		return 1;
	}
	store_set_map_size((size_t)cfg.map_size_mb << 20);
	return cmd->fn(&cfg, argc - i, argv + i);
}
