/* subscribe.c: subscriber operations with their outbox events, signed subscriber links, and webhook secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/base64.h>
#include "out.h"
#include "sign.h"
#include "subscribe.h"
#include "tlsclient.h"

bool sub_email_ok(const char *s)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	const char *at = strrchr(s, '@');
	if (n < 3 || n > LIM_EMAIL || at == NULL || at == s || at - s > 64)
		return false;
	static const char local_ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-";
	if (strspn(s, local_ok) != (size_t)(at - s) || s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		return false;
	const char *d = at + 1;
	if (strchr(d, '.') == NULL)
		return false;
	size_t label = 0;
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		           (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

bool sub_validate(struct stx *t, const struct sub_input *in, char *why, size_t whylen)
{
	if (in->lang && strcmp(in->lang, "en") != 0 && strcmp(in->lang, "es") != 0) {
		snprintf(why, whylen, "language: must be en or es");
		return false;
	}
	if (in->mode == SUB_EMAIL || (in->email && *in->email)) {
		if (in->email == NULL || *in->email == '\0') {
			snprintf(why, whylen, "email: required for an email subscriber");
			return false;
		}
		if (strlen(in->email) > LIM_EMAIL) {
			snprintf(why, whylen, "email: longer than %d bytes", LIM_EMAIL);
			return false;
		}
		if (!sub_email_ok(in->email)) {
			snprintf(why, whylen, "email: not a valid address");
			return false;
		}
	}
	if (in->mode != SUB_EMAIL) {
		if (in->endpoint == NULL || *in->endpoint == '\0') {
			snprintf(why, whylen, "endpoint: required for a %s subscriber", sub_mode_name(in->mode));
			return false;
		}
		if (strlen(in->endpoint) > LIM_URL) {
			snprintf(why, whylen, "endpoint: longer than %d bytes", LIM_URL);
			return false;
		}
		if (!http_url_ok(in->endpoint)) {
			snprintf(why, whylen, "endpoint: must be an http:// or https:// URL with a host");
			return false;
		}
	}
	if (in->ncomponents > LIM_SUB_COMPONENTS) {
		snprintf(why, whylen, "component_ids: more than %d", LIM_SUB_COMPONENTS);
		return false;
	}
	for (size_t i = 0; i < in->ncomponents; i++) {
		struct component c;
		if (store_component_get(t, in->component_ids[i], &c) != BC_OK) {
			snprintf(why, whylen, "component_ids: no component '%.40s'", in->component_ids[i]);
			return false;
		}
	}
	return true;
}

/* Compact JSON of what an event says about a subscriber (never a secret). */
static char *sub_json(struct arena *a, const struct subscriber *s)
{
	struct buf b;
	struct jw w;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", s->id);
	jw_str(&w, "mode", sub_mode_name(s->mode));
	jw_str(&w, "state", sub_state_name(s->state));
	jw_str(&w, "email", s->email);
	jw_str(&w, "endpoint", s->endpoint);
	jw_str(&w, "lang", s->lang);
	jw_obj_close(&w);
	char *out = arena_strndup(a, b.p ? b.p : "{}", b.len);
	buf_free(&b);
	return out;
}

static enum bc_err sub_event(struct stx *t, struct arena *a, const char *actor, const char *kind,
                             const struct subscriber *before, const struct subscriber *after, bool notify)
{
	struct outbox_event ev = { .actor = (char *)actor, .kind = (char *)kind, .object_type = "subscriber",
	                           .before = before ? sub_json(a, before) : NULL,
	                           .after = after ? sub_json(a, after) : NULL, .notify = notify };
	const struct subscriber *s = after ? after : before;
	snprintf(ev.object_id, sizeof ev.object_id, "%s", s->id);
	ev.summary = s->mode == SUB_EMAIL ? s->email : s->endpoint;
	return store_outbox_append(t, &ev);
}

enum bc_err sub_subscribe(struct stx *t, const char *actor, const struct sub_input *in, struct subscriber *out,
                          bool *existed)
{
	struct arena *a = store_txn_arena(t);
	const char *addr = in->mode == SUB_EMAIL ? in->email : in->endpoint;
	struct subscriber old;
	enum bc_err e = store_subscriber_find(t, in->mode, addr, &old);
	if (e != BC_OK && e != BC_NOTFOUND)
		return e;
	*existed = e == BC_OK;
	if (*existed) {
		/* no silent change: the owner of the address confirms (again); a past unsubscribe or
		 * quarantine is lifted only by that confirmation */
		*out = old;
		if (old.mode != SUB_EMAIL) {
			if (old.state == SUBST_ACTIVE)
				return BC_CONFLICT;
			struct subscriber before = old;
			out->state = SUBST_ACTIVE;
			out->quarantined_at = 0;
			if ((e = store_subscriber_put(t, out)) != BC_OK)
				return e;
			return sub_event(t, a, actor, "subscriber.reactivated", &before, out, false);
		}
		if (old.state == SUBST_UNSUBSCRIBED || old.state == SUBST_QUARANTINED) {
			struct subscriber before = old;
			out->state = SUBST_PENDING;
			out->secret_nonce ^= 0x9e3779b97f4a7c15ULL;     /* old unsubscribe links die */
			if ((e = store_subscriber_put(t, out)) != BC_OK)
				return e;
			return sub_event(t, a, actor, "subscriber.confirmation_requested", &before, out, true);
		}
		return sub_event(t, a, actor, "subscriber.confirmation_requested", &old, &old, true);
	}
	struct subscriber s = { .mode = in->mode, .skip_confirmation = in->skip_confirmation };
	s.email = (char *)(in->email && *in->email ? in->email : NULL);
	s.endpoint = (char *)(in->mode != SUB_EMAIL ? in->endpoint : NULL);
	snprintf(s.lang, sizeof s.lang, "%s", in->lang ? in->lang : "en");
	s.state = in->mode != SUB_EMAIL || in->skip_confirmation ? SUBST_ACTIVE : SUBST_PENDING;
	s.ncomponents = in->ncomponents;
	s.component_ids = arena_alloc(a, (in->ncomponents + 1) * sizeof *s.component_ids);
	for (size_t i = 0; i < in->ncomponents; i++)
		snprintf(s.component_ids[i], sizeof s.component_ids[i], "%s", in->component_ids[i]);
	if ((e = store_subscriber_put(t, &s)) != BC_OK)
		return e;
	if (s.state == SUBST_ACTIVE)
		s.confirmed_at = s.created_at;
	if (s.state == SUBST_ACTIVE && (e = store_subscriber_put(t, &s)) != BC_OK)
		return e;
	*out = s;
	return sub_event(t, a, actor, "subscriber.created", NULL, &s, s.state == SUBST_PENDING);
}

enum bc_err sub_confirm(struct stx *t, const char *actor, struct subscriber *s)
{
	struct subscriber before = *s;
	if (s->state == SUBST_ACTIVE)
		return BC_OK;
	s->state = SUBST_ACTIVE;
	s->confirmed_at = now_ms();
	s->quarantined_at = 0;
	s->unsubscribed_at = 0;
	s->token_nonce += 1;                 /* the confirmation link is single-use */
	enum bc_err e = store_subscriber_put(t, s);
	return e == BC_OK ? sub_event(t, store_txn_arena(t), actor, "subscriber.confirmed", &before, s, false) : e;
}

enum bc_err sub_unsubscribe(struct stx *t, const char *actor, struct subscriber *s)
{
	struct subscriber before = *s;
	if (s->state == SUBST_UNSUBSCRIBED)
		return BC_OK;
	s->state = SUBST_UNSUBSCRIBED;
	s->unsubscribed_at = now_ms();
	s->token_nonce += 1;
	enum bc_err e = store_subscriber_put(t, s);
	return e == BC_OK ? sub_event(t, store_txn_arena(t), actor, "subscriber.unsubscribed", &before, s, false) : e;
}

enum bc_err sub_resend_confirmation(struct stx *t, const char *actor, struct subscriber *s)
{
	if (s->mode != SUB_EMAIL || s->state != SUBST_PENDING)
		return BC_CONFLICT;
	return sub_event(t, store_txn_arena(t), actor, "subscriber.confirmation_requested", s, s, true);
}

enum bc_err sub_quarantine(struct stx *t, const char *actor, struct subscriber *s, const char *reason)
{
	struct subscriber before = *s;
	s->state = SUBST_QUARANTINED;
	s->quarantined_at = now_ms();
	enum bc_err e = store_subscriber_put(t, s);
	(void)reason;
	return e == BC_OK ? sub_event(t, store_txn_arena(t), actor, "subscriber.quarantined", &before, s, true) : e;
}

/* ---- links ---- */

static void token_mac(const unsigned char secret[32], const struct subscriber *s, int purpose, long long expires,
                      unsigned char mac[SIGN_SHA256_LEN])
{
	char msg[128];
	uint64_t nonce = purpose == SUBTOK_CONFIRM ? s->token_nonce : s->secret_nonce;
	int n = snprintf(msg, sizeof msg, "%c|%s|%lld|%llu", purpose, s->id, expires, (unsigned long long)nonce);
	sign_hmac_sha256(secret, 32, msg, (size_t)n, mac);
}

/* Token text: "<purpose><id>.<expiry ms, base 10>.<hex of 16 MAC bytes>". */
void sub_token_make(const unsigned char secret[32], const struct subscriber *s, int purpose, int64_t expires,
                    char out[SUB_TOKEN_MAX])
{
	unsigned char mac[SIGN_SHA256_LEN];
	char hex[33];
	token_mac(secret, s, purpose, (long long)expires, mac);
	sign_hex(mac, 16, hex);
	snprintf(out, SUB_TOKEN_MAX, "%c%s.%lld.%s", purpose, s->id, (long long)expires, hex);
}

enum bc_err sub_token_check(struct stx *t, const char *token, int purpose, int64_t now, struct subscriber *out)
{
	if (token == NULL || strlen(token) >= SUB_TOKEN_MAX || token[0] != purpose)
		return BC_AUTH;
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || dot1 - token - 1 < 1 || dot1 - token - 1 > ID_LEN || strlen(dot2 + 1) != 32)
		return BC_AUTH;
	char id[ID_LEN + 1];
	memcpy(id, token + 1, (size_t)(dot1 - token - 1));
	id[dot1 - token - 1] = '\0';
	char *end;
	long long expires = strtoll(dot1 + 1, &end, 10);
	unsigned char given[16], secret[32], mac[SIGN_SHA256_LEN];
	if (end != dot2 || expires < now || !sign_unhex(dot2 + 1, given, 16))
		return BC_AUTH;
	if (store_notify_secret(t, secret) != BC_OK || store_subscriber_get(t, id, out) != BC_OK)
		return BC_AUTH;
	token_mac(secret, out, purpose, expires, mac);
	return sign_equal(mac, given, 16) ? BC_OK : BC_AUTH;
}

void sub_webhook_secret(const unsigned char secret[32], const struct subscriber *s, unsigned char key[24],
                        char text[SUB_SECRET_TEXT_MAX])
{
	char msg[64];
	unsigned char mac[SIGN_SHA256_LEN];
	int n = snprintf(msg, sizeof msg, "whsec|%s|%llu", s->id, (unsigned long long)s->secret_nonce);
	sign_hmac_sha256(secret, 32, msg, (size_t)n, mac);
	memcpy(key, mac, 24);
	size_t olen = 0;
	memcpy(text, "whsec_", 6);
	mbedtls_base64_encode((unsigned char *)text + 6, SUB_SECRET_TEXT_MAX - 6, &olen, key, 24);
	text[6 + olen] = '\0';
}
