/* output: the lines ssmd-nats-sub writes for messages.
 *
 * A payload that is one JSON value on one line is written unchanged, or
 * with --annotate (objects only) as the same object with
 * "_nats_seq":N,"_received_at":<epoch µs> appended inside it.  Any other
 * payload (not JSON, more than one line, or not an object to annotate)
 * becomes an ssmd_nats_bad_payload marker holding it as a JSON string
 * ("raw") when it is UTF-8, else as base64 ("raw_b64"). */
#ifndef SSMD_NATS_OUT_H
#define SSMD_NATS_OUT_H

#include <stddef.h>
#include <stdint.h>

struct wbuf;

struct output_msg {
	const char	*p;		/* payload */
	size_t		 len;
	const char	*subject;
	uint64_t	 seq;		/* stream sequence */
	int64_t		 recv_us;	/* receive time */
};

/* Write msg's line to w; returns 1 if it became a bad-payload marker,
 * 0 if not (w's state tells about write errors). */
int	output_msg(struct wbuf *, const struct output_msg *, int annotate);
/* Write an ssmd_stream_gap marker: sequences expected..seq-1 are missing. */
void	output_gap(struct wbuf *, const char *stream, uint64_t expected,
	    uint64_t seq, int64_t now_us);
/* Most bytes output_msg can write for a payload of len bytes. */
size_t	output_bound(size_t len, const char *subject);
/* Flush w, which ends with a whole line.  When w's descriptor is a pipe,
 * write only whole lines, and each write(2) only as much as the pipe has
 * room for at once: the kernel then never blocks inside it, so even
 * SIGKILL cannot leave half a line in the pipe (a line bigger than the
 * pipe itself is the exception).  Returns w's state. */
int	output_flush(struct wbuf *);
/* Nonzero if w's descriptor is a pipe whose reader has gone. */
int	output_reader_gone(const struct wbuf *);
/* Write decimal v. */
void	output_u64(struct wbuf *, uint64_t v);

#endif
