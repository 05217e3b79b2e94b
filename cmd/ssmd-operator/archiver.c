/* archiver: an Archiver becomes a ConfigMap (archiver.yaml, what the
 * pods do, for people and for the config hash), a PVC when it names one
 * that does not exist yet, and a Deployment (Recreate: the volume is
 * ReadWriteOnce) with one container per source:
 *
 *	ssmd-nats-sub --durable C --filter F --annotate --resume-from DIR
 *	    | ssmd-jsonl-rotate DIR [--on-close "rclone copyto ..."]
 *
 * Deleting an Archiver never silently deletes archived data: see
 * archiver_finalize. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "kinds.h"
#include "obj.h"
#include "parse.h"
#include "pod.h"

#define ARCH_PATH	"/data/ssmd"
#define ARCH_MAX_SRC	16

struct src {
	char	 name[64], stream[256], consumer[256], filter[256], feed[80];
	char	 dir[512];
};

struct arch {
	const char	*nats_url, *path, *pvc, *feed, *max_age;
	const char	*rtype, *bucket, *rsecret;
	char		 remote[512];	/* bucket[/prefix], "" for none */
	int		 final_sync;
	int		 pvc_ours;	/* emit the PVC as a child */
	struct src	 s[ARCH_MAX_SRC];
	size_t		 n;
};

/* A bounded copy (snprintf("%s") here trips -Wrestrict: the sources
 * live in the same struct as far as the compiler can tell). */
static void
copy(char *dst, size_t len, const char *src)
{
	size_t	n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
name_ok(const char *s)
{
	return cr_dns_label(s, 40);
}

/* "PROD_KALSHI_POLITICS" -> "politics"; else "main" (the original's rule
 * for the legacy single source). */
static void
legacy_name(char *out, size_t len, const char *stream)
{
	const char	*last = strrchr(stream, '_');
	int		 us = 0;
	size_t		 i;

	for (i = 0; stream[i] != '\0'; i++)
		us += stream[i] == '_';
	if (us < 2 || last == NULL || last[1] == '\0') {
		snprintf(out, len, "main");
		return;
	}
	snprintf(out, len, "%s", last + 1);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

static enum cr_rc
add_src(struct cr *c, struct arch *a, const json_t *v, const char *f,
    int legacy)
{
	struct src	*s = &a->s[a->n];
	const char	*name, *stream, *cons, *filt;
	char		 ff[160], tmp[512];
	size_t		 i;

	if (a->n >= ARCH_MAX_SRC)
		return cr_bad(c, f, "at most %d sources", ARCH_MAX_SRC);
	stream = obj_str(v, "stream", NULL);
	snprintf(ff, sizeof(ff), "%s.stream", f);
	if (stream == NULL)
		return cr_bad(c, ff, "required");
	if (!kinds_stream_ok(stream))
		return cr_bad(c, ff, "\"%s\" is not a JetStream stream name",
		    stream);
	if (legacy)
		legacy_name(s->name, sizeof(s->name), stream);
	else if ((name = obj_str(v, "name", NULL)) == NULL)
		return cr_bad(c, f, "name is required");
	else
		copy(s->name, sizeof(s->name), name);
	snprintf(ff, sizeof(ff), "%s.name", f);
	if (!name_ok(s->name))
		return cr_bad(c, ff, "\"%s\": want a DNS-1123 label of at most "
		    "40 characters", s->name);
	copy(s->stream, sizeof(s->stream), stream);
	cons = obj_str(v, "consumer", NULL);
	if (cons == NULL)
	{
		snprintf(tmp, sizeof(tmp), "%s-%s", c->name, s->name);
		copy(s->consumer, sizeof(s->consumer), tmp);
	}
	else
		copy(s->consumer, sizeof(s->consumer), cons);
	snprintf(ff, sizeof(ff), "%s.consumer", f);
	if (!kinds_stream_ok(s->consumer))
		return cr_bad(c, ff, "\"%s\" is not a durable consumer name",
		    s->consumer);
	filt = obj_str(v, "filter", "");
	snprintf(ff, sizeof(ff), "%s.filter", f);
	if (*filt != '\0' && !kinds_subject_ok(filt, 1))
		return cr_bad(c, ff, "\"%s\" is not a NATS subject filter",
		    filt);
	copy(s->filter, sizeof(s->filter), filt);
	copy(s->feed, sizeof(s->feed), obj_str(v, "feed", a->feed));
	snprintf(tmp, sizeof(tmp), "%s/%s", a->path, s->name);
	copy(s->dir, sizeof(s->dir), tmp);
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->s[i].dir, s->dir) == 0)
			return cr_bad(c, f, "writes %s, as source \"%s\" does: "
			    "two sources would write the same directory",
			    s->dir, a->s[i].name);
		if (strcmp(a->s[i].stream, s->stream) == 0 &&
		    strcmp(a->s[i].consumer, s->consumer) == 0)
			return cr_bad(c, ff, "consumer \"%s\" on stream %s is "
			    "also source \"%s\"'s", s->consumer, s->stream,
			    a->s[i].name);
	}
	a->n++;
	return CR_OK;
}

static int
path_ok(const char *p)
{
	size_t	n = strlen(p);

	return p[0] == '/' && n > 1 && n < 200 && p[n - 1] != '/' &&
	    strstr(p, "/..") == NULL && strpbrk(p, "\"'$`\\ \t\n") == NULL;
}

static enum cr_rc
remote(struct cr *c, struct arch *a)
{
	const char	*prefix;

	a->rtype = obj_str(c->spec, "storage.remote.type", "gcs");
	a->bucket = obj_str(c->spec, "storage.remote.bucket", NULL);
	a->rsecret = obj_str(c->spec, "storage.remote.secretRef", NULL);
	prefix = obj_str(c->spec, "storage.remote.prefix", NULL);
	if (obj_at(c->spec, "storage.remote") == NULL)
		return CR_OK;
	if (strcmp(a->rtype, "gcs") != 0 && strcmp(a->rtype, "s3") != 0)
		return cr_bad(c, "spec.storage.remote.type", "\"%s\": want gcs "
		    "or s3", a->rtype);
	if (a->bucket == NULL)
		return cr_bad(c, "spec.storage.remote.bucket", "required");
	if (strpbrk(a->bucket, "\"'$`\\ /:") != NULL)
		return cr_bad(c, "spec.storage.remote.bucket", "\"%s\" is not a "
		    "bucket name", a->bucket);
	if (prefix != NULL && strpbrk(prefix, "\"'$`\\ :") != NULL)
		return cr_bad(c, "spec.storage.remote.prefix", "\"%s\": no "
		    "quotes, spaces, $, ` or \\", prefix);
	snprintf(a->remote, sizeof(a->remote), "%s%s%s", a->bucket,
	    prefix ? "/" : "", prefix ? prefix : "");
	/* sync: {} means a final sync; no sync block means none (seed). */
	a->final_sync = obj_at(c->spec, "sync") != NULL &&
	    obj_bool(c->spec, "sync.enabled", 1) &&
	    strcmp(obj_str(c->spec, "sync.onDelete", "final"), "final") == 0;
	return CR_OK;
}

static enum cr_rc
check(struct cr *c, struct arch *a)
{
	json_t		*srcs = obj_at(c->spec, "sources"), *v;
	const char	*pol;
	double		 secs;
	char		 f[64];
	size_t		 i;
	enum cr_rc	 rc;

	a->feed = obj_str(c->spec, "feed", "kalshi");
	a->path = obj_str(c->spec, "storage.local.path", ARCH_PATH);
	a->pvc = obj_str(c->spec, "storage.local.pvcName", NULL);
	a->max_age = obj_str(c->spec, "rotation.maxFileAge", "15m");
	a->nats_url = obj_str(c->spec, "natsUrl",
	    obj_str(c->spec, "source.url", KINDS_NATS_URL));
	if (parse_duration(a->max_age, &secs) == -1 || secs < 1)
		return cr_bad(c, "spec.rotation.maxFileAge", "\"%s\": want a "
		    "duration such as 15m", a->max_age);
	if (!path_ok(a->path))
		return cr_bad(c, "spec.storage.local.path", "\"%s\": want an "
		    "absolute path without .., quotes or spaces", a->path);
	if (a->pvc != NULL && !cr_dns_label(a->pvc, 63))
		return cr_bad(c, "spec.storage.local.pvcName", "\"%s\" is not "
		    "a DNS-1123 label", a->pvc);
	pol = obj_str(c->spec, "storage.local.deletePolicy", "Retain");
	if (strcmp(pol, "Retain") != 0 && strcmp(pol, "Delete") != 0)
		return cr_bad(c, "spec.storage.local.deletePolicy", "\"%s\": "
		    "want Retain or Delete", pol);
	if (obj_int(c->spec, "replicas", 1) != 1)
		return cr_bad(c, "spec.replicas", "must be 1: replicas would "
		    "write the same directories");
	if (json_is_array(srcs) && json_array_size(srcs) > 0) {
		json_array_foreach(srcs, i, v) {
			snprintf(f, sizeof(f), "spec.sources[%zu]", i);
			if ((rc = add_src(c, a, v, f, 0)) != CR_OK)
				return rc;
		}
	} else if (json_is_object(obj_at(c->spec, "source"))) {
		if ((rc = add_src(c, a, obj_at(c->spec, "source"),
		    "spec.source", 1)) != CR_OK)
			return rc;
	} else
		return cr_bad(c, "spec.sources", "at least one source is "
		    "required (or the legacy spec.source)");
	return remote(c, a);
}

static json_t *
config_yaml(const struct cr *c, const struct arch *a)
{
	json_t	*streams = json_array(), *doc;
	size_t	 i;

	for (i = 0; i < a->n; i++)
		json_array_append_new(streams, obj_kv(
		    "name", json_string(a->s[i].name),
		    "stream", json_string(a->s[i].stream),
		    "consumer", json_string(a->s[i].consumer),
		    "filter", a->s[i].filter[0] ? json_string(a->s[i].filter) :
		    NULL,
		    "feed", json_string(a->s[i].feed),
		    "dir", json_string(a->s[i].dir), OBJ_END));
	doc = obj_kv("nats", obj_kv("url", json_string(a->nats_url),
	    "streams", streams, OBJ_END),
	    "storage", obj_kv("path", json_string(a->path),
	    "pvc", obj_s(a->pvc),
	    "remote", a->remote[0] ? obj_kv("type", json_string(a->rtype),
	    "url", obj_sf("%s://%s", a->rtype, a->remote), OBJ_END) : NULL,
	    "finalSync", json_boolean(a->final_sync),
	    OBJ_END),
	    "rotation", obj_kv("maxFileAge", json_string(a->max_age), OBJ_END),
	    OBJ_END);
	return doc;
}

/* rclone's remote, from the environment. */
static void
remote_env(const struct arch *a, json_t *env)
{
	const char	*p = "RCLONE_CONFIG_SSMDREMOTE_";
	char		 k[96];

#define SET(key, val) do { snprintf(k, sizeof(k), "%s%s", p, key); \
	json_array_append_new(env, pod_env(k, val)); } while (0)
	if (a->remote[0] == '\0')
		return;
	json_array_append_new(env, pod_env("HOME", "/tmp"));
	json_array_append_new(env, pod_env("RCLONE_CONFIG", "/tmp/rclone.conf"));
	if (strcmp(a->rtype, "gcs") == 0) {
		SET("TYPE", "google cloud storage");
		SET("BUCKET_POLICY_ONLY", "true");
		if (a->rsecret != NULL)
			SET("SERVICE_ACCOUNT_FILE", "/etc/ssmd/remote/key.json");
		else
			SET("ENV_AUTH", "true");
	} else {
		SET("TYPE", "s3");
		SET("PROVIDER", "AWS");
		SET("ENV_AUTH", "true");
	}
#undef SET
}

static json_t *
envfrom(const struct arch *a)
{
	/* s3: the Secret's keys (AWS_ACCESS_KEY_ID, ...) as environment. */
	if (a->remote[0] == '\0' || a->rsecret == NULL ||
	    strcmp(a->rtype, "s3") != 0)
		return NULL;
	return obj_arr(obj_kv("secretRef", obj_kv("name",
	    json_string(a->rsecret), OBJ_END), OBJ_END), OBJ_AEND);
}

static json_t *
volumes(const struct cr *c, const struct arch *a, const char *cmname)
{
	json_t	*v = json_array();

	if (cmname != NULL)
		json_array_append_new(v, obj_kv("name", json_string("config"),
		    "configMap", obj_kv("name", json_string(cmname),
		    "defaultMode", json_integer(POD_MODE_CONFIG), OBJ_END), OBJ_END));
	if (a->pvc != NULL)
		json_array_append_new(v, obj_kv("name", json_string("data"),
		    "persistentVolumeClaim", obj_kv("claimName",
		    json_string(a->pvc), OBJ_END), OBJ_END));
	else
		json_array_append_new(v, obj_kv("name", json_string("data"),
		    "emptyDir", OBJ_EMPTY, OBJ_END));
	if (a->remote[0] && a->rsecret != NULL && strcmp(a->rtype, "gcs") == 0)
		json_array_append_new(v, obj_kv("name", json_string("remote"),
		    "secret", obj_kv("secretName", json_string(a->rsecret),
		    "defaultMode", json_integer(POD_MODE_SECRET), OBJ_END), OBJ_END));
	return v;
}

static json_t *
mounts(const struct arch *a, int config)
{
	json_t	*m = json_array();

	if (config)
		json_array_append_new(m, pod_mount("config", POD_CONFIG_DIR, 1));
	json_array_append_new(m, pod_mount("data", a->path, 0));
	if (config)
		json_array_append_new(m, pod_mount("metrics", POD_METRICS_DIR, 0));
	json_array_append_new(m, pod_mount("tmp", "/tmp", 0));
	if (a->remote[0] && a->rsecret != NULL && strcmp(a->rtype, "gcs") == 0)
		json_array_append_new(m, pod_mount("remote", "/etc/ssmd/remote",
		    1));
	return m;
}

static json_t *
container(const struct cr *c, const struct arch *a, const struct src *s)
{
	struct cmds_archive	 o = { s->name, a->nats_url, s->stream,
	    s->consumer, s->filter, s->dir, s->feed, a->max_age,
	    a->remote[0] ? a->remote : NULL, a->path };
	json_t			*env = obj_arr(pod_env("SSMD_METRICS_DIR",
	    POD_METRICS_DIR), OBJ_AEND), *k;
	char			 name[80];

	remote_env(a, env);
	snprintf(name, sizeof(name), "archive-%s", s->name);
	k = pod_container(name, pod_image(c), cmds_archive(&o), env,
	    mounts(a, 1), pod_resources(c));
	if (envfrom(a) != NULL)
		json_object_set_new(k, "envFrom", envfrom(a));
	return k;
}

static json_t *
pvc(const struct cr *c, const struct arch *a)
{
	json_t	*size = obj_at(c->spec, "storage.local.pvcSize");

	return obj_kv("apiVersion", json_string("v1"),
	    "kind", json_string("PersistentVolumeClaim"),
	    "metadata", pod_meta(c, a->pvc),
	    "spec", obj_kv(
		"accessModes", obj_arr(json_string("ReadWriteOnce"), OBJ_AEND),
		"storageClassName", obj_s(obj_str(c->spec,
		"storage.local.storageClass", NULL)),
		"resources", obj_kv("requests", obj_kv("storage",
		size ? json_deep_copy(size) : json_string("10Gi"), OBJ_END), OBJ_END),
		OBJ_END),
	    OBJ_END);
}

/* Ours when we made it (an observed child), or when nothing by that name
 * exists (then we make it); a PVC the user made stays the user's. */
static int
pvc_ours(const struct cr *c, const struct arch *a)
{
	if (a->pvc == NULL)
		return 0;
	if (cr_find(c, c->children, "PersistentVolumeClaim.v1", a->pvc))
		return 1;
	return cr_find(c, c->related, "PersistentVolumeClaim.v1", a->pvc) ==
	    NULL;
}

static void
pod_extras(const struct cr *c, json_t *spec)
{
	const char	*sa = obj_str(c->spec, "serviceAccountName", NULL);

	if (sa != NULL) {
		/* Workload identity may need the token. */
		json_object_set_new(spec, "serviceAccountName", json_string(sa));
		json_object_del(spec, "automountServiceAccountToken");
	}
}

static enum cr_rc
build(struct cr *c, struct arch *a, json_t *out, int with_deploy)
{
	json_t	*doc, *data, *ctrs, *spec;
	char	*y, cmname[128], dname[128], hash[65];
	size_t	 i;

	if (check(c, a) != CR_OK)
		return CR_INVALID;
	kinds_name(c, cmname, sizeof(cmname), "-config");
	kinds_name(c, dname, sizeof(dname), "");
	doc = config_yaml(c, a);
	y = pod_yaml(doc);
	json_decref(doc);
	if (y == NULL)
		return CR_ERROR;
	data = obj_kv("archiver.yaml", json_string(y), OBJ_END);
	free(y);
	obj_sha256(data, hash);
	json_array_append_new(out, pod_configmap(c, cmname, data));
	a->pvc_ours = pvc_ours(c, a);
	if (a->pvc_ours)
		json_array_append_new(out, pvc(c, a));
	if (!with_deploy)
		return CR_OK;
	ctrs = json_array();
	for (i = 0; i < a->n; i++)
		json_array_append_new(ctrs, container(c, a, &a->s[i]));
	spec = pod_spec(c, ctrs, volumes(c, a, cmname), pod_image(c), 0);
	pod_extras(c, spec);
	json_array_append_new(out, pod_deployment(c, dname, spec, 1,
	    "Recreate", hash));
	return CR_OK;
}

enum cr_rc
archiver_children(struct cr *c, json_t *out)
{
	struct arch	a = { 0 };

	return build(c, &a, out, 1);
}

static json_t *
sync_job(const struct cr *c, const struct arch *a, const char *name)
{
	json_t	*env = json_array(), *dirs = json_array(), *k, *spec;
	size_t	 i;

	remote_env(a, env);
	for (i = 0; i < a->n; i++)
		json_array_append_new(dirs, json_string(a->s[i].dir));
	k = pod_container("sync", pod_image(c),
	    cmds_final_sync(a->path, dirs, a->remote), env, mounts(a, 0),
	    obj_kv("requests", obj_kv("cpu", json_string("100m"), "memory",
	    json_string("128Mi"), OBJ_END), OBJ_END));
	json_decref(dirs);
	if (envfrom(a) != NULL)
		json_object_set_new(k, "envFrom", envfrom(a));
	spec = obj_kv(
	    "securityContext", obj_kv("runAsNonRoot", json_true(),
		"runAsUser", json_integer(POD_UID),
		"runAsGroup", json_integer(POD_UID),
		"fsGroup", json_integer(POD_UID),
		"seccompProfile", obj_kv("type", json_string("RuntimeDefault"),
		OBJ_END), OBJ_END),
	    "automountServiceAccountToken", json_false(),
	    "restartPolicy", json_string("Never"),
	    "containers", obj_arr(k, OBJ_AEND),
	    "volumes", volumes(c, a, NULL),
	    OBJ_END);
	json_array_append_new(obj_at(spec, "volumes"), obj_kv("name",
	    json_string("tmp"), "emptyDir", OBJ_EMPTY, OBJ_END));
	pod_extras(c, spec);
	return obj_kv("apiVersion", json_string("batch/v1"),
	    "kind", json_string("Job"),
	    "metadata", pod_meta(c, name),
	    "spec", obj_kv("backoffLimit", json_integer(3),
		"activeDeadlineSeconds", json_integer(6 * 3600),
		"template", obj_kv("metadata", obj_kv("labels", pod_labels(c),
		OBJ_END), "spec", spec, OBJ_END),
		OBJ_END),
	    OBJ_END);
}

/* A Job's outcome: 1 succeeded, -1 failed for good, 0 still going. */
static int
job_outcome(const json_t *job)
{
	json_t	*conds = obj_at(job, "status.conditions"), *v;
	size_t	 i;

	if (obj_int(job, "status.succeeded", 0) >= 1)
		return 1;
	json_array_foreach(conds, i, v)
		if (strcmp(obj_str(v, "type", ""), "Failed") == 0 &&
		    strcmp(obj_str(v, "status", ""), "True") == 0)
			return -1;
	return 0;
}

static size_t
pods_left(const struct cr *c)
{
	json_t	*m = cr_observed(c->related, "Pod.v1");

	return m ? json_object_size(m) : 0;
}

enum cr_rc
archiver_finalize(struct cr *c, json_t *out, struct kinds_fin *f)
{
	struct arch	 a = { 0 };
	char		 dname[128], jname[160];
	json_t		*tmp = json_array(), *job;
	size_t		 pods;
	enum cr_rc	 rc;

	memset(f, 0, sizeof(*f));
	if ((rc = build(c, &a, tmp, 0)) != CR_OK) {
		json_decref(tmp);
		return rc;
	}
	kinds_name(c, dname, sizeof(dname), "");
	kinds_name(c, jname, sizeof(jname), "-final-sync");
	pods = pods_left(c);
	/* 1. The Deployment goes (it is not in the list) and its pods stop:
	 * ssmd-jsonl-rotate closes its files and writes .sync-ready. */
	if (cr_find(c, c->children, "Deployment.apps/v1", dname) || pods > 0) {
		f->reason = "StoppingArchiver";
		snprintf(f->msg, sizeof(f->msg), "waiting for %zu archiver "
		    "pod(s) to stop and close their files", pods);
		goto out;
	}
	/* 2. The final sync, when configured and there is a volume. */
	if (a.final_sync && a.pvc != NULL) {
		json_array_append_new(tmp, sync_job(c, &a, jname));
		job = cr_find(c, c->children, "Job.batch/v1", jname);
		switch (job ? job_outcome(job) : 0) {
		case 1:
			f->finalized = 1;
			f->reason = "Synced";
			snprintf(f->msg, sizeof(f->msg), "final sync to %s://%s "
			    "succeeded", a.rtype, a.remote);
			break;
		case -1:
			f->reason = "SyncFailed";
			snprintf(f->msg, sizeof(f->msg), "final sync Job %s "
			    "failed: see its logs, then delete the Job to "
			    "retry; the data stays in PVC %s", jname, a.pvc);
			break;
		default:
			f->syncing = 1;
			f->reason = "Syncing";
			snprintf(f->msg, sizeof(f->msg), "final sync Job %s "
			    "copying %s to %s://%s", jname, a.path, a.rtype,
			    a.remote);
			break;
		}
		goto out;
	}
	/* 3. No final sync: the data may go only if it is not ours to lose. */
	if (a.pvc != NULL && a.pvc_ours && strcmp(obj_str(c->spec,
	    "storage.local.deletePolicy", "Retain"), "Delete") != 0) {
		f->reason = "DataRetained";
		snprintf(f->msg, sizeof(f->msg), "PVC %s holds the archive and "
		    "would be deleted with this Archiver, and no final sync is "
		    "configured: copy the data off, then set "
		    "spec.storage.local.deletePolicy: Delete (or configure "
		    "spec.storage.remote and spec.sync)", a.pvc);
		goto out;
	}
	f->finalized = 1;
	f->reason = a.pvc == NULL ? "NoVolume" : a.pvc_ours ? "DeletePolicy" :
	    "UserVolume";
	snprintf(f->msg, sizeof(f->msg), "%s", a.pvc == NULL ?
	    "no persistent volume to keep" : a.pvc_ours ?
	    "deletePolicy: Delete" : "the PVC is the user's and stays");
out:
	json_array_extend(out, tmp);
	json_decref(tmp);
	return CR_OK;
}

int
archiver_storage(const struct cr *c, const char **reason, char *msg,
    size_t len)
{
	const char	*p = obj_str(c->spec, "storage.local.pvcName", NULL);
	json_t		*o;

	if (p == NULL) {
		if (obj_str(c->spec, "storage.remote.bucket", NULL) != NULL) {
			*reason = "RemoteOnly";
			snprintf(msg, len, "no PVC: files are uploaded as they "
			    "close; the open ones are lost with the pod");
			return 1;
		}
		*reason = "EphemeralStorage";
		snprintf(msg, len, "no spec.storage.local.pvcName: the archive "
		    "is on an emptyDir and is lost with the pod");
		return 0;
	}
	o = cr_find(c, c->children, "PersistentVolumeClaim.v1", p);
	if (o == NULL)
		o = cr_find(c, c->related, "PersistentVolumeClaim.v1", p);
	if (o == NULL) {
		*reason = "PVCNotFound";
		snprintf(msg, len, "PVC %s not found (yet)", p);
		return 0;
	}
	if (strcmp(obj_str(o, "status.phase", ""), "Bound") != 0) {
		*reason = "PVCNotBound";
		snprintf(msg, len, "PVC %s is %s, not Bound", p,
		    obj_str(o, "status.phase", "pending"));
		return 0;
	}
	*reason = "PVCBound";
	snprintf(msg, len, "PVC %s is Bound", p);
	return 1;
}
