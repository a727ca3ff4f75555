/* cli_help.c: `beacon help [COMMAND]` and `beacon COMMAND --help`: the text of every command (no config needed). */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct cli_help_entry {
	const char *name;
	const char *summary;        /* the line in `beacon help` */
	const char *text;           /* `beacon help NAME`: usage lines, then what it does */
} entries[] = {
	{ "serve", "run the FastCGI server",
	  "usage: beacon serve\n\n"
	  "Runs the FastCGI server on `listen` (unix:/path, 127.0.0.1:PORT, or fd 0 when started by\n"
	  "lighttpd or spawn-fcgi) with `threads` workers. Logs one line per request on stderr\n"
	  "(log_format = text|json). SIGTERM or SIGINT stops it after the requests in flight.\n" },
	{ "init", "create the store, print a first admin token",
	  "usage: beacon init [--force-token]\n\n"
	  "Creates the LMDB store in `store` and prints an admin token (shown once; stored hashed).\n"
	  "On a store that exists, does nothing unless --force-token mints another admin token.\n" },
	{ "token", "create, list or revoke API tokens",
	  "usage: beacon token create --scope read|write|admin|replication [--name NAME]\n"
	  "       beacon token list [--json]\n"
	  "       beacon token revoke ID\n\n"
	  "A read token also opens /metrics to clients that are not on loopback.\n" },
	{ "component", "add, change, delete or list components",
	  "usage: beacon component add --name NAME [--description TEXT] [--group ID|none] [--status STATUS]\n"
	  "           [--position N] [--showcase yes|no] [--only-show-if-degraded yes|no] [--start-date YYYY-MM-DD]\n"
	  "       beacon component set ID [--name NAME] [same options as add]\n"
	  "       beacon component del ID\n"
	  "       beacon component list [--json]\n\n"
	  "STATUS: operational, degraded_performance, partial_outage, major_outage, under_maintenance.\n" },
	{ "group", "add, change, delete or list component groups",
	  "usage: beacon group add --name NAME [--description TEXT] [--position N]\n"
	  "       beacon group set ID [--name NAME] [--description TEXT] [--position N]\n"
	  "       beacon group del ID\n"
	  "       beacon group list [--json]\n" },
	{ "incident", "open, update, resolve, list, show or delete incidents",
	  "usage: beacon incident open --name NAME --status investigating|identified|monitoring\n"
	  "           --impact none|minor|major|critical [--body MD | --body-file FILE]\n"
	  "           [--component ID=STATUS ...] [--at TIME]\n"
	  "       beacon incident update ID --status investigating|identified|monitoring|resolved\n"
	  "           [--body MD | --body-file FILE] [--component ID=STATUS ...] [--at TIME]\n"
	  "       beacon incident resolve ID [--body MD | --body-file FILE] [--at TIME] [--keep-components]\n"
	  "       beacon incident postmortem ID --body-file FILE [--publish] [--at TIME]\n"
	  "       beacon incident list [--open] [--json] [--limit N]\n"
	  "       beacon incident show ID [--json]\n"
	  "       beacon incident del ID\n" },
	{ "maintenance", "schedule, update, complete or list maintenance",
	  "usage: beacon maintenance schedule --name NAME --from TIME --until TIME [--component ID ...]\n"
	  "           [--body MD | --body-file FILE] [--auto-start yes|no] [--auto-complete yes|no]\n"
	  "       beacon maintenance update ID --status in_progress|verifying|completed\n"
	  "           [--body MD | --body-file FILE] [--at TIME]\n"
	  "       beacon maintenance complete ID [--body MD | --body-file FILE] [--at TIME]\n"
	  "       beacon maintenance list [--open] [--json] [--limit N]\n"
	  "       beacon maintenance del ID\n" },
	{ "check", "validate the configuration",
	  "usage: beacon check\n\n"
	  "Reads the config file and prints \"configuration OK\", or \"file:line: reason\" and exits 1.\n" },
	{ "backup", "consistent compact copy of the store",
	  "usage: beacon backup FILE [--force]\n\n"
	  "Writes a consistent compact copy of the live store to FILE (safe while beacon serves);\n"
	  "--force overwrites an existing FILE. Restore it with `beacon restore FILE`.\n" },
	{ "restore", "verify a backup and install it as the store",
	  "usage: beacon restore FILE [--force]\n\n"
	  "Opens FILE read-only and checks it is a Beacon store, then installs it as the store's\n"
	  "data.mdb (the previous one is kept as data.mdb.before-restore). Refuses while a server\n"
	  "or another process holds the store; --force installs anyway (restart the server after).\n" },
	{ "import", "import a Statuspage page's v2 JSON",
	  "usage: beacon import statuspage DIR|URL\n\n"
	  "Migrates components, groups, incidents and maintenance from a Statuspage page's v2 JSON\n"
	  "(a directory of its files, or the page's URL). Running it again changes nothing.\n" },
	{ "export", "write v2 JSON of this page",
	  "usage: beacon export DIR\n\n"
	  "Writes summary.json, incidents.json and scheduled-maintenances.json (what import reads).\n" },
	{ "pull", "secondary: fetch signed snapshots",
	  "usage: beacon pull [--from URL] [--every INTERVAL | --once]\n\n"
	  "URL defaults to the config's upstream; INTERVAL like 5s, 500ms, 1m (default pull_seconds).\n"
	  "Verifies each snapshot's signature, HMAC, size and generation before installing it.\n"
	  "--once polls once: exit 0 if current or installed.\n" },
	{ "promote", "turn a secondary into a primary",
	  "usage: beacon promote\n\n"
	  "Makes the newest installed snapshot the writable store of this node.\n" },
	{ "audit", "the audit log, newest first",
	  "usage: beacon audit [--limit N] [--json]\n" },
	{ "help", "this list, or one command's help",
	  "usage: beacon help [COMMAND]\n       beacon COMMAND --help\n" },
	{ NULL, NULL, NULL }
};

void cli_help_summary(FILE *f)
{
	fprintf(f, "usage: beacon [--config FILE] [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct cli_help_entry *e = entries; e->name; e++)
		fprintf(f, "  %-12s %s\n", e->name, e->summary);
	fprintf(f, "\n`beacon help COMMAND` shows one command's options. The config file defaults to\n"
	           "$BEACON_CONFIG, then /etc/beacon/beacon.conf (see beacon.conf(5)); help needs none.\n"
	           "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int cli_help(FILE *f, const char *name)
{
	for (const struct cli_help_entry *e = entries; e->name; e++)
		if (strcmp(e->name, name) == 0) {
			fprintf(f, "beacon %s: %s\n\n%s", e->name, e->summary, e->text);
			return 0;
		}
	fprintf(stderr, "beacon: no command '%s' (beacon help lists them)\n", name);
	return EXIT_USAGE;
}
