/* test_config.c: config defaults, every kind of bad line reported as file:line, and a full good file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

static char path[64];

static int load(const char *text, struct config *c, char *err, size_t n)
{
	strcpy(path, "/tmp/beacon-test-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	int rc = config_load(c, path, err, n);
	unlink(path);
	return rc;
}

static void expect_error(const char *text, int line, const char *needle)
{
	struct config c;
	char err[512], want[128];
	assert_int_equal(load(text, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:%d: ", path, line);
	if (strncmp(err, want, strlen(want)) != 0 || strstr(err, needle) == NULL)
		fail_msg("error [%s] lacks [%s] or [%s]", err, want, needle);
}

static void test_defaults(void **state)
{
	struct config c;
	char err[256];
	assert_int_equal(load("# nothing but a comment\n", &c, err, sizeof err), 0);
	assert_string_equal(c.store, "/var/lib/beacon");
	assert_string_equal(c.listen, "unix:/run/beacon/beacon.sock");
	assert_int_equal(c.threads, 64);
	assert_string_equal(c.default_language, "en");
	assert_string_equal(c.role, "primary");
	assert_int_equal(c.max_body_kb, 64);
	assert_int_equal(c.pull_deadline_seconds, 60);
}

static void test_good(void **state)
{
	struct config c;
	char err[256];
	assert_int_equal(load("store = /srv/b\nlisten = 127.0.0.1:9000\nthreads = 8\n"
	                      "page_name = Jelou Status\ntime_zone = America/Guayaquil\n"
	                      "default_language = es ; inline comment\nrole = secondary\n", &c, err, sizeof err), 0);
	assert_string_equal(c.store, "/srv/b");
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_int_equal(c.threads, 8);
	assert_string_equal(c.page_name, "Jelou Status");
	assert_string_equal(c.default_language, "es");
	assert_string_equal(c.role, "secondary");
}

/* A TCP listen off loopback is exposed (serve and check refuse it) unless listen_allow_remote = yes
 * (anyone reaching the socket can make libfcgi abort); listen_group defaults to www-data. */
static void test_listen_exposure(void **state)
{
	struct config c;
	char err[512];
	assert_int_equal(load("listen = 127.0.0.1:9000\n", &c, err, sizeof err), 0);
	assert_string_equal(c.listen_group, "www-data");
	assert_string_equal(c.listen_allow_remote, "no");
	assert_false(config_listen_exposed(&c));
	assert_int_equal(load("listen = 127.8.9.1:9000\n", &c, err, sizeof err), 0);
	assert_false(config_listen_exposed(&c));
	assert_int_equal(load("listen = 0.0.0.0:9000\n", &c, err, sizeof err), 0);
	assert_true(config_listen_exposed(&c));
	assert_int_equal(load("listen = 10.1.2.3:9000\n", &c, err, sizeof err), 0);
	assert_true(config_listen_exposed(&c));
	assert_int_equal(load("listen = :9000\n", &c, err, sizeof err), 0);
	assert_true(config_listen_exposed(&c));
	assert_int_equal(load("listen = 0.0.0.0:9000\nlisten_allow_remote = yes\n", &c, err, sizeof err), 0);
	assert_false(config_listen_exposed(&c));
	assert_int_equal(load("listen = unix:/run/b.sock\n", &c, err, sizeof err), 0);
	assert_false(config_listen_exposed(&c));
	assert_int_equal(load("listen_allow_remote = maybe\n", &c, err, sizeof err), -1);
	assert_int_equal(load("listen = unix:/run/b.sock\nlisten_group = nginx\ntrusted_proxies = 10.0.0.1, 10.0.0.2\n",
	                      &c, err, sizeof err), 0);
	assert_string_equal(c.listen_group, "nginx");
	assert_string_equal(c.trusted_proxies, "10.0.0.1, 10.0.0.2");
}

static void test_errors(void **state)
{
	expect_error("store = /x\nbogus = 1\n", 2, "unknown key 'bogus'");
	expect_error("threads = 0\n", 1, "'threads' must be an integer from 1 to 1024");
	expect_error("threads = 12abc\n", 1, "must be an integer");
	expect_error("\n\nthreads = 99999999999999999999\n", 3, "must be an integer");
	expect_error("default_language = fr\n", 1, "'default_language' must be one of en|es");
	expect_error("role = primary\nrole = secondary\n", 2, "duplicate key 'role'");
	expect_error("[section]\nthreads = 4\n", 2, "sections are not used");
	expect_error("this line has no equals sign\n", 1, "syntax error");
	char longline[800];
	memset(longline, 'a', sizeof longline);
	memcpy(longline, "store = ", 8);
	longline[sizeof longline - 2] = '\n';
	longline[sizeof longline - 1] = '\0';
	expect_error(longline, 1, "too long");
}

static void test_missing_file(void **state)
{
	struct config c;
	char err[256];
	assert_int_equal(config_load(&c, "/nonexistent/beacon.conf", err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/beacon.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_listen_exposure),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
