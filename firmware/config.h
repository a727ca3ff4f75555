/* config.h: beacon.conf keys, types, bounds and defaults (config.c holds the one key table). */
#ifndef BEACON_CONFIG_H
#define BEACON_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CFG_STR_MAX 512

struct config {
	char path[CFG_STR_MAX];             /* the file it was read from */
	char store[CFG_STR_MAX];            /* LMDB directory (primary) or snapshot dir (secondary) */
	char listen[CFG_STR_MAX];           /* "unix:/path", "127.0.0.1:PORT", or "inherit" (fd 0) */
	char listen_group[64];              /* group of the unix socket (mode 0660): the web server's */
	char listen_allow_remote[4];        /* "yes": a TCP listen may be on a non-loopback address */
	char trusted_proxies[CFG_STR_MAX];  /* comma list of addresses whose X-Forwarded-For is believed */
	int threads;
	int64_t map_size_mb;                /* initial LMDB map size; grows on MDB_MAP_FULL */
	char page_name[CFG_STR_MAX];
	char page_url[CFG_STR_MAX];
	char time_zone[CFG_STR_MAX];
	char default_language[16];
	char languages[64];
	int cache_seconds;                  /* max age of a rendered page before re-render */
	int max_body_kb;                    /* request body limit */
	int rate_limit_per_minute;          /* per API key */
	char log_format[8];                 /* "text" or "json": one line per request or event on stderr */
	int health_snapshot_warn_seconds;   /* secondary: /health warns when the snapshot is older */
	/* replication */
	char role[16];                      /* "primary" or "secondary" */
	char replication_key_file[CFG_STR_MAX];   /* ECDSA P-256 private key (primary) / public key (secondary) PEM */
	char replication_hmac_key[CFG_STR_MAX];   /* shared secret (hex), optional extra HMAC */
	char upstream[CFG_STR_MAX];         /* secondary: primary's base URL */
	char upstream_token[CFG_STR_MAX];   /* secondary: replication token */
	char ca_file[CFG_STR_MAX];          /* secondary: CA bundle for https upstream */
	int pull_seconds;                   /* secondary: poll interval */
	int pull_deadline_seconds;          /* secondary: one whole poll (connect to last byte) */
	int64_t max_snapshot_mb;            /* secondary: refuse larger snapshots */
	uint64_t keys_set;                  /* bit i: key i of the key table was in the file */
	/* notifications (beacon notify) */
	char notify_store[CFG_STR_MAX];     /* the sender's local LMDB directory ("" = <store>-notify) */
	char notify_allow_private[4];       /* "yes": webhooks may target private/loopback addresses */
	int notify_concurrency;             /* deliveries in flight at once */
	int notify_retention_days;          /* finished deliveries (and unused payloads) are purged after */
	char notify_from[CFG_STR_MAX];      /* From: of subscriber mails */
	char smtp_host[CFG_STR_MAX];        /* relay; "" = pipe to sendmail */
	int smtp_port;
	char smtp_starttls[4];              /* "yes": STARTTLS (certificate checked against ca_file) before AUTH/MAIL */
	char smtp_user[CFG_STR_MAX];        /* AUTH PLAIN when set */
	char smtp_password[CFG_STR_MAX];
	char sendmail[CFG_STR_MAX];         /* used when smtp_host is "" */
};

/* True when listen is TCP on an address other than 127.x.x.x and listen_allow_remote is not yes:
 * anyone who reaches the FastCGI socket can send records libfcgi itself aborts on. */
bool config_listen_exposed(const struct config *c);
/* The unix socket's group (listen_group) as a gid; -1 with err when there is no such group. */
int config_listen_gid(const struct config *c, gid_t *out, char *err, size_t errlen);
/* One line saying who can reach the listener ("unix:/run/beacon/beacon.sock mode 0660 group www-data"). */
void config_listen_describe(const struct config *c, char *out, size_t outlen);

#define CONFIG_FILE_MAX (64 * 1024)

/* Fills defaults, then reads path. On error returns -1 and writes "file:line: reason" into err. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* The same for the text of a file (len bytes, need not end in NUL); path only names it in messages. */
int config_parse(struct config *c, const char *path, const char *text, size_t len, char *err, size_t errlen);
void config_defaults(struct config *c);
/* Whether the file set key name (false for defaults). */
bool config_key_set(const struct config *c, const char *name);

#endif
