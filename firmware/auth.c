/* auth.c: argon2id password hashes, TOTP codes (RFC 6238 over mbedtls HMAC-SHA1), recovery codes, hex secrets. */
#include <argon2.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include "auth.h"
#include "store.h"

#define ARGON_T 2
#define ARGON_M_KIB 19456
#define ARGON_P 1
#define ARGON_SALT 16
#define ARGON_LEN 32

/* A hash made once per process and verified for unknown users, so they cost one argon2id run like a
 * real user. */
static char dummy_hash[AUTH_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	if (!auth_password_hash("beacon-no-such-user", dummy_hash))
		dummy_hash[0] = '\0';
}

bool auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	unsigned char salt[ARGON_SALT];
	if (store_random(salt, sizeof salt) != BC_OK)
		return false;
	return argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, password, strlen(password), salt, sizeof salt,
	                             ARGON_LEN, out, AUTH_HASH_MAX) == ARGON2_OK;
}

bool auth_password_verify(const char *hash, const char *password)
{
	size_t len = strnlen(password, AUTH_PASSWORD_MAX + 1);
	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0) {
		pthread_once(&dummy_once, dummy_make);
		if (dummy_hash[0])
			(void)argon2id_verify(dummy_hash, password, len);
		return false;
	}
	return argon2id_verify(hash, password, len) == ARGON2_OK;
}

const char *auth_password_problem(const char *password)
{
	size_t n = strnlen(password, AUTH_PASSWORD_MAX + 1);
	if (n < AUTH_PASSWORD_MIN)
		return "a password has at least 10 characters";
	if (n > AUTH_PASSWORD_MAX)
		return "a password has at most 256 bytes";
	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "a password has no control characters";
	return NULL;
}

/* ---- base32 ---- */

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void auth_base32_encode(const unsigned char *src, size_t n, char *dst)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | src[i];
		bits += 8;
		while (bits >= 5) {
			dst[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		dst[o++] = b32[(acc << (5 - bits)) & 31];
	dst[o] = '\0';
}

int auth_base32_decode(const char *src, unsigned char *dst, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (; *src; src++) {
		int c = toupper((unsigned char)*src);
		if (c == ' ' || c == '=' || c == '-')
			continue;
		const char *p = c ? strchr(b32, c) : NULL;
		if (p == NULL)
			return -1;
		acc = (acc << 5) | (uint32_t)(p - b32);
		bits += 5;
		if (bits >= 8) {
			if (o == cap)
				return -1;
			dst[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)o;
}

/* ---- HOTP / TOTP ---- */

long auth_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits)
{
	unsigned char msg[8], mac[20];
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
	if (md == NULL || mbedtls_md_hmac(md, key, keylen, msg, sizeof msg, mac) != 0)
		return -1;
	int off = mac[19] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	               ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	long mod = digits == 8 ? 100000000L : 1000000L;
	return (long)(bin % (uint32_t)mod);
}

bool auth_totp_new_secret(char out[AUTH_TOTP_B32_MAX])
{
	unsigned char key[AUTH_TOTP_SECRET_LEN];
	if (store_random(key, sizeof key) != BC_OK)
		return false;
	auth_base32_encode(key, sizeof key, out);
	return true;
}

long auth_totp_code(const char *secret, int64_t t, int digits)
{
	unsigned char key[64];
	int n = auth_base32_decode(secret, key, sizeof key);
	if (n <= 0 || t < 0)
		return -1;
	return auth_hotp(key, (size_t)n, (uint64_t)(t / 30), digits);
}

bool auth_totp_check(const char *secret, const char *code, int64_t now, int64_t last_step, int64_t *step)
{
	char digits[8];
	size_t nd = 0;
	for (const char *p = code; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (!isdigit((unsigned char)*p) || nd == 6)
			return false;
		digits[nd++] = *p;
	}
	if (nd != 6)
		return false;
	digits[6] = '\0';
	bool ok = false;
	for (int d = -1; d <= 1; d++) {         /* every candidate is computed: no early exit */
		int64_t s = now / 30 + d;
		long c = auth_totp_code(secret, s * 30, 6);
		char want[8];
		snprintf(want, sizeof want, "%06ld", c);
		if (c >= 0 && s > last_step && mbedtls_ct_memcmp(want, digits, 6) == 0 && !ok) {
			ok = true;
			*step = s;
		}
	}
	return ok;
}

/* ---- secrets ---- */

bool auth_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof buf || store_random(buf, nbytes) != BC_OK)
		return false;
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[i]);
	return true;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void auth_sha256_hex(const char *s, size_t len, char out[65])
{
	unsigned char d[32];
	mbedtls_sha256_ret((const unsigned char *)s, len, d, 0);
	hex(d, sizeof d, out);
}

void auth_hmac_hex(const char *key, const char *msg, char out[65])
{
	unsigned char d[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (md == NULL || mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key), (const unsigned char *)msg,
	                                  strlen(msg), d) != 0)
		memset(d, 0, sizeof d);
	hex(d, sizeof d, out);
}

bool auth_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return false;
	size_t n = strlen(a);
	return n == strlen(b) && n > 0 && mbedtls_ct_memcmp(a, b, n) == 0;
}

bool auth_recovery_code(char out[16])
{
	unsigned char r[8];
	char t[16];
	if (store_random(r, sizeof r) != BC_OK)
		return false;
	auth_base32_encode(r, sizeof r, t);          /* 13 characters; 12 used (60 bits) */
	for (int i = 0; t[i]; i++)
		t[i] = (char)tolower((unsigned char)t[i]);
	snprintf(out, 16, "%.4s-%.4s-%.4s", t, t + 4, t + 8);
	return true;
}

void auth_recovery_hash(const char *code, char out[65])
{
	char norm[32];
	size_t n = 0;
	for (const char *p = code; *p && n < sizeof norm - 1; p++)
		if (*p != '-' && *p != ' ')
			norm[n++] = (char)tolower((unsigned char)*p);
	norm[n] = '\0';
	auth_sha256_hex(norm, n, out);
}
