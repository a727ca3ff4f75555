/* sign.h: SHA-256, HMAC-SHA256 and ECDSA P-256 signatures for snapshot manifests (mbedtls 2.28). */
#ifndef BEACON_SIGN_H
#define BEACON_SIGN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mbedtls/sha256.h>
#include "err.h"

#define SIGN_SHA256_LEN 32
#define SIGN_SHA256_HEX (2 * SIGN_SHA256_LEN + 1)
#define SIGN_SIG_B64_MAX 160          /* base64 of a DER ECDSA P-256 signature (<= 72 bytes), with NUL */

/* Streaming SHA-256. */
struct sign_sha256 {
	mbedtls_sha256_context ctx;
};
void sign_sha256_init(struct sign_sha256 *h);
void sign_sha256_update(struct sign_sha256 *h, const void *p, size_t n);
void sign_sha256_final(struct sign_sha256 *h, unsigned char out[SIGN_SHA256_LEN]);   /* also frees */
/* SHA-256 and length of everything readable from fd (from its current offset). */
enum bc_err sign_sha256_fd(int fd, unsigned char out[SIGN_SHA256_LEN], uint64_t *len);

/* HMAC-SHA256, one shot. */
void sign_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SIGN_SHA256_LEN]);

/* Lowercase hex; out has room for 2n+1. unhex wants exactly 2n hex digits. */
void sign_hex(const unsigned char *p, size_t n, char *out);
bool sign_unhex(const char *s, unsigned char *out, size_t n);
/* Decodes a hex string of any even length up to max bytes; returns the byte count or -1. */
int sign_unhex_any(const char *s, unsigned char *out, size_t max);
/* Constant-time equality of two byte strings of length n. */
bool sign_equal(const void *a, const void *b, size_t n);

/* Thread-safe random bytes in the mbedtls f_rng shape (ctx is ignored); 0 on success. */
int sign_rng(void *ctx, unsigned char *buf, size_t n);

/* An ECDSA P-256 key from a PEM file: a private key (signs and verifies) or a public key (verifies).
 * Anything other than an EC key on prime256v1 is refused; why gets the reason. */
struct sign_key;
enum bc_err sign_key_load(struct sign_key **out, const char *path, bool want_private, char *why, size_t whylen);
void sign_key_free(struct sign_key *k);
/* Whether the key was read from a private key file (it can sign). */
bool sign_key_is_private(const struct sign_key *k);
/* Deterministic ECDSA over SHA-256(msg); the DER signature is written as base64 into sig_b64. */
enum bc_err sign_ecdsa(struct sign_key *k, const void *msg, size_t len, char sig_b64[SIGN_SIG_B64_MAX]);
bool sign_ecdsa_verify(struct sign_key *k, const void *msg, size_t len, const char *sig_b64);

#endif
