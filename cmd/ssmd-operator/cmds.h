/* cmds: every command line the operator puts in a pod, in one place, so
 * that a change in a program's options is one change here.  Programs are
 * the ones the image installs under /usr/bin; pipelines run under
 * ssmd-pipeline, which takes the stages separated by "|" arguments, so
 * no shell parses anything taken from a resource. */
#ifndef SSMD_OP_CMDS_H
#define SSMD_OP_CMDS_H

#include <jansson.h>

#include "cr.h"

#define CMDS_BIN		"/usr/bin/"
#define CMDS_RCLONE_REMOTE	"ssmdremote"	/* RCLONE_CONFIG_SSMDREMOTE_* */

struct cmds_connector {
	const char	*feed, *nats_url, *stream, *prefix;
};

struct cmds_archive {
	const char	*source;	/* the pipeline's name */
	const char	*nats_url, *stream, *durable, *filter;
	const char	*dir, *feed, *max_age;
	const char	*upload;	/* remote "bucket/prefix", or NULL */
	const char	*root;		/* local path the upload is relative to */
};

struct cmds_signal {
	const char	*nats_url, *stream, *filter;
	const char	*out_stream, *out_prefix;
};

struct cmds_notify {
	const char	*nats_url, *subjects, *durable;
};

json_t	*cmds_healthd(const struct cr *);
json_t	*cmds_connector(const struct cmds_connector *);
json_t	*cmds_archive(const struct cmds_archive *);
/* The final-sync Job's command: wait for every dir's .sync-ready, then
 * copy root to the remote (never deleting there). */
json_t	*cmds_final_sync(const char *root, json_t *dirs, const char *remote);
json_t	*cmds_signal(const struct cmds_signal *);
json_t	*cmds_notify(const struct cmds_notify *);

#endif
