/* main.c: beacon's entry point: global options, help, config loading, and the subcommand table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "config.h"
#include "log.h"

static const struct command {
	const char *name;
	int (*fn)(const struct config *, int, char **);
} commands[] = {
	{ "serve",       cmd_serve },
	{ "init",        cmd_init },
	{ "token",       cmd_token },
	{ "component",   cmd_component },
	{ "group",       cmd_group },
	{ "incident",    cmd_incident },
	{ "maintenance", cmd_maintenance },
	{ "check",       cmd_check },
	{ "backup",      cmd_backup },
	{ "restore",     cmd_restore },
	{ "import",      cmd_import },
	{ "export",      cmd_export },
	{ "pull",        cmd_pull },
	{ "promote",     cmd_promote },
	{ "audit",       cmd_audit },
	{ "page",        cmd_page },
	{ NULL, NULL }
};

static bool main_is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int main(int argc, char **argv)
{
	const char *conf = getenv("BEACON_CONFIG");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
			if (++i >= argc) {
				cli_help_summary(stderr);
				return EXIT_USAGE;
			}
			conf = argv[i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			conf = argv[i] + 9;
		} else if (strcmp(argv[i], "-v") == 0) {
			log_verbose = 1;
		} else if (main_is_help(argv[i])) {
			cli_help_summary(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("beacon %s\n", BEACON_VERSION);
			return 0;
		} else {
			fprintf(stderr, "beacon: unknown option %s\n", argv[i]);
			cli_help_summary(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cli_help_summary(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			cli_help_summary(stdout);
			return 0;
		}
		return cli_help(stdout, argv[i + 1]);
	}
	const struct command *cmd = NULL;
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, argv[i]) == 0)
			cmd = c;
	if (cmd == NULL) {
		fprintf(stderr, "beacon: unknown command '%s'\n", argv[i]);
		cli_help_summary(stderr);
		return EXIT_USAGE;
	}
	/* `beacon COMMAND --help` and `beacon COMMAND SUB --help` need no config file */
	for (int j = i + 1; j < argc && j <= i + 2; j++)
		if (main_is_help(argv[j]))
			return cli_help(stdout, cmd->name);
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
