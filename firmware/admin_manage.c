/* admin_manage.c: admin pages for API tokens, users and roles, page settings, the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "brand.h"
#include "auth.h"
#include "out.h"
#include "settings.h"

static const char *const role_vals[] = { "viewer", "editor", "owner" };
static const char *const role_labels[] = { "viewer", "editor", "owner" };
static const char *const scope_vals[] = { "read", "write", "admin", "replication" };

/* ---- API tokens ---- */

static void tokens_render(struct admin *ad, const char *fresh)
{
	struct buf *b = ad->b;
	struct token_info *toks;
	size_t n;
	if (store_token_list(ad->tx, &toks, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "API tokens"));
	if (fresh) {
		out_raw_trusted(b, "<div class=\"card shown-once\"><p>");
		out_text(b, A(ad, "The new token, shown only this once:"));
		out_raw_trusted(b, "</p><p><code id=\"new-token\">");
		out_text(b, fresh);
		out_raw_trusted(b, "</code></p></div>");
	}
	out_raw_trusted(b, "<table class=\"list\"><thead><tr>");
	admin_th(ad, "Name");
	admin_th(ad, "Scope");
	admin_th(ad, "Created");
	admin_th(ad, "");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, "<tr><td>");
		out_text(b, toks[i].name);
		out_raw_trusted(b, "</td><td>");
		out_text(b, scope_name(toks[i].scope));
		out_raw_trusted(b, "</td><td>");
		out_text(b, admin_local_text(ad, toks[i].created_at));
		out_raw_trusted(b, "</td><td>");
		if (!ad->readonly) {
			admin_form_open(ad, "/admin/tokens/revoke", "inline");
			admin_hidden(ad, "id", toks[i].id);
			admin_button(ad, "Revoke", arena_printf(ad->a, "revoke-%s", toks[i].id), "Revoke this token?");
			out_raw_trusted(b, "</form>");
		}
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (!ad->readonly) {
		admin_form_open(ad, "/admin/tokens/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "New token"));
		out_raw_trusted(b, "</h2><label for=\"tname\">");
		out_text(b, A(ad, "Name"));
		out_raw_trusted(b, "</label><input id=\"tname\" name=\"name\" required maxlength=\"64\"><label for=\"scope\">");
		out_text(b, A(ad, "Scope"));
		out_raw_trusted(b, "</label>");
		admin_select(ad, "scope", scope_vals, scope_vals, 4, "write");
		admin_button(ad, "Create token", "create-token", NULL);
		out_raw_trusted(b, "</form>");
	}
	admin_end(ad);
}

void admin_tokens_page(struct admin *ad)
{
	tokens_render(ad, NULL);
}

void admin_token_new(struct admin *ad)
{
	enum scope scope;
	const char *sc = admin_form(ad, "scope");
	if (sc == NULL || !scope_parse(sc, &scope)) {
		admin_error_page(ad, 422, A(ad, "Unknown scope."));
		return;
	}
	struct write_ctx w;
	char tok[TOKEN_TEXT_MAX];
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_token_create(&w, scope, admin_form(ad, "name"), tok);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (!admin_write_commit(ad, &w))
		return;
	tokens_render(ad, arena_strdup(ad->a, tok));       /* shown once, in this answer only */
}

void admin_token_revoke(struct admin *ad)
{
	const char *id = admin_form(ad, "id");
	struct write_ctx w;
	if (id == NULL || strlen(id) > ID_LEN) {
		admin_error_page(ad, 404, A(ad, "No such token."));
		return;
	}
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_token_revoke(&w, id);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/tokens", "Revoked.");
}

/* ---- users ---- */

void admin_users_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct user *us;
	size_t n;
	if (user_list(ad->tx, ad->a, &us, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Users"));
	out_raw_trusted(b, "<table class=\"list\"><thead><tr>");
	admin_th(ad, "Email");
	admin_th(ad, "Role");
	admin_th(ad, "Two-factor");
	admin_th(ad, "");
	out_raw_trusted(b, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(b, "<tr><td>");
		out_text(b, us[i].email);
		out_raw_trusted(b, "</td><td>");
		if (ad->readonly) {
			out_text(b, A(ad, user_role_name(us[i].role)));
		} else {
			admin_form_open(ad, "/admin/users/set", "inline");
			admin_hidden(ad, "email", us[i].email);
			admin_select(ad, "role", role_vals, role_labels, 3, user_role_name(us[i].role));
			admin_button(ad, "Set", NULL, NULL);
			out_raw_trusted(b, "</form>");
		}
		out_raw_trusted(b, "</td><td>");
		out_text(b, A(ad, us[i].totp_secret ? "On." : "Off."));
		out_raw_trusted(b, "</td><td>");
		if (!ad->readonly) {
			admin_form_open(ad, "/admin/users/del", "inline");
			admin_hidden(ad, "email", us[i].email);
			admin_button(ad, "Delete", NULL, "Delete this user?");
			out_raw_trusted(b, "</form>");
		}
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	if (!ad->readonly) {
		admin_form_open(ad, "/admin/users/new", "card");
		out_raw_trusted(b, "<h2>");
		out_text(b, A(ad, "Add a user"));
		out_raw_trusted(b, "</h2><label for=\"uemail\">");
		out_text(b, A(ad, "Email"));
		out_raw_trusted(b, "</label><input type=\"email\" id=\"uemail\" name=\"email\" required maxlength=\"254\"><label for=\"upassword\">");
		out_text(b, A(ad, "Password"));
		out_raw_trusted(b, "</label><input type=\"password\" id=\"upassword\" name=\"password\" required minlength=\"10\" maxlength=\"256\" autocomplete=\"new-password\"><label for=\"role\">");
		out_text(b, A(ad, "Role"));
		out_raw_trusted(b, "</label>");
		admin_select(ad, "role", role_vals, role_labels, 3, "editor");
		admin_button(ad, "Add user", "add-user", NULL);
		out_raw_trusted(b, "</form>");
	}
	admin_end(ad);
}

static void user_write(struct admin *ad, struct user_change *ch, bool del)
{
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = del ? write_user_delete(&w, ch->email) : write_user(&w, ch, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/users", "Saved.");
}

static bool role_field(struct admin *ad, struct user_change *ch)
{
	enum user_role r;
	if (!user_role_parse(admin_form(ad, "role"), &r)) {
		admin_error_page(ad, 422, A(ad, "Unknown role."));
		return false;
	}
	ch->role = (int)r;
	return true;
}

void admin_user_new(struct admin *ad)
{
	struct user_change ch;
	write_user_change_init(&ch);
	ch.create = true;
	ch.email = admin_form(ad, "email");
	const char *pw = admin_form(ad, "password");
	const char *why = pw ? auth_password_problem(pw) : "a password has at least 10 characters";
	if (why) {
		admin_error_page(ad, 422, A(ad, why));
		return;
	}
	if (!role_field(ad, &ch))
		return;
	char hash[AUTH_HASH_MAX];
	if (!auth_password_hash(pw, hash)) {
		admin_error_page(ad, 503, A(ad, "Cannot hash the password."));
		return;
	}
	ch.password_hash = hash;
	user_write(ad, &ch, false);
}

void admin_user_set(struct admin *ad)
{
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = admin_form(ad, "email");
	if (role_field(ad, &ch))
		user_write(ad, &ch, false);
}

void admin_user_del(struct admin *ad)
{
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = admin_form(ad, "email");
	user_write(ad, &ch, true);
}

/* ---- page settings ---- */

void admin_settings_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct page_settings ps;
	if (store_page_get(ad->tx, &ps) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Settings"));
	admin_form_open(ad, "/admin/settings", "card");
	static const struct { const char *name, *label; } f[] = {
		{ "page_name", "Page name" }, { "page_url", "Page URL" }, { "time_zone", "Time zone" },
		{ "languages", "Languages (en, es or en,es)" }, { "default_language", "Default language" },
	};
	const char *vals[] = { ps.name, ps.url, ps.time_zone, ps.languages, ps.default_language };
	static const char *const fields[] = { "name", "url", "time_zone", "languages", "default_language" };
	for (size_t i = 0; i < 5; i++) {
		const char *owner = settings_owner(ad->r->cfg, fields[i]);
		out_raw_trusted(b, "<label for=\"");
		out_attr(b, f[i].name);
		out_raw_trusted(b, "\">");
		out_text(b, A(ad, f[i].label));
		out_raw_trusted(b, "</label><input id=\"");
		out_attr(b, f[i].name);
		out_raw_trusted(b, "\" name=\"");
		out_attr(b, f[i].name);
		out_raw_trusted(b, "\" maxlength=\"255\" value=\"");
		out_attr(b, vals[i] ? vals[i] : "");
		out_raw_trusted(b, owner ? "\" readonly>" : "\">");
		if (owner) {               /* the config owns it (settings.c): shown, changed only in beacon.conf */
			out_raw_trusted(b, "<p class=\"hint\">");
			out_text(b, A(ad, "Set in the configuration file:"));
			out_raw_trusted(b, " <code>");
			out_text(b, owner);
			out_raw_trusted(b, "</code></p>");
		}
	}
	struct brand br;
	brand_load(ad->tx, ad->a, &br);
	out_raw_trusted(b, "<label for=\"brand_color\">");
	out_text(b, A(ad, "Brand colour (#RRGGBB; empty for the default)"));
	out_raw_trusted(b, "</label><input id=\"brand_color\" name=\"brand_color\" maxlength=\"7\" pattern=\"#[0-9a-fA-F]{6}\" value=\"");
	out_attr(b, br.color ? br.color : "");
	out_raw_trusted(b, "\">");
	out_raw_trusted(b, "<label class=\"check\"><input type=\"checkbox\" name=\"require_2fa\" value=\"1\"");
	out_raw_trusted(b, user_require_2fa(ad->tx) ? " checked> " : "> ");
	out_text(b, A(ad, "Everyone must use two-factor authentication"));
	out_raw_trusted(b, "</label>");
	admin_button(ad, "Save", "save-settings", NULL);
	out_raw_trusted(b, "</form>");
	out_raw_trusted(b, "<form method=\"post\" action=\"/admin/settings/logo\" enctype=\"multipart/form-data\" class=\"card\">");
	admin_csrf_field(ad);
	out_raw_trusted(b, "<h2>");
	out_text(b, A(ad, "Logo"));
	out_raw_trusted(b, "</h2>");
	if (br.logo) {
		out_raw_trusted(b, "<p><img class=\"logo\" alt=\"\" src=\"/brand/");
		out_attr(b, brand_logo_name(&br));
		out_raw_trusted(b, "?v=");
		out_attr(b, br.logo_etag);
		out_raw_trusted(b, "\"></p><label class=\"check\"><input type=\"checkbox\" name=\"remove\" value=\"1\"> ");
		out_text(b, A(ad, "Remove the logo"));
		out_raw_trusted(b, "</label>");
	}
	out_raw_trusted(b, "<label for=\"logo\">");
	out_text(b, A(ad, "PNG or SVG file"));
	out_raw_trusted(b, "</label><input id=\"logo\" name=\"logo\" type=\"file\" accept=\"image/png,image/svg+xml\">");
	admin_button(ad, "Save logo", "save-logo", NULL);
	out_raw_trusted(b, "</form>");
	admin_end(ad);
}

static const char *changed(const char *v, const char *old)
{
	return v && strcmp(v, old ? old : "") != 0 ? v : NULL;
}

void admin_settings_post(struct admin *ad)
{
	struct page_settings ps;
	if (store_page_get(ad->tx, &ps) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	struct page_change ch = { .name = changed(admin_form(ad, "page_name"), ps.name),
	                          .url = changed(admin_form(ad, "page_url"), ps.url),
	                          .time_zone = changed(admin_form(ad, "time_zone"), ps.time_zone),
	                          .languages = changed(admin_form(ad, "languages"), ps.languages),
	                          .default_language = changed(admin_form(ad, "default_language"), ps.default_language) };
	static const char *const fields[] = { "name", "url", "time_zone", "languages", "default_language" };
	const char *vals[] = { ch.name, ch.url, ch.time_zone, ch.languages, ch.default_language };
	for (size_t i = 0; i < 5; i++) {
		const char *key = vals[i] ? settings_refuses(ad->r->cfg, fields[i], vals[i]) : NULL;
		if (key) {
			admin_error_page(ad, 409, arena_printf(ad->a, "%s: %s '%s' (%s)", fields[i],
			                                       A(ad, "set in the configuration file by"), key, ad->r->cfg->path));
			return;
		}
	}
	bool want_2fa = admin_form(ad, "require_2fa") != NULL, had_2fa = user_require_2fa(ad->tx);
	struct brand br;
	brand_load(ad->tx, ad->a, &br);
	const char *color = admin_form(ad, "brand_color");    /* absent: unchanged; empty: removed */
	bool color_changed = color && strcmp(color, br.color ? br.color : "") != 0;
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = BC_OK;
	if (ch.name || ch.url || ch.time_zone || ch.languages || ch.default_language)
		e = write_page(&w, &ch, NULL);
	if (e == BC_OK && color_changed)
		e = write_brand_color(&w, *color ? color : NULL);
	if (e == BC_OK && want_2fa != had_2fa)
		e = write_admin_require_2fa(&w, want_2fa);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/settings", "Saved.");
}

void admin_settings_logo(struct admin *ad)
{
	bool remove = admin_form(ad, "remove") != NULL;
	if (!remove && (ad->upload == NULL || strcmp(ad->upload_field, "logo") != 0 || ad->upload_len == 0)) {
		admin_error_page(ad, 422, A(ad, "Choose a PNG or SVG file for the logo."));
		return;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = remove ? write_brand_logo(&w, NULL, 0)
	                       : write_brand_logo(&w, (const unsigned char *)ad->upload, ad->upload_len);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (admin_write_commit(ad, &w))
		admin_redirect(ad, "/admin/settings", remove ? "Logo removed." : "Logo saved.");
}

/* ---- audit log ---- */

void admin_audit_page(struct admin *ad)
{
	struct buf *b = ad->b;
	struct audit_entry *es;
	size_t n;
	const char *who = req_query(ad->r, "who"), *action = req_query(ad->r, "action");
	if (store_audit_list(ad->tx, 2000, &es, &n) != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	admin_begin(ad, A(ad, "Audit log"));
	out_raw_trusted(b, "<form method=\"get\" action=\"/admin/audit\" class=\"filters\"><label for=\"who\">");
	out_text(b, A(ad, "Who"));
	out_raw_trusted(b, "</label><input id=\"who\" name=\"who\" maxlength=\"100\" value=\"");
	out_attr(b, who ? who : "");
	out_raw_trusted(b, "\"><label for=\"action\">");
	out_text(b, A(ad, "Action"));
	out_raw_trusted(b, "</label><input id=\"action\" name=\"action\" maxlength=\"100\" placeholder=\"incident.\" value=\"");
	out_attr(b, action ? action : "");
	out_raw_trusted(b, "\">");
	admin_button(ad, "Filter", NULL, NULL);
	out_raw_trusted(b, "</form><table class=\"list\" id=\"audit\"><thead><tr>");
	admin_th(ad, "When");
	admin_th(ad, "Who");
	admin_th(ad, "Action");
	admin_th(ad, "What");
	out_raw_trusted(b, "</tr></thead><tbody>");
	size_t shown = 0;
	for (size_t i = 0; i < n && shown < 200; i++) {
		if (who && *who && !(es[i].who && strstr(es[i].who, who)))
			continue;
		if (action && *action && !(es[i].action && strncmp(es[i].action, action, strlen(action)) == 0))
			continue;
		shown++;
		out_raw_trusted(b, "<tr><td>");
		out_text(b, admin_local_text(ad, es[i].at));
		out_raw_trusted(b, "</td><td>");
		out_text(b, es[i].who ? es[i].who : "");
		out_raw_trusted(b, "</td><td>");
		out_text(b, es[i].action ? es[i].action : "");
		out_raw_trusted(b, "</td><td>");
		out_text(b, es[i].detail ? es[i].detail : es[i].target ? es[i].target : "");
		out_raw_trusted(b, "</td></tr>");
	}
	out_raw_trusted(b, "</tbody></table>");
	admin_end(ad);
}
