/* cli.h: the subcommands of the beacon binary. Each returns an exit code: 0 ok, 1 failure, 2 usage. */
#ifndef BEACON_CLI_H
#define BEACON_CLI_H
#include "config.h"
#include <stdbool.h>
#include "store.h"

#ifndef BEACON_VERSION
#define BEACON_VERSION "dev"
#endif

#define EXIT_USAGE 2

int cmd_serve(const struct config *c, int argc, char **argv);        /* server.c */
int cmd_init(const struct config *c, int argc, char **argv);         /* cli_admin.c */
int cmd_token(const struct config *c, int argc, char **argv);
int cmd_backup(const struct config *c, int argc, char **argv);
int cmd_restore(const struct config *c, int argc, char **argv);
int cmd_component(const struct config *c, int argc, char **argv);    /* cli_component.c */
int cmd_group(const struct config *c, int argc, char **argv);
int cmd_incident(const struct config *c, int argc, char **argv);     /* cli_incident.c */
int cmd_maintenance(const struct config *c, int argc, char **argv);
int cmd_import(const struct config *c, int argc, char **argv);       /* import.c */
int cmd_export(const struct config *c, int argc, char **argv);
int cmd_pull(const struct config *c, int argc, char **argv);         /* pull.c */
int cmd_promote(const struct config *c, int argc, char **argv);
int cmd_audit(const struct config *c, int argc, char **argv);        /* cli_audit.c */
int cmd_page(const struct config *c, int argc, char **argv);         /* brand.c */
int cmd_check(const struct config *c, int argc, char **argv);        /* cli_check.c */
int cmd_rule(const struct config *c, int argc, char **argv);         /* cli_intake.c */
int cmd_heartbeat(const struct config *c, int argc, char **argv);
int cmd_notify(const struct config *c, int argc, char **argv);       /* notify.c */
int cmd_subscriber(const struct config *c, int argc, char **argv);   /* cli_subscriber.c */
int cmd_deliveries(const struct config *c, int argc, char **argv);
int cmd_user(const struct config *c, int argc, char **argv);         /* cli_user.c */
int cmd_admin(const struct config *c, int argc, char **argv);
int cmd_routes(const struct config *c, int argc, char **argv);     /* cli_user.c */

/* True for "-h" and "--help" (cli_util.c). */
bool cli_is_help(const char *arg);

/* Shared CLI helpers (cli_util.c): open the configured store for writing; audit "cli:<user>". */
enum bc_err cli_open_store(const struct config *c, struct store **out, unsigned flags);
const char *cli_who(void);

#endif
