/* admin_login.c: sign-in (password, then TOTP or a recovery code), sign out (here, everywhere), the account page (2FA, password). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qrencode.h>
#include "admin.h"
#include "auth.h"
#include "out.h"

static void login_form(struct admin *ad, const char *email, const char *error)
{
	struct buf *b = ad->b;
	admin_begin(ad, A(ad, "Sign in"));
	if (error) {
		out_raw_trusted(b, "<p class=\"error\" role=\"alert\" id=\"login-error\">");
		out_text(b, error);
		out_raw_trusted(b, "</p>");
	}
	admin_form_open(ad, "/admin/login", "card narrow");
	out_raw_trusted(b, "<label for=\"email\">");
	out_text(b, A(ad, "Email"));
	out_raw_trusted(b, "</label><input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" required maxlength=\"254\" value=\"");
	out_attr(b, email ? email : "");
	out_raw_trusted(b, "\"><label for=\"password\">");
	out_text(b, A(ad, "Password"));
	out_raw_trusted(b, "</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required maxlength=\"256\">"
	                   "<button type=\"submit\" id=\"signin\">");
	out_text(b, A(ad, "Sign in"));
	out_raw_trusted(b, "</button></form>");
	admin_end(ad);
}

void admin_login_page(struct admin *ad)
{
	if (ad->signed_in && ad->sess.stage == STAGE_FULL) {
		admin_redirect(ad, "/admin", NULL);
		return;
	}
	ad->signed_in = false;           /* a half-finished sign-in starts over */
	login_form(ad, NULL, NULL);
}

/* Ends the request's old session (a session id set before sign-in is never kept), starts a new one. */
static bool start_session(struct admin *ad, const struct user *u, enum admin_stage stage)
{
	if (ad->sess.key[0])
		admin_session_drop(ad, ad->sess.key);
	char id[65];
	if (!admin_session_create(ad, u->email, u->epoch, stage, id)) {
		admin_error_page(ad, 503, A(ad, "Sessions cannot be stored right now."));
		return false;
	}
	admin_cookie(ad, ADMIN_COOKIE, id, 0);
	admin_cookie(ad, ADMIN_PRE_COOKIE, "", -1);
	ad->signed_in = true;
	ad->user = *u;
	return true;
}

static bool needs_enrolment(struct admin *ad, const struct user *u)
{
	return u->totp_secret == NULL && user_require_2fa(ad->tx);
}

void admin_login_post(struct admin *ad)
{
	const char *email = admin_form(ad, "email"), *pw = admin_form(ad, "password");
	struct user u;
	bool found = email && pw && user_get(ad->tx, ad->a, email, &u) == BC_OK && u.role != ROLE_NONE;
	/* the hash runs for unknown users too; one message for both */
	bool ok = pw && auth_password_verify(found ? u.password_hash : NULL, pw) && found;
	if (!ok) {
		admin_signin_failed(ad, email);
		ad->r->status = 401;
		ad->signed_in = false;
		login_form(ad, email, A(ad, "Wrong email or password."));
		return;
	}
	enum admin_stage stage = u.totp_secret ? STAGE_TOTP : needs_enrolment(ad, &u) ? STAGE_ENROL : STAGE_FULL;
	if (!start_session(ad, &u, stage))
		return;
	admin_redirect(ad, stage == STAGE_TOTP ? "/admin/login/totp" : stage == STAGE_ENROL ? "/admin/account" : "/admin", NULL);
}

static void totp_form(struct admin *ad, const char *error)
{
	struct buf *b = ad->b;
	admin_begin(ad, A(ad, "Two-factor authentication"));
	if (error) {
		out_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		out_text(b, error);
		out_raw_trusted(b, "</p>");
	}
	admin_form_open(ad, "/admin/login/totp", "card narrow");
	out_raw_trusted(b, "<label for=\"code\">");
	out_text(b, A(ad, "Code from your authenticator app"));
	out_raw_trusted(b, "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"20\" autofocus>"
	                   "<details><summary>");
	out_text(b, A(ad, "Use a recovery code"));
	out_raw_trusted(b, "</summary><label for=\"recovery\">");
	out_text(b, A(ad, "Recovery code"));
	out_raw_trusted(b, "</label><input id=\"recovery\" name=\"recovery\" maxlength=\"20\" autocomplete=\"off\"></details>"
	                   "<button type=\"submit\" id=\"verify\">");
	out_text(b, A(ad, "Verify"));
	out_raw_trusted(b, "</button></form>");
	admin_end(ad);
}

void admin_totp_page(struct admin *ad)
{
	if (ad->sess.stage != STAGE_TOTP) {
		admin_redirect(ad, "/admin", NULL);
		return;
	}
	totp_form(ad, NULL);
}

void admin_totp_post(struct admin *ad)
{
	if (ad->sess.stage != STAGE_TOTP || ad->user.totp_secret == NULL) {
		admin_redirect(ad, "/admin", NULL);
		return;
	}
	struct user u = ad->user;
	const char *code = admin_form(ad, "code"), *rec = admin_form(ad, "recovery");
	int64_t step = 0;
	bool ok = false;
	if (code && *code) {
		ok = auth_totp_check(u.totp_secret, code, now_ms() / 1000, admin_totp_last(ad, u.email), &step);
		if (ok)
			admin_totp_used(ad, u.email, step);
	} else if (rec && *rec && strlen(rec) < 32) {
		char h[65];
		auth_recovery_hash(rec, h);
		struct write_ctx w;
		struct user_change ch;
		write_user_change_init(&ch);
		ch.email = u.email;
		ch.use_recovery = h;
		if (ad->readonly) {
			admin_error_page(ad, 503, A(ad, "Recovery codes can only be used on the primary."));
			return;
		}
		if (!admin_write_begin(ad, &w))
			return;
		if (write_user(&w, &ch, &u) == BC_OK) {
			ok = admin_write_commit(ad, &w);
			if (!ok)
				return;
		} else {
			store_abort(w.t);
		}
	}
	if (!ok) {
		admin_signin_failed(ad, u.email);
		ad->r->status = 401;
		totp_form(ad, A(ad, "That code is not valid."));
		return;
	}
	if (start_session(ad, &u, STAGE_FULL))
		admin_redirect(ad, "/admin", NULL);
}

void admin_logout(struct admin *ad)
{
	admin_session_drop(ad, ad->sess.key);
	admin_cookie(ad, ADMIN_COOKIE, "", -1);
	ad->signed_in = false;
	admin_redirect(ad, "/admin/login", "Signed out.");
}

void admin_logout_all(struct admin *ad)
{
	struct write_ctx w;
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = ad->user.email;
	ch.new_epoch = true;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_user(&w, &ch, NULL);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (!admin_write_commit(ad, &w))
		return;
	admin_session_drop(ad, ad->sess.key);
	admin_cookie(ad, ADMIN_COOKIE, "", -1);
	ad->signed_in = false;
	admin_redirect(ad, "/admin/login", "Signed out everywhere.");
}

/* ---- account: 2FA enrolment and password ---- */

static const char *otpauth_uri(struct admin *ad, const char *secret)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "otpauth://totp/");
	out_url_arg(&b, ad->page_name);
	buf_puts(&b, ":");
	out_url_arg(&b, ad->user.email);
	buf_puts(&b, "?secret=");
	buf_puts(&b, secret);
	buf_puts(&b, "&issuer=");
	out_url_arg(&b, ad->page_name);
	buf_puts(&b, "&algorithm=SHA1&digits=6&period=30");
	const char *s = arena_strdup(ad->a, b.p);
	buf_free(&b);
	return s;
}

/* The URI as an inline SVG QR code (libqrencode). */
static void qr_svg(struct admin *ad, const char *uri)
{
	QRcode *q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return;
	int n = q->width, m = 4;
	buf_printf(ad->b, "<svg class=\"qr\" role=\"img\" aria-label=\"QR\" xmlns=\"http://www.w3.org/2000/svg\" "
	                  "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
	                  "<path fill=\"#000\" d=\"", n + 2 * m, n + 2 * m, (n + 2 * m) * 5, (n + 2 * m) * 5);
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			if (q->data[y * n + x] & 1)
				buf_printf(ad->b, "M%d %dh1v1h-1z", x + m, y + m);
	out_raw_trusted(ad->b, "\"/></svg>");
	QRcode_free(q);
}

static void recovery_list(struct admin *ad, char codes[][16], size_t n)
{
	out_raw_trusted(ad->b, "<div class=\"card shown-once\"><p>");
	out_text(ad->b, A(ad, "Recovery codes: each works once. Keep them somewhere safe; they are not shown again."));
	out_raw_trusted(ad->b, "</p><ul class=\"codes\" id=\"recovery-codes\">");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(ad->b, "<li><code>");
		out_text(ad->b, codes[i]);
		out_raw_trusted(ad->b, "</code></li>");
	}
	out_raw_trusted(ad->b, "</ul></div>");
}

static void account_render(struct admin *ad, const char *error, char codes[][16], size_t ncodes)
{
	struct buf *b = ad->b;
	const struct user *u = &ad->user;
	admin_begin(ad, A(ad, "Account"));
	if (error) {
		out_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		out_text(b, error);
		out_raw_trusted(b, "</p>");
	}
	if (ad->sess.stage == STAGE_ENROL) {
		out_raw_trusted(b, "<p class=\"banner\">");
		out_text(b, A(ad, "Two-factor authentication is required on this page. Set it up to go on."));
		out_raw_trusted(b, "</p>");
	}
	if (ncodes)
		recovery_list(ad, codes, ncodes);
	out_raw_trusted(b, "<section class=\"card\"><h2>");
	out_text(b, A(ad, "Two-factor authentication"));
	out_raw_trusted(b, "</h2>");
	if (u->totp_secret) {
		out_raw_trusted(b, "<p id=\"twofa-on\">");
		out_text(b, A(ad, "On."));
		buf_printf(b, " %zu ", u->nrecovery);
		out_text(b, A(ad, "recovery codes left."));
		out_raw_trusted(b, "</p>");
		admin_form_open(ad, "/admin/account/2fa", "inline");
		out_raw_trusted(b, "<input type=\"hidden\" name=\"action\" value=\"recovery\"><button type=\"submit\">");
		out_text(b, A(ad, "New recovery codes"));
		out_raw_trusted(b, "</button></form>");
		if (!user_require_2fa(ad->tx)) {
			admin_form_open(ad, "/admin/account/2fa", "inline");
			out_raw_trusted(b, "<input type=\"hidden\" name=\"action\" value=\"disable\"><button type=\"submit\" data-confirm=\"");
			out_attr(b, A(ad, "Turn two-factor authentication off?"));
			out_raw_trusted(b, "\">");
			out_text(b, A(ad, "Turn off"));
			out_raw_trusted(b, "</button></form>");
		}
	} else if (u->totp_pending) {
		const char *uri = otpauth_uri(ad, u->totp_pending);
		out_raw_trusted(b, "<p>");
		out_text(b, A(ad, "Scan this code with your authenticator app, or enter the key by hand, then type the code it shows."));
		out_raw_trusted(b, "</p>");
		qr_svg(ad, uri);
		out_raw_trusted(b, "<p><code id=\"totp-secret\">");
		out_text(b, u->totp_pending);
		out_raw_trusted(b, "</code></p><p class=\"uri\"><a id=\"otpauth\" href=\"");
		out_attr(b, uri);
		out_raw_trusted(b, "\">");
		out_text(b, uri);
		out_raw_trusted(b, "</a></p>");
		admin_form_open(ad, "/admin/account/2fa", NULL);
		out_raw_trusted(b, "<input type=\"hidden\" name=\"action\" value=\"confirm\"><label for=\"code\">");
		out_text(b, A(ad, "Code"));
		out_raw_trusted(b, "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"8\">"
		                   "<button type=\"submit\" id=\"confirm-2fa\">");
		out_text(b, A(ad, "Turn on"));
		out_raw_trusted(b, "</button></form>");
	} else {
		out_raw_trusted(b, "<p>");
		out_text(b, A(ad, "Off."));
		out_raw_trusted(b, "</p>");
		admin_form_open(ad, "/admin/account/2fa", "inline");
		out_raw_trusted(b, "<input type=\"hidden\" name=\"action\" value=\"start\"><button type=\"submit\" id=\"start-2fa\">");
		out_text(b, A(ad, "Set up two-factor authentication"));
		out_raw_trusted(b, "</button></form>");
	}
	out_raw_trusted(b, "</section>");
	if (ad->sess.stage == STAGE_FULL) {
		out_raw_trusted(b, "<section class=\"card\"><h2>");
		out_text(b, A(ad, "Password"));
		out_raw_trusted(b, "</h2>");
		admin_form_open(ad, "/admin/account/password", NULL);
		out_raw_trusted(b, "<label for=\"current\">");
		out_text(b, A(ad, "Current password"));
		out_raw_trusted(b, "</label><input type=\"password\" id=\"current\" name=\"current\" autocomplete=\"current-password\" maxlength=\"256\">"
		                   "<label for=\"new\">");
		out_text(b, A(ad, "New password"));
		out_raw_trusted(b, "</label><input type=\"password\" id=\"new\" name=\"new\" autocomplete=\"new-password\" minlength=\"10\" maxlength=\"256\">"
		                   "<button type=\"submit\">");
		out_text(b, A(ad, "Change password"));
		out_raw_trusted(b, "</button></form></section><section class=\"card\"><h2>");
		out_text(b, A(ad, "Sessions"));
		out_raw_trusted(b, "</h2>");
		admin_form_open(ad, "/admin/logout-all", "inline");
		out_raw_trusted(b, "<button type=\"submit\" id=\"signout-all\">");
		out_text(b, A(ad, "Sign out everywhere"));
		out_raw_trusted(b, "</button></form></section>");
	}
	admin_end(ad);
}

void admin_account_page(struct admin *ad)
{
	if (ad->sess.stage == STAGE_TOTP) {
		admin_redirect(ad, "/admin/login/totp", NULL);
		return;
	}
	account_render(ad, NULL, NULL, 0);
}

void admin_account_2fa(struct admin *ad)
{
	if (ad->sess.stage == STAGE_TOTP) {
		admin_redirect(ad, "/admin/login/totp", NULL);
		return;
	}
	const char *action = admin_form(ad, "action");
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = ad->user.email;
	char secret[AUTH_TOTP_B32_MAX], codes[AUTH_RECOVERY_CODES][16], hashes[AUTH_RECOVERY_CODES][65];
	const char *hp[AUTH_RECOVERY_CODES];
	size_t ncodes = 0;
	bool new_codes = false;
	if (action && strcmp(action, "start") == 0) {
		if (!auth_totp_new_secret(secret)) {
			admin_error_page(ad, 503, A(ad, "No random numbers right now."));
			return;
		}
		ch.set_totp_pending = true;
		ch.totp_pending = secret;
	} else if (action && strcmp(action, "confirm") == 0 && ad->user.totp_pending) {
		int64_t step;
		const char *code = admin_form(ad, "code");
		if (code == NULL || !auth_totp_check(ad->user.totp_pending, code, now_ms() / 1000, 0, &step)) {
			ad->r->status = 422;
			account_render(ad, A(ad, "That code is not valid."), NULL, 0);
			return;
		}
		admin_totp_used(ad, ad->user.email, step);
		ch.set_totp = true;
		ch.totp_secret = ad->user.totp_pending;
		new_codes = true;
	} else if (action && strcmp(action, "recovery") == 0 && ad->user.totp_secret) {
		new_codes = true;
	} else if (action && strcmp(action, "disable") == 0 && ad->user.totp_secret && !user_require_2fa(ad->tx)) {
		ch.set_totp = true;
	} else {
		admin_error_page(ad, 422, A(ad, "Unknown action."));
		return;
	}
	if (new_codes) {
		for (size_t i = 0; i < AUTH_RECOVERY_CODES; i++) {
			if (!auth_recovery_code(codes[i])) {
				admin_error_page(ad, 503, A(ad, "No random numbers right now."));
				return;
			}
			auth_recovery_hash(codes[i], hashes[i]);
			hp[i] = hashes[i];
		}
		ncodes = AUTH_RECOVERY_CODES;
		ch.set_recovery = true;
		ch.nrecovery = ncodes;
		ch.recovery = hp;
	}
	struct write_ctx w;
	if (!admin_write_begin(ad, &w))
		return;
	struct user u;
	enum bc_err e = write_user(&w, &ch, &u);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (!admin_write_commit(ad, &w))
		return;
	ad->user = u;
	if (ad->sess.stage == STAGE_ENROL && u.totp_secret)
		admin_session_stage(ad, STAGE_FULL);
	if (ncodes) {                        /* shown once, in this answer */
		account_render(ad, NULL, codes, ncodes);
		return;
	}
	admin_redirect(ad, "/admin/account", NULL);
}

void admin_account_password(struct admin *ad)
{
	const char *cur = admin_form(ad, "current"), *pw = admin_form(ad, "new");
	if (cur == NULL || !auth_password_verify(ad->user.password_hash, cur)) {
		admin_signin_failed(ad, ad->user.email);
		ad->r->status = 422;
		account_render(ad, A(ad, "The current password is wrong."), NULL, 0);
		return;
	}
	const char *why = pw ? auth_password_problem(pw) : "a password has at least 10 characters";
	char hash[AUTH_HASH_MAX];
	if (why) {
		ad->r->status = 422;
		account_render(ad, A(ad, why), NULL, 0);
		return;
	}
	if (!auth_password_hash(pw, hash)) {
		admin_error_page(ad, 503, A(ad, "Cannot hash the password."));
		return;
	}
	struct user_change ch;
	write_user_change_init(&ch);
	ch.email = ad->user.email;
	ch.password_hash = hash;
	struct write_ctx w;
	struct user u;
	if (!admin_write_begin(ad, &w))
		return;
	enum bc_err e = write_user(&w, &ch, &u);
	if (e != BC_OK) {
		admin_write_fail(ad, &w, e);
		return;
	}
	if (!admin_write_commit(ad, &w))
		return;
	/* the new password ended every session (new epoch); this one goes on under a new id */
	if (start_session(ad, &u, STAGE_FULL))
		admin_redirect(ad, "/admin/account", "Password changed.");
}
