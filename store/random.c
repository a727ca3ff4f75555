/* random.c: one process-wide CTR_DRBG (reseeded after fork) for ids, token secrets and other random bytes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include "store_internal.h"
#include "log.h"

static pthread_mutex_t drbg_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static pid_t seeded_pid;                /* 0: not seeded; differs from getpid() after fork */

static void log_mbedtls(const char *what, int rc)
{
	char msg[128];
	mbedtls_strerror(rc, msg, sizeof msg);
	log_warnx("random: %s: -0x%04x %s", what, (unsigned)-rc, msg);
}

/* Seeds on first use; after fork() the child mixes in fresh entropy so it never repeats its parent. */
static int ensure_seeded_locked(void)
{
	pid_t pid = getpid();
	if (seeded_pid == pid)
		return 0;
	int rc;
	if (seeded_pid == 0) {
		mbedtls_entropy_init(&entropy);
		mbedtls_ctr_drbg_init(&drbg);
		static const unsigned char pers[] = "beacon-store";
		rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof pers - 1);
		if (rc) {
			mbedtls_ctr_drbg_free(&drbg);
			mbedtls_entropy_free(&entropy);
			log_mbedtls("seeding CTR_DRBG", rc);
			return rc;
		}
	} else {
		rc = mbedtls_ctr_drbg_reseed(&drbg, (const unsigned char *)&pid, sizeof pid);
		if (rc) {
			log_mbedtls("reseeding CTR_DRBG after fork", rc);
			return rc;
		}
	}
	seeded_pid = pid;
	return 0;
}

enum bc_err random_init(void)
{
	pthread_mutex_lock(&drbg_lock);
	int rc = ensure_seeded_locked();
	pthread_mutex_unlock(&drbg_lock);
	return rc ? BC_CRYPTO : BC_OK;
}

enum bc_err store_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	int rc;
	pthread_mutex_lock(&drbg_lock);
	rc = ensure_seeded_locked();
	while (rc == 0 && n > 0) {
		size_t chunk = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
		rc = mbedtls_ctr_drbg_random(&drbg, p, chunk);
		p += chunk;
		n -= chunk;
	}
	pthread_mutex_unlock(&drbg_lock);
	if (rc) {
		log_mbedtls("random bytes", rc);
		return BC_CRYPTO;
	}
	return BC_OK;
}

/* Without randomness no id can be made safely; like running out of memory, that ends the process. */
void store_new_id(bc_id out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t have = 0;
	while (have < ID_LEN) {
		unsigned char b[32];
		if (store_random(b, sizeof b) != BC_OK)
			abort();
		for (size_t i = 0; i < sizeof b && have < ID_LEN; i++)
			if (b[i] < 252)                 /* 252 = 7 * 36: no modulo bias */
				out[have++] = digits[b[i] % 36];
	}
	out[ID_LEN] = '\0';
}

/* mbedtls has no URL-safe base64: encode, then map +/ to -_ and drop the padding. */
enum bc_err base64url_encode(char *dst, size_t dstlen, const unsigned char *src, size_t n)
{
	size_t olen = 0;
	if (mbedtls_base64_encode((unsigned char *)dst, dstlen, &olen, src, n) != 0)
		return BC_TOOBIG;
	while (olen > 0 && dst[olen - 1] == '=')
		olen--;
	dst[olen] = '\0';
	for (char *p = dst; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	return BC_OK;
}
