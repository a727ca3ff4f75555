/* users.h: admin users and roles as stored (kv namespace "user", keyed by lower-case email), read side. */
#ifndef BEACON_USERS_H
#define BEACON_USERS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "auth.h"
#include "store.h"

#define USER_EMAIL_MAX 254
#define USER_MAX 1000

/* viewer: read-only admin and audit log; editor: incidents, maintenance, component status, subscribers;
 * owner: everything (users, tokens, settings). */
enum user_role { ROLE_NONE = 0, ROLE_VIEWER = 1, ROLE_EDITOR = 2, ROLE_OWNER = 3 };

struct user {
	bc_id id;
	const char *email;              /* lower case */
	enum user_role role;
	const char *password_hash;      /* PHC argon2id */
	const char *totp_secret;        /* base32, NULL until 2FA is on */
	const char *totp_pending;       /* base32 offered at enrolment, not yet confirmed */
	size_t nrecovery;
	const char **recovery;          /* SHA-256 hex of each unused recovery code */
	int64_t epoch;                  /* sessions made under another epoch are void (sign out everywhere) */
	int64_t created_at, updated_at;
};

const char *user_role_name(enum user_role r);          /* "owner", "editor", "viewer" */
bool user_role_parse(const char *s, enum user_role *out);
/* A plausible email: 3..254 bytes, one '@' with text on both sides, no spaces or controls. Lower-cases
 * into out (USER_EMAIL_MAX+1). */
bool user_email_normal(const char *in, char *out);

enum bc_err user_get(struct stx *t, struct arena *a, const char *email, struct user *out);      /* BC_NOTFOUND */
enum bc_err user_list(struct stx *t, struct arena *a, struct user **out, size_t *n);            /* by email */
/* Admin-wide settings: require 2FA for everyone. */
bool user_require_2fa(struct stx *t);

/* Codec (write_user.c stores with it). */
char *user_encode(const struct user *u);               /* malloc'd JSON */
enum bc_err user_decode(struct arena *a, const char *json, size_t len, struct user *out);

#endif
