/* output: the one output of ssmd-ws-kalshi.  Every connection's lines go
 * through one buffer, whole, so lines are never interleaved.  The fd is
 * written without blocking from the event loop; when more than `high`
 * bytes wait, the owner is told to stop reading its sockets (on_block 1),
 * and told again (on_block 0) once less than `high / 4` wait.  Memory is
 * thus bounded by high plus what the paused sockets had already read. */
#ifndef SSMD_KCAP_OUT_H
#define SSMD_KCAP_OUT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct event;

enum { KOUT_OK = 0, KOUT_EPIPE, KOUT_ERROR };

struct kout {
	int		 fd;
	int		 state;		/* KOUT_OK, KOUT_EPIPE or KOUT_ERROR */
	int		 err;		/* errno of a failure */
	int		 blocked;	/* on_block(1) was the last call */
	int		 oflags;	/* fd flags to restore, or -1 */
	int		 sched;		/* fev is active */
	char		*buf;
	size_t		 off, len, cap;	/* pending bytes are buf[off..len) */
	size_t		 high;
	uint64_t	 lines, bytes;	/* written to fd */
	uint64_t	 lost_lines, lost_bytes;	/* given but never written */
	uint64_t	 compacted;	/* lines whose CR/LF became spaces */
	struct event	*wev;		/* fd writable */
	struct event	*fev;		/* flush after this loop's callbacks */
	void		(*on_block)(void *, int);
	void		*arg;
};

/* base may be NULL (tests): then output is written when output_flush is
 * called or the buffer fills, blocking is not detected. */
int	output_init(struct kout *, struct event_base *, int fd, size_t high,
	    void (*on_block)(void *, int), void *arg);
void	output_free(struct kout *);
/* Append one line: p[0..n) plus "\n".  Each CR or LF inside p becomes a
 * space (counted in compacted).  Returns the state. */
int	output_line(struct kout *, const char *p, size_t n);
/* Reserve room for a line of at most n bytes built in place; finish it
 * with output_commit(len) (the newline is added).  NULL on failure. */
char	*output_reserve(struct kout *, size_t n);
void	output_commit(struct kout *, size_t len);
/* Write what can be written now without blocking. */
int	output_flush(struct kout *);
/* Write everything, waiting as long as it takes (at exit). */
int	output_drain(struct kout *);
/* Bytes waiting. */
size_t	output_pending(const struct kout *);

#endif
