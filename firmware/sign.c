/* sign.c: the one place that hashes, MACs and signs with mbedtls 2.28 (SHA-256, HMAC, ECDSA P-256). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include "log.h"
#include "sign.h"

struct sign_key {
	mbedtls_pk_context pk;
	bool has_private;
};

void sign_sha256_init(struct sign_sha256 *h)
{
	mbedtls_sha256_init(&h->ctx);
	mbedtls_sha256_starts_ret(&h->ctx, 0);
}

void sign_sha256_update(struct sign_sha256 *h, const void *p, size_t n)
{
	mbedtls_sha256_update_ret(&h->ctx, p, n);
}

void sign_sha256_final(struct sign_sha256 *h, unsigned char out[SIGN_SHA256_LEN])
{
	mbedtls_sha256_finish_ret(&h->ctx, out);
	mbedtls_sha256_free(&h->ctx);
}

enum bc_err sign_sha256_fd(int fd, unsigned char out[SIGN_SHA256_LEN], uint64_t *len)
{
	static const size_t chunk = 1 << 16;
	unsigned char *buf = malloc(chunk);
	if (buf == NULL)
		return BC_ENOMEM;
	struct sign_sha256 h;
	uint64_t total = 0;
	sign_sha256_init(&h);
	for (;;) {
		ssize_t n = read(fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("snapshot: read for sha256");
			sign_sha256_final(&h, out);
			free(buf);
			return BC_IO;
		}
		if (n == 0)
			break;
		sign_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	sign_sha256_final(&h, out);
	free(buf);
	*len = total;
	return BC_OK;
}

void sign_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[SIGN_SHA256_LEN])
{
	mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, klen, msg, mlen, out);
}

void sign_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sign_unhex_any(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

bool sign_unhex(const char *s, unsigned char *out, size_t n)
{
	return strlen(s) == 2 * n && sign_unhex_any(s, out, n) == (int)n;
}

bool sign_equal(const void *a, const void *b, size_t n)
{
	return mbedtls_ct_memcmp(a, b, n) == 0;
}

/* One CTR_DRBG for the process; mbedtls_ctr_drbg_random locks it (MBEDTLS_THREADING_C). */
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;
static int rng_seed_rc;

static void rng_init(void)
{
	static const char pers[] = "beacon-sign";
	mbedtls_entropy_init(&rng_entropy);
	mbedtls_ctr_drbg_init(&rng_drbg);
	rng_seed_rc = mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
	                                    (const unsigned char *)pers, sizeof pers - 1);
	if (rng_seed_rc != 0)
		log_warnx("sign: ctr_drbg seed failed: -0x%04x", (unsigned)-rng_seed_rc);
}

int sign_rng(void *ctx, unsigned char *buf, size_t n)
{
	(void)ctx;
	pthread_once(&rng_once, rng_init);
	if (rng_seed_rc != 0)
		return rng_seed_rc;
	while (n > 0) {
		size_t part = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
		int rc = mbedtls_ctr_drbg_random(&rng_drbg, buf, part);
		if (rc != 0)
			return rc;
		buf += part;
		n -= part;
	}
	return 0;
}

static void mbed_reason(int rc, char *why, size_t whylen, const char *what, const char *path)
{
	char msg[160];
	mbedtls_strerror(rc, msg, sizeof msg);
	snprintf(why, whylen, "%s %s: %s", what, path, msg);
}

enum bc_err sign_key_load(struct sign_key **out, const char *path, bool want_private, char *why, size_t whylen)
{
	*out = NULL;
	struct sign_key *k = calloc(1, sizeof *k);
	if (k == NULL)
		return BC_ENOMEM;
	mbedtls_pk_init(&k->pk);
	int rc;
	if (want_private) {
		rc = mbedtls_pk_parse_keyfile(&k->pk, path, NULL);
		k->has_private = true;
	} else {
		rc = mbedtls_pk_parse_public_keyfile(&k->pk, path);
		if (rc != 0) {      /* a private key file also verifies */
			mbedtls_pk_free(&k->pk);
			mbedtls_pk_init(&k->pk);
			rc = mbedtls_pk_parse_keyfile(&k->pk, path, NULL);
			k->has_private = rc == 0;
		}
	}
	if (rc != 0) {
		mbed_reason(rc, why, whylen, want_private ? "private key" : "public key", path);
		sign_key_free(k);
		return BC_CRYPTO;
	}
	if (!mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECKEY) || mbedtls_pk_ec(k->pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		snprintf(why, whylen, "key %s: not an ECDSA P-256 (prime256v1) key", path);
		sign_key_free(k);
		return BC_CRYPTO;
	}
	*out = k;
	return BC_OK;
}

bool sign_key_is_private(const struct sign_key *k)
{
	return k->has_private;
}

void sign_key_free(struct sign_key *k)
{
	if (k == NULL)
		return;
	mbedtls_pk_free(&k->pk);
	free(k);
}

enum bc_err sign_ecdsa(struct sign_key *k, const void *msg, size_t len, char sig_b64[SIGN_SIG_B64_MAX])
{
	unsigned char hash[SIGN_SHA256_LEN], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t siglen = 0, b64len = 0;
	if (!k->has_private)
		return BC_CRYPTO;
	mbedtls_sha256_ret(msg, len, hash, 0);
	int rc = mbedtls_pk_sign(&k->pk, MBEDTLS_MD_SHA256, hash, sizeof hash, sig, &siglen, sign_rng, NULL);
	if (rc == 0)
		rc = mbedtls_base64_encode((unsigned char *)sig_b64, SIGN_SIG_B64_MAX, &b64len, sig, siglen);
	if (rc != 0) {
		log_warnx("sign: ecdsa sign failed: -0x%04x", (unsigned)-rc);
		return BC_CRYPTO;
	}
	return BC_OK;
}

bool sign_ecdsa_verify(struct sign_key *k, const void *msg, size_t len, const char *sig_b64)
{
	unsigned char hash[SIGN_SHA256_LEN], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t siglen = 0, b64len = strlen(sig_b64);
	if (b64len == 0 || b64len >= SIGN_SIG_B64_MAX)
		return false;
	if (mbedtls_base64_decode(sig, sizeof sig, &siglen, (const unsigned char *)sig_b64, b64len) != 0)
		return false;
	mbedtls_sha256_ret(msg, len, hash, 0);
	return mbedtls_pk_verify(&k->pk, MBEDTLS_MD_SHA256, hash, sizeof hash, sig, siglen) == 0;
}
