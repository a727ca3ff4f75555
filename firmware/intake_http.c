/* intake_http.c: the intake routes: POST /intake/alertmanager, healthchecks-style /ping/<uuid>[/...], Uptime Kuma /api/push/<token>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "intake.h"
#include "intake_hb.h"
#include "metrics.h"
#include "out.h"
#include "req.h"

#define PUSH_MAX_MSG 1024

static void intake_alertmanager(struct req *r);
static void intake_ping(struct req *r);
static void intake_ping_signal(struct req *r);
static void intake_push(struct req *r);

const struct route routes_intake[] = {
	{ "POST", "/intake/alertmanager", intake_alertmanager, R_WRITE | R_AUTH_INTAKE | R_JSON_ERR, NULL },
	{ "GET", "/ping/:uuid", intake_ping, R_WRITE, NULL },
	{ "POST", "/ping/:uuid", intake_ping, R_WRITE, NULL },
	{ "GET", "/ping/:uuid/:signal", intake_ping_signal, R_WRITE, NULL },
	{ "POST", "/ping/:uuid/:signal", intake_ping_signal, R_WRITE, NULL },
	{ "GET", "/api/push/:token", intake_push, R_WRITE | R_JSON_ERR, NULL },
	{ "POST", "/api/push/:token", intake_push, R_WRITE | R_JSON_ERR, NULL },
	{ NULL, NULL, NULL, 0, NULL },
};

/* The intake runs its own transactions: the router's read txn (authentication) ends first. */
static void drop_read_txn(struct req *r)
{
	if (r->tx) {
		store_abort(r->tx);
		r->tx = NULL;
	}
}

/* beacon_intake_events_total / beacon_intake_rejected_total: accepted vs refused intake input. */
static void count(int status)
{
	if (status == 200)
		metrics_inc(M_INTAKE_EVENTS);
	else if (status >= 400 && status < 500)
		metrics_inc(M_INTAKE_REJECTED);
}

static void text(struct req *r, int status, const char *body)
{
	count(status);
	r->status = status;
	r->content_type_out = "text/plain; charset=utf-8";
	buf_puts(&r->body_out, body);
}

/* POST /intake/alertmanager: {"ok":true,"alerts":N,"matched":M,"changed":K}. */
static void intake_alertmanager(struct req *r)
{
	drop_read_txn(r);
	if (r->body_len == 0) {
		count(400);
		resp_json_error(r, 400, "empty body: expected an Alertmanager webhook notification (version 4)");
		return;
	}
	struct intake_am_result res;
	char err[256];
	enum bc_err e = intake_am_apply(r->store, r->body, r->body_len, &res, err, sizeof err);
	if (e == BC_INVALID || e == BC_TOOBIG) {
		count(e == BC_TOOBIG ? 413 : 400);
		resp_json_error(r, e == BC_TOOBIG ? 413 : 400, "%s", err);
		return;
	}
	if (e != BC_OK) {
		resp_err(r, e, err[0] ? err : NULL);
		return;
	}
	count(200);
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "ok", true);
	jw_int(&w, "alerts", (int64_t)res.alerts);
	jw_int(&w, "matched", (int64_t)res.matched);
	jw_int(&w, "changed", (int64_t)res.changed);
	jw_obj_close(&w);
	r->content_type_out = "application/json";
}

static void ping_answer(struct req *r, const char *uuid, enum intake_ping kind)
{
	drop_read_txn(r);
	enum bc_err e = intake_hb_ping(r->store, r->arena, uuid, kind);
	if (e == BC_NOTFOUND)
		text(r, 404, "not found");
	else if (e != BC_OK)
		text(r, 503, "temporarily unavailable");
	else
		text(r, 200, "OK");
}

/* GET|HEAD|POST /ping/<uuid>: success. */
static void intake_ping(struct req *r)
{
	ping_answer(r, r->params[0], PING_SUCCESS);
}

/* /ping/<uuid>/start, /fail, /log (recorded as nothing), /<exit status 0-255> (0 = success). */
static void intake_ping_signal(struct req *r)
{
	const char *sig = r->params[1];
	enum intake_ping kind;
	if (strcmp(sig, "start") == 0) {
		kind = PING_START;
	} else if (strcmp(sig, "fail") == 0) {
		kind = PING_FAIL;
	} else if (strcmp(sig, "log") == 0) {
		kind = PING_LOG;
	} else {
		size_t n = strlen(sig);
		bool digits = n >= 1 && n <= 3 && strspn(sig, "0123456789") == n;
		long rc = digits ? strtol(sig, NULL, 10) : -1;
		if (rc < 0 || rc > 255) {
			text(r, 400, "invalid signal: use /start, /fail, /log or an exit status 0-255");
			return;
		}
		kind = rc == 0 ? PING_SUCCESS : PING_FAIL;
	}
	ping_answer(r, r->params[0], kind);
}

static void push_answer(struct req *r, int status, const char *msg)
{
	struct jw w;
	count(status);
	r->status = status;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "ok", msg == NULL);
	if (msg) {
		jw_str(&w, "msg", msg);
		jw_str(&w, "error", msg);
	}
	jw_obj_close(&w);
	r->content_type_out = "application/json";
}

/* /api/push/<token>?status=up|down&msg=&ping= (Uptime Kuma's push monitor URL). */
static void intake_push(struct req *r)
{
	const char *st = req_query(r, "status"), *msg = req_query(r, "msg"), *ping = req_query(r, "ping");
	if (st && *st && strcmp(st, "up") != 0 && strcmp(st, "down") != 0) {
		push_answer(r, 400, "status: must be up or down");
		return;
	}
	if (msg && strlen(msg) > PUSH_MAX_MSG) {
		push_answer(r, 400, "msg: longer than 1024 bytes");
		return;
	}
	if (ping && *ping) {
		char *end;
		double v = strtod(ping, &end);
		if (*end != '\0' || !(v >= 0 && v < 1e9)) {
			push_answer(r, 400, "ping: must be a number of milliseconds");
			return;
		}
	}
	drop_read_txn(r);
	enum bc_err e = intake_hb_ping(r->store, r->arena, r->params[0],
	                               st && strcmp(st, "down") == 0 ? PING_FAIL : PING_SUCCESS);
	if (e == BC_NOTFOUND)
		push_answer(r, 404, "Monitor not found or not active.");
	else if (e != BC_OK)
		push_answer(r, 503, "temporarily unavailable");
	else
		push_answer(r, 200, NULL);
}
