/* notify: read fires (stdin or JetStream), route them, hand them to the
 * delivery engine, acknowledge them once every destination is done. */
#ifndef SSMD_NOTIFY_NOTIFY_H
#define SSMD_NOTIFY_NOTIFY_H

#include <stddef.h>

#include "conf.h"
#include "deliver.h"
#include "nats_conn.h"

#define NOTIFY_MAX_SUBJECTS	32

struct notify_opts {
	struct deliver_opts	 d;
	const char		*state_dir;
	double			 dedup_window;
	double			 drain;		/* after a stop signal */
	size_t			 max_line;
	/* NATS mode when nsubjects > 0 */
	struct nats_conn_opts	 conn;
	const char		*subjects[NOTIFY_MAX_SUBJECTS];
	int			 nsubjects;
	const char		*durable;
	int			 deliver_all;	/* new consumers start at 1 */
	double			 ack_wait;
};

/* Run until the input ends (stdin) or a stop signal; returns an exit
 * code. */
int	notify_run(const struct notify_opts *, const struct conf *);

#endif
