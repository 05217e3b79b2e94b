/* signal_cr: a Signal becomes a ConfigMap (signal.yaml, ssmd-signal's
 * configuration) and a Deployment running
 *
 *	ssmd-nats-sub | ssmd-signal --config signal.yaml | ssmd-nats-pub
 *
 * publishing fires as <outputPrefix>.<signalId>.fires.<ticker>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "kinds.h"
#include "obj.h"
#include "pod.h"

/* ssmd-signal's built-in signals (ssmd-signal(1)). */
static const char *const known[] = {
	"spread-tracker", "momentum", "volatility", "volume",
	"volume-1m-30min", NULL	/* the original's name for volume */
};

static int
signal_known(const char *s)
{
	const char *const	*k;

	for (k = known; *k != NULL; k++)
		if (strcmp(*k, s) == 0)
			return 1;
	return 0;
}

static int
glob_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > 128)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._*?[]", *p)))
			return 0;
	return 1;
}

static enum cr_rc
check(struct cr *c)
{
	json_t		*sig = obj_at(c->spec, "signals"), *p, *v;
	const char	*s, *k;
	char		 f[160];
	size_t		 i;

	if (!json_is_array(sig) || json_array_size(sig) == 0)
		return cr_bad(c, "spec.signals", "at least one signal is "
		    "required");
	json_array_foreach(sig, i, v) {
		snprintf(f, sizeof(f), "spec.signals[%zu]", i);
		if ((s = json_string_value(v)) == NULL)
			return cr_bad(c, f, "want a string");
		if (!signal_known(s))
			return cr_bad(c, f, "unknown signal \"%s\" (known: "
			    "spread-tracker, momentum, volatility, volume)", s);
	}
	if ((s = obj_str(c->spec, "source.stream", NULL)) == NULL)
		return cr_bad(c, "spec.source.stream", "required");
	if (!kinds_stream_ok(s))
		return cr_bad(c, "spec.source.stream", "\"%s\" is not a "
		    "JetStream stream name", s);
	s = obj_str(c->spec, "source.filter", NULL);
	if (s != NULL && !kinds_subject_ok(s, 1))
		return cr_bad(c, "spec.source.filter", "\"%s\" is not a NATS "
		    "subject filter", s);
	s = obj_str(c->spec, "outputPrefix", "signals");
	if (!kinds_subject_ok(s, 0))
		return cr_bad(c, "spec.outputPrefix", "\"%s\" is not a NATS "
		    "subject prefix", s);
	s = obj_str(c->spec, "outputStream", "SIGNALS");
	if (!kinds_stream_ok(s))
		return cr_bad(c, "spec.outputStream", "\"%s\" is not a "
		    "JetStream stream name", s);
	if (kinds_strlist(c, "source.tickers", glob_ok) != CR_OK ||
	    kinds_strlist(c, "source.categories", NULL) != CR_OK)
		return CR_INVALID;
	p = obj_at(c->spec, "params");
	if (p != NULL && !json_is_object(p))
		return cr_bad(c, "spec.params", "want a map of signal name to "
		    "parameters");
	json_object_foreach(p, k, v) {
		snprintf(f, sizeof(f), "spec.params.%s", k);
		if (!signal_known(k))
			return cr_bad(c, f, "unknown signal");
		if (!json_is_object(v))
			return cr_bad(c, f, "want a map of parameters");
	}
	return CR_OK;
}

static json_t *
nonempty(const json_t *a)
{
	return json_is_array(a) && json_array_size(a) > 0 ?
	    json_deep_copy(a) : NULL;
}

static char *
signal_yaml(const struct cr *c, const char *url)
{
	json_t	*cats = nonempty(obj_at(c->spec, "source.categories"));
	json_t	*ticks = nonempty(obj_at(c->spec, "source.tickers"));
	json_t	*doc;
	char	*s;

	doc = obj_kv(
	    "nats", obj_kv("url", json_string(url),
		"stream", json_string(obj_str(c->spec, "source.stream", "")),
		"filter", obj_s(obj_str(c->spec, "source.filter", NULL)),
		OBJ_END),
	    "signals", json_deep_copy(obj_at(c->spec, "signals")),
	    "output", obj_kv("prefix", json_string(obj_str(c->spec,
		"outputPrefix", "signals")), OBJ_END),
	    "filters", cats || ticks ? obj_kv("categories", cats,
		"tickers", ticks, OBJ_END) : NULL,
	    "params", obj_copy(obj_at(c->spec, "params")),
	    OBJ_END);
	s = pod_yaml(doc);
	json_decref(doc);
	return s;
}

enum cr_rc
signal_cr_children(struct cr *c, json_t *out)
{
	const char		*url;
	struct cmds_signal	 o;
	char			*y, cmname[128], dname[128], hash[65];
	json_t			*data, *ctr, *vols, *spec;

	if (check(c) != CR_OK)
		return CR_INVALID;
	url = obj_str(c->spec, "source.natsUrl", KINDS_NATS_URL);
	if ((y = signal_yaml(c, url)) == NULL)
		return CR_ERROR;
	kinds_name(c, cmname, sizeof(cmname), "-config");
	kinds_name(c, dname, sizeof(dname), "");
	data = obj_kv("signal.yaml", json_string(y), OBJ_END);
	free(y);
	obj_sha256(data, hash);
	o = (struct cmds_signal){ url, obj_str(c->spec, "source.stream", ""),
	    obj_str(c->spec, "source.filter", NULL),
	    obj_str(c->spec, "outputStream", "SIGNALS"),
	    obj_str(c->spec, "outputPrefix", "signals") };
	ctr = pod_container("signal", pod_image(c), cmds_signal(&o),
	    obj_arr(pod_env("SSMD_METRICS_DIR", POD_METRICS_DIR), OBJ_AEND),
	    obj_arr(pod_mount("config", POD_CONFIG_DIR, 1),
	    pod_mount("metrics", POD_METRICS_DIR, 0),
	    pod_mount("tmp", "/tmp", 0), OBJ_AEND), pod_resources(c));
	vols = obj_arr(obj_kv("name", json_string("config"),
	    "configMap", obj_kv("name", json_string(cmname),
	    "defaultMode", json_integer(POD_MODE_CONFIG), OBJ_END), OBJ_END), OBJ_AEND);
	spec = pod_spec(c, obj_arr(ctr, OBJ_AEND), vols, pod_image(c), 0);
	json_array_append_new(out, pod_configmap(c, cmname, data));
	/* Recreate: two runners at once would fire twice. */
	json_array_append_new(out, pod_deployment(c, dname, spec, 1,
	    "Recreate", hash));
	return CR_OK;
}
