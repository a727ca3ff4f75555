/* admin_subscribers.c: the admin's subscribers page: list with type/state filters, add, unsubscribe, resend (write_subscriber.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "admin.h"
#include "out.h"
#include "subscribe.h"

static const char *const type_vals[] = { "", "email", "webhook", "slack" };
static const char *const type_labels[] = { "All types", "Email", "Webhook", "Slack" };
static const char *const state_vals[] = { "", "pending", "active", "quarantined", "unsubscribed", "all" };
static const char *const state_labels[] = { "Not unsubscribed", "Pending", "Active", "Quarantined", "Unsubscribed", "All" };
static const char *const lang_vals[] = { "en", "es" };

static void admin_subscribers_hidden(struct admin *ad, const char *name, const char *val)
{
	out_raw_trusted(ad->b, "<input type=\"hidden\" name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" value=\"");
	out_attr(ad->b, val);
	out_raw_trusted(ad->b, "\">");
}

static void admin_subscribers_button(struct admin *ad, const char *text, const char *id, const char *confirm)
{
	out_raw_trusted(ad->b, "<button type=\"submit\" id=\"");
	out_attr(ad->b, id);
	if (confirm) {
		out_raw_trusted(ad->b, "\" data-confirm=\"");
		out_attr(ad->b, A(ad, confirm));
	}
	out_raw_trusted(ad->b, "\">");
	out_text(ad->b, A(ad, text));
	out_raw_trusted(ad->b, "</button>");
}

/* The filter's value, or NULL when it is not one of vals. */
static const char *admin_subscribers_pick(const char *v, const char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v ? v : "", vals[i]) == 0)
			return vals[i];
	return NULL;
}

static bool admin_subscribers_match(const struct subscriber *s, const char *type, const char *state)
{
	if (*type && strcmp(sub_mode_name(s->mode), type) != 0)
		return false;
	if (*state == '\0')
		return s->state != SUBST_UNSUBSCRIBED;
	return strcmp(state, "all") == 0 || strcmp(sub_state_name(s->state), state) == 0;
}

/* The page; secret is a new webhook's signing secret, shown only in this answer. */
static void admin_subscribers_render(struct admin *ad, const char *secret)
{
	struct buf *b = ad->b;
	struct subscriber *subs;
	size_t n;
	const char *type = admin_subscribers_pick(req_query(ad->r, "type"), type_vals, 4);
	const char *state = admin_subscribers_pick(req_query(ad->r, "state"), state_vals, 6);
	if (type == NULL || state == NULL) {
		admin_error_page(ad, 422, A(ad, "Unknown subscriber type or state."));
		return;
	}
	if (store_subscriber_list(ad->tx, &subs, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	bool can_write = !ad->readonly && ad->user.role >= ROLE_EDITOR;
	admin_begin(ad, A(ad, "Subscribers"));
	if (secret) {
		out_raw_trusted(b, "<div class=\"card shown-once\"><p>");
		out_text(b, A(ad, "The webhook's signing secret, shown only this once:"));
		out_raw_trusted(b, "</p><p><code id=\"new-secret\">");
		out_text(b, secret);
		out_raw_trusted(b, "</code></p></div>");
	}
	out_raw_trusted(b, "<form method=\"get\" action=\"/admin/subscribers\" class=\"inline filters\"><label for=\"type\">");
	out_text(b, A(ad, "Type"));
	out_raw_trusted(b, "</label>");
	admin_select(ad, "type", type_vals, type_labels, 4, type);
	out_raw_trusted(b, "<label for=\"state\">");
	out_text(b, A(ad, "State"));
	out_raw_trusted(b, "</label>");
	admin_select(ad, "state", state_vals, state_labels, 6, state);
	admin_subscribers_button(ad, "Filter", "filter", NULL);
	out_raw_trusted(b, "</form><table class=\"list\" id=\"subscribers\"><thead><tr><th>");
	out_text(b, A(ad, "Address"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, "Type"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, "State"));
	out_raw_trusted(b, "</th><th>");
	out_text(b, A(ad, "Created"));
	out_raw_trusted(b, "</th><th></th></tr></thead><tbody>");
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct subscriber *s = &subs[i];
		if (!admin_subscribers_match(s, type, state))
			continue;
		shown++;
		out_raw_trusted(b, "<tr><td>");
		out_text(b, s->mode == SUB_EMAIL ? s->email : s->endpoint);
		out_raw_trusted(b, "</td><td>");
		out_text(b, A(ad, type_labels[s->mode == SUB_EMAIL ? 1 : s->mode == SUB_WEBHOOK ? 2 : 3]));
		out_raw_trusted(b, "</td><td>");
		out_text(b, sub_state_name(s->state));
		out_raw_trusted(b, "</td><td>");
		out_text(b, admin_local_text(ad, s->created_at));
		out_raw_trusted(b, "</td><td>");
		if (can_write && s->state != SUBST_UNSUBSCRIBED) {
			if (s->mode == SUB_EMAIL && s->state == SUBST_PENDING) {
				admin_form_open(ad, "/admin/subscribers/resend", "inline");
				admin_subscribers_hidden(ad, "id", s->id);
				admin_subscribers_button(ad, "Resend confirmation", arena_printf(ad->a, "resend-%s", s->id), NULL);
				out_raw_trusted(b, "</form>");
			}
			admin_form_open(ad, "/admin/subscribers/unsubscribe", "inline");
			admin_subscribers_hidden(ad, "id", s->id);
			admin_subscribers_button(ad, "Unsubscribe", arena_printf(ad->a, "unsubscribe-%s", s->id),
			                         "Unsubscribe this subscriber?");
			out_raw_trusted(b, "</form>");
		}
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (shown == 0) {
		out_raw_trusted(b, "<p class=\"empty\">");
		out_text(b, A(ad, "No subscribers match."));
		out_raw_trusted(b, "</p>");
	}
	if (can_write) {
		admin_form_open(ad, "/admin/subscribers/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "Add a subscriber"));
		out_raw_trusted(b, "</h2><label for=\"mode\">");
		out_text(b, A(ad, "Type"));
		out_raw_trusted(b, "</label>");
		admin_select(ad, "mode", type_vals + 1, type_labels + 1, 3, "email");
		out_raw_trusted(b, "<label for=\"semail\">");
		out_text(b, A(ad, "Email (for a webhook: failure contact, optional)"));
		out_raw_trusted(b, "</label><input id=\"semail\" name=\"email\" type=\"email\" maxlength=\"254\"><label for=\"sendpoint\">");
		out_text(b, A(ad, "Endpoint URL (webhook or Slack)"));
		out_raw_trusted(b, "</label><input id=\"sendpoint\" name=\"endpoint\" type=\"url\" maxlength=\"2048\"><label for=\"lang\">");
		out_text(b, A(ad, "Language"));
		out_raw_trusted(b, "</label>");
		admin_select(ad, "lang", lang_vals, lang_vals, 2, "en");
		out_raw_trusted(b, "<label><input type=\"checkbox\" name=\"skip_confirmation\" value=\"1\"> ");
		out_text(b, A(ad, "Skip the confirmation mail"));
		out_raw_trusted(b, "</label>");
		admin_subscribers_button(ad, "Add subscriber", "add-subscriber", NULL);
		out_raw_trusted(b, "</form>");
	}
	admin_end(ad);
}

void admin_subscribers_page(struct admin *ad)
{
	admin_subscribers_render(ad, NULL);
}

void admin_subscriber_new(struct admin *ad)
{
	enum sub_mode mode;
	const char *m = admin_form(ad, "mode");
	if (m == NULL || !sub_mode_parse(m, &mode)) {
		admin_error_page(ad, 422, A(ad, "Unknown subscriber type."));
		return;
	}
	const char *email = admin_form(ad, "email"), *endpoint = admin_form(ad, "endpoint");
	struct subscriber_change ch = {
		.mode = mode,
		.email = email && *email ? email : NULL,
		.endpoint = mode != SUB_EMAIL && endpoint && *endpoint ? endpoint : NULL,
		.lang = admin_form(ad, "lang"),
		.skip_confirmation = admin_form(ad, "skip_confirmation") != NULL,
		.strict = true,
	};
	struct write_ctx w;
	struct subscriber s;
	bool existed = false;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_subscribe(&w, &ch, &s, &existed);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	char secret_text[SUB_SECRET_TEXT_MAX];
	const char *secret = NULL;
	unsigned char key[32], wkey[24];
	if (s.mode != SUB_EMAIL && store_notify_secret(w.t, key) == BC_OK) {
		sub_webhook_secret(key, &s, wkey, secret_text);
		secret = arena_strdup(ad->a, secret_text);
	}
	if (!admin_write_commit(ad, &w))
		return;
	if (secret)
		admin_subscribers_render(ad, secret);       /* shown once, in this answer only */
	else
		admin_redirect(ad, "/admin/subscribers", "Subscriber added.");
}

/* Loads the form's subscriber on a write txn, applies change and goes back to the list. */
static void admin_subscriber_change(struct admin *ad, enum bc_err (*change)(struct write_ctx *, struct subscriber *),
                                    const char *done)
{
	const char *id = admin_form(ad, "id");
	struct write_ctx w;
	struct subscriber s;
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such subscriber."));
		return;
	}
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = store_subscriber_get(w.t, id, &s);
	if (e == BC_NOTFOUND) {
		store_abort(w.t);
		w.t = NULL;
		admin_error_page(ad, 404, A(ad, "No such subscriber."));
		return;
	}
	if (e == BC_OK)
		e = change(&w, &s);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/subscribers", done);
}

void admin_subscriber_unsubscribe(struct admin *ad)
{
	admin_subscriber_change(ad, write_subscriber_unsubscribe, "Unsubscribed.");
}

void admin_subscriber_resend(struct admin *ad)
{
	admin_subscriber_change(ad, write_subscriber_resend, "Confirmation sent again.");
}
