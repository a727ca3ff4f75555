/* api_v1_postmortem.c: v1 edits of past incident updates and the postmortem endpoints. */
#include <stdio.h>
#include <string.h>
#include "api_v1.h"

/* PATCH/PUT …/incidents/:id/incident_updates/:uid — body and display_at; never status or components. */
void v1_update_edit(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct incident inc;
	struct incident_update u;
	struct jw w;
	if (!v1_check(r) || !v1_input_req(r, V1R_UPDATE, false, &in) || !v1_write(r, &c) ||
	    !v1_load_incident(&c, &inc))
		return;
	const char *uid = v1_param(r, 2);
	enum bc_err e = store_update_get(c.t, inc.id, uid, &u);
	if (e != BC_OK) {
		v1_fail(&c, e == BC_NOTFOUND ? 404 : 500, "incident update not found: %.40s", uid);
		return;
	}
	if (in.v[UF_BODY].set)
		u.body = in.v[UF_BODY].s;
	if (in.v[UF_DISPLAY_AT].set)
		u.display_at = in.v[UF_DISPLAY_AT].t;
	if (in.v[UF_DELIVER_NOTIFICATIONS].set)
		u.quiet = !in.v[UF_DELIVER_NOTIFICATIONS].b;
	u.updated_at = c.v.now;
	if ((e = store_update_put(c.t, &u)) != BC_OK || (e = store_update_get(c.t, inc.id, uid, &u)) != BC_OK) {
		v1_fail_err(&c, e, "cannot save the incident update");
		return;
	}
	v1_json_begin(r, &w, 200);
	sp_write_update(&w, NULL, &c.v, &u);
	if (!v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the incident update");
		return;
	}
	v1_commit(&c, "incident_update.update", u.id, inc.id);
}

/* The v1 Postmortem object: the published body and the draft being edited are separate texts. */
static void write_postmortem(struct jw *w, const struct sp_view *v, const struct incident *inc)
{
	bool published = inc->postmortem_published_at != 0;
	jw_obj_open(w, NULL);
	jw_null(w, "preview_key");
	jw_str(w, "body", published ? inc->postmortem_body : NULL);
	sp_write_time(w, v, "body_updated_at", published ? inc->postmortem_published_at : 0);
	jw_str(w, "body_draft", inc->postmortem_draft);
	sp_write_time(w, v, "body_draft_updated_at", inc->updated_at);
	sp_write_time(w, v, "published_at", inc->postmortem_published_at);
	jw_bool(w, "notify_subscribers", false);
	jw_bool(w, "notify_twitter", false);
	jw_null(w, "custom_tweet");
	sp_write_time(w, v, "created_at", inc->updated_at);
	sp_write_time(w, v, "updated_at", inc->updated_at);
	jw_obj_close(w);
}

static const char *const NO_POSTMORTEM = "Requested Postmortem could not be found";

void v1_postmortem_get(struct req *r)
{
	struct v1_ctx c;
	struct incident inc;
	struct jw w;
	if (!v1_check(r) || !v1_read(r, &c) || !v1_load_incident(&c, &inc))
		return;
	if (inc.postmortem_body == NULL && inc.postmortem_draft == NULL) {
		resp_json_error(r, 404, "%s", NO_POSTMORTEM);
		return;
	}
	v1_json_begin(r, &w, 200);
	write_postmortem(&w, &c.v, &inc);
	v1_json_end(r, &w);
}

enum pm_op { PM_PUT, PM_PUBLISH, PM_REVERT, PM_DELETE };

static void postmortem_write(struct req *r, enum pm_op op)
{
	static const char *const actions[] = { "postmortem.update", "postmortem.publish",
	                                       "postmortem.revert", "postmortem.delete" };
	struct v1_input in;
	struct v1_ctx c;
	struct incident inc;
	struct jw w;
	if (!v1_check(r))
		return;
	if ((op == PM_PUT && !v1_input_req(r, V1R_POSTMORTEM, true, &in)) ||
	    (op == PM_PUBLISH && !v1_input_req(r, V1R_PUBLISH, false, &in)))
		return;
	if (!v1_write(r, &c) || !v1_load_incident(&c, &inc))
		return;
	if ((op == PM_PUBLISH && inc.postmortem_draft == NULL) ||
	    (op != PM_PUT && inc.postmortem_draft == NULL && inc.postmortem_body == NULL)) {
		v1_fail(&c, 404, "%s", NO_POSTMORTEM);
		return;
	}
	if (op == PM_PUBLISH && !inc_status_is_closed(inc.status)) {
		v1_fail(&c, 409, "incident status is %s: a postmortem is published after the incident is resolved",
		        inc_status_name(inc.status));
		return;
	}
	switch (op) {
	case PM_PUT:
		inc.postmortem_draft = in.v[MF_BODY_DRAFT].s;   /* readers keep the published text */
		break;
	case PM_PUBLISH:
		inc.postmortem_body = inc.postmortem_draft;
		inc.postmortem_published_at = c.v.now;
		break;
	case PM_REVERT:
		inc.postmortem_body = NULL;
		inc.postmortem_published_at = 0;
		break;
	case PM_DELETE:
		inc.postmortem_body = inc.postmortem_draft = NULL;
		inc.postmortem_published_at = 0;
		break;
	}
	enum bc_err e = store_incident_put(c.t, &inc);
	if (e == BC_OK)
		e = store_incident_get(c.t, inc.id, &inc);
	if (e != BC_OK) {
		v1_fail_err(&c, e, "cannot save the postmortem");
		return;
	}
	if (op == PM_DELETE) {
		r->status = 204;
		buf_reset(&r->body_out);
	} else {
		v1_json_begin(r, &w, 200);
		write_postmortem(&w, &c.v, &inc);
		if (!v1_json_end(r, &w)) {
			v1_fail(&c, 500, "could not serialize the postmortem");
			return;
		}
	}
	v1_commit(&c, actions[op], inc.id, inc.name);
}

void v1_postmortem_put(struct req *r)
{
	postmortem_write(r, PM_PUT);
}

void v1_postmortem_publish(struct req *r)
{
	postmortem_write(r, PM_PUBLISH);
}

void v1_postmortem_revert(struct req *r)
{
	postmortem_write(r, PM_REVERT);
}

void v1_postmortem_delete(struct req *r)
{
	postmortem_write(r, PM_DELETE);
}
