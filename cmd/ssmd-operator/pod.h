/* pod: the parts every child shares: the recommended labels, metadata,
 * ConfigMaps, restricted-security containers, the ssmd-healthd sidecar,
 * and the Deployment around them. */
#ifndef SSMD_OP_POD_H
#define SSMD_OP_POD_H

#include <jansson.h>

#include "cr.h"

#define POD_UID		1000
#define POD_METRICS_DIR	"/run/ssmd"
#define POD_CONFIG_DIR	"/config"
#define POD_HEALTH_PORT	8080
#define POD_HASH_ANN	"ssmd.ssmd.io/config-hash"
#define POD_MODE_CONFIG	0444
#define POD_MODE_SECRET	0400

/* Labels of every child of c (app.kubernetes.io/ ones). */
json_t	*pod_labels(const struct cr *);
/* The subset that selects c's pods (immutable in a Deployment). */
json_t	*pod_selector(const struct cr *);
/* metadata: name, namespace (when known), labels. */
json_t	*pod_meta(const struct cr *, const char *name);
/* A ConfigMap named name with data (stolen). */
json_t	*pod_configmap(const struct cr *, const char *name, json_t *data);
/* A container with the restricted security context.  command, env,
 * mounts and resources are stolen (each may be NULL). */
json_t	*pod_container(const char *name, const char *image, json_t *command,
	    json_t *env, json_t *mounts, json_t *resources);
json_t	*pod_env(const char *name, const char *value);
json_t	*pod_env_secret(const char *name, const char *secret, const char *key);
json_t	*pod_mount(const char *volume, const char *path, int readonly);
/* The pod spec: containers (stolen) plus the healthd sidecar, volumes
 * (stolen, may be NULL) plus the metrics and tmp emptyDirs. */
json_t	*pod_spec(const struct cr *, json_t *containers, json_t *volumes,
	    const char *image, int ready_probe);
/* A Deployment: pod spec (stolen), replicas, strategy ("Recreate" or
 * NULL for the default), and the config hash on the pod template. */
json_t	*pod_deployment(const struct cr *, const char *name, json_t *podspec,
	    long long replicas, const char *strategy, const char *hash);
/* The image for c: spec.image, else the default. */
const char *pod_image(const struct cr *);
/* spec.resources if it is an object (copied), else NULL. */
json_t	*pod_resources(const struct cr *);
/* A YAML file's text from a tree (to free). */
char	*pod_yaml(const json_t *);

#endif
