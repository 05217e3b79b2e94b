/* cmds: container commands (see cmds.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "obj.h"
#include "pod.h"

static void
arg(json_t *a, const char *s)
{
	json_array_append_new(a, json_string(s));
}

static void
opt(json_t *a, const char *o, const char *v)
{
	if (v != NULL && *v != '\0') {
		arg(a, o);
		arg(a, v);
	}
}

/* ssmd-pipeline --name NAME -- (stages follow) */
static json_t *
pipeline(const char *name)
{
	json_t	*a = json_array();

	arg(a, CMDS_BIN "ssmd-pipeline");
	opt(a, "--name", name);
	arg(a, "--");
	return a;
}

json_t *
cmds_healthd(const struct cr *c)
{
	json_t	*a = json_array();
	char	 listen[32];

	snprintf(listen, sizeof(listen), "0.0.0.0:%d", POD_HEALTH_PORT);
	arg(a, CMDS_BIN "ssmd-healthd");
	opt(a, "--listen", listen);
	opt(a, "--metrics-dir", POD_METRICS_DIR);
	if (c->kind == CR_CONNECTOR)
		opt(a, "--feed", obj_str(c->spec, "feed", NULL));
	return a;
}

json_t *
cmds_connector(const struct cmds_connector *o)
{
	json_t	*a = pipeline("connector");

	arg(a, CMDS_BIN "ssmd-ws-kalshi");
	opt(a, "--feed", POD_CONFIG_DIR "/feed.yaml");
	opt(a, "--env", POD_CONFIG_DIR "/env.yaml");
	arg(a, "|");
	arg(a, CMDS_BIN "ssmd-stamp");
	opt(a, "--feed", o->feed);
	arg(a, "|");
	arg(a, CMDS_BIN "ssmd-nats-pub");
	opt(a, "--url", o->nats_url);
	opt(a, "--stream", o->stream);
	opt(a, "--prefix", o->prefix);
	return a;
}

/* The on-close command of ssmd-jsonl-rotate (run as sh -c CMD with the
 * file as $1): copy the finished file to the same relative path under
 * the remote, with rclone configured from the environment. */
static char *
upload_cmd(const char *root, const char *remote)
{
	char	*s = NULL;

	if (asprintf(&s, "exec rclone copyto --no-traverse \"$1\" "
	    "\"" CMDS_RCLONE_REMOTE ":%s/${1#%s/}\"", remote, root) == -1)
		return NULL;
	return s;
}

json_t *
cmds_archive(const struct cmds_archive *o)
{
	json_t	*a = pipeline(o->source);
	char	*up;

	arg(a, CMDS_BIN "ssmd-nats-sub");
	opt(a, "--url", o->nats_url);
	opt(a, "--stream", o->stream);
	opt(a, "--durable", o->durable);
	opt(a, "--filter", o->filter);
	arg(a, "--annotate");
	opt(a, "--resume-from", o->dir);
	arg(a, "|");
	arg(a, CMDS_BIN "ssmd-jsonl-rotate");
	opt(a, "--feed", o->feed);
	opt(a, "--max-age", o->max_age);
	if (o->upload != NULL && (up = upload_cmd(o->root, o->upload))) {
		opt(a, "--on-close", up);
		free(up);
	}
	arg(a, o->dir);
	return a;
}

json_t *
cmds_final_sync(const char *root, json_t *dirs, const char *remote)
{
	json_t	*a = json_array();
	char	*s = NULL, *t;
	size_t	 i;
	json_t	*d;

	/* The directories come from validated source names, but are still
	 * passed as arguments ($1...) rather than pasted into the script. */
	if (asprintf(&s, "set -eu; for d in \"$@\"; do "
	    "if [ -d \"$d\" ] && [ ! -f \"$d/.sync-ready\" ]; then "
	    "echo \"final sync: $d has no .sync-ready (the archiver did not "
	    "stop cleanly)\" >&2; exit 1; fi; done; "
	    "exec rclone copy --exclude '.sync-ready*' --exclude '.lock' "
	    "\"%s\" \"" CMDS_RCLONE_REMOTE ":%s\"", root, remote) == -1)
		return NULL;
	arg(a, "/bin/sh");
	arg(a, "-c");
	arg(a, s);
	arg(a, "final-sync");
	json_array_foreach(dirs, i, d) {
		t = NULL;
		if (asprintf(&t, "%s", json_string_value(d)) != -1)
			arg(a, t);
		free(t);
	}
	free(s);
	return a;
}

json_t *
cmds_signal(const struct cmds_signal *o)
{
	json_t	*a = pipeline("signal");
	char	 subj[512];

	snprintf(subj, sizeof(subj), "%s.{signalId}.fires.{ticker}",
	    o->out_prefix);
	arg(a, CMDS_BIN "ssmd-nats-sub");
	opt(a, "--url", o->nats_url);
	opt(a, "--stream", o->stream);
	opt(a, "--filter", o->filter);
	arg(a, "|");
	arg(a, CMDS_BIN "ssmd-signal");
	opt(a, "--config", POD_CONFIG_DIR "/signal.yaml");
	arg(a, "|");
	arg(a, CMDS_BIN "ssmd-nats-pub");
	opt(a, "--url", o->nats_url);
	opt(a, "--stream", o->out_stream);
	opt(a, "--subject", subj);
	return a;
}

json_t *
cmds_notify(const struct cmds_notify *o)
{
	json_t	*a = json_array();

	arg(a, CMDS_BIN "ssmd-notify");
	opt(a, "--config", POD_CONFIG_DIR "/destinations.json");
	opt(a, "--nats-url", o->nats_url);
	opt(a, "--subjects", o->subjects);
	opt(a, "--durable", o->durable);
	opt(a, "--state-dir", "/state");
	opt(a, "--secrets-dir", "/secrets");
	return a;
}
