/* admin.c: the web admin's route table and its one dispatcher (session, role, CSRF, origin, replica), layout, helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "admin.h"
#include "api_v1_input.h"
#include "app.h"
#include "auth.h"
#include "brand.h"
#include "log.h"
#include "out.h"
#include "ratelimit.h"

#define V ROLE_VIEWER
#define E ROLE_EDITOR
#define O ROLE_OWNER
#define W AR_WRITE
/* the logo upload: a PNG of BRAND_LOGO_MAX bytes plus the form around it */
#define LOGO_BODY_KB (BRAND_LOGO_MAX / 1024 + 64)

/* Every admin address. The dispatcher enforces each row's role, stage and flags before its handler runs;
 * `beacon admin routes` lists this table (the tests walk it). */
const struct admin_route admin_routes[] = {
	{ "GET",  "/admin/login",             admin_login_page,          V, AR_PUBLIC },
	{ "POST", "/admin/login",             admin_login_post,          V, AR_PUBLIC | AR_SIGNIN },
	{ "GET",  "/admin/login/totp",        admin_totp_page,           V, AR_PARTIAL },
	{ "POST", "/admin/login/totp",        admin_totp_post,           V, AR_PARTIAL | AR_SIGNIN },
	{ "POST", "/admin/logout",            admin_logout,              V, AR_PARTIAL },
	{ "POST", "/admin/logout-all",        admin_logout_all,          V, W | AR_SELF },
	{ "GET",  "/admin",                   admin_dashboard,           V, 0 },
	{ "GET",  "/admin/account",           admin_account_page,        V, AR_PARTIAL },
	{ "POST", "/admin/account/2fa",       admin_account_2fa,         V, AR_PARTIAL | W | AR_SELF },
	{ "POST", "/admin/account/password",  admin_account_password,    V, W | AR_SELF },
	{ "GET",  "/admin/incidents",         admin_incidents_page,      V, 0 },
	{ "GET",  "/admin/incidents/new",     admin_incident_new_page,   E, 0 },
	{ "POST", "/admin/incidents/new",     admin_incident_new,        E, W },
	{ "GET",  "/admin/incident",          admin_incident_page,       V, 0 },
	{ "POST", "/admin/incident/update",   admin_incident_update,     E, W },
	{ "POST", "/admin/incident/postmortem", admin_incident_postmortem, E, W },
	{ "POST", "/admin/incident/delete",   admin_incident_delete,     E, W },
	{ "GET",  "/admin/incident/update/edit", admin_update_edit_page, E, 0 },
	{ "POST", "/admin/incident/update/edit", admin_update_edit,      E, W },
	{ "GET",  "/admin/templates",         admin_templates_page,      V, 0 },
	{ "POST", "/admin/templates/delete",  admin_template_delete,     E, W },
	{ "POST", "/admin/drafts/publish",    admin_draft_publish,       E, W },
	{ "POST", "/admin/drafts/discard",    admin_draft_discard,       E, W },
	{ "POST", "/admin/preview",           admin_preview,             V, 0 },
	{ "GET",  "/admin/maintenance",       admin_maintenance_page,    V, 0 },
	{ "POST", "/admin/maintenance/new",   admin_maintenance_new,     E, W },
	{ "GET",  "/admin/maintenance/edit",  admin_maintenance_edit_page, E, 0 },
	{ "POST", "/admin/maintenance/edit",  admin_maintenance_edit,    E, W },
	{ "GET",  "/admin/components",        admin_components_page,     V, 0 },
	{ "POST", "/admin/components/status", admin_component_status,    E, W },
	{ "POST", "/admin/components/move",   admin_component_move,      E, W },
	{ "POST", "/admin/groups/move",       admin_group_move,          E, W },
	{ "POST", "/admin/components/new",    admin_component_new,       E, W },
	{ "GET",  "/admin/component",         admin_component_page,      V, 0 },
	{ "POST", "/admin/component/edit",    admin_component_edit,      E, W },
	{ "POST", "/admin/component/delete",  admin_component_delete,    E, W },
	{ "POST", "/admin/groups/new",        admin_group_new,           E, W },
	{ "POST", "/admin/groups/rename",     admin_group_rename,        E, W },
	{ "POST", "/admin/groups/delete",     admin_group_delete,        E, W },
	{ "GET",  "/admin/subscribers",       admin_subscribers_page,    V, 0 },
	{ "POST", "/admin/subscribers/new",   admin_subscriber_new,      E, W },
	{ "POST", "/admin/subscribers/unsubscribe", admin_subscriber_unsubscribe, E, W },
	{ "POST", "/admin/subscribers/resend", admin_subscriber_resend,  E, W },
	{ "GET",  "/admin/monitoring",        admin_monitoring_page,     V, 0 },
	{ "POST", "/admin/monitoring/rules/new", admin_monitoring_rule_new, E, W },
	{ "POST", "/admin/monitoring/rules/del", admin_monitoring_rule_del, E, W },
	{ "POST", "/admin/monitoring/heartbeats/new", admin_monitoring_check_new, E, W },
	{ "POST", "/admin/monitoring/heartbeats/del", admin_monitoring_check_del, E, W },
	{ "GET",  "/admin/tokens",            admin_tokens_page,         O, 0 },
	{ "POST", "/admin/tokens/new",        admin_token_new,           O, W },
	{ "POST", "/admin/tokens/revoke",     admin_token_revoke,        O, W },
	{ "GET",  "/admin/users",             admin_users_page,          O, 0 },
	{ "POST", "/admin/users/new",         admin_user_new,            O, W },
	{ "POST", "/admin/users/set",         admin_user_set,            O, W },
	{ "POST", "/admin/users/del",         admin_user_del,            O, W },
	{ "GET",  "/admin/settings",          admin_settings_page,       O, 0 },
	{ "POST", "/admin/settings",          admin_settings_post,       O, W },
	{ "POST", "/admin/settings/logo",     admin_settings_logo,       O, W | AR_BINARY_KB(LOGO_BODY_KB) },
	{ "GET",  "/admin/audit",             admin_audit_page,          V, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

/* ---- strings ---- */

static const char *const es_table[][2] = {
#include "admin_es.inc"
#include "admin_monitoring_es.inc"
};

const char *A(struct admin *ad, const char *en)
{
	if (strcmp(ad->lang, "es") != 0)
		return en;
	for (size_t i = 0; i < sizeof es_table / sizeof es_table[0]; i++)
		if (strcmp(es_table[i][0], en) == 0)
			return es_table[i][1];
	return en;
}

/* ---- request helpers ---- */

const char *admin_form(struct admin *ad, const char *key)
{
	for (size_t i = 0; i < ad->nform; i++)
		if (strcmp(ad->form[i].key, key) == 0)
			return ad->form[i].val;
	return NULL;
}

const char *admin_arg(struct admin *ad, const char *key)
{
	const char *v = admin_form(ad, key);
	return v ? v : req_query(ad->r, key);
}

static const char *cookie_get(struct admin *ad, const char *name)
{
	const char *h = req_header(ad->r, "Cookie");
	if (h == NULL || strlen(h) > 8192)
		return NULL;
	size_t nl = strlen(name);
	const char *found = NULL;
	for (const char *p = h; *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			found = arena_strndup(ad->a, p + nl + 1, len - nl - 1);   /* the last one wins */
		if (end == NULL)
			break;
		p = end + 1;
	}
	return found;
}

void admin_cookie(struct admin *ad, const char *name, const char *val, int max_age)
{
	char *v = arena_printf(ad->a, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict%s", name, val,
	                       max_age < 0 ? "; Max-Age=0" : "");
	resp_header(ad->r, "Set-Cookie", v);
}

void admin_redirect(struct admin *ad, const char *path, const char *notice)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, path);
	if (notice) {
		buf_puts(&b, strchr(path, '?') ? "&ok=" : "?ok=");
		out_url_arg(&b, notice);
	}
	ad->r->status = 303;
	resp_header(ad->r, "Location", b.p);
	buf_free(&b);
	buf_reset(ad->b);
}

/* ---- layout ---- */

static void nav_link(struct admin *ad, const char *path, const char *label)
{
	out_raw_trusted(ad->b, "<a href=\"");
	out_attr(ad->b, path);
	out_raw_trusted(ad->b, strcmp(ad->r->path, path) == 0 ? "\" aria-current=\"page\">" : "\">");
	out_text(ad->b, A(ad, label));
	out_raw_trusted(ad->b, "</a>");
}

void admin_begin(struct admin *ad, const char *title)
{
	struct buf *b = ad->b;
	ad->r->content_type_out = "text/html; charset=utf-8";
	out_raw_trusted(b, "<!doctype html><html lang=\"");
	out_raw_trusted(b, ad->lang);
	out_raw_trusted(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	                   "<meta name=\"color-scheme\" content=\"light dark\"><meta name=\"referrer\" content=\"same-origin\"><link rel=\"icon\" href=\"data:,\"><title>");
	out_text(b, title);
	out_raw_trusted(b, " · ");
	out_text(b, ad->page_name);
	out_raw_trusted(b, " admin</title><link rel=\"stylesheet\" href=\"/static/admin.css\">"
	                   "<script src=\"/static/admin.js\" defer></script></head><body>"
	                   "<a class=\"skip\" href=\"#main\">");
	out_text(b, A(ad, "Skip to content"));
	out_raw_trusted(b, "</a><header class=\"top\"><a class=\"brand\" href=\"/admin\">");
	out_text(b, ad->page_name);
	out_raw_trusted(b, " <span>admin</span></a>");
	if (ad->signed_in && ad->sess.stage == STAGE_FULL) {
		out_raw_trusted(b, "<nav aria-label=\"");
		out_attr(b, A(ad, "Admin"));
		out_raw_trusted(b, "\">");
		nav_link(ad, "/admin", "Dashboard");
		nav_link(ad, "/admin/incidents", "Incidents");
		nav_link(ad, "/admin/maintenance", "Maintenance");
		nav_link(ad, "/admin/components", "Components");
		nav_link(ad, "/admin/subscribers", "Subscribers");
		nav_link(ad, "/admin/monitoring", "Monitoring intake");
		if (ad->user.role >= ROLE_OWNER) {
			nav_link(ad, "/admin/tokens", "API tokens");
			nav_link(ad, "/admin/users", "Users");
			nav_link(ad, "/admin/settings", "Settings");
		}
		nav_link(ad, "/admin/audit", "Audit log");
		nav_link(ad, "/admin/account", "Account");
		out_raw_trusted(b, "</nav>");
	}
	out_raw_trusted(b, "<div class=\"who\">");
	out_raw_trusted(b, strcmp(ad->lang, "es") == 0 ? "<a href=\"?lang=en\" lang=\"en\">English</a>"
	                                               : "<a href=\"?lang=es\" lang=\"es\">Español</a>");
	if (ad->signed_in) {
		out_raw_trusted(b, " <span class=\"email\">");
		out_text(b, ad->user.email);
		out_raw_trusted(b, " (");
		out_text(b, A(ad, user_role_name(ad->user.role)));
		out_raw_trusted(b, ")</span>");
		admin_form_open(ad, "/admin/logout", "inline");
		out_raw_trusted(b, "<button type=\"submit\" id=\"signout\">");
		out_text(b, A(ad, "Sign out"));
		out_raw_trusted(b, "</button></form>");
	}
	out_raw_trusted(b, "</div></header>");
	if (ad->readonly) {
		out_raw_trusted(b, "<p class=\"banner ro\" role=\"status\">");
		out_text(b, A(ad, "This is a secondary: the admin is read-only here. Make changes on the primary."));
		out_raw_trusted(b, "</p>");
	}
	out_raw_trusted(b, "<main id=\"main\"><h1>");
	out_text(b, title);
	out_raw_trusted(b, "</h1>");
	const char *ok = req_query(ad->r, "ok");
	if (ok && strlen(ok) < 200) {
		out_raw_trusted(b, "<p class=\"notice\" role=\"status\">");
		out_text(b, A(ad, ok));
		out_raw_trusted(b, "</p>");
	}
}

void admin_end(struct admin *ad)
{
	out_raw_trusted(ad->b, "</main></body></html>\n");
}

void admin_error_page(struct admin *ad, int status, const char *msg)
{
	buf_reset(ad->b);
	ad->r->status = status;
	admin_begin(ad, A(ad, status == 403 ? "Not allowed" : status == 404 ? "Not found" :
	                      status == 429 ? "Too many attempts" : status >= 500 ? "Unavailable" : "Not saved"));
	out_raw_trusted(ad->b, "<p class=\"error\" role=\"alert\">");
	out_text(ad->b, msg);
	out_raw_trusted(ad->b, "</p><p><a href=\"/admin\" class=\"back\" data-back>");
	out_text(ad->b, A(ad, "Back"));
	out_raw_trusted(ad->b, "</a></p>");
	admin_end(ad);
}

void admin_csrf_field(struct admin *ad)
{
	const char *tok = ad->sess.csrf;
	char pre_tok[65];
	if (!ad->signed_in || (ad->rt && (ad->rt->flags & AR_PUBLIC))) {   /* sign-in form: bound to the pre-session cookie */
		const char *pre = cookie_get(ad, ADMIN_PRE_COOKIE);
		if (pre == NULL || strlen(pre) != 64) {
			char fresh[65];
			if (!auth_random_hex(fresh, 32))
				return;
			pre = arena_strdup(ad->a, fresh);
			admin_cookie(ad, ADMIN_PRE_COOKIE, pre, 0);
		}
		auth_hmac_hex(admin_server_key(ad), arena_printf(ad->a, "login|%s", pre), pre_tok);
		tok = pre_tok;
	}
	out_raw_trusted(ad->b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	out_attr(ad->b, tok ? tok : "");
	out_raw_trusted(ad->b, "\">");
}

void admin_form_open(struct admin *ad, const char *action, const char *cls)
{
	out_raw_trusted(ad->b, "<form method=\"post\" action=\"");
	out_attr(ad->b, action);
	if (cls) {
		out_raw_trusted(ad->b, "\" class=\"");
		out_attr(ad->b, cls);
	}
	out_raw_trusted(ad->b, "\">");
	admin_csrf_field(ad);
}

void admin_select(struct admin *ad, const char *name, const char *const *vals, const char *const *labels,
                  size_t n, const char *selected)
{
	out_raw_trusted(ad->b, "<select name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" id=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\">");
	for (size_t i = 0; i < n; i++) {
		out_raw_trusted(ad->b, "<option value=\"");
		out_attr(ad->b, vals[i]);
		out_raw_trusted(ad->b, selected && strcmp(selected, vals[i]) == 0 ? "\" selected>" : "\">");
		out_text(ad->b, A(ad, labels[i]));
		out_raw_trusted(ad->b, "</option>");
	}
	out_raw_trusted(ad->b, "</select>");
}

void admin_hidden(struct admin *ad, const char *name, const char *val)
{
	out_raw_trusted(ad->b, "<input type=\"hidden\" name=\"");
	out_attr(ad->b, name);
	out_raw_trusted(ad->b, "\" value=\"");
	out_attr(ad->b, val);
	out_raw_trusted(ad->b, "\">");
}

void admin_button(struct admin *ad, const char *text, const char *id, const char *confirm)
{
	out_raw_trusted(ad->b, "<button type=\"submit\"");
	if (id) {
		out_raw_trusted(ad->b, " id=\"");
		out_attr(ad->b, id);
		out_raw_trusted(ad->b, "\"");
	}
	if (confirm) {
		out_raw_trusted(ad->b, " data-confirm=\"");
		out_attr(ad->b, A(ad, confirm));
		out_raw_trusted(ad->b, "\"");
	}
	out_raw_trusted(ad->b, ">");
	out_text(ad->b, A(ad, text));
	out_raw_trusted(ad->b, "</button>");
}

void admin_th(struct admin *ad, const char *text)
{
	out_raw_trusted(ad->b, "<th>");
	out_text(ad->b, A(ad, text));
	out_raw_trusted(ad->b, "</th>");
}

void admin_label(struct admin *ad, const char *for_id, const char *text)
{
	out_raw_trusted(ad->b, "<label for=\"");
	out_attr(ad->b, for_id);
	out_raw_trusted(ad->b, "\">");
	out_text(ad->b, A(ad, text));
	out_raw_trusted(ad->b, "</label>");
}

bool admin_confirmed(struct admin *ad, const char *question, const char *what, const char *back)
{
	const char *c = admin_form(ad, "confirm");
	if (c && strcmp(c, "1") == 0)
		return true;
	struct buf *b = ad->b;
	admin_begin(ad, A(ad, "Confirm"));
	out_raw_trusted(b, "<p class=\"confirm\" id=\"confirm-question\">");
	out_text(b, A(ad, question));
	if (what) {
		out_raw_trusted(b, " <strong>");
		out_text(b, what);
		out_raw_trusted(b, "</strong>");
	}
	out_raw_trusted(b, "</p>");
	admin_form_open(ad, ad->r->path, "card");
	for (size_t i = 0; i < ad->nform; i++)          /* the same post again, confirmed */
		if (strcmp(ad->form[i].key, "csrf") != 0 && strcmp(ad->form[i].key, "confirm") != 0)
			admin_hidden(ad, ad->form[i].key, ad->form[i].val);
	admin_hidden(ad, "confirm", "1");
	admin_button(ad, "Delete", "confirm-delete", NULL);
	out_raw_trusted(b, " <a href=\"");
	out_attr(b, back);
	out_raw_trusted(b, "\" id=\"confirm-cancel\">");
	out_text(b, A(ad, "Cancel"));
	out_raw_trusted(b, "</a></form>");
	admin_end(ad);
	return false;
}

/* ---- the write layer ---- */

bool admin_write_begin(struct admin *ad, struct write_ctx *w)
{
	struct req *r = ad->r;
	if (r->tx) {                     /* one transaction per thread: the write txn replaces the read one */
		store_abort(r->tx);
		r->tx = NULL;
	}
	ad->tx = NULL;
	memset(w, 0, sizeof *w);
	enum bc_err e = store_begin_write(r->store, r->arena, &w->t);
	if (e != BC_OK) {
		admin_error_page(ad, 503, A(ad, "The store cannot be written right now."));
		return false;
	}
	w->a = r->arena;
	w->actor = arena_printf(r->arena, "admin:%s", ad->user.email ? ad->user.email : "-");
	return true;
}

bool admin_write_commit(struct admin *ad, struct write_ctx *w)
{
	enum bc_err e = store_commit(w->t);
	w->t = NULL;
	ad->tx = req_tx(ad->r);          /* pages rendered after a write read the new state */
	if (e != BC_OK) {
		log_warnx("admin %s: commit failed: %s", ad->r->path, bc_strerror(e));
		admin_error_page(ad, 503, A(ad, "The change was not saved."));
		return false;
	}
	return true;
}

void admin_write_fail(struct admin *ad, struct write_ctx *w, enum bc_err e)
{
	if (w->t)
		store_abort(w->t);
	w->t = NULL;
	int status = e == BC_INVALID || e == BC_TOOBIG ? 422 : e == BC_NOTFOUND ? 404 : e == BC_CONFLICT ? 409 : 503;
	admin_error_page(ad, status, w->err[0] ? w->err : bc_strerror(e));
}

/* ---- times in the page's zone (zone.c; never the process TZ) ---- */

bool admin_parse_local(struct admin *ad, const char *s, int64_t *out)
{
	int y, mo, d, h, mi;
	char tail;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
		return false;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59)
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	*out = zone_to_ms(ad->tz, &tm);
	return true;
}

const char *admin_local_input(struct admin *ad, int64_t ms)
{
	struct tm tm;
	zone_local(ad->tz, ms, &tm);
	return arena_printf(ad->a, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	                    tm.tm_hour, tm.tm_min);
}

const char *admin_local_text(struct admin *ad, int64_t ms)
{
	if (ms == 0)
		return "—";
	struct tm tm;
	zone_local(ad->tz, ms, &tm);
	return arena_printf(ad->a, "%04d-%02d-%02d %02d:%02d %s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	                    tm.tm_hour, tm.tm_min, tm.tm_zone ? tm.tm_zone : "");
}

/* ---- the dispatcher ---- */

static const char *pick_lang(struct admin *ad)
{
	const char *q = req_query(ad->r, "lang");
	if (q && (strcmp(q, "en") == 0 || strcmp(q, "es") == 0)) {
		resp_header(ad->r, "Set-Cookie", arena_printf(ad->a, "__Host-beacon_lang=%s; Path=/; Secure; SameSite=Strict", q));
		return q;
	}
	const char *c = cookie_get(ad, "__Host-beacon_lang");
	if (c && (strcmp(c, "en") == 0 || strcmp(c, "es") == 0))
		return c;
	const char *al = req_header(ad->r, "Accept-Language");
	if (al && strncmp(al, "es", 2) == 0)
		return "es";
	const char *langs, *dflt;
	route_page_languages(ad->r, &langs, &dflt);
	return strcmp(dflt, "es") == 0 ? "es" : "en";
}

/* A state-changing request must come from our own pages: Sec-Fetch-Site same-origin, or (older
 * clients) an Origin naming this host. */
static bool same_origin(struct admin *ad)
{
	const char *sfs = req_header(ad->r, "Sec-Fetch-Site");
	const char *origin = req_header(ad->r, "Origin");
	if (sfs)
		return strcmp(sfs, "same-origin") == 0;
	const char *host = req_header(ad->r, "Host");
	if (origin == NULL || host == NULL)
		return false;
	const char *p = strstr(origin, "://");
	if (p == NULL || (strncmp(origin, "http://", 7) != 0 && strncmp(origin, "https://", 8) != 0))
		return false;
	p += 3;
	if (strcmp(p, host) == 0)
		return true;
	/* nginx's fastcgi_params pass $host, which has no port: then the host names must match */
	const char *colon = strrchr(p, ':');
	return strchr(host, ':') == NULL && colon && strlen(host) == (size_t)(colon - p) &&
	       strncmp(p, host, (size_t)(colon - p)) == 0;
}

static bool csrf_ok(struct admin *ad)
{
	const char *got = admin_form(ad, "csrf");
	if (got == NULL)
		return false;
	if (ad->signed_in && !(ad->rt->flags & AR_PUBLIC))
		return auth_equal(got, ad->sess.csrf);
	const char *pre = cookie_get(ad, ADMIN_PRE_COOKIE);
	if (pre == NULL || strlen(pre) != 64)
		return false;
	char want[65];
	auth_hmac_hex(admin_server_key(ad), arena_printf(ad->a, "login|%s", pre), want);
	return auth_equal(got, want);
}

/* Loads the session of the cookie and its user; a session whose user is gone, changed epoch or lost
 * the account is dropped. */
static void load_session(struct admin *ad)
{
	const char *id = cookie_get(ad, ADMIN_COOKIE);
	if (id == NULL || strlen(id) != 64)
		return;
	if (!admin_session_load(ad, id, &ad->sess))
		return;
	if (user_get(ad->tx, ad->a, ad->sess.email, &ad->user) != BC_OK || ad->user.epoch != ad->sess.epoch ||
	    ad->user.role == ROLE_NONE) {
		admin_session_drop(ad, ad->sess.key);
		memset(&ad->sess, 0, sizeof ad->sess);
		return;
	}
	ad->signed_in = true;
}

/* The sign-in counters: per account (a hash of the email, bounded key) and per client address. */
static void signin_keys(struct admin *ad, const char *email, char acct[32], char addr[32])
{
	char norm[USER_EMAIL_MAX + 1], h[65];
	if (email == NULL || !user_email_normal(email, norm))
		snprintf(norm, sizeof norm, "-");
	auth_sha256_hex(norm, strlen(norm), h);
	snprintf(acct, 32, "sa:%.26s", h);
	const char *ip = req_env(ad->r, "REMOTE_ADDR");
	snprintf(addr, 32, "si:%.28s", ip ? ip : "-");
}

static const char *signin_email(struct admin *ad)
{
	return ad->signed_in ? ad->sess.email : admin_form(ad, "email");
}

void admin_signin_failed(struct admin *ad, const char *email)
{
	char acct[32], addr[32];
	int retry;
	signin_keys(ad, email, acct, addr);
	int64_t now = now_ms();
	(void)ratelimit_take(acct, ADMIN_FAILS_PER_ACCOUNT, now, &retry);
	(void)ratelimit_take(addr, ADMIN_FAILS_PER_ADDRESS, now, &retry);
	char esc[300];
	log_warnx("admin: failed sign-in for %s", log_escape(esc, sizeof esc, email ? email : "-"));
}

/* Before a sign-in step: 429 when the account or the address had too many failures lately. */
static bool signin_allowed(struct admin *ad)
{
	char acct[32], addr[32];
	int ra = 0, rb = 0;
	signin_keys(ad, signin_email(ad), acct, addr);
	int64_t now = now_ms();
	bool ok_a = ratelimit_allows(acct, ADMIN_FAILS_PER_ACCOUNT, now, &ra);
	bool ok_b = ratelimit_allows(addr, ADMIN_FAILS_PER_ADDRESS, now, &rb);
	if (ok_a && ok_b)
		return true;
	char *ra_s = arena_printf(ad->a, "%d", ra > rb ? ra : rb);
	resp_header(ad->r, "Retry-After", ra_s);
	admin_error_page(ad, 429, arena_printf(ad->a, "%s (%s s)", A(ad, "Too many failed sign-ins. Try again later."), ra_s));
	return false;
}

bool admin_body_binary(const char *method, const char *path, size_t *body_max)
{
	for (const struct admin_route *rt = admin_routes; rt->path; rt++)
		if ((rt->flags & AR_BINARY) && strcmp(rt->method, method) == 0 && strcmp(rt->path, path) == 0) {
			*body_max = (size_t)AR_BODY_KB(rt->flags) * 1024;
			return true;
		}
	return false;
}

static const struct admin_route *find_route(struct req *r, bool *other_method)
{
	*other_method = false;
	const char *m = r->head ? "GET" : r->method;
	if (strcmp(m, "HEAD") == 0)
		m = "GET";
	for (const struct admin_route *rt = admin_routes; rt->path; rt++)
		if (strcmp(rt->path, r->path) == 0) {
			if (strcmp(rt->method, m) == 0)
				return rt;
			*other_method = true;
		}
	return NULL;
}

/* A multipart/form-data post (a file upload): plain fields into the form, the one file part into
 * ad->upload (v1's parser, api_v1_input.c); false after a 400 page. */
static bool admin_multipart(struct admin *ad)
{
	struct v1_input_part parts[ADMIN_MAXFORM];
	size_t n;
	const char *why = v1_input_multipart(ad->a, ad->r->content_type, ad->r->body, ad->r->body_len, parts,
	                                     ADMIN_MAXFORM, &n);
	if (why) {
		admin_error_page(ad, 400, why);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (parts[i].filename) {
			ad->upload = parts[i].data;
			ad->upload_len = parts[i].len;
			ad->upload_field = parts[i].name;
		} else {
			const char *v = arena_strndup(ad->a, parts[i].data, parts[i].len);
			if (strlen(v) != parts[i].len) {    /* only an AR_BINARY route's file part may hold NUL */
				admin_error_page(ad, 400, A(ad, "A form field holds a NUL byte."));
				return false;
			}
			ad->form[ad->nform].key = parts[i].name;
			ad->form[ad->nform].val = v;
			ad->nform++;
		}
	}
	return true;
}

void admin_dispatch(struct req *r)
{
	struct admin *ad = arena_alloc(r->arena, sizeof *ad);
	ad->r = r;
	ad->a = r->arena;
	ad->b = &r->body_out;
	r->status = 200;
	r->cache_control = "no-store";
	r->csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	         "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
	resp_header(r, "X-Frame-Options", "DENY");
	resp_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	ad->tz = zone_utc();
	ad->lang = pick_lang(ad);
	ad->page_name = r->cfg->page_name[0] ? r->cfg->page_name : "Status";
	ad->readonly = app_readonly(r->app);
	if (strcmp(r->path, "/admin/") == 0) {
		admin_redirect(ad, "/admin", NULL);
		return;
	}
	bool other;
	const struct admin_route *rt = find_route(r, &other);
	if (rt == NULL) {
		if (other)
			resp_header(r, "Allow", strcmp(r->method, "POST") == 0 ? "GET, HEAD" : "POST");
		admin_error_page(ad, other ? 405 : 404, A(ad, other ? "This address does not accept that method."
		                                                    : "There is nothing at this address."));
		return;
	}
	ad->rt = rt;
	if (r->store == NULL || (ad->tx = req_tx(r)) == NULL) {
		resp_header(r, "Retry-After", "5");
		admin_error_page(ad, 503, A(ad, "The store cannot be read right now."));
		return;
	}
	struct page_settings ps;
	ad->zone = r->cfg->time_zone[0] ? r->cfg->time_zone : "UTC";
	if (store_page_get(ad->tx, &ps) == BC_OK) {
		if (ps.name && ps.name[0])
			ad->page_name = ps.name;
		if (ps.time_zone && ps.time_zone[0])
			ad->zone = ps.time_zone;
	}
	ad->tz = zone_or_utc(ad->zone);
	load_session(ad);
	bool post = strcmp(rt->method, "POST") == 0;
	bool multipart = r->content_type && strncasecmp(r->content_type, "multipart/form-data", 19) == 0;
	if (post) {
		/* the form first: every check below may need it; the origin check before anything else */
		if (!same_origin(ad)) {
			admin_error_page(ad, 403, A(ad, "This form was not sent from this site's admin pages."));
			return;
		}
		if (r->content_type && strncmp(r->content_type, "application/x-www-form-urlencoded", 33) == 0 && r->body)
			ad->nform = form_parse(r->arena, arena_strndup(r->arena, r->body, r->body_len), ad->form, ADMIN_MAXFORM);
		else if (multipart && r->body && !admin_multipart(ad))
			return;
	}
	if (!(rt->flags & AR_PUBLIC)) {
		if (!ad->signed_in) {
			if (post)
				admin_error_page(ad, 403, A(ad, "Your session has ended. Sign in again."));
			else
				admin_redirect(ad, "/admin/login", NULL);
			return;
		}
		if (ad->sess.stage != STAGE_FULL && !(rt->flags & AR_PARTIAL)) {
			admin_redirect(ad, ad->sess.stage == STAGE_TOTP ? "/admin/login/totp" : "/admin/account", NULL);
			return;
		}
		if (ad->user.role < rt->role) {
			admin_error_page(ad, 403, A(ad, "Your role does not allow this."));
			return;
		}
	}
	if (post && !csrf_ok(ad)) {
		admin_error_page(ad, 403, A(ad, "This form has expired. Reload the page and try again."));
		return;
	}
	if ((rt->flags & AR_SIGNIN) && !signin_allowed(ad))
		return;
	if ((rt->flags & AR_WRITE) && ad->readonly) {
		resp_header(r, "Retry-After", "60");
		admin_error_page(ad, 503, A(ad, "This is a secondary: the admin is read-only here. Make changes on the primary."));
		return;
	}
	if (post && (rt->flags & AR_BINARY) && !multipart) {   /* a binary body is only ever a file upload */
		admin_error_page(ad, 415, A(ad, "Send this form as multipart/form-data (a file upload)."));
		return;
	}
	rt->fn(ad);
}
