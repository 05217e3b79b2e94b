/* meta: the stream sequence and pending count of a JetStream
 * message, read from its reply subject without allocating:
 *	$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ns>.<pending>
 * or the form with domain and account hash in front (12+ tokens). */
#ifndef SSMD_NATS_META_H
#define SSMD_NATS_META_H

#include <stdint.h>

struct nmeta {
	uint64_t	sseq;		/* stream sequence */
	uint64_t	delivered;	/* delivery count */
	uint64_t	pending;	/* messages left after this one */
	int64_t		ns;		/* time stored, ns since the epoch */
};

/* Returns 0, or -1 if reply is not a JetStream acknowledgement subject. */
int	meta_parse(const char *reply, struct nmeta *);

#endif
