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
	LINEIO_LINE = 1,	/* *out holds a line (or a piece of an over-long one) */
	LINEIO_EMPTY,	/* no complete line buffered: call lineio_fill() */
	LINEIO_EOF,		/* input ended and everything was returned */
};

enum {			/* lineio_fill() results */
	LINEIO_FILLED = 1,	/* bytes were read */
	LINEIO_TIMEOUT,	/* nothing to read within the timeout */
	LINEIO_INTR,	/* a signal arrived */
	LINEIO_END,		/* end of input reached */
	LINEIO_ERROR,	/* read error, errno set */
};

/* flags of a returned line */
#define LINEIO_NOEOL	0x01	/* last line of input had no newline */
#define LINEIO_CRLF		0x02	/* a \r before the \n was removed */
#define LINEIO_LONG		0x04	/* piece of a line over the maximum */
#define LINEIO_MORE		0x08	/* with LINEIO_LONG: more pieces follow */
#define LINEIO_FIRST	0x10	/* with LINEIO_LONG: first piece */

struct lineio_line {
	const char	*p;	/* not NUL-terminated; valid until next call */
	size_t		 len;	/* without the line ending */
	unsigned	 flags;
};

struct lineio {
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

int	lineio_init(struct lineio *, int fd, size_t max_line);
void	lineio_free(struct lineio *);
int	lineio_next(struct lineio *, struct lineio_line *);
int	lineio_fill(struct lineio *, int timeout_ms);
/* Bytes of an unfinished line still buffered (what a stop would leave). */
size_t	lineio_pending(const struct lineio *);

/* The read loop of a filter.  line() is called for every line (and piece);
 * idle() whenever the buffered input is used up, before reading blocks,
 * and every tick_ms while nothing comes: the place to flush and to do
 * timed work.  Both return 0 to go on, LINEIO_STOP to end with success, or
 * an exit code to end with it.  After a stop signal (sig_stop) nothing
 * more is read, but what was, an unfinished last line included, still
 * goes to line().  Returns 0, an exit code, or LINEIO_EREAD on a read
 * error (errno set). */
#define LINEIO_STOP	256
#define LINEIO_EREAD	(-1)

struct lineio_ops {
	int	(*line)(void *, const struct lineio_line *);
	int	(*idle)(void *);
	int	  tick_ms;
};

int	lineio_loop(struct lineio *, const struct lineio_ops *, void *arg);

#endif
