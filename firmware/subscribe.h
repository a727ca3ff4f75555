/* subscribe.h: subscriber address syntax, signed subscriber links and webhook secrets (the changes are in write.h). */
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

bool sub_email_ok(const char *s);      /* the address syntax subscriptions accept */

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
