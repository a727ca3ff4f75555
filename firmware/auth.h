/* auth.h: the admin's credentials: argon2id passwords, TOTP (RFC 6238), recovery codes, random secrets. */
#ifndef BEACON_AUTH_H
#define BEACON_AUTH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_HASH_MAX 128             /* a PHC argon2id string */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256
#define AUTH_TOTP_SECRET_LEN 20       /* bytes (160 bits) */
#define AUTH_TOTP_B32_MAX 40          /* base32 text of the secret, NUL included */
#define AUTH_RECOVERY_CODES 8
#define AUTH_RECOVERY_LEN 12          /* "xxxx-xxxx-xx" text length is 14 with dashes */

/* argon2id m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte hash: "$argon2id$v=19$m=19456,t=2,p=1$...". */
bool auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/* Verifies password against a PHC hash. With hash NULL (unknown user) it still hashes once, so an
 * unknown user costs the same time as a wrong password, and returns false. */
bool auth_password_verify(const char *hash, const char *password);
/* A usable password: AUTH_PASSWORD_MIN..AUTH_PASSWORD_MAX bytes, no control characters. */
const char *auth_password_problem(const char *password);   /* NULL when fine, else the reason */

/* TOTP, HMAC-SHA1, 30-second steps from T0 = 0, 6 digits. */
bool auth_totp_new_secret(char b32[AUTH_TOTP_B32_MAX]);
/* The code of secret (base32) at unix time t (seconds); digits 6 or 8; -1 on a bad secret. */
long auth_totp_code(const char *b32, int64_t t, int digits);
/* Accepts code at now (seconds) within one step of drift; the accepted step must be greater than
 * last_step (replay). *step gets the accepted step. */
bool auth_totp_check(const char *b32, const char *code, int64_t now, int64_t last_step, int64_t *step);
/* HOTP over a raw key (RFC 4226) for the tests. */
long auth_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits);

/* Base32 (RFC 4648, no padding) of n bytes; dst holds at least (n*8+4)/5+1. Decode returns the byte
 * count or -1. */
void auth_base32_encode(const unsigned char *src, size_t n, char *dst);
int auth_base32_decode(const char *src, unsigned char *dst, size_t cap);

/* Random bytes as lowercase hex (2n+1 bytes in out). */
bool auth_random_hex(char *out, size_t nbytes);
/* SHA-256 of s as 64 hex characters + NUL. */
void auth_sha256_hex(const char *s, size_t len, char out[65]);
/* Constant-time comparison of two NUL-terminated strings (length leaks only). */
bool auth_equal(const char *a, const char *b);
/* HMAC-SHA256(key, msg) as hex. */
void auth_hmac_hex(const char *key, const char *msg, char out[65]);

/* A recovery code "abcd-efgh-jkmn" (base32 lower-case letters/digits) and its hash for storage. */
bool auth_recovery_code(char out[16]);
/* Normalises user input (lower case, dashes and spaces dropped) and hashes it. */
void auth_recovery_hash(const char *code, char out[65]);

#endif
