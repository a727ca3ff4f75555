/* main.c: beacon's entry point: global options, help, config loading, and the subcommand table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "config.h"
#include "log.h"

static const struct command {
	const char *name;
	int (*fn)(const struct config *, int, char **);    /* NULL: help */
	const char *usage;
} commands[] = {
	{ "serve",       cmd_serve,       "serve                       run the FastCGI server" },
	{ "init",        cmd_init,        "init                        create the store, print a first admin token" },
	{ "token",       cmd_token,       "token create|list|revoke    manage API tokens" },
	{ "component",   cmd_component,   "component add|set|del|list  manage components" },
	{ "group",       cmd_group,       "group add|set|del|list      manage component groups" },
	{ "incident",    cmd_incident,    "incident open|update|resolve|postmortem|list|show|del" },
	{ "maintenance", cmd_maintenance, "maintenance schedule|update|complete|list|del" },
	{ "check",       cmd_check,       "check                       validate the configuration" },
	{ "backup",      cmd_backup,      "backup FILE                 consistent compact copy of the store" },
	{ "restore",     cmd_restore,     "restore FILE                verify a backup and install it as the store" },
	{ "import",      cmd_import,      "import statuspage DIR|URL   import a Statuspage page's v2 JSON" },
	{ "export",      cmd_export,      "export DIR                  write v2 JSON of this page" },
	{ "pull",        cmd_pull,        "pull --from URL [--every 5s]  secondary: fetch signed snapshots" },
	{ "promote",     cmd_promote,     "promote                     turn a secondary into a primary" },
	{ "audit",       cmd_audit,       "audit [--limit N] [--json]  the audit log, newest first" },
	{ "page",        cmd_page,        "page logo FILE|color '#RRGGBB'|show  the page's logo and brand colour" },
	{ "rule",        cmd_rule,        "rule add|list|del|alerts    Alertmanager rules: labels to component status" },
	{ "heartbeat",   cmd_heartbeat,   "heartbeat add|list|del      heartbeat checks (healthchecks.io-style pings)" },
	{ "subscriber",  cmd_subscriber,  "subscriber add|list|show|del  manage notification subscribers" },
	{ "notify",      cmd_notify,      "notify [--once]             send notifications from the outbox (primary)" },
	{ "deliveries",  cmd_deliveries,  "deliveries [--failed]       recent notification deliveries and failures" },
	{ "user",        cmd_user,        "user add|list|set|del       web admin users and roles" },
	{ "admin",       cmd_admin,       "admin routes|require-2fa    the web admin's route table, 2FA for all" },
	{ "routes",      cmd_routes,      "routes                      every HTTP route outside /admin: METHOD PATTERN" },
	{ "help",        NULL,            "help [COMMAND]              this list, or one command's usage" },
	{ NULL, NULL, NULL }
};

static void main_usage(FILE *f)
{
	fprintf(f, "usage: beacon [--config FILE] [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "\n`beacon help COMMAND` or `beacon COMMAND [SUBCOMMAND] --help` shows its usage (no config\n"
	           "file needed). The config file defaults to $BEACON_CONFIG, then /etc/beacon/beacon.conf;\n"
	           "see beacon(8) and beacon.conf(5). Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static const struct command *main_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Help without a config file: the command prints its own usage (its subcommand table is the one
 * place that text lives), given the built-in defaults instead of a config. argv[0] is the command. */
static int main_help(const struct command *cmd, int argc, char **argv)
{
	static struct config defaults;
	config_defaults(&defaults);
	if (cmd->fn == NULL) {
		main_usage(stdout);
		return 0;
	}
	return cmd->fn(&defaults, argc, argv);
}

int main(int argc, char **argv)
{
	const char *conf = getenv("BEACON_CONFIG");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
			if (++i >= argc) {
				main_usage(stderr);
				return EXIT_USAGE;
			}
			conf = argv[i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			conf = argv[i] + 9;
		} else if (strcmp(argv[i], "-v") == 0) {
			log_verbose = 1;
		} else if (cli_is_help(argv[i])) {
			main_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("beacon %s\n", BEACON_VERSION);
			return 0;
		} else {
			fprintf(stderr, "beacon: unknown option %s\n", argv[i]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	const struct command *cmd = main_find(argv[i]);
	if (cmd == NULL) {
		fprintf(stderr, "beacon: unknown command '%s'\n", argv[i]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd->name, "help") == 0) {
		if (i + 1 >= argc || cli_is_help(argv[i + 1])) {
			main_usage(stdout);
			return 0;
		}
		const struct command *of = main_find(argv[i + 1]);
		if (of == NULL) {
			fprintf(stderr, "beacon: help: no command '%s' (beacon help lists them)\n", argv[i + 1]);
			return EXIT_USAGE;
		}
		char help[] = "--help";
		char *args[] = { argv[i + 1], help, NULL };
		return main_help(of, 2, args);
	}
	/* `beacon COMMAND --help` and `beacon COMMAND SUBCOMMAND --help` */
	for (int j = i + 1; j < argc && j <= i + 2; j++)
		if (cli_is_help(argv[j]))
			return main_help(cmd, argc - i, argv + i);
	if (conf == NULL)
		conf = "/etc/beacon/beacon.conf";

	static struct config cfg;
	char err[1024];
	if (config_load(&cfg, conf, err, sizeof err) != 0) {
		fprintf(stderr, "beacon: %s\n", err);
		return 1;
	}
	store_set_map_size((size_t)cfg.map_size_mb << 20);
	log_set_format(cfg.log_format);
	return cmd->fn(&cfg, argc - i, argv + i);
}
