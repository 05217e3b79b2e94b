/* notifier: a Notifier becomes a ConfigMap (destinations.json, the spec's
 * destinations as ssmd-notify reads them) and a Deployment running
 * ssmd-notify on the source subjects, each destination's Secret mounted
 * read-only at /secrets/<destination name>. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "kinds.h"
#include "obj.h"
#include "pod.h"

static int
in(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int
subject_ok(const char *s)
{
	return kinds_subject_ok(s, 1);
}

static enum cr_rc
check_rule(struct cr *c, const json_t *r, const char *f)
{
	static const char *const ops[] = { "eq", "ne", "gt", "gte", "lt",
	    "lte", "contains", "regex", NULL };
	const char	*op = obj_str(r, "operator", NULL);
	json_t		*v = obj_at(r, "value");
	char		 ff[200], e[200];
	regex_t		 re;
	int		 rc;

	if (!json_is_object(r))
		return cr_bad(c, f, "want {field, operator, value}");
	if (obj_str(r, "field", NULL) == NULL)
		return cr_bad(c, f, "field is required");
	snprintf(ff, sizeof(ff), "%s.operator", f);
	if (op == NULL || !in(op, ops))
		return cr_bad(c, ff, "\"%s\": want eq, ne, gt, gte, lt, lte, "
		    "contains or regex", op ? op : "");
	snprintf(ff, sizeof(ff), "%s.value", f);
	if (!json_is_string(v) && !json_is_number(v))
		return cr_bad(c, ff, "want a string or a number");
	if (strcmp(op, "regex") == 0) {
		if (!json_is_string(v))
			return cr_bad(c, ff, "a regex is a string");
		if ((rc = regcomp(&re, json_string_value(v),
		    REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, &re, e, sizeof(e));
			return cr_bad(c, ff, "the regex does not compile: %s", e);
		}
		regfree(&re);
	}
	return CR_OK;
}

static enum cr_rc
check_dest(struct cr *c, const json_t *d, size_t i)
{
	static const char *const types[] = { "ntfy", "slack", "discord",
	    "email", "webhook", NULL };
	const char	*name = obj_str(d, "name", NULL);
	const char	*type = obj_str(d, "type", NULL);
	json_t		*m = obj_at(d, "match"), *r;
	char		 f[128], ff[160];
	size_t		 j;

	snprintf(f, sizeof(f), "spec.destinations[%zu]", i);
	snprintf(ff, sizeof(ff), "%s.name", f);
	if (name == NULL || !cr_dns_label(name, 63))
		return cr_bad(c, ff, "\"%s\": want a DNS-1123 label (it names "
		    "/secrets/<name>)", name ? name : "");
	snprintf(ff, sizeof(ff), "%s.type", f);
	if (type == NULL || !in(type, types))
		return cr_bad(c, ff, "\"%s\": want ntfy, slack, discord, email "
		    "or webhook", type ? type : "");
	snprintf(ff, sizeof(ff), "%s.secretRef.name", f);
	if (obj_at(d, "secretRef") != NULL &&
	    !cr_dns_label(obj_str(d, "secretRef.name", ""), 253))
		return cr_bad(c, ff, "want a Secret name");
	snprintf(ff, sizeof(ff), "%s.match", f);
	if (json_is_array(m)) {
		json_array_foreach(m, j, r) {
			snprintf(ff, sizeof(ff), "%s.match[%zu]", f, j);
			if (check_rule(c, r, ff) != CR_OK)
				return CR_INVALID;
		}
	} else if (m != NULL && check_rule(c, m, ff) != CR_OK)
		return CR_INVALID;
	return CR_OK;
}

static enum cr_rc
check(struct cr *c)
{
	json_t		*ds = obj_at(c->spec, "destinations"), *d;
	json_t		*subj = obj_at(c->spec, "source.subjects");
	size_t		 i, j;
	char		 f[128];

	if (!json_is_array(subj) || json_array_size(subj) == 0)
		return cr_bad(c, "spec.source.subjects", "at least one subject "
		    "is required");
	if (kinds_strlist(c, "source.subjects", subject_ok) != CR_OK)
		return CR_INVALID;
	if (!json_is_array(ds) || json_array_size(ds) == 0)
		return cr_bad(c, "spec.destinations", "at least one destination "
		    "is required");
	json_array_foreach(ds, i, d) {
		if (check_dest(c, d, i) != CR_OK)
			return CR_INVALID;
		for (j = 0; j < i; j++)
			if (strcmp(obj_str(d, "name", ""), obj_str(
			    json_array_get(ds, j), "name", "")) == 0) {
				snprintf(f, sizeof(f),
				    "spec.destinations[%zu].name", i);
				return cr_bad(c, f, "\"%s\" is also "
				    "destinations[%zu]'s name",
				    obj_str(d, "name", ""), j);
			}
	}
	return CR_OK;
}

enum cr_rc
notifier_children(struct cr *c, json_t *out)
{
	json_t			*ds, *d, *vols, *mnts, *ctr, *spec, *data, *env;
	struct cmds_notify	 o;
	char			*js, *subj, cmname[128], dname[128], hash[65];
	char			 vname[32], path[128];
	const char		*url;
	size_t			 i;

	if (check(c) != CR_OK)
		return CR_INVALID;
	ds = obj_at(c->spec, "destinations");
	kinds_name(c, cmname, sizeof(cmname), "-config");
	kinds_name(c, dname, sizeof(dname), "");
	if ((js = json_dumps(ds, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return CR_ERROR;
	data = obj_kv("destinations.json", obj_sf("%s\n", js), OBJ_END);
	free(js);
	obj_sha256(data, hash);
	vols = obj_arr(obj_kv("name", json_string("config"),
	    "configMap", obj_kv("name", json_string(cmname),
	    "defaultMode", json_integer(POD_MODE_CONFIG), OBJ_END), OBJ_END),
	    obj_kv("name", json_string("state"), "emptyDir", OBJ_EMPTY,
	    OBJ_END), OBJ_AEND);
	mnts = obj_arr(pod_mount("config", POD_CONFIG_DIR, 1),
	    pod_mount("metrics", POD_METRICS_DIR, 0),
	    pod_mount("tmp", "/tmp", 0),
	    pod_mount("state", "/state", 0), OBJ_AEND);
	json_array_foreach(ds, i, d) {
		if (obj_str(d, "secretRef.name", NULL) == NULL)
			continue;
		snprintf(vname, sizeof(vname), "secret-%zu", i);
		snprintf(path, sizeof(path), "/secrets/%s",
		    obj_str(d, "name", ""));
		json_array_append_new(vols, obj_kv("name", json_string(vname),
		    "secret", obj_kv("secretName", json_string(obj_str(d,
		    "secretRef.name", "")), "defaultMode",
		    json_integer(POD_MODE_SECRET), OBJ_END), OBJ_END));
		json_array_append_new(mnts, pod_mount(vname, path, 1));
	}
	url = obj_str(c->spec, "source.natsUrl", KINDS_NATS_URL);
	subj = kinds_join(obj_at(c->spec, "source.subjects"), ",");
	o = (struct cmds_notify){ url, subj, dname };
	env = obj_arr(pod_env("SSMD_METRICS_DIR", POD_METRICS_DIR), OBJ_AEND);
	ctr = pod_container("notify", pod_image(c), cmds_notify(&o), env, mnts,
	    pod_resources(c));
	free(subj);
	spec = pod_spec(c, obj_arr(ctr, OBJ_AEND), vols, pod_image(c), 0);
	json_array_append_new(out, pod_configmap(c, cmname, data));
	/* Recreate: one consumer at a time on the durable. */
	json_array_append_new(out, pod_deployment(c, dname, spec, 1,
	    "Recreate", hash));
	return CR_OK;
}
