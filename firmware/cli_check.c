/* cli_check.c: `beacon check`: the config parsed (config.c), then what its values mean: zone, listen address and who can reach it, key files, replication. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include "cli.h"
#include "sign.h"
#include "snapshot.h"
#include "zone.h"

struct check {
	const struct config *cfg;
	int problems;
};

/* Line of "key =" in the config file, 0 when the key is not there (its default is used). */
static int check_key_line(const struct config *cfg, const char *key)
{
	FILE *f = fopen(cfg->path, "r");
	if (f == NULL)
		return 0;
	char line[256];
	int n = 0, found = 0;
	size_t kl = strlen(key);
	while (!found && fgets(line, sizeof line, f)) {
		n++;
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t' || p[kl] == '='))
			found = n;
	}
	fclose(f);
	return found;
}

/* "file:line: key: reason"; a key left at its default points at the line of `near`, else line 1. */
static void check_bad(struct check *ck, const char *key, const char *near, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void check_bad(struct check *ck, const char *key, const char *near, const char *fmt, ...)
{
	int line = check_key_line(ck->cfg, key);
	if (line == 0 && near)
		line = check_key_line(ck->cfg, near);
	char why[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s: %s%s\n", ck->cfg->path, line ? line : 1, key, why,
	        check_key_line(ck->cfg, key) ? "" : " (not set in the file)");
	ck->problems++;
}

static void check_listen(struct check *ck)
{
	const char *l = ck->cfg->listen;
	if (strcmp(l, "inherit") == 0)
		return;
	if (strncmp(l, "unix:", 5) == 0) {
		const char *path = l + 5;
		struct sockaddr_un sa;
		if (path[0] != '/')
			check_bad(ck, "listen", NULL, "socket path '%s' must be absolute", path);
		else if (strlen(path) >= sizeof sa.sun_path)
			check_bad(ck, "listen", NULL, "socket path is longer than %zu bytes", sizeof sa.sun_path - 1);
		/* its directory may not exist yet: systemd creates /run/beacon when the service starts */
		char why[300];
		gid_t gid;
		if (config_listen_gid(ck->cfg, &gid, why, sizeof why) != 0)
			check_bad(ck, "listen_group", "listen", "%s", why);
		return;
	}
	const char *colon = strrchr(l, ':');
	char host[64];
	size_t hl = colon ? (size_t)(colon - l) : 0;
	struct in_addr a;
	if (colon == NULL || hl == 0 || hl >= sizeof host) {
		check_bad(ck, "listen", NULL, "'%s' is not unix:/path, IPV4:PORT or inherit", l);
		return;
	}
	memcpy(host, l, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		check_bad(ck, "listen", NULL, "'%s' is not an IPv4 address (e.g. 127.0.0.1:9000)", host);
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno || port < 1 || port > 65535)
		check_bad(ck, "listen", NULL, "port '%s' must be a number from 1 to 65535", colon + 1);
	if (config_listen_exposed(ck->cfg))
		check_bad(ck, "listen", NULL, "'%s' lets other hosts reach the FastCGI socket; use a unix socket or "
		          "127.0.0.1:PORT, or set 'listen_allow_remote = yes' behind a firewall", l);
}

/* The snapshot keys as pull and the replication endpoint load them (snap_keys_load), plus their kind. */
static void check_keys(struct check *ck, bool secondary)
{
	const struct config *c = ck->cfg;
	const char *file = c->replication_key_file;
	if (!secondary && file[0] == '\0' && c->replication_hmac_key[0] == '\0')
		return;                       /* a primary without replication */
	if (file[0] && access(file, R_OK) != 0) {
		check_bad(ck, "replication_key_file", NULL, "cannot read '%s': %s", file, strerror(errno));
		return;
	}
	struct snap_keys k;
	char why[300];
	if (snap_keys_load(&k, file, c->replication_hmac_key, !secondary, why, sizeof why) != BC_OK) {
		bool hmac = strstr(why, "replication_hmac_key must") != NULL;
		check_bad(ck, hmac ? "replication_hmac_key" : "replication_key_file", "role", "%s%s", why,
		          !hmac && !secondary && file[0] ? " (a primary signs snapshots with its private key)" : "");
		return;
	}
	if (secondary && k.ecdsa && sign_key_is_private(k.ecdsa))
		check_bad(ck, "replication_key_file", NULL, "'%s' is a private key; a secondary keeps only the public key "
		          "(openssl ec -in repl.key -pubout -out repl.pub)", file);
	snap_keys_free(&k);
}

static void check_secondary(struct check *ck)
{
	const struct config *c = ck->cfg;
	if (c->upstream[0] == '\0')
		check_bad(ck, "upstream", "role", "a secondary needs the primary's base URL");
	else if (strncmp(c->upstream, "http://", 7) != 0 && strncmp(c->upstream, "https://", 8) != 0)
		check_bad(ck, "upstream", NULL, "'%s' must start with http:// or https://", c->upstream);
	if (c->upstream_token[0] == '\0')
		check_bad(ck, "upstream_token", "role", "a secondary needs a token of scope replication");
	if (strncmp(c->upstream, "https://", 8) == 0 && access(c->ca_file, R_OK) != 0)
		check_bad(ck, "ca_file", "upstream", "cannot read '%s': %s", c->ca_file, strerror(errno));
}

int cmd_check(const struct config *c, int argc, char **argv)
{
	if (argc > 1) {
		bool help = cli_is_help(argv[1]);
		fprintf(help ? stdout : stderr, "usage: beacon [--config FILE] check\n"
		        "  reads the config file and checks every key's meaning; prints \"configuration OK\",\n"
		        "  or one \"file:line: key: reason\" per problem (exit 1)\n");
		return help ? 0 : EXIT_USAGE;
	}
	struct check ck = { .cfg = c };
	bool secondary = strcmp(c->role, "secondary") == 0;
	if (!zone_exists(c->time_zone))
		check_bad(&ck, "time_zone", NULL, "'%s' is not a time zone in %s (e.g. America/Guayaquil, UTC)",
		          c->time_zone, ZONE_DIR);
	if (strncmp(c->page_url, "http://", 7) != 0 && strncmp(c->page_url, "https://", 8) != 0)
		check_bad(&ck, "page_url", NULL, "'%s' must be an absolute http:// or https:// URL", c->page_url);
	char langs[sizeof c->languages + 2];
	snprintf(langs, sizeof langs, ",%s,", c->languages);
	char want[24];
	snprintf(want, sizeof want, ",%s,", c->default_language);
	if (strstr(langs, want) == NULL)
		check_bad(&ck, "default_language", "languages", "'%s' is not one of languages (%s)", c->default_language,
		          c->languages);
	check_listen(&ck);
	check_keys(&ck, secondary);
	if (secondary)
		check_secondary(&ck);
	if (ck.problems)
		return 1;
	char listen[CFG_STR_MAX + 128];
	config_listen_describe(c, listen, sizeof listen);
	printf("configuration OK\nlisten: %s\n", listen);
	return 0;
}
