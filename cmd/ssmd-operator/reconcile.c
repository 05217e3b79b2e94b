/* reconcile: hook requests to responses (see reconcile.h). */
#include <stdio.h>
#include <string.h>

#include "cr.h"
#include "kinds.h"
#include "obj.h"
#include "reconcile.h"
#include "status.h"

#define LAST_APPLIED	"metacontroller.k8s.io/last-applied-configuration"
#define RESYNC_FINALIZE	5	/* seconds between finalize polls */

json_t *
reconcile_apply_form(const json_t *o)
{
	const char	*la = obj_str(obj_at(o, "metadata.annotations"),
	    LAST_APPLIED, NULL);
	json_t		*v, *meta, *ann;
	static const char *const keep[] = { "name", "namespace", "labels",
	    "annotations", NULL };
	const char *const *k;

	if (la != NULL && (v = json_loads(la, 0, NULL)) != NULL) {
		if (json_is_object(v))
			return v;
		json_decref(v);
	}
	v = json_deep_copy(o);
	json_object_del(v, "status");
	meta = json_object();
	for (k = keep; *k != NULL; k++)
		if (obj_at(o, "metadata") && json_object_get(obj_at(o,
		    "metadata"), *k))
			json_object_set(meta, *k, json_object_get(obj_at(o,
			    "metadata"), *k));
	if ((ann = json_object_get(meta, "annotations")) != NULL) {
		ann = json_deep_copy(ann);
		json_object_del(ann, LAST_APPLIED);
		json_object_set_new(meta, "annotations", ann);
	}
	json_object_set_new(v, "metadata", meta);
	return v;
}

/* Every observed child, unchanged: what an invalid spec gets, so a typo
 * never tears down a running capture. */
static json_t *
observed_children(const json_t *children)
{
	json_t		*out = json_array(), *m, *o;
	const char	*t, *k;

	json_object_foreach((json_t *)children, t, m) {
		json_object_foreach(m, k, o) {
			json_array_append_new(out, reconcile_apply_form(o));
		}
	}
	return out;
}

static enum reconcile_rc
bad(char *err, size_t len, const char *why)
{
	snprintf(err, len, "%s", why);
	return RECONCILE_BAD_REQUEST;
}

/* The request's shape, and c set up from its parent. */
static enum reconcile_rc
parse(const struct reconcile_in *in, struct cr *c, char *err, size_t len)
{
	json_t	*p = json_object_get(in->req, "parent");
	json_t	*ch = json_object_get(in->req, "children");
	json_t	*rel = json_object_get(in->req, "related");
	json_t	*m;
	int	 k;
	const char *t;

	if (!json_is_object(in->req))
		return bad(err, len, "the request is not a JSON object");
	if (!json_is_object(p))
		return bad(err, len, "parent: missing or not an object");
	if ((ch != NULL && !json_is_object(ch) && !json_is_null(ch)) ||
	    (rel != NULL && !json_is_object(rel) && !json_is_null(rel)))
		return bad(err, len, "children and related must be maps");
	json_object_foreach(ch, t, m)
		if (!json_is_object(m))
			return bad(err, len, "children: each type must be a map");
	json_object_foreach(rel, t, m)
		if (!json_is_object(m))
			return bad(err, len, "related: each type must be a map");
	k = cr_kind_of(obj_str(p, "kind", NULL));
	if (k < 0 || strcmp(obj_str(p, "apiVersion", ""), CR_API) != 0)
		return bad(err, len, "parent: not a kind of " CR_API);
	if (in->kind >= 0 && k != in->kind)
		return bad(err, len, "parent: not the kind this hook serves");
	if (obj_str(p, "metadata.name", NULL) == NULL)
		return bad(err, len, "parent: metadata.name missing");
	cr_init(c, p, in->image);
	c->children = json_is_object(ch) ? ch : NULL;
	c->related = json_is_object(rel) ? rel : NULL;
	c->finalizing = in->hook == RECONCILE_FINALIZE ||
	    json_is_true(json_object_get(in->req, "finalizing"));
	return RECONCILE_OK;
}

json_t *
reconcile_targets(const struct reconcile_in *in)
{
	struct cr	c;
	char		err[64];
	json_t		*t;

	if (in->hook == RECONCILE_CUSTOMIZE ||
	    parse(in, &c, err, sizeof(err)) != RECONCILE_OK)
		return NULL;
	t = status_scrape_targets(&c);
	if (json_object_size(t) == 0) {
		json_decref(t);
		return NULL;
	}
	return t;
}

static enum reconcile_rc
customize(const struct cr *c, json_t **resp)
{
	*resp = obj_kv("relatedResources", kinds_related(c), OBJ_END);
	return RECONCILE_OK;
}

enum reconcile_rc
reconcile_run(const struct reconcile_in *in, json_t **resp, char *err,
    size_t errlen)
{
	struct cr		 c;
	struct kinds_fin	 fin = { 0 };
	json_t			*kids = json_array(), *st;
	enum reconcile_rc	 rc;
	enum cr_rc		 r;
	int			 fz;

	*resp = NULL;
	if ((rc = parse(in, &c, err, errlen)) != RECONCILE_OK)
		goto out;
	if (in->hook == RECONCILE_CUSTOMIZE) {
		rc = customize(&c, resp);
		goto out;
	}
	fz = c.finalizing;
	if (fz && c.kind == CR_ARCHIVER && c.field[0] == '\0')
		r = archiver_finalize(&c, kids, &fin);
	else if (fz) {
		/* Other kinds keep nothing: the garbage collector deletes
		 * their children once the finalizer goes. */
		r = c.field[0] == '\0' ? CR_OK : CR_INVALID;
		fin.finalized = 1;
		fin.reason = "Deleted";
		snprintf(fin.msg, sizeof(fin.msg), "nothing to keep");
	} else
		r = kinds_children(&c, kids);
	if (r == CR_ERROR) {
		snprintf(err, errlen, "out of memory building children");
		rc = RECONCILE_INTERNAL;
		goto out;
	}
	if (r == CR_INVALID) {
		json_decref(kids);
		kids = observed_children(c.children);
		/* An invalid Archiver being deleted must not lose data
		 * either: wait until the spec is fixed. */
		if (fz && c.kind == CR_ARCHIVER) {
			fin.finalized = 0;
			fin.reason = "ConfigInvalid";
			snprintf(fin.msg, sizeof(fin.msg), "fix the spec so the "
			    "final steps can run");
		}
	}
	st = status_build(&c, r == CR_OK, fz ? &fin : NULL, in->scraped,
	    in->now);
	*resp = obj_kv("status", st, "children", kids, OBJ_END);
	kids = NULL;
	if (fz) {
		json_object_set_new(*resp, "resyncAfterSeconds",
		    json_integer(fin.finalized ? 0 : RESYNC_FINALIZE));
		json_object_set_new(*resp, "finalized",
		    json_boolean(fin.finalized));
	}
	rc = RECONCILE_OK;
out:
	json_decref(kids);
	return rc;
}
