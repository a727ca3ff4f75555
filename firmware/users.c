/* users.c: reading admin users and their record codec (the write side is write_user.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "users.h"

static const char *const role_names[] = { "none", "viewer", "editor", "owner" };

const char *user_role_name(enum user_role r)
{
	return r >= ROLE_VIEWER && r <= ROLE_OWNER ? role_names[r] : "none";
}

bool user_role_parse(const char *s, enum user_role *out)
{
	for (int i = ROLE_VIEWER; s && i <= ROLE_OWNER; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum user_role)i;
			return true;
		}
	return false;
}

bool user_email_normal(const char *in, char *out)
{
	size_t n = strnlen(in, USER_EMAIL_MAX + 1);
	if (n < 3 || n > USER_EMAIL_MAX)
		return false;
	const char *at = strchr(in, '@');
	if (at == NULL || at == in || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',')
			return false;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return true;
}

char *user_encode(const struct user *u)
{
	json_t *rec = json_array();
	for (size_t i = 0; i < u->nrecovery; i++)
		json_array_append_new(rec, json_string(u->recovery[i]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:I}", "id", u->id, "email", u->email,
	                      "role", user_role_name(u->role), "password", u->password_hash ? u->password_hash : "",
	                      "totp", u->totp_secret ? json_string(u->totp_secret) : json_null(),
	                      "totp_pending", u->totp_pending ? json_string(u->totp_pending) : json_null(),
	                      "recovery", rec, "epoch", (json_int_t)u->epoch, "created_at", (json_int_t)u->created_at,
	                      "updated_at", (json_int_t)u->updated_at);
	if (o == NULL)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static const char *dup_or_null(struct arena *a, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? arena_strdup(a, s) : NULL;
}

enum bc_err user_decode(struct arena *a, const char *json, size_t len, struct user *u)
{
	memset(u, 0, sizeof *u);
	json_t *o = json_loadb(json, len, 0, NULL);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return BC_STORE;
	}
	const char *id = json_string_value(json_object_get(o, "id"));
	snprintf(u->id, sizeof u->id, "%s", id ? id : "");
	u->email = dup_or_null(a, o, "email");
	if (!user_role_parse(json_string_value(json_object_get(o, "role")), &u->role))
		u->role = ROLE_NONE;
	u->password_hash = dup_or_null(a, o, "password");
	u->totp_secret = dup_or_null(a, o, "totp");
	u->totp_pending = dup_or_null(a, o, "totp_pending");
	json_t *rec = json_object_get(o, "recovery");
	u->nrecovery = json_array_size(rec);
	const char **codes = arena_alloc(a, (u->nrecovery + 1) * sizeof *codes);
	for (size_t i = 0; i < u->nrecovery; i++) {
		const char *c = json_string_value(json_array_get(rec, i));
		codes[i] = arena_strdup(a, c ? c : "");
	}
	u->recovery = codes;
	u->epoch = json_integer_value(json_object_get(o, "epoch"));
	u->created_at = json_integer_value(json_object_get(o, "created_at"));
	u->updated_at = json_integer_value(json_object_get(o, "updated_at"));
	json_decref(o);
	return u->email ? BC_OK : BC_STORE;
}

enum bc_err user_get(struct stx *t, struct arena *a, const char *email, struct user *out)
{
	char norm[USER_EMAIL_MAX + 1];
	if (email == NULL || !user_email_normal(email, norm))
		return BC_NOTFOUND;
	const void *v;
	size_t len;
	enum bc_err e = store_kv_get(t, "user", norm, &v, &len);
	if (e != BC_OK)
		return e;
	return user_decode(a, v, len, out);
}

enum bc_err user_list(struct stx *t, struct arena *a, struct user **out, size_t *n)
{
	struct kv_item *items;
	size_t ni;
	enum bc_err e = store_kv_list(t, "user", NULL, USER_MAX, &items, &ni);
	if (e != BC_OK)
		return e;
	*out = NULL;
	*n = 0;
	if (ni == 0)
		return BC_OK;
	struct user *us = arena_alloc(a, ni * sizeof *us);
	size_t k = 0;
	for (size_t i = 0; i < ni; i++)
		if (user_decode(a, items[i].val, items[i].len, &us[k]) == BC_OK)
			k++;
	*out = us;
	*n = k;
	return BC_OK;
}

bool user_require_2fa(struct stx *t)
{
	const void *v;
	size_t len;
	return store_kv_get(t, "admin", "require_2fa", &v, &len) == BC_OK && len == 1 && *(const char *)v == '1';
}
