/* status: phase, conditions and counters (see status.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "log.h"
#include "prom.h"
#include "status.h"

void
status_time(time_t t, char out[21])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A condition, keeping the previous lastTransitionTime unless the status
 * flipped. */
static json_t *
condition(const json_t *prev, const char *type, int ok, const char *reason,
    const char *msg, const char *now)
{
	json_t		*conds = obj_at(prev, "conditions"), *v;
	const char	*st = ok ? "True" : "False", *ltt = now;
	size_t		 i;

	json_array_foreach(conds, i, v)
		if (strcmp(obj_str(v, "type", ""), type) == 0 &&
		    strcmp(obj_str(v, "status", ""), st) == 0)
			ltt = obj_str(v, "lastTransitionTime", now);
	return obj_kv("type", json_string(type),
	    "status", json_string(st),
	    "reason", json_string(reason),
	    "message", json_string(msg ? msg : ""),
	    "lastTransitionTime", json_string(ltt),
	    OBJ_END);
}

/* A crash-looping container in any of c's pods: its pod and reason. */
static int
crash_looping(const struct cr *c, char *msg, size_t len)
{
	json_t		*pods = cr_observed(c->related, "Pod.v1"), *p, *cs, *s;
	const char	*k, *r;
	size_t		 i;

	json_object_foreach(pods, k, p) {
		cs = obj_at(p, "status.containerStatuses");
		json_array_foreach(cs, i, s) {
			r = obj_str(s, "state.waiting.reason", "");
			if (strcmp(r, "CrashLoopBackOff") == 0 ||
			    strcmp(r, "ImagePullBackOff") == 0 ||
			    strcmp(r, "ErrImagePull") == 0 ||
			    strcmp(r, "CreateContainerConfigError") == 0) {
				snprintf(msg, len, "pod %s container %s: %s",
				    obj_str(p, "metadata.name", k),
				    obj_str(s, "name", "?"), r);
				return 1;
			}
		}
	}
	return 0;
}

static int
rollout_failed(const json_t *dep, char *msg, size_t len)
{
	json_t	*conds = obj_at(dep, "status.conditions"), *v;
	size_t	 i;

	json_array_foreach(conds, i, v)
		if (strcmp(obj_str(v, "type", ""), "Progressing") == 0 &&
		    strcmp(obj_str(v, "status", ""), "False") == 0) {
			snprintf(msg, len, "rollout failed: %s",
			    obj_str(v, "message", obj_str(v, "reason", "")));
			return 1;
		}
	return 0;
}

struct phase {
	const char	*phase, *reason;
	int		 ready;
	char		 msg[1200];
};

static void
phase(const struct cr *c, const struct kinds_fin *fin, const json_t *dep,
    struct phase *p)
{
	long long	ready = obj_int(dep, "status.readyReplicas", 0);
	long long	want = obj_int(dep, "spec.replicas", 1);

	p->ready = 0;
	if (fin != NULL) {
		p->phase = fin->syncing ? "Syncing" : "Terminated";
		p->reason = "Deleting";
		snprintf(p->msg, sizeof(p->msg), "%s", fin->msg);
	} else if (dep == NULL) {
		p->phase = "Pending";
		p->reason = "NoDeployment";
		snprintf(p->msg, sizeof(p->msg), "the Deployment does not "
		    "exist yet");
	} else if (rollout_failed(dep, p->msg, sizeof(p->msg))) {
		p->phase = "Failed";
		p->reason = "ProgressDeadlineExceeded";
	} else if (crash_looping(c, p->msg, sizeof(p->msg))) {
		p->phase = "Failed";
		p->reason = "PodFailing";
	} else if (ready > 0 && ready >= want) {
		p->phase = "Running";
		p->reason = "DeploymentReady";
		p->ready = 1;
		snprintf(p->msg, sizeof(p->msg), "%lld/%lld pods ready", ready,
		    want);
	} else {
		p->phase = want > 0 ? "Starting" : "Pending";
		p->reason = "NotReady";
		snprintf(p->msg, sizeof(p->msg), "%lld/%lld pods ready", ready,
		    want);
	}
}

/* ---- counters from /metrics ---------------------------------------- */

struct sums {
	json_t	*by;	/* "metric" or "metric|label=value" -> number */
};

static void
sum_add(json_t *by, const char *key, double v, int max)
{
	json_t	*o = json_object_get(by, key);
	double	 cur = o ? json_number_value(o) : 0;

	json_object_set_new(by, key, json_real(o == NULL ? v :
	    max ? fmax(cur, v) : cur + v));
}

/* Counters add across pods; gauges of time and state take the largest. */
static void
sum_sample(json_t *by, const struct prom_sample *s)
{
	static const char *const labels[] = { "signal", "destination", NULL };
	const char *const	*l;
	char			 name[160], key[400], lv[160];
	int			 max;

	if (isnan(s->value) || s->namelen >= sizeof(name))
		return;
	memcpy(name, s->name, s->namelen);
	name[s->namelen] = '\0';
	max = strstr(name, "_seconds") != NULL ||
	    strstr(name, "_connected") != NULL;
	/* An info gauge: its error label is the value (a word, not a
	 * number); the last pod read wins. */
	if (strcmp(name, "ssmd_notify_last_error_info") == 0) {
		if (s->value > 0 && prom_label(s, "destination", lv,
		    sizeof(lv)) == 1) {
			snprintf(key, sizeof(key), "%s|destination=%s", name,
			    lv);
			if (prom_label(s, "error", lv, sizeof(lv)) == 1)
				json_object_set_new(by, key, json_string(lv));
		}
		return;
	}
	sum_add(by, name, s->value, max);
	for (l = labels; *l != NULL; l++)
		if (prom_label(s, *l, lv, sizeof(lv)) == 1) {
			snprintf(key, sizeof(key), "%s|%s=%s", name, *l, lv);
			sum_add(by, key, s->value, max);
		}
}

/* A pod's /metrics, as its healthd serves it: the same strict reader
 * healthd uses (a text it would not serve is taken as no answer). */
static void
sum_doc(json_t *by, const char *text)
{
	struct prom_doc	d;
	char		err[128];
	size_t		i;

	memset(&d, 0, sizeof(d));
	if (prom_parse(&d, text, strlen(text), err, sizeof(err)) == 0)
		for (i = 0; i < d.nsmp; i++)
			sum_sample(by, &d.smp[i]);
	else
		log_warn("a pod's /metrics is not valid; ignored", "error=%s",
		    log_q(err));
	prom_doc_free(&d);
}

static json_t *
num(const json_t *by, const char *key)
{
	json_t	*v = json_object_get(by, key);

	return v ? json_integer((json_int_t)json_number_value(v)) :
	    json_integer(0);
}

static json_t *
when(const json_t *by, const char *key)
{
	json_t	*v = json_object_get(by, key);
	char	 t[21];

	if (v == NULL || json_number_value(v) <= 0)
		return NULL;
	status_time((time_t)json_number_value(v), t);
	return json_string(t);
}

static double
val(const json_t *by, const char *key)
{
	return json_number_value(json_object_get(by, key));
}

/* The counters: metric names of the programs the pods run (their man
 * pages list them), per kind.  One place to change when they do. */
static void
counters(const struct cr *c, const json_t *by, json_t *st)
{
	json_t		*arr, *v;
	const char	*n;
	char		 k[400];
	size_t		 i;

	switch (c->kind) {
	case CR_CONNECTOR:
		json_object_set_new(st, "messagesPublished",
		    num(by, "ssmd_nats_pub_published_total"));
		if ((v = when(by, "ssmd_ws_kalshi_last_frame_timestamp_seconds")))
			json_object_set_new(st, "lastMessageAt", v);
		json_object_set_new(st, "connectionState", json_string(
		    val(by, "ssmd_ws_kalshi_connected") >= 1 ? "connected" :
		    "disconnected"));
		break;
	case CR_ARCHIVER:
		json_object_set_new(st, "messagesArchived",
		    num(by, "ssmd_jsonl_rotate_lines_out_total"));
		json_object_set_new(st, "bytesWritten",
		    num(by, "ssmd_jsonl_rotate_bytes_out_total"));
		json_object_set_new(st, "filesWritten",
		    num(by, "ssmd_jsonl_rotate_files_finalized_total"));
		break;
	case CR_SIGNAL:
		arr = json_array();
		json_array_foreach(obj_at(c->spec, "signals"), i, v) {
			n = json_string_value(v);
			snprintf(k, sizeof(k), "ssmd_signal_frames_total|"
			    "signal=%s", n);
			json_t *m = obj_kv("signal", json_string(n),
			    "eventsProcessed", num(by, k), OBJ_END);
			snprintf(k, sizeof(k), "ssmd_signal_fires_total|"
			    "signal=%s", n);
			json_object_set_new(m, "signalsGenerated", num(by, k));
			json_array_append_new(arr, m);
		}
		json_object_set_new(st, "signalMetrics", arr);
		break;
	case CR_NOTIFIER:
		json_object_set_new(st, "firesReceived",
		    num(by, "ssmd_notify_fires_received_total"));
		arr = json_array();
		json_array_foreach(obj_at(c->spec, "destinations"), i, v) {
			json_t	*m, *t;

			n = obj_str(v, "name", "");
			m = obj_kv("name", json_string(n), OBJ_END);
			snprintf(k, sizeof(k), "ssmd_notify_sent_total|"
			    "destination=%s", n);
			json_object_set_new(m, "sent", num(by, k));
			snprintf(k, sizeof(k), "ssmd_notify_failed_total|"
			    "destination=%s", n);
			json_object_set_new(m, "failed", num(by, k));
			snprintf(k, sizeof(k), "ssmd_notify_last_sent_time_"
			    "seconds|destination=%s", n);
			if ((t = when(by, k)) != NULL)
				json_object_set_new(m, "lastSentAt", t);
			snprintf(k, sizeof(k), "ssmd_notify_last_error_time_"
			    "seconds|destination=%s", n);
			if ((t = when(by, k)) != NULL)
				json_object_set_new(m, "lastErrorAt", t);
			snprintf(k, sizeof(k), "ssmd_notify_last_error_info|"
			    "destination=%s", n);
			if (json_is_string(t = json_object_get(by, k)))
				json_object_set(m, "lastError", t);
			json_array_append_new(arr, m);
		}
		json_object_set_new(st, "destinationMetrics", arr);
		break;
	default:
		break;
	}
}

static const char *const counter_keys[CR_NKINDS][4] = {
	{ "messagesPublished", "lastMessageAt", "connectionState", NULL },
	{ "messagesArchived", "bytesWritten", "filesWritten", NULL },
	{ "signalMetrics", NULL },
	{ "firesReceived", "destinationMetrics", NULL },
};

/* Counters from every pod that answered; if one did not, the last
 * values stay (a pod that does not answer must not look like a reset). */
static void
fill_counters(const struct cr *c, const json_t *scraped, json_t *st)
{
	const json_t	*prev = obj_at(c->parent, "status");
	const char	*k;
	json_t		*v, *by;
	int		 all = scraped != NULL && json_object_size(scraped) > 0;
	size_t		 i;

	json_object_foreach((json_t *)scraped, k, v)
		if (!json_is_string(v))
			all = 0;
	if (!all) {
		for (i = 0; counter_keys[c->kind][i] != NULL; i++)
			if ((v = obj_at(prev, counter_keys[c->kind][i])))
				json_object_set(st, counter_keys[c->kind][i], v);
		return;
	}
	by = json_object();
	json_object_foreach((json_t *)scraped, k, v) {
		sum_doc(by, json_string_value(v));
	}
	counters(c, by, st);
	json_decref(by);
}

json_t *
status_scrape_targets(const struct cr *c)
{
	json_t		*pods = cr_observed(c->related, "Pod.v1"), *p;
	json_t		*t = json_object();
	const char	*k, *ip;

	json_object_foreach(pods, k, p) {
		ip = obj_str(p, "status.podIP", NULL);
		if (ip != NULL && strcmp(obj_str(p, "status.phase", ""),
		    "Running") == 0)
			json_object_set_new(t, obj_str(p, "metadata.name", k),
			    json_string(ip));
	}
	return t;
}

json_t *
status_build(const struct cr *c, int valid, const struct kinds_fin *fin,
    const json_t *scraped, time_t now)
{
	const json_t	*prev = obj_at(c->parent, "status");
	struct phase	 p;
	char		 ts[21], dname[128], msg[600], cv[700];
	const char	*reason;
	json_t		*st, *conds, *dep;
	int		 ok;

	status_time(now, ts);
	snprintf(dname, sizeof(dname), "%s-%s", c->name, c->comp);
	dep = cr_find(c, c->children, "Deployment.apps/v1", dname);
	phase(c, fin, dep, &p);
	conds = json_array();
	json_array_append_new(conds, condition(prev, "Ready", p.ready,
	    p.reason, p.msg, ts));
	snprintf(cv, sizeof(cv), "%s: %s", c->field, c->why);
	json_array_append_new(conds, condition(prev, "ConfigValid", valid,
	    valid ? "Valid" : "Invalid", valid ? "" : cv, ts));
	if (c->kind == CR_ARCHIVER && c->spec != NULL) {
		ok = archiver_storage(c, &reason, msg, sizeof(msg));
		json_array_append_new(conds, condition(prev, "StorageHealthy",
		    ok, reason, msg, ts));
	}
	if (fin != NULL)
		json_array_append_new(conds, condition(prev, "Finalized",
		    fin->finalized, fin->reason ? fin->reason : "Waiting",
		    fin->msg, ts));
	st = obj_kv("phase", json_string(p.phase),
	    "deployment", dep ? json_string(dname) : NULL,
	    OBJ_END);
	if (obj_str(prev, "startedAt", NULL) != NULL)
		json_object_set_new(st, "startedAt",
		    json_string(obj_str(prev, "startedAt", NULL)));
	else if (strcmp(p.phase, "Running") == 0)
		json_object_set_new(st, "startedAt", json_string(ts));
	fill_counters(c, scraped, st);
	json_object_set_new(st, "conditions", conds);
	return st;
}
