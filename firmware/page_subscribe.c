/* page_subscribe.c: the public subscribe form (no JS, CSRF-safe, rate limited), confirmation and unsubscribe pages, RFC 8058 one-click. */
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "out.h"
#include "pages.h"
#include "ratelimit.h"
#include "sign.h"
#include "subscribe.h"
#include "write.h"

#define SUBSCRIBE_PER_MINUTE 5            /* per client address */
#define CSRF_BUCKET_MS (3600LL * 1000)

struct texts {
	const char *title, *intro, *email, *button, *sent, *confirm_q, *confirm_b, *confirmed, *unsub_q, *unsub_b,
		*unsubbed, *bad_link, *bad_email, *slow, *stale;
};
static const struct texts T[2] = {
	{ "Subscribe to updates", "Get an email when an incident is created, updated or resolved.", "Email address",
	  "Subscribe", "If this address can receive updates, a confirmation mail is on its way. Follow its link to confirm.",
	  "Confirm your subscription?", "Confirm", "Your subscription is confirmed.", "Stop receiving updates?",
	  "Unsubscribe", "You are unsubscribed: no more updates will be sent to you.",
	  "This link is not valid any more.", "That is not a valid email address.",
	  "Too many requests from your address; try again in a minute.", "The form expired; please send it again." },
	{ "Suscríbete a las actualizaciones", "Recibe un correo cuando se cree, actualice o resuelva un incidente.",
	  "Correo electrónico", "Suscribirme",
	  "Si esta dirección puede recibir actualizaciones, le llegará un correo de confirmación. Sigue su enlace para confirmar.",
	  "¿Confirmar tu suscripción?", "Confirmar", "Tu suscripción está confirmada.", "¿Dejar de recibir actualizaciones?",
	  "Cancelar la suscripción", "Suscripción cancelada: no se te enviarán más actualizaciones.",
	  "Este enlace ya no es válido.", "Esa dirección de correo no es válida.",
	  "Demasiadas solicitudes desde tu dirección; inténtalo en un minuto.", "El formulario caducó; envíalo de nuevo." },
};

static const struct texts *texts(const struct page_ctx *p)
{
	return &T[strcmp(p->lang, "es") == 0];
}

/* The per-store secret; created by one write on first use. */
static bool secret(struct req *r, unsigned char out[32])
{
	struct stx *t = req_tx(r);
	if (t && store_notify_secret(t, out) == BC_OK)
		return true;
	struct stx *w;
	if (store_begin_write(r->store, r->arena, &w) != BC_OK)
		return false;
	if (store_notify_secret(w, out) != BC_OK || store_commit(w) != BC_OK) {
		return false;
	}
	return true;
}

static void csrf_token(const unsigned char key[32], int64_t bucket, char out[33])
{
	char msg[40];
	unsigned char mac[SIGN_SHA256_LEN];
	int n = snprintf(msg, sizeof msg, "csrf|%lld", (long long)bucket);
	sign_hmac_sha256(key, 32, msg, (size_t)n, mac);
	sign_hex(mac, 16, out);
}

static bool csrf_ok(struct req *r, const unsigned char key[32], const char *given)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	if (given == NULL || strlen(given) != 32)
		return false;
	int64_t b = now_ms() / CSRF_BUCKET_MS;
	for (int i = 0; i < 2; i++) {
		char want[33];
		csrf_token(key, b - i, want);
		if (sign_equal(want, given, 32))
			return true;
	}
	return false;
}

static void message_page(struct req *r, int status, const char *title, const char *text)
{
	struct page_ctx p;
	if (!page_ctx_init(&p, r))
		return;
	r->status = status;
	page_begin(&p, title, "/subscribe");
	out_raw_trusted(p.b, "<main class=\"subscribe\"><h1>");
	out_text(p.b, title);
	out_raw_trusted(p.b, "</h1><p>");
	out_text(p.b, text);
	out_raw_trusted(p.b, "</p></main>\n");
	page_end(&p);
}

static void page_subscribe_form(struct req *r)
{
	struct page_ctx p;
	unsigned char key[32];
	char tok[33];
	if (!secret(r, key)) {
		resp_html_error(r, 503, "Service unavailable", "Subscriptions cannot be taken right now.");
		return;
	}
	if (!page_ctx_init(&p, r))
		return;
	const struct texts *t = texts(&p);
	csrf_token(key, now_ms() / CSRF_BUCKET_MS, tok);
	page_begin(&p, t->title, "/subscribe");
	out_raw_trusted(p.b, "<main class=\"subscribe\"><h1>");
	out_text(p.b, t->title);
	out_raw_trusted(p.b, "</h1><p>");
	out_text(p.b, t->intro);
	out_raw_trusted(p.b, "</p>\n<form method=\"post\" action=\"/subscribe\"><input type=\"hidden\" name=\"csrf\" value=\"");
	out_attr(p.b, tok);
	out_raw_trusted(p.b, "\"><input type=\"hidden\" name=\"language\" value=\"");
	out_attr(p.b, p.lang);
	out_raw_trusted(p.b, "\"><label for=\"sub-email\">");
	out_text(p.b, t->email);
	out_raw_trusted(p.b, "</label> <input id=\"sub-email\" type=\"email\" name=\"email\" required maxlength=\"254\" "
	                     "autocomplete=\"email\"> <button type=\"submit\">");
	out_text(p.b, t->button);
	out_raw_trusted(p.b, "</button></form></main>\n");
	page_end(&p);
}

static void page_subscribe_post(struct req *r)
{
	struct kv f[16];
	size_t n = form_parse(r->arena, arena_strdup(r->arena, r->body), f, 16);
	const char *email = NULL, *csrf = NULL, *lang = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].key, "email") == 0) email = f[i].val;
		else if (strcmp(f[i].key, "csrf") == 0) csrf = f[i].val;
		else if (strcmp(f[i].key, "language") == 0) lang = f[i].val;
	}
	const struct texts *t = &T[r->lang && strcmp(r->lang, "es") == 0];
	const char *ip = req_env(r, "REMOTE_ADDR");
	unsigned char key[32];
	if (!secret(r, key) || !csrf_ok(r, key, csrf)) {
		message_page(r, 403, t->title, t->stale);
		return;
	}
	int retry = 0;            /* every post that could send a mail counts */
	if (!ratelimit_take(arena_printf(r->arena, "subscribe:%s", ip ? ip : "-"), SUBSCRIBE_PER_MINUTE, now_ms(), &retry)) {
		resp_header(r, "Retry-After", arena_printf(r->arena, "%d", retry));
		message_page(r, 429, t->title, t->slow);
		return;
	}
	if (email)
		while (*email == ' ')
			email++;
	if (!sub_email_ok(email)) {
		message_page(r, 422, t->title, t->bad_email);
		return;
	}
	struct subscriber_change in = { .mode = SUB_EMAIL, .email = email,
	                        .lang = lang && strcmp(lang, "es") == 0 ? "es" : "en" };
	if (r->tx) {
		store_abort(r->tx);
		r->tx = NULL;
	}
	struct stx *w;
	struct subscriber s;
	bool existed;
	enum bc_err e = store_begin_write(r->store, r->arena, &w);
	struct write_ctx wc = { .t = w, .a = r->arena, .actor = arena_printf(r->arena, "public:%s", ip ? ip : "-") };
	if (e == BC_OK)
		e = write_subscribe(&wc, &in, &s, &existed);
	e = e == BC_OK ? store_commit(w) : (store_abort(w), e);
	if (e != BC_OK && e != BC_INVALID) {
		resp_html_error(r, 503, "Service unavailable", "Subscriptions cannot be taken right now.");
		return;
	}
	message_page(r, 200, t->title, t->sent);      /* the same answer whether or not the address is known */
}

/* GET: a page with a POST button (link scanners must not act); POST: the action. */
static void token_page(struct req *r, int purpose)
{
	const char *tok = req_query(r, "token");
	bool post = strcmp(r->method, "POST") == 0;
	const struct texts *t = &T[r->lang && strcmp(r->lang, "es") == 0];
	struct subscriber s;
	struct stx *rt = req_tx(r);
	if (rt == NULL || sub_token_check(rt, tok, purpose, now_ms(), &s) != BC_OK ||
	    (purpose == SUBTOK_UNSUB && s.state == SUBST_UNSUBSCRIBED && !post)) {
		message_page(r, 404, purpose == SUBTOK_CONFIRM ? t->confirm_q : t->unsub_q, t->bad_link);
		return;
	}
	if (!post) {
		struct page_ctx p;
		if (!page_ctx_init(&p, r))
			return;
		const char *q = purpose == SUBTOK_CONFIRM ? t->confirm_q : t->unsub_q;
		page_begin(&p, q, purpose == SUBTOK_CONFIRM ? "/subscribe/confirm" : "/unsubscribe");
		out_raw_trusted(p.b, "<main class=\"subscribe\"><h1>");
		out_text(p.b, q);
		out_raw_trusted(p.b, "</h1><form method=\"post\" action=\"");
		out_raw_trusted(p.b, purpose == SUBTOK_CONFIRM ? "/subscribe/confirm" : "/unsubscribe");
		out_raw_trusted(p.b, "?token=");
		out_url_arg(p.b, tok);
		out_raw_trusted(p.b, "\"><button type=\"submit\">");
		out_text(p.b, purpose == SUBTOK_CONFIRM ? t->confirm_b : t->unsub_b);
		out_raw_trusted(p.b, "</button></form></main>\n");
		page_end(&p);
		return;
	}
	store_abort(r->tx);
	r->tx = NULL;
	struct stx *w;
	enum bc_err e = store_begin_write(r->store, r->arena, &w);
	if (e == BC_OK && sub_token_check(w, tok, purpose, now_ms(), &s) != BC_OK)
		e = BC_AUTH;
	struct write_ctx wc = { .t = w, .a = r->arena, .actor = "public:link" };
	if (e == BC_OK)
		e = purpose == SUBTOK_CONFIRM ? write_subscriber_confirm(&wc, &s) : write_subscriber_unsubscribe(&wc, &s);
	e = e == BC_OK ? store_commit(w) : (w ? (store_abort(w), e) : e);
	if (e == BC_AUTH) {
		message_page(r, 404, purpose == SUBTOK_CONFIRM ? t->confirm_q : t->unsub_q, t->bad_link);
		return;
	}
	if (e != BC_OK) {
		resp_html_error(r, 503, "Service unavailable", "Please try again in a moment.");
		return;
	}
	message_page(r, 200, purpose == SUBTOK_CONFIRM ? t->confirm_q : t->unsub_q,
	             purpose == SUBTOK_CONFIRM ? t->confirmed : t->unsubbed);
}

static void page_confirm(struct req *r)
{
	token_page(r, SUBTOK_CONFIRM);
}

static void page_unsubscribe(struct req *r)
{
	token_page(r, SUBTOK_UNSUB);
}

const struct route routes_subscribe[] = {
	{ "GET", "/subscribe", page_subscribe_form, R_LANG, NULL },
	{ "POST", "/subscribe", page_subscribe_post, R_LANG | R_WRITE, NULL },
	{ "GET", "/subscribe/confirm", page_confirm, R_LANG, NULL },
	{ "POST", "/subscribe/confirm", page_confirm, R_LANG | R_WRITE, NULL },
	{ "GET", "/unsubscribe", page_unsubscribe, R_LANG, NULL },
	{ "POST", "/unsubscribe", page_unsubscribe, R_LANG | R_WRITE, NULL },
	{ NULL, NULL, NULL, 0, NULL },
};
