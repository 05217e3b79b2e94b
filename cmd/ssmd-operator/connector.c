/* connector: a Connector becomes a ConfigMap (feed.yaml, env.yaml, the
 * two files ssmd-ws-kalshi reads) and a one-replica Deployment running
 *
 *	ssmd-ws-kalshi | ssmd-stamp | ssmd-nats-pub
 *
 * The feed file is the feed-<feed> ConfigMap's feed.yaml when that
 * exists (Metacontroller brings it as a related object), else one made
 * from the spec.  Credentials reach the pod only as environment
 * variables from Secrets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "kinds.h"
#include "obj.h"
#include "parse.h"
#include "pod.h"
#include "yin.h"

struct conn {
	const char	*feed, *nats_url, *stream, *prefix;
	char		 dstream[80], dprefix[80];
	char		 keyvar[2][96];	/* env names of key id and PEM */
	int		 keys;
	json_t		*env;		/* credential env entries */
};

/* KALSHI_API_KEY from "kalshi": upper case, anything else an underscore. */
static void
env_name(char *out, size_t len, const char *feed, const char *suffix)
{
	size_t	i;

	snprintf(out, len, "%s%s", feed, suffix);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = isalnum((unsigned char)out[i]) ?
		    (char)toupper((unsigned char)out[i]) : '_';
}

static int
env_name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || isdigit((unsigned char)*s))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

#define CONN_CA_DIR	"/etc/ssmd/ca"

/* spec.endpoint.caConfigMap: the CA bundle's ConfigMap and key. */
static const char *
ca_name(const struct cr *c)
{
	return obj_str(c->spec, "endpoint.caConfigMap.name", NULL);
}

static const char *
ca_key(const struct cr *c)
{
	return obj_str(c->spec, "endpoint.caConfigMap.key", "ca.pem");
}

static enum cr_rc
credentials(struct cr *c, struct conn *k)
{
	json_t		*sev = obj_at(c->spec, "secretEnvVars"), *v;
	const char	*sec = obj_str(c->spec, "secretRef.name", NULL);
	const char	*en, *sn, *sk;
	char		 f[128];
	size_t		 i;

	k->env = json_array();
	if (json_is_array(sev) && json_array_size(sev) > 0) {
		json_array_foreach(sev, i, v) {
			en = obj_str(v, "envName", NULL);
			sn = obj_str(v, "secretName", NULL);
			sk = obj_str(v, "secretKey", NULL);
			snprintf(f, sizeof(f), "spec.secretEnvVars[%zu]", i);
			if (en == NULL || sn == NULL || sk == NULL)
				return cr_bad(c, f, "envName, secretName and "
				    "secretKey are required");
			if (!env_name_ok(en))
				return cr_bad(c, f, "envName \"%s\" is not an "
				    "environment variable name", en);
			if (i < 2)
				snprintf(k->keyvar[i], sizeof(k->keyvar[i]),
				    "%s", en);
			json_array_append_new(k->env, pod_env_secret(en, sn, sk));
		}
		k->keys = json_array_size(sev) >= 2;
		return CR_OK;
	}
	if (sec != NULL) {
		env_name(k->keyvar[0], sizeof(k->keyvar[0]), k->feed,
		    "_API_KEY");
		env_name(k->keyvar[1], sizeof(k->keyvar[1]), k->feed,
		    "_PRIVATE_KEY");
		json_array_append_new(k->env, pod_env_secret(k->keyvar[0], sec,
		    obj_str(c->spec, "secretRef.apiKeyField", "api-key")));
		json_array_append_new(k->env, pod_env_secret(k->keyvar[1], sec,
		    obj_str(c->spec, "secretRef.privateKeyField",
		    "private-key")));
		k->keys = 1;
	}
	return CR_OK;
}

static enum cr_rc
check(struct cr *c, struct conn *k)
{
	size_t	i;

	k->feed = obj_str(c->spec, "feed", NULL);
	if (k->feed == NULL)
		return cr_bad(c, "spec.feed", "required");
	if (!parse_feed_name_ok(k->feed) || !cr_dns_label(k->feed, 57))
		return cr_bad(c, "spec.feed", "\"%s\": want a DNS-1123 label "
		    "of at most 57 characters", k->feed);
	/* Defaults follow the seed's samples: PROD_KALSHI, prod.kalshi. */
	snprintf(k->dstream, sizeof(k->dstream), "PROD_%s", k->feed);
	for (i = 0; k->dstream[i] != '\0'; i++)
		k->dstream[i] = isalnum((unsigned char)k->dstream[i]) ?
		    (char)toupper((unsigned char)k->dstream[i]) : '_';
	snprintf(k->dprefix, sizeof(k->dprefix), "prod.%s", k->feed);
	k->nats_url = obj_str(c->spec, "transport.url", KINDS_NATS_URL);
	k->stream = obj_str(c->spec, "transport.stream", k->dstream);
	k->prefix = obj_str(c->spec, "transport.subjectPrefix", k->dprefix);
	if (!kinds_stream_ok(k->stream))
		return cr_bad(c, "spec.transport.stream", "\"%s\" is not a "
		    "JetStream stream name", k->stream);
	if (!kinds_subject_ok(k->prefix, 0))
		return cr_bad(c, "spec.transport.subjectPrefix", "\"%s\" is not "
		    "a NATS subject prefix", k->prefix);
	if (ca_name(c) != NULL && (!cr_dns_label(ca_name(c), 253) ||
	    strpbrk(ca_key(c), "/ ") != NULL || ca_key(c)[0] == '.'))
		return cr_bad(c, "spec.endpoint.caConfigMap", "want a ConfigMap "
		    "name and a key that is a file name");
	if (kinds_strlist(c, "tickers", parse_ticker_ok) != CR_OK ||
	    kinds_strlist(c, "categories", NULL) != CR_OK ||
	    kinds_strlist(c, "excludeCategories", NULL) != CR_OK)
		return CR_INVALID;
	return credentials(c, k);
}

/* The feed-<feed> ConfigMap's feed.yaml, if Metacontroller sent it and
 * it names this feed. */
static enum cr_rc
related_feed(struct cr *c, const struct conn *k, const char **text)
{
	char		 name[128], err[256], f[200];
	json_t		*cm, *docs;
	const char	*s, *fname;
	enum cr_rc	 rc = CR_OK;

	*text = NULL;
	snprintf(name, sizeof(name), "feed-%s", k->feed);
	if ((cm = cr_find(c, c->related, "ConfigMap.v1", name)) == NULL)
		return CR_OK;
	snprintf(f, sizeof(f), "ConfigMap %s: data.feed.yaml", name);
	if ((s = json_string_value(json_object_get(obj_at(cm, "data"),
	    "feed.yaml")))
	    == NULL)
		return cr_bad(c, f, "missing");
	docs = json_array();
	if (yin_parse(s, strlen(s), docs, err, sizeof(err)) == -1)
		rc = cr_bad(c, f, "%s", err);
	else if ((fname = obj_str(json_array_get(docs, 0), "name", NULL)) ==
	    NULL || strcmp(fname, k->feed) != 0)
		rc = cr_bad(c, f, "name is \"%s\", not the feed \"%s\"",
		    fname ? fname : "", k->feed);
	json_decref(docs);
	*text = s;
	return rc;
}

static char *
feed_yaml(const struct cr *c, const struct conn *k)
{
	json_t	*tickers = obj_at(c->spec, "tickers");
	int	 have = json_is_array(tickers) && json_array_size(tickers) > 0;
	json_t	*ch = obj_arr(json_string("ticker"), json_string("trade"),
	    json_string("market_lifecycle_v2"), OBJ_AEND);
	json_t	*f;
	char	*s;

	/* Order books need market tickers. */
	if (have)
		json_array_append_new(ch, json_string("orderbook_delta"));
	f = obj_kv("name", json_string(k->feed),
	    "channels", ch,
	    "tickers", have ? json_deep_copy(tickers) : NULL,
	    OBJ_END);
	s = pod_yaml(f);
	json_decref(f);
	return s;
}

static char *
env_yaml(const struct cr *c, const struct conn *k)
{
	json_t	*e;
	char	*s;

	e = obj_kv("name", json_string(c->name),
	    "feed", json_string(k->feed),
	    "ws_url", json_string(obj_str(c->spec, "endpoint.wsUrl",
	    KINDS_WS_URL)),
	    "rest_url", json_string(obj_str(c->spec, "endpoint.restUrl",
	    KINDS_REST_URL)),
	    "ca_file", ca_name(c) ? obj_sf(CONN_CA_DIR "/%s", ca_key(c)) : NULL,
	    "keys", k->keys ? obj_kv(k->feed, obj_kv("source",
	    obj_sf("env:%s,%s", k->keyvar[0], k->keyvar[1]), OBJ_END), OBJ_END) :
	    NULL,
	    OBJ_END);
	s = pod_yaml(e);
	json_decref(e);
	return s;
}

static json_t *
container_env(const struct cr *c, struct conn *k)
{
	json_t	*env = obj_arr(pod_env("SSMD_METRICS_DIR", POD_METRICS_DIR),
	    pod_env("NATS_URL", k->nats_url), OBJ_AEND);
	json_t	*cat = obj_at(c->spec, "categories");
	json_t	*xcat = obj_at(c->spec, "excludeCategories");
	json_t	*ev = obj_at(c->spec, "envVars");
	char	*s;

	json_array_extend(env, k->env);
	/* Market discovery by category: passed to the capture client as
	 * comma lists (see ssmd-operator(8)). */
	if ((s = kinds_join(cat, ",")) != NULL && *s != '\0')
		json_array_append_new(env, pod_env("SSMD_CATEGORIES", s));
	free(s);
	if ((s = kinds_join(xcat, ",")) != NULL && *s != '\0')
		json_array_append_new(env, pod_env("SSMD_EXCLUDE_CATEGORIES", s));
	free(s);
	if (json_is_array(ev))
		json_array_extend(env, ev);
	return env;
}

enum cr_rc
connector_children(struct cr *c, json_t *out)
{
	struct conn		 k = { 0 };
	struct cmds_connector	 o;
	const char		*rel;
	char			*fy = NULL, *ey = NULL, cmname[128], dname[128];
	char			 hash[65];
	json_t			*data, *cm, *ctr, *vols, *spec;
	enum cr_rc		 rc;

	if ((rc = check(c, &k)) != CR_OK ||
	    (rc = related_feed(c, &k, &rel)) != CR_OK)
		goto out;
	fy = rel ? strdup(rel) : feed_yaml(c, &k);
	ey = env_yaml(c, &k);
	if (fy == NULL || ey == NULL) {
		rc = CR_ERROR;
		goto out;
	}
	kinds_name(c, cmname, sizeof(cmname), "-config");
	kinds_name(c, dname, sizeof(dname), "");
	data = obj_kv("feed.yaml", json_string(fy), "env.yaml", json_string(ey),
	    OBJ_END);
	obj_sha256(data, hash);
	cm = pod_configmap(c, cmname, data);
	o = (struct cmds_connector){ k.feed, k.nats_url, k.stream, k.prefix };
	ctr = pod_container("connector", pod_image(c), cmds_connector(&o),
	    container_env(c, &k), obj_arr(
	    pod_mount("config", POD_CONFIG_DIR, 1),
	    pod_mount("metrics", POD_METRICS_DIR, 0),
	    pod_mount("tmp", "/tmp", 0), OBJ_AEND), pod_resources(c));
	vols = obj_arr(obj_kv("name", json_string("config"),
	    "configMap", obj_kv("name", json_string(cmname),
	    "defaultMode", json_integer(POD_MODE_CONFIG), OBJ_END), OBJ_END), OBJ_AEND);
	if (ca_name(c) != NULL) {
		json_array_append_new(obj_at(ctr, "volumeMounts"),
		    pod_mount("ca", CONN_CA_DIR, 1));
		json_array_append_new(vols, obj_kv("name", json_string("ca"),
		    "configMap", obj_kv("name", json_string(ca_name(c)),
		    "defaultMode", json_integer(POD_MODE_CONFIG), OBJ_END),
		    OBJ_END));
	}
	spec = pod_spec(c, obj_arr(ctr, OBJ_AEND), vols, pod_image(c), 1);
	json_array_append_new(out, cm);
	json_array_append_new(out, pod_deployment(c, dname, spec,
	    obj_int(c->spec, "replicas", 1), "Recreate", hash));
out:
	json_decref(k.env);
	free(fy);
	free(ey);
	return rc;
}
