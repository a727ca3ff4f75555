/* subscribe.h: the one implementation of subscriber operations (v1, CLI and the public form), their links and webhook secrets. */
#ifndef BEACON_SUBSCRIBE_H
#define BEACON_SUBSCRIBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"

#define SUB_CONFIRM_TTL_MS (48LL * 3600 * 1000)        /* a confirmation link works for two days */
#define SUB_UNSUB_TTL_MS (180LL * 24 * 3600 * 1000)    /* an unsubscribe link in a mail, half a year */
#define SUB_TOKEN_MAX 80
#define SUB_SECRET_TEXT_MAX 48                         /* "whsec_" + base64 of 24 bytes */

/* What a front end asks for; strings may be NULL. */
struct sub_input {
	enum sub_mode mode;
	const char *email;                 /* email subscribers; failure contact for webhooks */
	const char *endpoint;              /* webhook / Slack URL */
	const char *lang;                  /* "en" (default) or "es" */
	const char *const *component_ids;  /* none = every component */
	size_t ncomponents;
	bool skip_confirmation;            /* email: active at once, no confirmation mail */
};

/* Checks the input (address syntax, URL, language, that components exist); false with a
 * message naming the field in why. Nothing is written. */
bool sub_validate(struct stx *t, const struct sub_input *in, char *why, size_t whylen);
bool sub_email_ok(const char *s);

/* Subscribes. A new address is created pending (active for webhooks, Slack and skipped
 * confirmation); an address already known is never changed silently: it only gets a new
 * confirmation request (an outbox event the sender turns into a mail). *existed tells which. */
enum bc_err sub_subscribe(struct stx *t, const char *actor, const struct sub_input *in, struct subscriber *out,
                          bool *existed);
/* State changes, each with its outbox event (and so its audit entry). */
enum bc_err sub_confirm(struct stx *t, const char *actor, struct subscriber *s);
enum bc_err sub_unsubscribe(struct stx *t, const char *actor, struct subscriber *s);
enum bc_err sub_resend_confirmation(struct stx *t, const char *actor, struct subscriber *s);
enum bc_err sub_quarantine(struct stx *t, const char *actor, struct subscriber *s, const char *reason);

/* Signed, expiring links: purpose 'c' (confirm; single-use: confirming changes the nonce) or 'u'
 * (unsubscribe; dead once used). */
enum { SUBTOK_CONFIRM = 'c', SUBTOK_UNSUB = 'u' };
void sub_token_make(const unsigned char secret[32], const struct subscriber *s, int purpose, int64_t expires,
                    char out[SUB_TOKEN_MAX]);
/* BC_OK with the subscriber when token is valid for purpose at now; BC_AUTH otherwise. */
enum bc_err sub_token_check(struct stx *t, const char *token, int purpose, int64_t now, struct subscriber *out);

/* A webhook subscriber's signing key (Standard Webhooks) and its "whsec_..." text. */
void sub_webhook_secret(const unsigned char secret[32], const struct subscriber *s, unsigned char key[24],
                        char text[SUB_SECRET_TEXT_MAX]);

#endif
