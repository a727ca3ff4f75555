/* api_v1_postmortem.c: v1 edits of past incident updates and the postmortem endpoints. */
#include <stdio.h>
#include <string.h>
#include "api_v1.h"

/* PATCH/PUT …/incidents/:id/incident_updates/:uid — body and display_at; never status or components. */
void v1_update_edit(struct req *r)
{
	struct v1_input in;
	struct v1_ctx c;
	struct write_ctx wc;
	struct incident_update u;
	struct jw w;
	if (!v1_check(r) || !v1_input_req(r, V1R_UPDATE, false, &in) || !v1_write(r, &c))
		return;
	struct update_edit ed = { .body = in.v[UF_BODY].set ? in.v[UF_BODY].s : NULL,
	                          .display_at = in.v[UF_DISPLAY_AT].set ? in.v[UF_DISPLAY_AT].t : 0,
	                          .notify = in.v[UF_DELIVER_NOTIFICATIONS].set ? in.v[UF_DELIVER_NOTIFICATIONS].b : WRITE_KEEP };
	snprintf(ed.incident_id, sizeof ed.incident_id, "%s", v1_param(r, 1));
	snprintf(ed.update_id, sizeof ed.update_id, "%s", v1_param(r, 2));
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_update_edit(&wc, &ed, &u);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "incident_update");
		return;
	}
	v1_json_begin(r, &w, 200);
	sp_write_update(&w, NULL, &c.v, &u);
	if (!v1_json_end(r, &w)) {
		v1_fail(&c, 500, "could not serialize the incident update");
		return;
	}
	v1_commit(&c, "incident_update.update", u.id);
}

/* The v1 Postmortem object: the published body and the draft being edited are separate texts. */
static void postmortem_json(struct jw *w, const struct sp_view *v, const struct incident *inc)
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
	postmortem_json(&w, &c.v, &inc);
	v1_json_end(r, &w);
}

static void postmortem_write(struct req *r, enum postmortem_op op)
{
	static const char *const actions[] = { "postmortem.update", "postmortem.publish",
	                                       "postmortem.revert", "postmortem.delete" };
	struct v1_input in;
	struct v1_ctx c;
	struct write_ctx wc;
	struct incident inc;
	struct jw w;
	if (!v1_check(r))
		return;
	if ((op == PM_SAVE_DRAFT && !v1_input_req(r, V1R_POSTMORTEM, true, &in)) ||
	    (op == PM_PUBLISH && !v1_input_req(r, V1R_PUBLISH, false, &in)))
		return;
	if (!v1_write(r, &c) || !v1_load_incident(&c, &inc))
		return;
	v1_write_ctx(&c, &wc);
	enum bc_err e = write_postmortem(&wc, inc.id, op, op == PM_SAVE_DRAFT ? in.v[MF_BODY_DRAFT].s : NULL, false, 0,
	                                 &inc);
	if (e != BC_OK) {
		v1_fail_write(&c, &wc, e, "postmortem");
		return;
	}
	if (op == PM_DELETE) {
		r->status = 204;
		buf_reset(&r->body_out);
	} else {
		v1_json_begin(r, &w, 200);
		postmortem_json(&w, &c.v, &inc);
		if (!v1_json_end(r, &w)) {
			v1_fail(&c, 500, "could not serialize the postmortem");
			return;
		}
	}
	v1_commit(&c, actions[op], inc.id);
}

void v1_postmortem_put(struct req *r)
{
	postmortem_write(r, PM_SAVE_DRAFT);
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
