/* test_auth.c: RFC 6238 TOTP vectors, base32, TOTP drift and replay, argon2id hashes, recovery codes, user records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "auth.h"
#include "users.h"

static void test_rfc6238_sha1_vectors(void **state)
{
	(void)state;
	const unsigned char key[] = "12345678901234567890";
	static const struct { int64_t t; long code; } v[] = {
		{ 59, 94287082 }, { 1111111109, 7081804 }, { 1111111111, 14050471 },
		{ 1234567890, 89005924 }, { 2000000000, 69279037 }, { 20000000000LL, 65353130 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(auth_hotp(key, 20, (uint64_t)(v[i].t / 30), 8), v[i].code);
	char b32[64];
	auth_base32_encode(key, 20, b32);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(auth_totp_code(b32, 59, 8), 94287082);
	unsigned char back[32];
	assert_int_equal(auth_base32_decode("gezd gnbv-gy3tqojqgezdgnbvgy3tqojq", back, sizeof back), 20);
	assert_memory_equal(back, key, 20);
	assert_int_equal(auth_base32_decode("GE1!", back, sizeof back), -1);
}

static void test_totp_check_drift_and_replay(void **state)
{
	(void)state;
	const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	int64_t now = 1111111111, step = 0;
	char code[8];
	snprintf(code, sizeof code, "%06ld", auth_totp_code(secret, now, 6));
	assert_true(auth_totp_check(secret, code, now, 0, &step));
	assert_int_equal(step, now / 30);
	assert_false(auth_totp_check(secret, code, now, step, &step));        /* replay */
	snprintf(code, sizeof code, "%06ld", auth_totp_code(secret, now - 30, 6));
	assert_true(auth_totp_check(secret, code, now, 0, &step));             /* one step of drift */
	snprintf(code, sizeof code, "%06ld", auth_totp_code(secret, now - 90, 6));
	assert_false(auth_totp_check(secret, code, now, 0, &step));            /* three steps: no */
	assert_false(auth_totp_check(secret, "12345", now, 0, &step));
	assert_false(auth_totp_check(secret, "1234567", now, 0, &step));
	assert_false(auth_totp_check(secret, "12a456", now, 0, &step));
}

static void test_password_hash(void **state)
{
	(void)state;
	char h[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
	assert_true(auth_password_hash("correct horse battery", h));
	assert_non_null(strstr(h, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_true(auth_password_verify(h, "correct horse battery"));
	assert_false(auth_password_verify(h, "correct horse batterz"));
	assert_false(auth_password_verify(NULL, "correct horse battery"));     /* unknown user: hashed, false */
	assert_true(auth_password_hash("correct horse battery", h2));
	assert_string_not_equal(h, h2);                                        /* salted */
	assert_null(auth_password_problem("long enough pw"));
	assert_non_null(auth_password_problem("short"));
	assert_non_null(auth_password_problem("with\x01control"));
}

static void test_recovery_and_equal(void **state)
{
	(void)state;
	char c[16], h1[65], h2[65];
	assert_true(auth_recovery_code(c));
	assert_int_equal(strlen(c), 14);
	auth_recovery_hash(c, h1);
	char upper[16];
	for (int i = 0; c[i]; i++)
		upper[i] = (c[i] >= 'a' && c[i] <= 'z') ? (char)(c[i] - 32) : c[i] == '-' ? ' ' : c[i];
	upper[14] = '\0';
	auth_recovery_hash(upper, h2);
	assert_string_equal(h1, h2);
	assert_true(auth_equal("abc", "abc"));
	assert_false(auth_equal("abc", "abd"));
	assert_false(auth_equal("abc", "abcd"));
	assert_false(auth_equal("", ""));
	assert_false(auth_equal(NULL, "x"));
}

static void test_user_codec(void **state)
{
	(void)state;
	char e[USER_EMAIL_MAX + 1];
	assert_true(user_email_normal("Ana@Example.COM", e));
	assert_string_equal(e, "ana@example.com");
	assert_false(user_email_normal("no-at-sign", e));
	assert_false(user_email_normal("a@b@c", e));
	assert_false(user_email_normal("a b@c", e));
	assert_false(user_email_normal("<x>@c", e));
	const char *recs[] = { "aa", "bb" };
	struct user u = { .id = "abc123", .email = "ana@example.com", .role = ROLE_EDITOR, .password_hash = "$argon2id$x",
	                  .totp_secret = "GEZD", .nrecovery = 2, .recovery = recs, .epoch = 3 };
	char *js = user_encode(&u);
	assert_non_null(js);
	struct arena *a = arena_new();
	struct user d;
	assert_int_equal(user_decode(a, js, strlen(js), &d), BC_OK);
	assert_string_equal(d.email, "ana@example.com");
	assert_int_equal(d.role, ROLE_EDITOR);
	assert_string_equal(d.totp_secret, "GEZD");
	assert_null(d.totp_pending);
	assert_int_equal(d.nrecovery, 2);
	assert_string_equal(d.recovery[1], "bb");
	assert_int_equal(d.epoch, 3);
	assert_int_equal(user_decode(a, "[1]", 3, &d), BC_STORE);
	free(js);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_sha1_vectors),
		cmocka_unit_test(test_totp_check_drift_and_replay),
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test(test_recovery_and_equal),
		cmocka_unit_test(test_user_codec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
