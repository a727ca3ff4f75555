/* test_snapshot.c: hashes against known vectors, manifest and freshness parse/sign/verify, verified installs, integrity of installed files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include "snapshot.h"
#include "sign.h"
#include "store.h"

static char tmpdir[64];

#define PARSE(str, m, why, n) snap_manifest_parse((str), strlen(str), (m), (why), (n))

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

/* Writes a fresh EC key pair on the given curve as PEM files priv/pub in tmpdir. */
static void make_keypair(mbedtls_ecp_group_id curve, const char *priv, const char *pub)
{
	mbedtls_pk_context pk;
	unsigned char pem[4096];
	char path[256];
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk), sign_rng, NULL), 0);
	assert_int_equal(mbedtls_pk_write_key_pem(&pk, pem, sizeof pem), 0);
	path_in(path, sizeof path, priv);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs((char *)pem, f);
	fclose(f);
	assert_int_equal(mbedtls_pk_write_pubkey_pem(&pk, pem, sizeof pem), 0);
	path_in(path, sizeof path, pub);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs((char *)pem, f);
	fclose(f);
	mbedtls_pk_free(&pk);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/beacon-test-snap.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	make_keypair(MBEDTLS_ECP_DP_SECP256R1, "priv.pem", "pub.pem");
	make_keypair(MBEDTLS_ECP_DP_SECP256R1, "other.pem", "other.pub");
	make_keypair(MBEDTLS_ECP_DP_SECP384R1, "p384.pem", "p384.pub");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void load_keys(struct snap_keys *k, const char *file, const char *hmac, bool primary)
{
	char path[256], why[300] = "";
	if (file[0])
		path_in(path, sizeof path, file);
	else
		path[0] = '\0';
	enum bc_err e = snap_keys_load(k, path, hmac, primary, why, sizeof why);
	if (e != BC_OK)
		fail_msg("loading %s: %s", file, why);
}

static void test_vectors(void **state)
{
	unsigned char out[32];
	char hex[65];
	struct sign_sha256 h;
	sign_sha256_init(&h);
	sign_sha256_update(&h, "ab", 2);
	sign_sha256_update(&h, "c", 1);
	sign_sha256_final(&h, out);
	sign_hex(out, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2 */
	sign_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	sign_hex(out, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	unsigned char back[32];
	assert_true(sign_unhex(hex, back, 32));
	assert_memory_equal(back, out, 32);
	assert_false(sign_unhex("zz", back, 1));
	assert_false(sign_unhex("abc", back, 2));
}

static struct snap_manifest sample(void)
{
	struct snap_manifest m = { .gen = 42, .len = 123456, .created_ms = 1700000000123 };
	for (int i = 0; i < 32; i++)
		m.sha256[i] = (unsigned char)(i * 7);
	return m;
}

static void test_manifest_roundtrip(void **state)
{
	struct snap_keys k;
	struct snap_manifest m = sample(), back;
	char hdr[SNAP_MANIFEST_MAX], why[200];
	load_keys(&k, "priv.pem", "00112233445566778899aabbccddeeff", true);
	assert_int_equal(snap_manifest_sign(&m, &k), BC_OK);
	assert_true(m.sig[0] != '\0' && m.hmac[0] != '\0');
	snap_manifest_format(&m, hdr, sizeof hdr);
	assert_true(PARSE(hdr, &back, why, sizeof why));
	assert_int_equal(back.gen, 42);
	assert_int_equal(back.len, 123456);
	assert_int_equal(back.created_ms, 1700000000123);
	assert_memory_equal(back.sha256, m.sha256, 32);
	assert_string_equal(back.sig, m.sig);
	assert_string_equal(back.hmac, m.hmac);
	snap_keys_free(&k);
}

static void test_manifest_parse_rejects(void **state)
{
	struct snap_manifest m;
	char why[200];
	const char *sha = "sha256=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	char ok[300], bad[400];
	snprintf(ok, sizeof ok, "gen=1; len=2; %s; created=3", sha);
	assert_true(PARSE(ok, &m, why, sizeof why));
	assert_false(snap_manifest_parse(NULL, 0, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=1; gen=2; len=2; %s; created=3", sha);          /* duplicate */
	assert_false(PARSE(bad, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=1; len=2; %s", sha);                             /* missing created */
	assert_false(PARSE(bad, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=18446744073709551616; len=2; %s; created=3", sha);   /* overflow */
	assert_false(PARSE(bad, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=-1; len=2; %s; created=3", sha);
	assert_false(PARSE(bad, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=1; len=2; %s; created=3; evil=1", sha);           /* unknown key */
	assert_false(PARSE(bad, &m, why, sizeof why));
	snprintf(bad, sizeof bad, "gen=1; len=2; %s; created=3; sig=a\"b", sha);         /* not base64 */
	assert_false(PARSE(bad, &m, why, sizeof why));
	assert_false(PARSE("gen=1; len=2; sha256=abc; created=3", &m, why, sizeof why));
	char huge[SNAP_MANIFEST_MAX + 10];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_false(PARSE(huge, &m, why, sizeof why));
}

/* The parser takes bytes and a length: it reads no further, and refuses a NUL or an over-long value. */
static void test_manifest_parse_bytes(void **state)
{
	struct snap_manifest m;
	char why[200];
	static const char text[] = "gen=7; len=2; sha256=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f; "
	                           "created=3";
	size_t n = sizeof text - 1;
	char *exact = malloc(n);                      /* no terminator: ASan catches a read past n */
	assert_non_null(exact);
	memcpy(exact, text, n);
	assert_true(snap_manifest_parse(exact, n, &m, why, sizeof why));
	assert_int_equal(m.gen, 7);
	assert_false(snap_manifest_parse(exact, n - 1, &m, why, sizeof why));    /* "created=" cut short */
	exact[4] = '\0';                                                         /* embedded NUL */
	assert_false(snap_manifest_parse(exact, n, &m, why, sizeof why));
	free(exact);
	char huge[SNAP_MANIFEST_MAX + 1];
	memset(huge, 'a', sizeof huge);
	assert_false(snap_manifest_parse(huge, sizeof huge, &m, why, sizeof why));
	assert_non_null(strstr(why, "too long"));                                /* not "missing" */
	assert_false(snap_manifest_parse(NULL, 0, &m, why, sizeof why));
	assert_non_null(strstr(why, "missing"));
}

/* Freshness statements: signed, bound to the request's nonce, recent; nothing else passes. */
static void test_freshness(void **state)
{
	struct snap_keys priv, pub, other;
	struct snap_fresh f = { .gen = 9, .time_ms = 1700000000000 }, back;
	char hdr[SNAP_MANIFEST_MAX], why[300];
	const char *nonce = "00112233445566778899aabbccddeeff";
	load_keys(&priv, "priv.pem", "00112233445566778899aabbccddeeff", true);
	load_keys(&pub, "pub.pem", "00112233445566778899aabbccddeeff", false);
	load_keys(&other, "other.pub", "00112233445566778899aabbccddeeff", false);
	memcpy(f.nonce, nonce, strlen(nonce) + 1);
	assert_int_equal(snap_fresh_sign(&f, &priv), BC_OK);
	snap_fresh_format(&f, hdr, sizeof hdr);
	assert_true(snap_fresh_parse(hdr, strlen(hdr), &back, why, sizeof why));
	assert_int_equal(back.gen, 9);
	assert_string_equal(back.nonce, nonce);
	assert_true(snap_fresh_verify(&back, &pub, nonce, f.time_ms + 5000, why, sizeof why));
	assert_false(snap_fresh_verify(&back, &pub, "ffeeddccbbaa99887766554433221100", f.time_ms, why, sizeof why));
	assert_non_null(strstr(why, "nonce"));                                    /* a replayed answer */
	assert_false(snap_fresh_verify(&back, &pub, nonce, f.time_ms + SNAP_FRESH_MAX_SKEW_MS + 1000, why, sizeof why));
	assert_non_null(strstr(why, "clock"));                                    /* stale */
	assert_false(snap_fresh_verify(&back, &pub, nonce, f.time_ms - SNAP_FRESH_MAX_SKEW_MS - 1000, why, sizeof why));
	assert_false(snap_fresh_verify(&back, &other, nonce, f.time_ms, why, sizeof why));   /* wrong key */
	back.gen = 10;                                                            /* relabelled generation */
	assert_false(snap_fresh_verify(&back, &pub, nonce, f.time_ms, why, sizeof why));
	/* a manifest's signature does not make a statement (the signed messages differ) */
	struct snap_manifest m = sample();
	assert_int_equal(snap_manifest_sign(&m, &priv), BC_OK);
	struct snap_fresh forged = { .gen = 9, .time_ms = f.time_ms };
	memcpy(forged.nonce, nonce, strlen(nonce) + 1);
	memcpy(forged.sig, m.sig, sizeof m.sig);
	memcpy(forged.hmac, m.hmac, sizeof m.hmac);
	assert_false(snap_fresh_verify(&forged, &pub, nonce, f.time_ms, why, sizeof why));
	/* parse rejects */
	assert_false(snap_fresh_parse(NULL, 0, &back, why, sizeof why));
	assert_false(snap_fresh_parse("gen=1", 5, &back, why, sizeof why));                  /* no time */
	assert_false(snap_fresh_parse("gen=1; time=2; nonce=xyz", 24, &back, why, sizeof why)); /* bad nonce */
	assert_true(snap_fresh_parse("gen=1; time=2", 13, &back, why, sizeof why));
	assert_false(snap_nonce_ok("abc"));
	assert_true(snap_nonce_ok(nonce));
	snap_keys_free(&priv);
	snap_keys_free(&pub);
	snap_keys_free(&other);
}

static void test_verify(void **state)
{
	struct snap_keys priv, pub, other, hmac_only, wrong_hmac;
	struct snap_manifest m = sample();
	char why[300];
	load_keys(&priv, "priv.pem", "", true);
	load_keys(&pub, "pub.pem", "", false);
	load_keys(&other, "other.pub", "", false);
	load_keys(&hmac_only, "", "00112233445566778899aabbccddeeff", false);
	load_keys(&wrong_hmac, "", "ffeeddccbbaa99887766554433221100", false);
	assert_int_equal(snap_manifest_sign(&m, &priv), BC_OK);
	assert_true(snap_manifest_verify(&m, &pub, why, sizeof why));
	assert_false(snap_manifest_verify(&m, &other, why, sizeof why));           /* wrong key */
	assert_non_null(strstr(why, "signature"));
	assert_false(snap_manifest_verify(&m, &hmac_only, why, sizeof why));       /* HMAC required, absent */
	struct snap_manifest t = m;
	t.gen++;                                                                    /* relabelled generation */
	assert_false(snap_manifest_verify(&t, &pub, why, sizeof why));
	t = m;
	t.len--;
	assert_false(snap_manifest_verify(&t, &pub, why, sizeof why));
	t = m;
	t.sig[0] = '\0';
	assert_false(snap_manifest_verify(&t, &pub, why, sizeof why));             /* unsigned */
	/* HMAC only */
	assert_int_equal(snap_manifest_sign(&m, &hmac_only), BC_OK);
	assert_true(snap_manifest_verify(&m, &hmac_only, why, sizeof why));
	assert_false(snap_manifest_verify(&m, &wrong_hmac, why, sizeof why));
	assert_false(snap_manifest_verify(&m, &pub, why, sizeof why));             /* sig required, absent */
	snap_keys_free(&priv);
	snap_keys_free(&pub);
	snap_keys_free(&other);
	snap_keys_free(&hmac_only);
	snap_keys_free(&wrong_hmac);
}

static void test_key_rules(void **state)
{
	struct snap_keys k;
	char path[256], why[300];
	path_in(path, sizeof path, "p384.pem");
	assert_int_not_equal(snap_keys_load(&k, path, "", true, why, sizeof why), BC_OK);
	assert_non_null(strstr(why, "P-256"));
	path_in(path, sizeof path, "pub.pem");                                      /* a public key cannot sign */
	assert_int_not_equal(snap_keys_load(&k, path, "", true, why, sizeof why), BC_OK);
	assert_int_not_equal(snap_keys_load(&k, "", "", false, why, sizeof why), BC_OK);   /* nothing configured */
	assert_int_not_equal(snap_keys_load(&k, "", "abcd", false, why, sizeof why), BC_OK);   /* short HMAC key */
	path_in(path, sizeof path, "missing.pem");
	assert_int_not_equal(snap_keys_load(&k, path, "", false, why, sizeof why), BC_OK);
}

static size_t count_entries(const char *dir, const char *prefix)
{
	char cmd[300], out[32] = "";
	snprintf(cmd, sizeof cmd, "ls -A %s | grep -c '^%s' || true", dir, prefix);
	FILE *p = popen(cmd, "r");
	if (p == NULL || fgets(out, sizeof out, p) == NULL)
		out[0] = '0';
	if (p)
		pclose(p);
	return (size_t)atoi(out);
}

/* A download of garbage never gets past the length and hash checks; no temp file survives. */
static void test_download_rejects(void **state)
{
	char dir[128], why[300];
	unsigned char data[5000];
	struct snap_download d;
	path_in(dir, sizeof dir, "sec-reject");
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 31);
	struct snap_manifest m = { .gen = 5, .len = sizeof data };
	struct sign_sha256 h;
	sign_sha256_init(&h);
	sign_sha256_update(&h, data, sizeof data);
	sign_sha256_final(&h, m.sha256);

	assert_int_equal(snap_dl_begin(&d, dir, &m), BC_OK);                        /* truncated */
	assert_int_equal(snap_dl_write(&d, data, sizeof data - 1, why, sizeof why), BC_OK);
	assert_int_not_equal(snap_dl_finish(&d, why, sizeof why), BC_OK);
	assert_non_null(strstr(why, "truncated"));

	assert_int_equal(snap_dl_begin(&d, dir, &m), BC_OK);                        /* one flipped bit */
	data[2500] ^= 0x10;
	assert_int_equal(snap_dl_write(&d, data, sizeof data, why, sizeof why), BC_OK);
	assert_int_not_equal(snap_dl_finish(&d, why, sizeof why), BC_OK);
	assert_non_null(strstr(why, "sha256"));
	data[2500] ^= 0x10;

	assert_int_equal(snap_dl_begin(&d, dir, &m), BC_OK);                        /* longer than declared */
	assert_int_equal(snap_dl_write(&d, data, sizeof data, why, sizeof why), BC_OK);
	assert_int_equal(snap_dl_write(&d, data, 1, why, sizeof why), BC_TOOBIG);
	snap_dl_abort(&d);

	assert_int_equal(snap_dl_begin(&d, dir, &m), BC_OK);                        /* right bytes, not LMDB */
	assert_int_equal(snap_dl_write(&d, data, sizeof data, why, sizeof why), BC_OK);
	assert_int_not_equal(snap_dl_finish(&d, why, sizeof why), BC_OK);

	uint64_t gen;
	char cur[256];
	assert_int_equal(snap_current(dir, &gen, cur, sizeof cur), BC_NOTFOUND);
	assert_int_equal(count_entries(dir, "snap-"), 0);
}

/* A primary's snapshot goes through download, verification and install, and becomes `current`. */
static void test_build_and_install(void **state)
{
	char store_dir[128], pub_dir[128], sec_dir[128], built[256], cur[256], why[300];
	struct store *s;
	struct stx *t;
	struct snap_manifest m;
	struct snap_download d;
	path_in(store_dir, sizeof store_dir, "primary");
	path_in(pub_dir, sizeof pub_dir, "primary/snapshots");
	path_in(sec_dir, sizeof sec_dir, "secondary");
	mkdir(store_dir, 0755);
	assert_int_equal(store_open(&s, store_dir, STORE_CREATE), BC_OK);
	struct arena *a = arena_new();
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_begin_write(s, a, &t), BC_OK);
		assert_int_equal(store_kv_put(t, "test", "k", &i, sizeof i), BC_OK);
		assert_int_equal(store_commit(t), BC_OK);
	}
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	uint64_t want_gen = store_generation(t);
	store_abort(t);
	assert_int_equal(snap_build(s, pub_dir, &m, built, sizeof built), BC_OK);
	assert_int_equal(m.gen, want_gen);
	assert_true(m.len > 0 && m.created_ms > 0);
	store_close(s);
	struct snap_keys k;
	load_keys(&k, "priv.pem", "", true);
	assert_int_equal(snap_manifest_sign(&m, &k), BC_OK);
	snap_keys_free(&k);

	FILE *f = fopen(built, "rb");
	assert_non_null(f);
	assert_int_equal(snap_dl_begin(&d, sec_dir, &m), BC_OK);
	unsigned char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		assert_int_equal(snap_dl_write(&d, buf, n, why, sizeof why), BC_OK);
	fclose(f);
	if (snap_dl_finish(&d, why, sizeof why) != BC_OK)
		fail_msg("install failed: %s", why);
	uint64_t gen;
	assert_int_equal(snap_current(sec_dir, &gen, cur, sizeof cur), BC_OK);
	assert_int_equal(gen, want_gen);
	assert_int_equal(count_entries(sec_dir, "snap-tmp"), 0);

	assert_int_equal(store_open(&s, cur, STORE_SNAPSHOT), BC_OK);               /* read-only replica */
	assert_int_equal(store_begin_write(s, a, &t), BC_READONLY);
	assert_int_equal(store_begin_read(s, a, &t), BC_OK);
	assert_int_equal(store_generation(t), want_gen);
	store_abort(t);
	store_close(s);
	arena_free(a);

	assert_int_equal(snap_last_sync_ms(sec_dir), 0);
	snap_mark_synced(sec_dir);
	assert_true(snap_last_sync_ms(sec_dir) > 0);
	assert_int_equal(count_entries(sec_dir, "snap-[0-9]*.manifest"), 1);     /* kept beside the file */
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp %s %s", from, to);
	assert_int_equal(system(cmd), 0);
}

/* An installed snapshot is checked against the signed manifest beside it: truncation, a flipped
 * byte, a wrong or missing manifest are each refused, and quarantine moves the file aside. */
static void test_installed_verify(void **state)
{
	char sec_dir[128], cur[256], keep[300], mkeep[360], mpath[300], why[400];
	struct snap_keys pub, other;
	struct snap_manifest m;
	uint64_t gen;
	path_in(sec_dir, sizeof sec_dir, "secondary");                   /* installed by test_build_and_install */
	assert_int_equal(snap_current(sec_dir, &gen, cur, sizeof cur), BC_OK);
	load_keys(&pub, "pub.pem", "", false);
	load_keys(&other, "other.pub", "", false);
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_OK);
	assert_int_equal(m.gen, gen);
	assert_int_not_equal(snap_installed_verify(sec_dir, gen, &other, true, &m, why, sizeof why), BC_OK);
	assert_non_null(strstr(why, "signature"));
	snprintf(keep, sizeof keep, "%s.keep", cur);
	snprintf(mpath, sizeof mpath, "%s/snap-%llu.manifest", sec_dir, (unsigned long long)gen);
	snprintf(mkeep, sizeof mkeep, "%s.keep", mpath);
	copy_file(cur, keep);
	copy_file(mpath, mkeep);

	assert_int_equal(truncate(cur, (off_t)m.len / 2), 0);                           /* truncated */
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, false, &m, why, sizeof why), BC_INVALID);
	assert_non_null(strstr(why, "truncated"));
	copy_file(keep, cur);

	FILE *f = fopen(cur, "r+b");                                                     /* one flipped byte */
	assert_non_null(f);
	fseek(f, (long)m.len / 3, SEEK_SET);
	int c = fgetc(f);
	fseek(f, (long)m.len / 3, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, false, &m, why, sizeof why), BC_OK); /* size only */
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_INVALID);
	assert_non_null(strstr(why, "SHA-256"));
	copy_file(keep, cur);

	f = fopen(mpath, "w");                                                           /* altered manifest */
	assert_non_null(f);
	fprintf(f, "gen=%llu; len=%llu; sha256=%064d; created=1\n", (unsigned long long)gen,
	        (unsigned long long)m.len, 0);
	fclose(f);
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_INVALID);
	unlink(mpath);                                                                   /* no manifest */
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_INVALID);
	assert_non_null(strstr(why, "manifest"));
	copy_file(mkeep, mpath);
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_OK);

	snap_quarantine(sec_dir, gen);                                                   /* moved aside */
	assert_int_equal(access(cur, F_OK), -1);
	assert_int_equal(snap_installed_verify(sec_dir, gen, &pub, true, &m, why, sizeof why), BC_NOTFOUND);
	assert_int_equal(count_entries(sec_dir, "snap-.*\\.mdb\\.bad"), 1);
	snap_keys_free(&pub);
	snap_keys_free(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_manifest_roundtrip),
		cmocka_unit_test(test_manifest_parse_rejects),
		cmocka_unit_test(test_manifest_parse_bytes),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_download_rejects),
		cmocka_unit_test(test_build_and_install),
		cmocka_unit_test(test_installed_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
