/* fuzz_manifest.c: libFuzzer driver for the snapshot manifest and freshness headers (parse, format round trip, sign, verify). */
#include <stdbool.h>
#include <unistd.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include "sign.h"
#include "snapshot.h"
#include "fuzz.h"

static struct snap_keys keys;     /* a fresh ECDSA P-256 key and an HMAC key: verify runs on every parsed input */

/* The key pair lives only for the load: written to a temp dir, loaded, removed. */
static void fuzz_manifest_load_keys(void)
{
	char dir[] = "/tmp/fuzz-manifest-XXXXXX", priv[64], why[256];
	unsigned char pem[4096];
	mbedtls_pk_context pk;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(priv, sizeof priv, "%s/priv.pem", dir);
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), sign_rng, NULL) != 0 ||
	    mbedtls_pk_write_key_pem(&pk, pem, sizeof pem) != 0)
		abort();
	mbedtls_pk_free(&pk);
	FILE *f = fopen(priv, "w");
	if (f == NULL || fputs((char *)pem, f) < 0 || fclose(f) != 0)
		abort();
	if (snap_keys_load(&keys, priv, "00112233445566778899aabbccddeeff", true, why, sizeof why) != BC_OK) {
		fprintf(stderr, "fuzz_manifest: %s\n", why);
		abort();
	}
	unlink(priv);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_manifest_load_keys();
	return 0;
}

static void fuzz_manifest_check(const char *s, size_t len)
{
	char why[256] = "", again[2 * SNAP_MANIFEST_MAX];
	struct snap_manifest m, m2;
	if (snap_manifest_parse(s, len, &m, why, sizeof why)) {
		/* what parses formats back to a header that parses to the same manifest */
		snap_manifest_format(&m, again, sizeof again);
		FUZZ_CHECK(snap_manifest_parse(again, strlen(again), &m2, why, sizeof why), "round trip of '%s' refused: %s", again, why);
		FUZZ_CHECK(memcmp(&m, &m2, sizeof m) == 0, "round trip of '%s' changed it", again);
		/* a random header is never validly signed by a key made at startup */
		FUZZ_CHECK(!snap_manifest_verify(&m, &keys, why, sizeof why), "'%s' verified", s);
		/* signed by us, it verifies */
		FUZZ_CHECK(snap_manifest_sign(&m, &keys) == BC_OK, "sign failed");
		FUZZ_CHECK(snap_manifest_verify(&m, &keys, why, sizeof why), "own signature refused: %s", why);
	} else {
		FUZZ_CHECK(why[0] != '\0', "refused '%s' without a reason", s);
	}
}

static void fuzz_manifest_check_fresh(const char *s, size_t len)
{
	char why[256] = "", again[2 * SNAP_MANIFEST_MAX];
	struct snap_fresh f, f2;
	if (snap_fresh_parse(s, len, &f, why, sizeof why)) {
		snap_fresh_format(&f, again, sizeof again);
		FUZZ_CHECK(snap_fresh_parse(again, strlen(again), &f2, why, sizeof why), "round trip of '%s' refused: %s", again, why);
		FUZZ_CHECK(memcmp(&f, &f2, sizeof f) == 0, "round trip of '%s' changed it", again);
		FUZZ_CHECK(!snap_fresh_verify(&f, &keys, f.nonce, f.time_ms, why, sizeof why), "'%s' verified", s);
		FUZZ_CHECK(snap_fresh_sign(&f, &keys) == BC_OK, "sign failed");
		FUZZ_CHECK(snap_fresh_verify(&f, &keys, f.nonce, f.time_ms, why, sizeof why), "own signature refused: %s", why);
	} else {
		FUZZ_CHECK(why[0] != '\0', "refused '%s' without a reason", s);
	}
}

/* The input is one header value, tried as a manifest and as a freshness statement. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4 * SNAP_MANIFEST_MAX)
		return 0;
	char *s = fuzz_strndup(data, size);
	fuzz_manifest_check(s, size);       /* with its length: a NUL inside is the parser's to refuse */
	fuzz_manifest_check_fresh(s, size);
	free(s);
	return 0;
}
