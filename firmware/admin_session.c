/* admin_session.c: admin sessions in a local LMDB env (<store>/admin-sessions): ids hashed, idle and absolute expiry. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "admin.h"
#include "auth.h"
#include "log.h"

/* Sessions live apart from the page's store: signing in or a page view never bumps the store's
 * generation (which drives re-renders and replication), and a secondary keeps its own. */
static struct store *sess_store;
static char sess_key[65];
static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;

#define SEEN_EVERY_MS 60000          /* "seen" is written at most once a minute per session */

static struct store *env(struct admin *ad)
{
	pthread_mutex_lock(&sess_mu);
	if (sess_store == NULL) {
		const char *path = arena_printf(ad->a, "%s/admin-sessions", ad->r->cfg->store);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			log_warnx("admin: cannot create %s: %s", path, strerror(errno));
		else if (store_open(&sess_store, path, STORE_CREATE) != BC_OK)
			sess_store = NULL;
	}
	struct store *s = sess_store;
	pthread_mutex_unlock(&sess_mu);
	return s;
}

static struct stx *begin(struct admin *ad, bool write)
{
	struct store *s = env(ad);
	struct stx *t = NULL;
	if (s == NULL)
		return NULL;
	if ((write ? store_begin_write(s, ad->a, &t) : store_begin_read(s, ad->a, &t)) != BC_OK)
		return NULL;
	return t;
}

static bool put_session(struct stx *t, const struct admin_session *s)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:i}", "email", s->email, "epoch", (json_int_t)s->epoch,
	                      "created", (json_int_t)s->created, "seen", (json_int_t)s->seen, "csrf", s->csrf,
	                      "stage", (int)s->stage);
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	bool ok = js && store_kv_put(t, "s", s->key, js, strlen(js)) == BC_OK;
	free(js);
	return ok;
}

bool admin_session_create(struct admin *ad, const char *email, int64_t epoch, enum admin_stage stage, char id_out[65])
{
	struct admin_session s = { .email = email, .epoch = epoch, .stage = stage };
	char csrf[65];
	if (!auth_random_hex(id_out, 32) || !auth_random_hex(csrf, 32))
		return false;
	auth_sha256_hex(id_out, 64, s.key);
	s.csrf = csrf;
	s.created = s.seen = now_ms();
	struct stx *t = begin(ad, true);
	if (t == NULL)
		return false;
	if (!put_session(t, &s)) {
		store_abort(t);
		return false;
	}
	if (store_commit(t) != BC_OK)
		return false;
	ad->sess = s;
	ad->sess.email = arena_strdup(ad->a, email);
	ad->sess.csrf = arena_strdup(ad->a, csrf);
	return true;
}

void admin_session_drop(struct admin *ad, const char *key)
{
	struct stx *t = begin(ad, true);
	if (t == NULL)
		return;
	if (store_kv_del(t, "s", key) == BC_OK)
		store_commit(t);
	else
		store_abort(t);
}

bool admin_session_load(struct admin *ad, const char *id, struct admin_session *out)
{
	memset(out, 0, sizeof *out);
	auth_sha256_hex(id, strlen(id), out->key);
	struct stx *t = begin(ad, false);
	if (t == NULL)
		return false;
	const void *v;
	size_t len;
	enum bc_err e = store_kv_get(t, "s", out->key, &v, &len);
	json_t *o = e == BC_OK ? json_loadb(v, len, 0, NULL) : NULL;
	store_abort(t);
	if (o == NULL)
		return false;
	const char *email = json_string_value(json_object_get(o, "email"));
	const char *csrf = json_string_value(json_object_get(o, "csrf"));
	out->email = email ? arena_strdup(ad->a, email) : NULL;
	out->csrf = csrf ? arena_strdup(ad->a, csrf) : NULL;
	out->epoch = json_integer_value(json_object_get(o, "epoch"));
	out->created = json_integer_value(json_object_get(o, "created"));
	out->seen = json_integer_value(json_object_get(o, "seen"));
	out->stage = (enum admin_stage)json_integer_value(json_object_get(o, "stage"));
	json_decref(o);
	int64_t now = now_ms();
	if (out->email == NULL || out->csrf == NULL || now - out->seen > ADMIN_IDLE_MS ||
	    now - out->created > ADMIN_ABSOLUTE_MS || now < out->created - 60000) {
		admin_session_drop(ad, out->key);
		return false;
	}
	if (now - out->seen > SEEN_EVERY_MS && (t = begin(ad, true)) != NULL) {
		out->seen = now;
		if (put_session(t, out))
			store_commit(t);
		else
			store_abort(t);
	}
	return true;
}

bool admin_session_stage(struct admin *ad, enum admin_stage stage)
{
	struct stx *t = begin(ad, true);
	if (t == NULL)
		return false;
	ad->sess.stage = stage;
	if (!put_session(t, &ad->sess)) {
		store_abort(t);
		return false;
	}
	return store_commit(t) == BC_OK;
}

int64_t admin_totp_last(struct admin *ad, const char *email)
{
	struct stx *t = begin(ad, false);
	if (t == NULL)
		return INT64_MAX;           /* cannot check replay: refuse every code */
	const void *v;
	size_t len;
	int64_t step = 0;
	if (store_kv_get(t, "totp", email, &v, &len) == BC_OK && len == sizeof step)
		memcpy(&step, v, sizeof step);
	store_abort(t);
	return step;
}

void admin_totp_used(struct admin *ad, const char *email, int64_t step)
{
	struct stx *t = begin(ad, true);
	if (t == NULL)
		return;
	if (store_kv_put(t, "totp", email, &step, sizeof step) == BC_OK)
		store_commit(t);
	else
		store_abort(t);
}

const char *admin_server_key(struct admin *ad)
{
	pthread_mutex_lock(&sess_mu);
	bool have = sess_key[0] != '\0';
	pthread_mutex_unlock(&sess_mu);
	if (have)
		return sess_key;
	char key[65] = "";
	struct stx *t = begin(ad, true);
	if (t) {
		const void *v;
		size_t len;
		if (store_kv_get(t, "k", "csrf", &v, &len) == BC_OK && len == 64) {
			memcpy(key, v, 64);
			key[64] = '\0';
			store_abort(t);
		} else if (auth_random_hex(key, 32) && store_kv_put(t, "k", "csrf", key, 64) == BC_OK) {
			store_commit(t);
		} else {
			store_abort(t);
			key[0] = '\0';
		}
	}
	pthread_mutex_lock(&sess_mu);
	if (sess_key[0] == '\0' && key[0])
		memcpy(sess_key, key, sizeof key);
	pthread_mutex_unlock(&sess_mu);
	return sess_key[0] ? sess_key : "beacon-no-session-store";
}
