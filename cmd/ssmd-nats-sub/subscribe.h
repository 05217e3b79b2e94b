/* subscribe: write the messages of a JetStream stream to a file
 * descriptor, one payload per line, optionally annotated with the stream
 * sequence, with sequence gap markers.  See ssmd-nats-sub(1). */
#ifndef SSMD_NATS_SUB_H
#define SSMD_NATS_SUB_H

#include <stdint.h>

#include "nats_conn.h"

enum { NSUB_NEW, NSUB_ALL, NSUB_SEQ, NSUB_TIME };

#define NSUB_MAX_FILTERS	32

struct nsub_opts {
	struct nats_conn_opts conn;
	const char	*stream;
	const char	*filters[NSUB_MAX_FILTERS];
	int		 nfilters;
	const char	*durable;	/* pull consumer; NULL: ordered */
	int		 start;		/* NSUB_* */
	uint64_t	 start_seq;
	int64_t		 start_ns;
	int		 annotate;
	const char	*resume_from;	/* archive directory, or NULL */
	int		 batch;
	int		 exit_at_end;	/* exit 0 once nothing is pending */
};

/* Consume until a stop signal (or the end, with exit_at_end); returns an
 * exit code. */
int	subscribe_run(const struct nsub_opts *, int out);
/* Parse --start: new, all, a sequence number or an RFC 3339 time. */
int	subscribe_parse_start(const char *, struct nsub_opts *);

#endif
