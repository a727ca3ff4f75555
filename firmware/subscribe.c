/* subscribe.c: what subscribers share outside the write layer: address syntax, signed links, webhook secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/base64.h>
#include "sign.h"
#include "subscribe.h"

bool sub_email_ok(const char *s)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	const char *at = strrchr(s, '@');
	if (n < 3 || n > LIM_EMAIL || at == NULL || at == s || at - s > 64)
		return false;
	static const char local_ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-";
	if (strspn(s, local_ok) != (size_t)(at - s) || s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		return false;
	const char *d = at + 1;
	if (strchr(d, '.') == NULL)
		return false;
	size_t label = 0;
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		           (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* ---- links ---- */

static void token_mac(const unsigned char secret[32], const struct subscriber *s, int purpose, long long expires,
                      unsigned char mac[SIGN_SHA256_LEN])
{
	char msg[128];
	uint64_t nonce = purpose == SUBTOK_CONFIRM ? s->token_nonce : s->secret_nonce;
	int n = snprintf(msg, sizeof msg, "%c|%s|%lld|%llu", purpose, s->id, expires, (unsigned long long)nonce);
	sign_hmac_sha256(secret, 32, msg, (size_t)n, mac);
}

/* Token text: "<purpose><id>.<expiry ms, base 10>.<hex of 16 MAC bytes>". */
void sub_token_make(const unsigned char secret[32], const struct subscriber *s, int purpose, int64_t expires,
                    char out[SUB_TOKEN_MAX])
{
	unsigned char mac[SIGN_SHA256_LEN];
	char hex[33];
	token_mac(secret, s, purpose, (long long)expires, mac);
	sign_hex(mac, 16, hex);
	snprintf(out, SUB_TOKEN_MAX, "%c%s.%lld.%s", purpose, s->id, (long long)expires, hex);
}

enum bc_err sub_token_check(struct stx *t, const char *token, int purpose, int64_t now, struct subscriber *out)
{
	if (token == NULL || strlen(token) >= SUB_TOKEN_MAX || token[0] != purpose)
		return BC_AUTH;
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || dot1 - token - 1 < 1 || dot1 - token - 1 > ID_LEN || strlen(dot2 + 1) != 32)
		return BC_AUTH;
	char id[ID_LEN + 1];
	memcpy(id, token + 1, (size_t)(dot1 - token - 1));
	id[dot1 - token - 1] = '\0';
	char *end;
	long long expires = strtoll(dot1 + 1, &end, 10);
	unsigned char given[16], secret[32], mac[SIGN_SHA256_LEN];
	if (end != dot2 || expires < now || !sign_unhex(dot2 + 1, given, 16))
		return BC_AUTH;
	if (store_notify_secret(t, secret) != BC_OK || store_subscriber_get(t, id, out) != BC_OK)
		return BC_AUTH;
	token_mac(secret, out, purpose, expires, mac);
	return sign_equal(mac, given, 16) ? BC_OK : BC_AUTH;
}

void sub_webhook_secret(const unsigned char secret[32], const struct subscriber *s, unsigned char key[24],
                        char text[SUB_SECRET_TEXT_MAX])
{
	char msg[64];
	unsigned char mac[SIGN_SHA256_LEN];
	int n = snprintf(msg, sizeof msg, "whsec|%s|%llu", s->id, (unsigned long long)s->secret_nonce);
	sign_hmac_sha256(secret, 32, msg, (size_t)n, mac);
	memcpy(key, mac, 24);
	size_t olen = 0;
	memcpy(text, "whsec_", 6);
	mbedtls_base64_encode((unsigned char *)text + 6, SUB_SECRET_TEXT_MAX - 6, &olen, key, 24);
	text[6 + olen] = '\0';
}
