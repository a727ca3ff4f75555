/* server.c: `beacon serve`: listen socket, FastCGI worker threads, one request end to end, shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <fcgiapp.h>
#include "app_internal.h"
#include "cache.h"
#include "cli.h"
#include "log.h"
#include "metrics.h"
#include "repl.h"
#include "req.h"
#include "server.h"
#include "scheduler.h"
#include "settings.h"

static int listen_fd = -1;

/* AddressSanitizer builds (make asan): serve runs LeakSanitizer before _exit, and BEACON_TEST_LEAK=1
 * makes every request leak 4 KiB so that tests can prove such a leak is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define SERVER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SERVER_ASAN 1
#endif
#endif
#ifndef SERVER_ASAN
#define SERVER_ASAN 0
#endif
#if SERVER_ASAN
void __lsan_do_leak_check(void);
static bool test_leak;
#endif
static atomic_int in_flight;
static struct app *the_app;
static const struct config *the_cfg;

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Creates the listening socket named by cfg->listen; -1 on error (logged). A unix socket is created
 * 0660 and given listen_group: only the web server may connect (libfcgi aborts on some records). */
static int open_listener(const struct config *c)
{
	const char *spec = c->listen;
	int fd;
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(path) >= sizeof sa.sun_path) {
			log_warnx("listen: socket path too long: %s", path);
			return -1;
		}
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			/* a live server still answering there means we must not steal its path */
			if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
				log_warnx("listen: %s is in use by another server", path);
				close(fd);
				return -1;
			}
			unlink(path);
		}
		char err[600];
		gid_t gid;
		if (config_listen_gid(c, &gid, err, sizeof err) != 0) {
			log_warnx("listen: %s", err);
			close(fd);
			return -1;
		}
		mode_t old = umask(0117);   /* born 0660 with our own group: never open to others */
		int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
		umask(old);
		if (rc != 0) {
			log_warn("listen: bind %s", path);
			close(fd);
			return -1;
		}
		if (chown(path, (uid_t)-1, gid) != 0 || chmod(path, 0660) != 0) {
			log_warn("listen: giving %s to group %s (run beacon in that group, e.g. systemd Group=%s)", path,
			         c->listen_group, c->listen_group);
			unlink(path);
			close(fd);
			return -1;
		}
	} else {
		if (config_listen_exposed(c)) {
			log_warnx("listen: '%s' lets other hosts reach the FastCGI socket; use a unix socket or "
			          "127.0.0.1:PORT, or set 'listen_allow_remote = yes' behind a firewall", spec);
			return -1;
		}
		char host[256];
		const char *colon = strrchr(spec, ':');
		size_t hl = (size_t)(colon - spec);
		if (hl >= sizeof host)
			return -1;
		memcpy(host, spec, hl);
		host[hl] = '\0';
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
		if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
			log_warnx("listen: '%s' is not an IPv4 address (use 127.0.0.1:PORT)", host);
			return -1;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			log_warn("listen: bind %s", spec);
			close(fd);
			return -1;
		}
	}
	if (listen(fd, 1024) != 0) {
		log_warn("listen %s", spec);
		close(fd);
		return -1;
	}
	return fd;
}

/* The request body from libfcgi's input stream. */
static int server_body_read(void *ctx, char *p, int n)
{
	return FCGX_GetStr(p, n, ctx);
}

/* The body of a response served from a render cache entry: its gzip copy when the route chose it. */
static const char *held_body(const struct req *r)
{
	return r->held_gz ? r->held->gz : r->held->body;
}

static size_t held_len(const struct req *r)
{
	return r->held_gz ? r->held->gz_len : r->held->body_len;
}

/* The body of a response from r->send_fd. Its own frame: its 64 KiB buffer would otherwise sit in
 * send_response's, and every response's calls would touch stack pages 64 KiB further down (in each
 * of the worker threads, which all stay resident). */
static __attribute__((noinline)) uint64_t server_send_file_body(struct req *r, FCGX_Request *fr)
{
	char chunk[65536];
	uint64_t left = r->send_len, sent = 0;
	ssize_t n;
	while (left > 0 && (n = read(r->send_fd, chunk, left < sizeof chunk ? left : sizeof chunk)) > 0) {
		if (FCGX_PutStr(chunk, (int)n, fr->out) < 0)
			break;
		left -= (uint64_t)n;
		sent += (uint64_t)n;
	}
	return sent;
}

/* Writes status line, headers and body as one FastCGI stream (one write for small responses).
 * Returns the body bytes sent. */
static uint64_t send_response(struct req *r, FCGX_Request *fr, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "Status: %d %s\r\n", r->status, status_text(r->status));
	if (r->status != 304 && r->status != 204) {
		const char *ct = r->content_type_out ? r->content_type_out : "text/html; charset=utf-8";
		buf_printf(out, "Content-Type: %s\r\n", ct);
		if (strncmp(ct, "text/html", 9) == 0 && r->csp)
			buf_printf(out, "Content-Security-Policy: %s\r\nReferrer-Policy: same-origin\r\n", r->csp);
		else if (strncmp(ct, "text/html", 9) == 0)
			buf_puts(out, "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
			              "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; "
			              "base-uri 'none'; form-action 'self'\r\n"
			              "Referrer-Policy: strict-origin-when-cross-origin\r\n");
		uint64_t len = r->send_fd >= 0 ? r->send_len : r->held ? held_len(r) : r->body_out.len;
		buf_printf(out, "Content-Length: %llu\r\n", (unsigned long long)len);
	}
	if (r->microcache)     /* before Cache-Control: nginx then ignores max-age and its whole seconds */
		buf_printf(out, "X-Accel-Expires: @%lld\r\n", (long long)time(NULL));
	buf_printf(out, "Cache-Control: %s\r\n", r->cache_control ? r->cache_control : "no-store");
	buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (r->headers.len)
		buf_append(out, r->headers.p, r->headers.len);
	buf_puts(out, "\r\n");
	bool body = !r->head && r->status != 304 && r->status != 204;
	if (body && r->held) {                     /* a shared cache entry: straight from it */
		FCGX_PutStr(out->p, (int)out->len, fr->out);
		FCGX_PutStr(held_body(r), (int)held_len(r), fr->out);
		return held_len(r);
	}
	uint64_t sent = 0;
	if (body && r->send_fd < 0 && r->body_out.len) {
		buf_append(out, r->body_out.p, r->body_out.len);
		sent = r->body_out.len;
	}
	FCGX_PutStr(out->p, (int)out->len, fr->out);
	if (r->send_fd >= 0) {
		if (body)
			sent += server_send_file_body(r, fr);
		close(r->send_fd);
	}
	return sent;
}

struct worker {
	pthread_t tid;
	FCGX_Request fr;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct arena *arena = arena_new();
	struct buf out;
	buf_init(&out);
	while (FCGX_Accept_r(&w->fr) >= 0) {
		atomic_fetch_add(&in_flight, 1);
		metrics_inc(M_IN_FLIGHT);
		uint64_t t0 = metrics_now_us();
		struct req r = { .arena = arena, .app = the_app, .cfg = the_cfg, .envp = w->fr.envp, .send_fd = -1,
		                 .route_class = MR_NONE };
		buf_init(&r.headers);
		buf_init(&r.body_out);
		r.store = app_store_acquire(the_app);
		if (req_parse(&r, server_body_read, w->fr.in))
			route_dispatch(&r);
		else
			while (FCGX_GetStr(out.p ? out.p : (char[1]){0}, out.cap > 1 ? (int)out.cap : 1, w->fr.in) > 0)
				;           /* drain a refused body so a kept-alive connection stays usable */
		uint64_t bytes = send_response(&r, &w->fr, &out);
		uint64_t us = metrics_now_us() - t0;
		metrics_request((enum metrics_route)r.route_class, r.status, us, bytes);
		log_request(r.method ? r.method : "-", r.route, r.path ? r.path : "-", r.status, bytes, us);
#if SERVER_ASAN
		if (test_leak) {
			volatile char *lost = malloc(4096);   /* deliberately never freed (see test_leakcheck.sh) */
			if (lost)
				lost[0] = 1;
		}
#endif
		if (r.held)
			cache_release(r.held);
		if (r.tx)
			store_abort(r.tx);
		app_store_release(the_app, r.store);
		buf_free(&r.headers);
		buf_free(&r.body_out);
		arena_reset(arena);
		if (out.cap > 64 << 10)
			buf_free(&out);  /* don't pin a huge response buffer between requests */
		FCGX_Finish_r(&w->fr);
		metrics_dec(M_IN_FLIGHT);
		atomic_fetch_sub(&in_flight, 1);
	}
	buf_free(&out);
	arena_free(arena);
	return NULL;
}

struct app *server_app(void)
{
	return the_app;
}

int cmd_serve(const struct config *c, int argc, char **argv)
{
	if (argc > 1) {
		bool help = cli_is_help(argv[1]);
		fprintf(help ? stdout : stderr, "usage: beacon [--config FILE] serve\n"
		        "  runs the FastCGI server on `listen` with `threads` workers until SIGTERM or SIGINT;\n"
		        "  one log line per request on stderr (log_format = text|json)\n");
		return help ? 0 : EXIT_USAGE;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Few malloc arenas: requests allocate little outside their own arena chunk, and one glibc
	 * arena per thread would keep tens of idle heaps resident. */
	mallopt(M_ARENA_MAX, 2);
	FCGX_Init();
	signal(SIGPIPE, SIG_IGN);

	bool secondary = strcmp(c->role, "secondary") == 0;
	struct store *s = NULL;
	if (!secondary) {
		enum bc_err e = store_open(&s, c->store, 0);
		if (e != BC_OK) {
			fprintf(stderr, "beacon: serve: cannot open store %s: %s (run 'beacon init' first)\n",
			        c->store, bc_strerror(e));
			return 1;
		}
	}
	if (s) {        /* the page keys set in beacon.conf are the page's (settings.h) */
		enum bc_err e = settings_sync(c, s);
		if (e != BC_OK)
			log_warnx("cannot apply the page settings of %s: %s", c->path, bc_strerror(e));
	}
	the_cfg = c;
	metrics_start();
	the_app = app_new(c, s, secondary);
	cache_init(256, 8u << 20);

	bool inherited = !FCGX_IsCGI();   /* spawned by lighttpd/spawn-fcgi: fd 0 listens */
	if (inherited || strcmp(c->listen, "inherit") == 0)
		listen_fd = 0;
	else if ((listen_fd = open_listener(c)) < 0) {
		fprintf(stderr, "beacon: serve: cannot listen on %s\n", c->listen);
		app_free(the_app);
		return 1;
	}
	if (!secondary && scheduler_start(s) != 0) {
		fprintf(stderr, "beacon: serve: cannot start the scheduler\n");
		app_free(the_app);
		return 1;
	}
	if (secondary && repl_watch_start(the_app) != 0) {
		fprintf(stderr, "beacon: serve: cannot start the snapshot watcher\n");
		app_free(the_app);
		return 1;
	}

#if SERVER_ASAN
	test_leak = getenv("BEACON_TEST_LEAK") != NULL;
#endif
	int nthreads = c->threads;
	/* static: the array lives until _exit, and LeakSanitizer's check before it must see it */
	static struct worker *workers;
	workers = calloc((size_t)nthreads, sizeof *workers);
	if (workers == NULL)
		abort();
	for (int i = 0; i < nthreads; i++) {
		FCGX_InitRequest(&workers[i].fr, listen_fd, 0);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&workers[i].tid, &attr, worker_main, &workers[i]) != 0) {
			fprintf(stderr, "beacon: serve: cannot start thread %d\n", i);
			abort();
		}
		pthread_attr_destroy(&attr);
	}
	log_info("serving %s on %s with %d threads (%s)", c->store, inherited ? "inherited socket" : c->listen,
	         nthreads, secondary ? "secondary, read-only" : "primary");

	int sig = 0;
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		;   /* HUP: nothing to reload; config changes need a restart */
	log_info("signal %d: stopping", sig);
	FCGX_ShutdownPending();
	shutdown(listen_fd, SHUT_RDWR);
	if (secondary)
		repl_watch_stop();
	else
		scheduler_stop();
	/* let requests in flight finish (bounded), then leave; threads idling on kept-alive
	 * upstream connections are not waited for */
	for (int i = 0; i < 90 && atomic_load(&in_flight) > 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (listen_fd > 0 && strncmp(c->listen, "unix:", 5) == 0 && !inherited)
		unlink(c->listen + 5);
	log_info("stopped");
	fflush(stderr);
#if SERVER_ASAN
	__lsan_do_leak_check();   /* _exit skips LeakSanitizer's exit-time check: run it here */
#endif
	_exit(0);   /* workers may still be blocked in read(); don't unwind under them */
}
