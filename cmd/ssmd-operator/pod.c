/* pod: shared child parts (see pod.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cmds.h"
#include "obj.h"
#include "pod.h"
#include "yout.h"

json_t *
pod_selector(const struct cr *c)
{
	return obj_kv(
	    "app.kubernetes.io/name", obj_sf("ssmd-%s", c->comp),
	    "app.kubernetes.io/instance", json_string(c->name),
	    OBJ_END);
}

json_t *
pod_labels(const struct cr *c)
{
	json_t	*l = pod_selector(c);

	json_object_set_new(l, "app.kubernetes.io/component",
	    json_string(c->comp));
	json_object_set_new(l, "app.kubernetes.io/part-of", json_string("ssmd"));
	json_object_set_new(l, "app.kubernetes.io/managed-by",
	    json_string("ssmd-operator"));
	return l;
}

json_t *
pod_meta(const struct cr *c, const char *name)
{
	return obj_kv("name", json_string(name),
	    "namespace", obj_s(c->ns),
	    "labels", pod_labels(c),
	    OBJ_END);
}

json_t *
pod_configmap(const struct cr *c, const char *name, json_t *data)
{
	return obj_kv("apiVersion", json_string("v1"),
	    "kind", json_string("ConfigMap"),
	    "metadata", pod_meta(c, name),
	    "data", data,
	    OBJ_END);
}

static json_t *
container_security(void)
{
	return obj_kv("allowPrivilegeEscalation", json_false(),
	    "readOnlyRootFilesystem", json_true(),
	    "runAsNonRoot", json_true(),
	    "capabilities", obj_kv("drop", obj_arr(json_string("ALL"), OBJ_AEND),
	    OBJ_END),
	    OBJ_END);
}

json_t *
pod_container(const char *name, const char *image, json_t *command,
    json_t *env, json_t *mounts, json_t *resources)
{
	return obj_kv("name", json_string(name),
	    "image", json_string(image),
	    "imagePullPolicy", json_string("IfNotPresent"),
	    "command", command,
	    "env", env,
	    "resources", resources,
	    "securityContext", container_security(),
	    "volumeMounts", mounts,
	    OBJ_END);
}

json_t *
pod_env(const char *name, const char *value)
{
	return obj_kv("name", json_string(name), "value", json_string(value),
	    OBJ_END);
}

json_t *
pod_env_secret(const char *name, const char *secret, const char *key)
{
	return obj_kv("name", json_string(name),
	    "valueFrom", obj_kv("secretKeyRef", obj_kv(
	    "name", json_string(secret), "key", json_string(key), OBJ_END), OBJ_END),
	    OBJ_END);
}

json_t *
pod_mount(const char *volume, const char *path, int readonly)
{
	return obj_kv("name", json_string(volume),
	    "mountPath", json_string(path),
	    "readOnly", readonly ? json_true() : NULL,
	    OBJ_END);
}

static json_t *
probe(const char *path, int initial, int period)
{
	return obj_kv("httpGet", obj_kv("path", json_string(path),
	    "port", json_string("health"), OBJ_END),
	    "initialDelaySeconds", json_integer(initial),
	    "periodSeconds", json_integer(period),
	    "timeoutSeconds", json_integer(5),
	    OBJ_END);
}

/* ssmd-healthd on port 8080: the kubelet probes it, and the operator
 * reads the pod's counters from its /metrics. */
static json_t *
healthd(const struct cr *c, const char *image, int ready_probe)
{
	json_t	*k = pod_container("healthd", image, cmds_healthd(c),
	    NULL, obj_arr(pod_mount("metrics", POD_METRICS_DIR, 1), OBJ_AEND),
	    obj_kv("requests", obj_kv("cpu", json_string("10m"),
	    "memory", json_string("16Mi"), OBJ_END),
	    "limits", obj_kv("memory", json_string("64Mi"), OBJ_END), OBJ_END));

	json_object_set_new(k, "ports", obj_arr(obj_kv(
	    "name", json_string("health"),
	    "containerPort", json_integer(POD_HEALTH_PORT),
	    "protocol", json_string("TCP"), OBJ_END), OBJ_AEND));
	json_object_set_new(k, "livenessProbe", probe("/health", 10, 30));
	json_object_set_new(k, "readinessProbe",
	    probe(ready_probe ? "/ready" : "/health", 5, 10));
	return k;
}

json_t *
pod_spec(const struct cr *c, json_t *containers, json_t *volumes,
    const char *image, int ready_probe)
{
	if (volumes == NULL)
		volumes = json_array();
	json_array_append_new(containers, healthd(c, image, ready_probe));
	json_array_append_new(volumes, obj_kv("name", json_string("metrics"),
	    "emptyDir", obj_kv("sizeLimit", json_string("64Mi"), OBJ_END), OBJ_END));
	json_array_append_new(volumes, obj_kv("name", json_string("tmp"),
	    "emptyDir", obj_kv("sizeLimit", json_string("256Mi"), OBJ_END), OBJ_END));
	return obj_kv(
	    "securityContext", obj_kv(
		"runAsNonRoot", json_true(),
		"runAsUser", json_integer(POD_UID),
		"runAsGroup", json_integer(POD_UID),
		"fsGroup", json_integer(POD_UID),
		"seccompProfile", obj_kv("type", json_string("RuntimeDefault"),
		OBJ_END),
		OBJ_END),
	    "automountServiceAccountToken", json_false(),
	    "terminationGracePeriodSeconds", json_integer(60),
	    "containers", containers,
	    "volumes", volumes,
	    OBJ_END);
}

json_t *
pod_deployment(const struct cr *c, const char *name, json_t *podspec,
    long long replicas, const char *strategy, const char *hash)
{
	json_t	*tmeta = obj_kv("labels", pod_labels(c),
	    "annotations", obj_kv(POD_HASH_ANN, json_string(hash), OBJ_END),
	    OBJ_END);

	return obj_kv("apiVersion", json_string("apps/v1"),
	    "kind", json_string("Deployment"),
	    "metadata", pod_meta(c, name),
	    "spec", obj_kv(
		"replicas", json_integer(replicas),
		"revisionHistoryLimit", json_integer(3),
		"selector", obj_kv("matchLabels", pod_selector(c), OBJ_END),
		"strategy", strategy ? obj_kv("type", json_string(strategy),
		OBJ_END) : NULL,
		"template", obj_kv("metadata", tmeta, "spec", podspec, OBJ_END),
		OBJ_END),
	    OBJ_END);
}

const char *
pod_image(const struct cr *c)
{
	return obj_str(c->spec, "image", c->image);
}

json_t *
pod_resources(const struct cr *c)
{
	json_t	*r = obj_at(c->spec, "resources");

	return json_is_object(r) && json_object_size(r) > 0 ?
	    json_deep_copy(r) : NULL;
}

char *
pod_yaml(const json_t *v)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	yout_doc(f, v);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}
