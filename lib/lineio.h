/* lineio: read newline-delimited records from a file descriptor.
 *
 * One large buffer, read(2) in big chunks, memchr for the newline: no
 * allocation per line.  A line longer than the maximum is not buffered
 * whole; it comes back in pieces of at most max bytes, flagged, so memory
 * stays bounded whatever the input. */
#ifndef SSMD_LINEIO_H
#define SSMD_LINEIO_H

#include <stddef.h>
#include <stdint.h>

enum {
	LR_LINE = 1,	/* *out holds a line (or a piece of an over-long one) */
	LR_EMPTY,	/* no complete line buffered: call lr_fill() */
	LR_EOF,		/* input ended and everything was returned */
};

enum {			/* lr_fill() results */
	LR_FILLED = 1,	/* bytes were read */
	LR_TIMEOUT,	/* nothing to read within the timeout */
	LR_INTR,	/* a signal arrived */
	LR_END,		/* end of input reached */
	LR_ERROR,	/* read error, errno set */
};

/* flags of a returned line */
#define LR_NOEOL	0x01	/* last line of input had no newline */
#define LR_CRLF		0x02	/* a \r before the \n was removed */
#define LR_LONG		0x04	/* piece of a line over the maximum */
#define LR_MORE		0x08	/* with LR_LONG: more pieces follow */
#define LR_FIRST	0x10	/* with LR_LONG: first piece */

struct lr_line {
	const char	*p;	/* not NUL-terminated; valid until next call */
	size_t		 len;	/* without the line ending */
	unsigned	 flags;
};

struct lr {
	int		 fd;
	char		*buf;
	size_t		 cap, start, end;
	size_t		 max;		/* maximum line length */
	size_t		 scanned;	/* bytes from start known to hold no \n */
	int		 eof;
	int		 in_long;	/* inside an over-long line */
	uint64_t	 bytes;		/* bytes read so far */
	uint64_t	 lineno;	/* lines returned (pieces count once) */
};

int	lr_init(struct lr *, int fd, size_t max_line);
void	lr_free(struct lr *);
int	lr_next(struct lr *, struct lr_line *);
int	lr_fill(struct lr *, int timeout_ms);
/* Bytes of an unfinished line still buffered (what a stop would leave). */
size_t	lr_pending(const struct lr *);

/* The read loop of a filter.  line() is called for every line (and piece);
 * idle() whenever the buffered input is used up, before reading blocks,
 * and every tick_ms while nothing comes: the place to flush and to do
 * timed work.  Both return 0 to go on, LR_STOP to end with success, or
 * an exit code to end with it.  After a stop signal (sig_stop) nothing
 * more is read, but what was, an unfinished last line included, still
 * goes to line().  Returns 0, an exit code, or -1 on a read error (errno
 * set). */
#define LR_STOP	256

struct lr_ops {
	int	(*line)(void *, const struct lr_line *);
	int	(*idle)(void *);
	int	  tick_ms;
};

int	lr_loop(struct lr *, const struct lr_ops *, void *arg);

#endif
