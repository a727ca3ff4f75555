/* notify_mail.c: subscriber mails from en/es templates: text and HTML parts, RFC 2047 subject, list and auto headers. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <mbedtls/base64.h>
#include "i18n.h"
#include "notify.h"
#include "out.h"

struct tmpl {
	const char *subject;     /* printf: page, title, status */
	const char *intro;       /* printf: page */
	const char *view, *unsub, *footer;
};

static const struct tmpl t_update[2] = {
	{ "[%s] %s: %s", "An update from %s:", "View it on the status page", "Unsubscribe",
	  "You get this mail because you subscribed to status updates." },
	{ "[%s] %s: %s", "Una actualización de %s:", "Verla en la página de estado", "Cancelar la suscripción",
	  "Recibes este correo porque te suscribiste a las actualizaciones de estado." },
};
static const struct tmpl t_confirm[2] = {
	{ "Confirm your subscription to %s", "Someone, hopefully you, asked to receive status updates from %s at this address.",
	  "Confirm the subscription", "Unsubscribe",
	  "If it was not you, ignore this mail: nothing is sent until the subscription is confirmed." },
	{ "Confirma tu suscripción a %s", "Alguien, esperamos que tú, pidió recibir en esta dirección las actualizaciones de estado de %s.",
	  "Confirmar la suscripción", "Cancelar la suscripción",
	  "Si no fuiste tú, ignora este correo: no se envía nada hasta que se confirme la suscripción." },
};
static const struct tmpl t_quarantine[2] = {
	{ "[%s] Webhook deliveries failed: subscription quarantined", "Deliveries from %s to your webhook failed repeatedly.",
	  "Endpoint", "Unsubscribe", "Subscribe the endpoint again to reactivate it." },
	{ "[%s] Fallaron los envíos al webhook: suscripción en cuarentena", "Los envíos de %s a tu webhook fallaron repetidamente.",
	  "Dirección", "Cancelar la suscripción", "Vuelve a suscribir la dirección para reactivarla." },
};

/* Subject as RFC 2047 encoded-words (UTF-8, base64), split so each stays under 76 characters. */
static void put_subject(struct buf *m, const char *s)
{
	size_t n = strlen(s), i = 0;
	buf_puts(m, "Subject:");
	while (i < n) {
		size_t take = n - i > 36 ? 36 : n - i;
		while (take > 1 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--;                          /* never split a UTF-8 sequence */
		unsigned char enc[64];
		size_t olen = 0;
		mbedtls_base64_encode(enc, sizeof enc, &olen, (const unsigned char *)s + i, take);
		buf_printf(m, "%s=?UTF-8?B?%.*s?=", i ? "\r\n " : " ", (int)olen, enc);
		i += take;
	}
	buf_puts(m, "\r\n");
}

/* A body part in base64, lines of 76. */
static void put_part(struct buf *m, const char *boundary, const char *type, const struct buf *body)
{
	buf_printf(m, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, type);
	const unsigned char *p = (const unsigned char *)(body->p ? body->p : "");
	for (size_t i = 0; i < body->len; i += 57) {
		unsigned char enc[80];
		size_t olen = 0, take = body->len - i > 57 ? 57 : body->len - i;
		mbedtls_base64_encode(enc, sizeof enc, &olen, p + i, take);
		buf_append(m, enc, olen);
		buf_puts(m, "\r\n");
	}
}

/* Copies tmpl into out, replacing each "%s" by the next argument (no printf: templates are data). */
static void fill(char *out, size_t n, const char *tmpl, const char *a1, const char *a2, const char *a3)
{
	const char *args[3] = { a1, a2, a3 };
	size_t o = 0, k = 0;
	for (const char *p = tmpl; *p && o + 1 < n; p++) {
		if (p[0] == '%' && p[1] == 's') {
			const char *v = k < 3 && args[k] ? args[k] : "";
			k++;
			p++;
			while (*v && o + 1 < n)
				out[o++] = *v++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void html_link(struct buf *h, const char *url, const char *label)
{
	out_raw_trusted(h, "<p><a href=\"");
	out_attr(h, url);
	out_raw_trusted(h, "\">");
	out_text(h, label);
	out_raw_trusted(h, "</a></p>\n");
}

char *notify_mail_compose(struct arena *a, const struct config *cfg, const char *summary, const struct subscriber *s,
                          const struct delivery *d, const char *unsub_url, const char *confirm_url, size_t *len)
{
	json_t *o = json_loads(summary ? summary : "{}", 0, NULL);
	if (o == NULL)
		return NULL;
	int es = strcmp(s->lang, "es") == 0;
	const char *kind = js(o, "kind"), *page = js(o, "page");
	if (*page == '\0')
		page = cfg->page_name;
	bool confirm = strcmp(kind, "subscriber.confirm") == 0, quar = strcmp(kind, "subscriber.quarantined") == 0;
	const struct tmpl *t = confirm ? &t_confirm[es] : quar ? &t_quarantine[es] : &t_update[es];
	const char *title = js(o, "title"), *status = js(o, "status"), *body = js(o, "body"), *url = js(o, "url");
	enum inc_status ist;
	const char *status_label = inc_status_parse(status, &ist) ? i18n_inc_status(s->lang, ist) : status;

	char subject[600];
	fill(subject, sizeof subject, t->subject, page, title, status_label);
	char intro[600];
	fill(intro, sizeof intro, t->intro, page, NULL, NULL);

	struct buf txt, html, m;
	buf_init(&txt);
	buf_init(&html);
	buf_init(&m);
	buf_printf(&txt, "%s\r\n\r\n", intro);
	out_raw_trusted(&html, "<!doctype html>\n<html><body>\n<p>");
	out_text(&html, intro);
	out_raw_trusted(&html, "</p>\n");
	if (confirm) {
		buf_printf(&txt, "%s:\r\n%s\r\n\r\n%s\r\n", t->view, confirm_url, t->footer);
		html_link(&html, confirm_url, t->view);
		out_raw_trusted(&html, "<p>");
		out_text(&html, t->footer);
		out_raw_trusted(&html, "</p>\n");
	} else if (quar) {
		buf_printf(&txt, "%s: %s\r\n\r\n%s\r\n", t->view, s->endpoint ? s->endpoint : "", t->footer);
		out_raw_trusted(&html, "<p>");
		out_text(&html, t->view);
		out_raw_trusted(&html, ": ");
		out_text(&html, s->endpoint ? s->endpoint : "");
		out_raw_trusted(&html, "</p>\n<p>");
		out_text(&html, t->footer);
		out_raw_trusted(&html, "</p>\n");
	} else {
		buf_printf(&txt, "%s\r\n%s\r\n\r\n%s\r\n\r\n%s: %s\r\n", title, status_label, body, t->view, url);
		out_raw_trusted(&html, "<h1>");
		out_text(&html, title);
		out_raw_trusted(&html, "</h1>\n<p><strong>");
		out_text(&html, status_label);
		out_raw_trusted(&html, "</strong></p>\n<p>");
		out_text(&html, body);
		out_raw_trusted(&html, "</p>\n");
		if (url_is_safe(url) && *url)
			html_link(&html, url, t->view);
	}
	if (unsub_url && !quar) {
		buf_printf(&txt, "\r\n--\r\n%s\r\n%s: %s\r\n", confirm ? "" : t->footer, t->unsub, unsub_url);
		html_link(&html, unsub_url, t->unsub);
	}
	out_raw_trusted(&html, "</body></html>\n");

	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	char boundary[80];
	snprintf(boundary, sizeof boundary, "=_beacon_%s", d->id);
	buf_printf(&m, "From: %s\r\nTo: <%s>\r\n", cfg->notify_from, s->email);
	put_subject(&m, subject);
	buf_printf(&m, "Date: %s\r\nMessage-ID: <%s@beacon>\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n",
	           date, d->id);
	if (unsub_url && !quar)
		buf_printf(&m, "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", unsub_url);
	buf_printf(&m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	put_part(&m, boundary, "text/plain", &txt);
	put_part(&m, boundary, "text/html", &html);
	buf_printf(&m, "--%s--\r\n", boundary);
	char *out = arena_strndup(a, m.p, m.len);
	*len = m.len;
	buf_free(&txt);
	buf_free(&html);
	buf_free(&m);
	json_decref(o);
	return out;
}
