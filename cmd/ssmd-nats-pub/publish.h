/* publish: publish lines to NATS JetStream, one message per line, with a
 * bounded window of unacknowledged messages that are published again
 * (same Nats-Msg-Id) until the server acknowledges them.  See
 * ssmd-nats-pub(1). */
#ifndef SSMD_NATS_PUB_H
#define SSMD_NATS_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "nats_conn.h"

enum { NPUB_PUBLISH, NPUB_REJECT, NPUB_STOP };	/* --invalid */

struct npub_opts {
	struct nats_conn_opts conn;
	const char	*stream;
	const char	*prefix;
	const char	*subject;	/* fixed subject, or NULL */
	int		 core;		/* core NATS, no acks */
	int		 create;	/* create the stream if missing */
	int		 msgid;		/* set Nats-Msg-Id */
	int64_t		 dup_window_ns;	/* for a created stream */
	int64_t		 max_age_ns;
	unsigned	 max_pending;	/* messages in flight */
	size_t		 max_pending_bytes;
	double		 ack_timeout;	/* seconds without progress */
	double		 retry;		/* seconds before publishing again */
	size_t		 max_line;
	int		 invalid;	/* NPUB_* */
	const char	*reject_path;
	int		 progress;
};

/* Publish lines from fd until EOF or a stop signal; returns an exit code. */
int	publish_run(const struct npub_opts *, int fd);
/* Parse an --invalid policy name; -1 if unknown. */
/* --invalid's words, in enum order (opt_word). */
extern const char *const publish_policies[];
/* The message id of a line: 32 hex digits of its SHA-256 (out: 33 bytes). */
void	publish_msgid(const char *p, size_t n, char *out);

#endif
