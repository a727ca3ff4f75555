/* ref_responder.c: the minimal multi-threaded libfcgi responder (tech.md §1.4) beacon is benchmarked against. */
/*
 * usage: ref_responder SOCKET_PATH BODY_FILE THREADS
 * Answers every request with "200 OK", Content-Type text/html and the bytes of BODY_FILE (beacon's
 * home page saved by bench.sh), so the comparison with beacon is body for body. No accept mutex;
 * signals are blocked in all threads and SIGTERM/SIGINT end the process through sigwait.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcgiapp.h>

#define MAX_BODY (16u << 20)

static int listen_fd;
static char *response;           /* headers + body, built once */
static int response_len;

static void *worker(void *arg)
{
	(void)arg;
	FCGX_Request req;
	FCGX_InitRequest(&req, listen_fd, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		char drain[4096];
		while (FCGX_GetStr(drain, sizeof drain, req.in) > 0)
			;   /* read the body to EOF so kept-alive connections stay usable */
		FCGX_PutStr(response, response_len, req.out);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return NULL;
}

/* Reads the whole file into a malloc'd buffer; NULL on error or when it is too large. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *p = malloc(MAX_BODY + 1);
	size_t n = p ? fread(p, 1, MAX_BODY + 1, f) : 0;
	int bad = p == NULL || ferror(f) || n > MAX_BODY;
	fclose(f);
	if (bad) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: ref_responder SOCKET_PATH BODY_FILE THREADS\n");
		return 2;
	}
	int nthreads = atoi(argv[3]);
	if (nthreads < 1 || nthreads > 1024) {
		fprintf(stderr, "ref_responder: THREADS must be 1-1024\n");
		return 2;
	}
	size_t body_len;
	char *body = read_file(argv[2], &body_len);
	if (body == NULL) {
		fprintf(stderr, "ref_responder: cannot read %s (or it is over %u bytes)\n", argv[2], MAX_BODY);
		return 1;
	}
	char head[160];
	int hl = snprintf(head, sizeof head,
	                  "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
	                  body_len);
	response = malloc((size_t)hl + body_len);
	if (response == NULL)
		return 1;
	memcpy(response, head, (size_t)hl);
	memcpy(response + hl, body, body_len);
	response_len = hl + (int)body_len;
	free(body);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);   /* before FCGX_Init and before the threads exist */
	FCGX_Init();
	signal(SIGPIPE, SIG_IGN);                 /* after FCGX_Init, which installs its own handler */
	unlink(argv[1]);
	listen_fd = FCGX_OpenSocket(argv[1], 1024);   /* exits by itself when bind/listen fails */
	if (listen_fd < 0) {
		fprintf(stderr, "ref_responder: cannot listen on %s\n", argv[1]);
		return 1;
	}

	pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
	if (tids == NULL)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&tids[i], &attr, worker, NULL) != 0) {
			fprintf(stderr, "ref_responder: cannot start thread %d\n", i);
			return 1;
		}
		pthread_attr_destroy(&attr);
	}
	int sig = 0;
	sigwait(&set, &sig);
	FCGX_ShutdownPending();
	shutdown(listen_fd, SHUT_RDWR);
	unlink(argv[1]);
	_exit(0);   /* threads pinned on kept-alive connections are not waited for */
}
