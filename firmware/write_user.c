/* write_user.c: the write layer for admin users, API tokens, incident templates and admin settings (audit and outbox included). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "users.h"
#include "write.h"

void write_user_change_init(struct user_change *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->role = WRITE_KEEP;
}

/* The event's view of a user: never a secret or a hash. */
static char *user_json(struct write_ctx *w, const struct user *u)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:i, s:I}", "id", u->id, "email", u->email,
	                      "role", user_role_name(u->role), "two_factor", u->totp_secret != NULL,
	                      "recovery_codes", (int)u->nrecovery, "epoch", (json_int_t)u->epoch);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	char *copy = s ? arena_strdup(w->a, s) : NULL;
	free(s);
	return copy;
}

static size_t owners(struct write_ctx *w)
{
	struct user *us;
	size_t n, k = 0;
	if (user_list(w->t, w->a, &us, &n) != BC_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		k += us[i].role == ROLE_OWNER;
	return k;
}

static enum bc_err put(struct write_ctx *w, const struct user *u)
{
	char *s = user_encode(u);
	if (s == NULL)
		return write_refuse(w, BC_STORE, NULL, "cannot encode the user");
	enum bc_err e = store_kv_put(w->t, "user", u->email, s, strlen(s));
	free(s);
	return e == BC_OK ? BC_OK : write_refuse(w, e, NULL, "cannot store the user");
}

enum bc_err write_user(struct write_ctx *w, struct user_change *ch, struct user *out)
{
	char email[USER_EMAIL_MAX + 1];
	if (ch->email == NULL || !user_email_normal(ch->email, email))
		return write_refuse(w, BC_INVALID, "email", "not an email address");
	struct user u, before;
	enum bc_err e = user_get(w->t, w->a, email, &before);
	if (e != BC_OK && e != BC_NOTFOUND)
		return write_refuse(w, e, NULL, "cannot read the user");
	bool exists = e == BC_OK;
	if (ch->create && exists)
		return write_refuse(w, BC_CONFLICT, "email", "a user with this email exists");
	if (!ch->create && !exists)
		return write_refuse(w, BC_NOTFOUND, "email", "no such user");
	int64_t now = write_now(w);
	if (exists) {
		u = before;
	} else {
		memset(&u, 0, sizeof u);
		store_new_id(u.id);
		u.email = arena_strdup(w->a, email);
		u.role = ROLE_VIEWER;
		u.created_at = now;
		u.epoch = 1;
		if (ch->password_hash == NULL)
			return write_refuse(w, BC_INVALID, "password", "a new user needs a password");
		if (ch->role == WRITE_KEEP)
			return write_refuse(w, BC_INVALID, "role", "a new user needs a role");
	}
	if (ch->role != WRITE_KEEP) {
		if (ch->role < ROLE_VIEWER || ch->role > ROLE_OWNER)
			return write_refuse(w, BC_INVALID, "role", "must be owner, editor or viewer");
		if (exists && before.role == ROLE_OWNER && ch->role != ROLE_OWNER && owners(w) <= 1)
			return write_refuse(w, BC_CONFLICT, "role", "the last owner cannot stop being an owner");
		u.role = (enum user_role)ch->role;
	}
	if (ch->password_hash) {
		if (strncmp(ch->password_hash, "$argon2id$", 10) != 0 || strlen(ch->password_hash) >= AUTH_HASH_MAX)
			return write_refuse(w, BC_INVALID, "password", "not an argon2id hash");
		u.password_hash = ch->password_hash;
		if (exists)
			u.epoch++;                          /* a new password ends the other sessions */
	}
	if (ch->set_totp_pending)
		u.totp_pending = ch->totp_pending;
	if (ch->set_totp) {
		u.totp_secret = ch->totp_secret;
		u.totp_pending = NULL;
		if (ch->totp_secret == NULL) {
			u.nrecovery = 0;
			u.recovery = NULL;
		}
	}
	if (ch->set_recovery) {
		if (ch->nrecovery > 16)
			return write_refuse(w, BC_INVALID, "recovery", "at most 16 recovery codes");
		u.nrecovery = ch->nrecovery;
		u.recovery = ch->recovery;
	}
	if (ch->use_recovery) {
		size_t k = 0;
		bool found = false;
		const char **left = arena_alloc(w->a, (u.nrecovery + 1) * sizeof *left);
		for (size_t i = 0; i < u.nrecovery; i++) {
			if (!found && auth_equal(u.recovery[i], ch->use_recovery))
				found = true;
			else
				left[k++] = u.recovery[i];
		}
		if (!found)
			return write_refuse(w, BC_NOTFOUND, "recovery", "not a recovery code of this user");
		u.recovery = left;
		u.nrecovery = k;
	}
	if (ch->new_epoch)
		u.epoch++;
	u.updated_at = now;
	if ((e = put(w, &u)) != BC_OK)
		return e;
	if ((e = write_event(w, exists ? "user.updated" : "user.created", "user", u.id,
	                     exists ? user_json(w, &before) : NULL, user_json(w, &u), false, u.email)) != BC_OK)
		return e;
	if (out)
		*out = u;
	return BC_OK;
}

enum bc_err write_user_delete(struct write_ctx *w, const char *email_in)
{
	char email[USER_EMAIL_MAX + 1];
	struct user u;
	if (email_in == NULL || !user_email_normal(email_in, email))
		return write_refuse(w, BC_NOTFOUND, "email", "no such user");
	enum bc_err e = user_get(w->t, w->a, email, &u);
	if (e != BC_OK)
		return write_refuse(w, e, "email", e == BC_NOTFOUND ? "no such user" : "cannot read the user");
	if (u.role == ROLE_OWNER && owners(w) <= 1)
		return write_refuse(w, BC_CONFLICT, "email", "the last owner cannot be deleted");
	if ((e = store_kv_del(w->t, "user", email)) != BC_OK)
		return write_refuse(w, e, NULL, "cannot delete the user");
	return write_event(w, "user.deleted", "user", u.id, user_json(w, &u), NULL, false, u.email);
}

enum bc_err write_admin_require_2fa(struct write_ctx *w, bool on)
{
	bool was = user_require_2fa(w->t);
	enum bc_err e = store_kv_put(w->t, "admin", "require_2fa", on ? "1" : "0", 1);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot store the admin settings");
	return write_event(w, "admin.updated", "admin", "", was ? "{\"require_2fa\":true}" : "{\"require_2fa\":false}",
	                   on ? "{\"require_2fa\":true}" : "{\"require_2fa\":false}", false,
	                   on ? "2FA required" : "2FA optional");
}

enum bc_err write_token_create(struct write_ctx *w, enum scope scope, const char *name, char out[TOKEN_TEXT_MAX])
{
	if (scope < SCOPE_READ || scope > SCOPE_INTAKE)
		return write_refuse(w, BC_INVALID, "scope", "must be read, write, admin, replication or intake");
	if (name == NULL || *name == '\0' || strlen(name) > LIM_SHORT || strpbrk(name, "\r\n"))
		return write_refuse(w, BC_INVALID, "name", "1 to 64 characters on one line");
	enum bc_err e = store_token_create(w->t, scope, name, out);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot create the token");
	char id[ID_LEN + 1];
	snprintf(id, sizeof id, "%.12s", out + 3);
	char *after = arena_printf(w->a, "{\"id\":\"%s\",\"scope\":\"%s\"}", id, scope_name(scope));
	return write_event(w, "token.created", "token", id, NULL, after, false, name);
}

enum bc_err write_token_revoke(struct write_ctx *w, const char *id)
{
	enum bc_err e = store_token_revoke(w->t, id);
	if (e != BC_OK)
		return write_refuse(w, e, "id", e == BC_NOTFOUND ? "no such token" : "cannot revoke the token");
	return write_event(w, "token.revoked", "token", id, arena_printf(w->a, "{\"id\":\"%s\"}", id), NULL, false, id);
}

enum bc_err write_template(struct write_ctx *w, const char *name, const char *title, enum inc_status status,
                           const char *body)
{
	if (name == NULL || *name == '\0' || strlen(name) > LIM_SHORT || strpbrk(name, "\r\n"))
		return write_refuse(w, BC_INVALID, "template", "a template name is 1 to 64 characters on one line");
	if (title == NULL || strlen(title) > LIM_NAME || strpbrk(title, "\r\n"))
		return write_refuse(w, BC_INVALID, "name", "at most 255 characters on one line");
	if (body && strlen(body) > LIM_BODY)
		return write_refuse(w, BC_TOOBIG, "body", "at most 65536 bytes");
	if (status > IS_RESOLVED)
		return write_refuse(w, BC_INVALID, "status", "must be investigating, identified, monitoring or resolved");
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "title", title, "status", inc_status_name(status),
	                      "body", body ? body : "");
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (js == NULL)
		return write_refuse(w, BC_STORE, NULL, "cannot encode the template");
	const void *old;
	size_t oldlen;
	bool existed = store_kv_get(w->t, "tmpl", name, &old, &oldlen) == BC_OK;
	enum bc_err e = store_kv_put(w->t, "tmpl", name, js, strlen(js));
	char *after = arena_strdup(w->a, js);
	free(js);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot store the template");
	return write_event(w, existed ? "template.updated" : "template.created", "template", "",
	                   existed ? arena_strndup(w->a, old, oldlen) : NULL, after, false, name);
}

enum bc_err write_template_delete(struct write_ctx *w, const char *name)
{
	const void *old;
	size_t oldlen;
	if (name == NULL || store_kv_get(w->t, "tmpl", name, &old, &oldlen) != BC_OK)
		return write_refuse(w, BC_NOTFOUND, "template", "no such template");
	char *before = arena_strndup(w->a, old, oldlen);
	enum bc_err e = store_kv_del(w->t, "tmpl", name);
	if (e != BC_OK)
		return write_refuse(w, e, NULL, "cannot delete the template");
	return write_event(w, "template.deleted", "template", "", before, NULL, false, name);
}
