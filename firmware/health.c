/* health.c: GET /health for load balancers (pass, warn or fail; 503 on fail) and the ops route table. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app.h"
#include "metrics.h"
#include "out.h"
#include "req.h"
#include "snapshot.h"

static void health_iso_time(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* GET /health: fail when the store cannot be read (or a replica has nothing to serve), warn when a
 * secondary's snapshot is older than health_snapshot_warn_seconds, pass otherwise. */
static void health_handler(struct req *r)
{
	char when[32];
	const char *status = "pass", *why = NULL;
	bool secondary = app_readonly(r->app);
	struct stx *t = r->store ? req_tx(r) : NULL;
	if (r->store == NULL) {
		status = "fail";
		why = "no snapshot installed yet";
	} else if (t == NULL) {
		status = "fail";
		why = "cannot read the store";
	} else if (!secondary && !store_file_current(r->store)) {
		status = "fail";
		why = "the store file is gone or was replaced: restart beacon serve";
	}
	int64_t sync = secondary ? snap_last_sync_ms(r->cfg->store) : 0;
	int64_t age = sync > 0 ? (now_ms() - sync) / 1000 : -1;
	if (t && secondary && strcmp(status, "pass") == 0 && (age < 0 || age > r->cfg->health_snapshot_warn_seconds)) {
		status = "warn";
		why = age < 0 ? "the primary never confirmed this snapshot" : "snapshot older than health_snapshot_warn_seconds";
	}
	struct jw w;
	jw_init(&w, &r->body_out);
	jw_obj_open(&w, NULL);
	jw_str(&w, "status", status);
	jw_str(&w, "output", why);
	jw_str(&w, "role", secondary ? "secondary" : "primary");
	if (t) {
		int64_t gen_ms = store_generation_time(t);
		jw_int(&w, "generation", (int64_t)store_generation(t));
		health_iso_time(gen_ms, when, sizeof when);
		jw_str(&w, "generation_time", gen_ms > 0 ? when : NULL);
	} else {
		jw_null(&w, "generation");
		jw_null(&w, "generation_time");
	}
	if (secondary) {
		health_iso_time(sync, when, sizeof when);
		jw_str(&w, "last_sync", sync > 0 ? when : NULL);
		if (age >= 0)
			jw_int(&w, "snapshot_age_seconds", age);
		else
			jw_null(&w, "snapshot_age_seconds");
	} else {
		jw_null(&w, "last_sync");
		jw_int(&w, "snapshot_age_seconds", 0);
	}
	int64_t pending, lag;
	if (t && metrics_outbox(r, &pending, &lag))
		jw_int(&w, "outbox_lag_seconds", lag);
	else
		jw_null(&w, "outbox_lag_seconds");
	jw_obj_close(&w);
	buf_putc(&r->body_out, '\n');
	r->status = strcmp(status, "fail") == 0 ? 503 : 200;
	r->content_type_out = "application/health+json";
	r->cache_control = "no-store";
}

const struct route routes_ops[] = {
	{ "GET", "/health", health_handler, R_JSON_ERR | R_NO_STORE, NULL },
	{ "GET", "/metrics", metrics_handler, R_JSON_ERR | R_NO_STORE | R_AUTH_READ | R_LOOPBACK, NULL },
	{ NULL, NULL, NULL, 0, NULL },
};
