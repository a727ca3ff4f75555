/* config.c: reads beacon.conf with inih against one typed key table; any bad line is fatal. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <grp.h>
#include <ini.h>
#include "config.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_I64, CFG_ENUM };

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off, size;          /* field offset and size (strings) */
	long long min, max;        /* ints: bounds */
	const char *dflt;
	const char *choices;       /* CFG_ENUM: '|'-separated */
};

#define S(f, d)           { #f, CFG_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, d, NULL }
#define I(f, lo, hi, d)   { #f, CFG_INT, offsetof(struct config, f), 0, lo, hi, d, NULL }
#define L(f, lo, hi, d)   { #f, CFG_I64, offsetof(struct config, f), 0, lo, hi, d, NULL }
#define E(f, ch, d)       { #f, CFG_ENUM, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, d, ch }

static const struct cfg_key keys[] = {
	S(store,                "/var/lib/beacon"),
	S(listen,               "unix:/run/beacon/beacon.sock"),
	S(listen_group,         "www-data"),
	E(listen_allow_remote,  "yes|no", "no"),
	S(trusted_proxies,      ""),
	I(threads,              1, 1024, "64"),
	L(map_size_mb,          1, 1 << 20, "64"),
	S(page_name,            "Status"),
	S(page_url,             "http://127.0.0.1:8080/"),
	S(time_zone,            "UTC"),
	E(default_language,     "en|es", "en"),
	S(languages,            "en,es"),
	I(cache_seconds,        1, 3600, "30"),
	I(max_body_kb,          1, 1024, "64"),
	I(rate_limit_per_minute, 1, 1000000, "600"),
	E(log_format,           "text|json", "text"),
	I(health_snapshot_warn_seconds, 1, 86400 * 30, "60"),
	E(role,                 "primary|secondary", "primary"),
	S(replication_key_file, ""),
	S(replication_hmac_key, ""),
	S(upstream,             ""),
	S(upstream_token,       ""),
	S(ca_file,              "/etc/ssl/certs/ca-certificates.crt"),
	I(pull_seconds,         1, 86400, "5"),
	I(pull_deadline_seconds, 1, 86400, "60"),
	L(max_snapshot_mb,      1, 1 << 20, "1024"),
	S(notify_store,         ""),
	E(notify_allow_private, "yes|no", "no"),
	I(notify_concurrency,   1, 256, "8"),
	I(notify_retention_days, 1, 3650, "30"),
	S(notify_from,          "Beacon <beacon@localhost>"),
	S(smtp_host,            ""),
	I(smtp_port,            1, 65535, "25"),
	E(smtp_starttls,        "yes|no", "yes"),
	S(smtp_user,            ""),
	S(smtp_password,        ""),
	S(sendmail,             "/usr/sbin/sendmail"),
};
#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS <= 64, "config.keys_set has one bit per key");

struct parse_ctx {
	struct config *c;
	const char *file;
	char why[400];                  /* reason for the first bad line; inih reports its number */
	unsigned char seen[NKEYS];
	int failed;
};

static int set_value(struct config *c, const struct cfg_key *k, const char *v, char *why, size_t whylen)
{
	char *field = (char *)c + k->off;
	switch (k->type) {
	case CFG_STR:
	case CFG_ENUM:
		if (strlen(v) >= k->size) {
			snprintf(why, whylen, "value too long for '%s' (max %zu bytes)", k->name, k->size - 1);
			return -1;
		}
		if (k->type == CFG_ENUM) {
			size_t n = strlen(v);
			const char *p = k->choices;
			int ok = 0;
			while (*p) {
				const char *bar = strchr(p, '|');
				size_t len = bar ? (size_t)(bar - p) : strlen(p);
				if (len == n && n > 0 && strncmp(p, v, n) == 0)
					ok = 1;
				p += len + (bar != NULL);
			}
			if (!ok) {
				snprintf(why, whylen, "'%s' must be one of %s, not '%s'", k->name, k->choices, v);
				return -1;
			}
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case CFG_INT:
	case CFG_I64: {
		char *end;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (errno || end == v || *end != '\0' || n < k->min || n > k->max) {
			snprintf(why, whylen, "'%s' must be an integer from %lld to %lld, not '%s'", k->name,
			         k->min, k->max, v);
			return -1;
		}
		if (k->type == CFG_INT)
			*(int *)(void *)field = (int)n;
		else
			*(int64_t *)(void *)field = n;
		return 0;
	}
	}
	return -1;
}

void config_defaults(struct config *c)
{
	char why[256];
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++)
		if (set_value(c, &keys[i], keys[i].dflt, why, sizeof why) != 0)
			abort();   /* a bad default is a programming error */
}

bool config_key_set(const struct config *c, const char *name)
{
	for (size_t i = 0; i < NKEYS && i < 64; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (c->keys_set >> i) & 1;
	return false;
}

static int on_line(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	char *why = p->why;
	if (p->failed)
		return 1;   /* keep only the first error: inih returns the first failing line */
	if (section[0] != '\0') {
		snprintf(why, sizeof p->why, "sections are not used ([%s])", section);
		goto bad;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (p->seen[i]) {
			snprintf(why, sizeof p->why, "duplicate key '%s'", name);
			goto bad;
		}
		p->seen[i] = 1;
		p->c->keys_set |= (uint64_t)1 << i;
		if (set_value(p->c, &keys[i], value, why, sizeof p->why) != 0)
			goto bad;
		return 1;
	}
	snprintf(why, sizeof p->why, "unknown key '%s'", name);
bad:
	p->failed = 1;
	return 0;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	config_defaults(c);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL)
		abort();
	size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	fclose(f);
	int rc = config_parse(c, path, text, len, err, errlen);
	free(text);
	return rc;
}

int config_parse(struct config *c, const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	struct parse_ctx p = { .c = c, .file = path };
	static const size_t max_line = 199;
	config_defaults(c);
	if (strlen(path) >= sizeof c->path) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(c->path, path, strlen(path) + 1);
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: file over %d bytes", path, CONFIG_FILE_MAX);
		return -1;
	}
	/* inih splits lines longer than its buffer (200 bytes in Debian's build): refuse them here,
	 * with the right line number, instead of letting a split line change meaning */
	int line = 1;
	for (const char *l = text; l < text + len; line++) {
		const char *nl = memchr(l, '\n', (size_t)(text + len - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(text + len - l);
		if (ll > max_line || memchr(l, '\0', ll)) {
			snprintf(err, errlen, "%s:%d: line too long (at most %zu bytes) or has a NUL byte", path, line, max_line);
			return -1;
		}
		if (nl == NULL)
			break;
		l = nl + 1;
	}
	char *copy = malloc(len + 1);           /* inih wants a C string */
	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	int rc = ini_parse_string(copy, on_line, &p);
	free(copy);
	if (p.failed) {
		snprintf(err, errlen, "%s:%d: %s", path, rc, p.why);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected 'key = value')", path, rc);
		return -1;
	}
	if (c->store[0] == '\0') {
		snprintf(err, errlen, "%s: 'store' must not be empty", path);
		return -1;
	}
	if (strncmp(c->listen, "unix:", 5) != 0 && strcmp(c->listen, "inherit") != 0 && strchr(c->listen, ':') == NULL) {
		snprintf(err, errlen, "%s: 'listen' must be unix:/path, HOST:PORT or inherit, not '%s'", path, c->listen);
		return -1;
	}
	return 0;
}

bool config_listen_exposed(const struct config *c)
{
	struct in_addr a;
	char host[64];
	const char *colon = strrchr(c->listen, ':');
	if (strncmp(c->listen, "unix:", 5) == 0 || strcmp(c->listen, "inherit") == 0 || colon == NULL)
		return false;
	size_t hl = (size_t)(colon - c->listen);
	if (hl >= sizeof host)
		return true;
	memcpy(host, c->listen, hl);
	host[hl] = '\0';
	bool loopback = inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
	return !loopback && strcmp(c->listen_allow_remote, "yes") != 0;
}

int config_listen_gid(const struct config *c, gid_t *out, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (getgrnam_r(c->listen_group, &gr, buf, sizeof buf, &res) != 0 || res == NULL) {
		snprintf(err, errlen, "'%s' is not a group (the web server's group, e.g. www-data)", c->listen_group);
		return -1;
	}
	*out = gr.gr_gid;
	return 0;
}

void config_listen_describe(const struct config *c, char *out, size_t outlen)
{
	if (strncmp(c->listen, "unix:", 5) == 0)
		snprintf(out, outlen, "%s (mode 0660, group %s)", c->listen, c->listen_group);
	else if (strcmp(c->listen, "inherit") == 0)
		snprintf(out, outlen, "inherit (the socket of the process that starts beacon, fd 0)");
	else if (strncmp(c->listen, "127.", 4) == 0)
		snprintf(out, outlen, "%s (loopback only)", c->listen);
	else
		snprintf(out, outlen, "%s (reachable from other hosts: listen_allow_remote = yes)", c->listen);
}
