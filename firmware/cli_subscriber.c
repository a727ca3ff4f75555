/* cli_subscriber.c: `beacon subscriber add|list|show|del` and `beacon deliveries`. */
#include <stdio.h>
#include <string.h>
#include "cli_util.h"
#include "deliv.h"
#include "notify.h"
#include "subscribe.h"
#include "write.h"

static int subscriber_add(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("email"), OPTV("webhook"), OPTV("slack"), OPTM("component"), OPTV("language"),
	                      OPTF("skip-confirmation"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *email = opt_get(opts, "email"), *hook = opt_get(opts, "webhook"), *slack = opt_get(opts, "slack");
	if ((hook != NULL) + (slack != NULL) > 1 || (!email && !hook && !slack))
		return cli_usage_fail(c, "give --email, or one of --webhook URL / --slack URL (with an optional --email)");
	const struct opt *comps = opt_find(opts, "component");
	struct subscriber_change in = { .strict = true, .mode = hook ? SUB_WEBHOOK : slack ? SUB_SLACK : SUB_EMAIL, .email = email,
	                        .endpoint = hook ? hook : slack, .lang = opt_get(opts, "language"),
	                        .component_ids = comps->vals, .ncomponents = comps->nvals,
	                        .skip_confirmation = opt_get(opts, "skip-confirmation") != NULL };
	if (cli_begin(c, 0))
		return 1;
	struct subscriber s;
	bool existed;
	struct write_ctx w = { .t = c->t, .a = c->a, .actor = cli_who() };
	enum bc_err e = write_subscribe(&w, &in, &s, &existed);
	if (e != BC_OK)
		return w.err[0] ? cli_fail(c, "%s", w.err) : cli_store_fail(c, "subscribe", e);
	unsigned char key[32], wkey[24];
	char secret[SUB_SECRET_TEXT_MAX] = "";
	if (s.mode != SUB_EMAIL && (e = store_notify_secret(c->t, key)) == BC_OK)
		sub_webhook_secret(key, &s, wkey, secret);
	if (cli_commit(c))
		return 1;
	printf("%s %s %s\n", s.id, sub_mode_name(s.mode), existed ? "exists: confirmation requested" : sub_state_name(s.state));
	if (secret[0] && !existed)
		printf("webhook secret (shown once): %s\n", secret);
	return 0;
}

static void print_json(struct jw *w, const struct subscriber *s)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", s->id);
	jw_str(w, "mode", sub_mode_name(s->mode));
	jw_str(w, "state", sub_state_name(s->state));
	jw_str(w, "email", s->email);
	jw_str(w, "endpoint", s->endpoint);
	jw_str(w, "language", s->lang);
	jw_arr_open(w, "components");
	for (size_t i = 0; i < s->ncomponents; i++)
		jw_str(w, NULL, s->component_ids[i]);
	jw_arr_close(w);
	jw_int(w, "created_at", s->created_at);
	jw_int(w, "confirmed_at", s->confirmed_at);
	jw_int(w, "quarantined_at", s->quarantined_at);
	jw_obj_close(w);
}

static int subscriber_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTF("json"), OPTV("state"), OPTV("type"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	const char *st = opt_get(opts, "state"), *ty = opt_get(opts, "type");
	enum sub_mode m;
	if (st && !cli_choice(c, "state", st, "pending, active, unsubscribed, quarantined"))
		return EXIT_USAGE;
	if (ty && !sub_mode_parse(ty, &m))
		return cli_bad(c, "type", "must be email, webhook or slack"), EXIT_USAGE;
	struct subscriber *subs;
	size_t n;
	if (cli_begin_read(c))
		return 1;
	enum bc_err e = store_subscriber_list(c->t, &subs, &n);
	if (e != BC_OK)
		return cli_store_fail(c, "subscribers", e);
	struct jw w;
	struct buf b;
	bool json = opt_get(opts, "json") != NULL;
	if (json) {
		cli_json_begin(&w, &b);
		jw_arr_open(&w, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		const struct subscriber *s = &subs[i];
		if ((st && strcmp(st, sub_state_name(s->state)) != 0) || (ty && s->mode != m))
			continue;
		if (json)
			print_json(&w, s);
		else
			printf("%s  %-7s  %-12s  %-2s  %s\n", s->id, sub_mode_name(s->mode), sub_state_name(s->state), s->lang,
			       s->mode == SUB_EMAIL ? s->email : s->endpoint);
	}
	if (!json)
		return 0;
	jw_arr_close(&w);
	return cli_json_end(c, &w, &b);
}

static int subscriber_show(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct subscriber s;
	if (cli_begin_read(c))
		return 1;
	enum bc_err e = store_subscriber_get(c->t, c->pos[0], &s);
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no subscriber '%s'", c->pos[0]);
	if (e != BC_OK)
		return cli_store_fail(c, "subscriber", e);
	struct jw w;
	struct buf b;
	cli_json_begin(&w, &b);
	print_json(&w, &s);
	return cli_json_end(c, &w, &b);
}

static int subscriber_del(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 1, 1);
	if (rc >= 0)
		return rc;
	struct subscriber s;
	if (cli_begin(c, 0))
		return 1;
	enum bc_err e = store_subscriber_get(c->t, c->pos[0], &s);
	if (e == BC_NOTFOUND)
		return cli_fail(c, "no subscriber '%s'", c->pos[0]);
	struct write_ctx w = { .t = c->t, .a = c->a, .actor = cli_who() };
	if (e != BC_OK || (e = write_subscriber_unsubscribe(&w, &s)) != BC_OK)
		return cli_store_fail(c, "unsubscribe", e);
	if (cli_commit(c))
		return 1;
	printf("%s unsubscribed\n", s.id);
	return 0;
}

int cmd_subscriber(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "add", subscriber_add, "subscriber add --email ADDR | --webhook URL [--email ADDR] | --slack URL\n"
		  "       [--component ID]... [--language en|es] [--skip-confirmation]" },
		{ "list", subscriber_list, "subscriber list [--state STATE] [--type email|webhook|slack] [--json]" },
		{ "show", subscriber_show, "subscriber show ID" },
		{ "del", subscriber_del, "subscriber del ID" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cfg, "subscriber", subs, argc, argv);
}

static int deliveries_list(struct cli *c, int argc, char **argv)
{
	struct opt opts[] = { OPTV("limit"), OPTF("failed"), OPTF("json"), OPT_END };
	int rc = cli_parse(c, opts, argc, argv, 0, 0);
	if (rc >= 0)
		return rc;
	long limit = 50;
	const char *v = opt_get(opts, "limit");
	if (v && !cli_int(c, "limit", v, 1, 100000, &limit))
		return EXIT_USAGE;
	struct deliv_db *d;
	struct dtx *t;
	struct delivery *ds;
	size_t n;
	const char *dir = notify_store_dir(c->a, c->cfg);
	enum bc_err e = deliv_open(&d, dir);
	if (e != BC_OK)
		return cli_fail(c, "cannot open the delivery store %s: %s", dir, bc_strerror(e));
	if ((e = deliv_begin(d, c->a, false, &t)) != BC_OK ||
	    (e = deliv_recent(t, (size_t)limit, opt_get(opts, "failed") != NULL, &ds, &n)) != BC_OK) {
		deliv_close(d);
		return cli_store_fail(c, "deliveries", e);
	}
	size_t pending = deliv_count_pending(t);
	uint64_t cursor = deliv_cursor(t), last = 0;
	struct store *st;
	struct stx *rt;
	if (store_open(&st, c->cfg->store, STORE_RDONLY) == BC_OK) {      /* how far behind the outbox it is */
		if (store_begin_read(st, c->a, &rt) == BC_OK) {
			last = store_outbox_last(rt);
			store_abort(rt);
		}
		store_close(st);
	}
	struct jw w;
	struct buf b;
	bool json = opt_get(opts, "json") != NULL;
	if (json) {
		cli_json_begin(&w, &b);
		jw_obj_open(&w, NULL);
		jw_int(&w, "pending", (int64_t)pending);
		jw_int(&w, "cursor", (int64_t)cursor);
		jw_int(&w, "outbox_last", (int64_t)last);
		jw_arr_open(&w, "deliveries");
	} else {
		printf("%zu pending; outbox read up to event %llu of %llu\n", pending, (unsigned long long)cursor,
		       (unsigned long long)last);
	}
	for (size_t i = 0; i < n; i++) {
		const struct delivery *x = &ds[i];
		if (json) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "id", x->id);
			jw_str(&w, "subscriber_id", x->subscriber_id);
			jw_str(&w, "mode", sub_mode_name(x->mode));
			jw_str(&w, "state", deliv_state_name(x->state));
			jw_str(&w, "event", x->event);
			jw_str(&w, "destination", x->dest);
			jw_int(&w, "attempts", x->attempts);
			jw_int(&w, "last_status", x->last_status);
			jw_str(&w, "last_error", x->last_error);
			jw_int(&w, "created_at", x->created_at);
			jw_int(&w, "next_at", x->state == DS_PENDING ? x->next_at : 0);
			jw_int(&w, "updated_at", x->updated_at);
			jw_obj_close(&w);
		} else {
			printf("%s  %-9s  %-7s  %2d  %-24s  %s  %s\n", cli_time_str(c, x->updated_at), deliv_state_name(x->state),
			       sub_mode_name(x->mode), x->attempts, x->event ? x->event : "-", x->dest ? x->dest : "-",
			       x->last_error ? x->last_error : "");
		}
	}
	deliv_abort(t);
	deliv_close(d);
	if (!json)
		return 0;
	jw_arr_close(&w);
	jw_obj_close(&w);
	return cli_json_end(c, &w, &b);
}

int cmd_deliveries(const struct config *cfg, int argc, char **argv)
{
	static const struct subcmd sc = { "deliveries", deliveries_list, "deliveries [--limit N] [--failed] [--json]" };
	return cli_run(cfg, "deliveries", &sc, argc, argv);
}
