/* wbuf: buffered output that writes whole buffers, survives EINTR and
 * EAGAIN, and tells a vanished reader (EPIPE) from a real write error. */
#ifndef SSMD_WBUF_H
#define SSMD_WBUF_H

#include <stddef.h>
#include <stdint.h>

enum { WB_OK = 0, WB_EPIPE, WB_ERROR };

struct wb {
	int		 fd;
	int		 state;		/* WB_OK, WB_EPIPE or WB_ERROR */
	int		 err;		/* errno of the failure */
	char		*buf;
	size_t		 len, cap;
	uint64_t	 bytes;		/* bytes written to fd */
	uint64_t	 lost_bytes;	/* bytes given but never written */
	uint64_t	 lost_lines;	/* newlines among the lost bytes */
};

int	wb_init(struct wb *, int fd, size_t cap);
void	wb_free(struct wb *);
/* All return the state; once not WB_OK, further output is counted as lost. */
int	wb_put(struct wb *, const void *, size_t);
int	wb_flush(struct wb *);
/* Reserve n contiguous bytes (n <= cap) to fill in place; NULL on failure. */
char	*wb_reserve(struct wb *, size_t n);

static inline int
wb_putc(struct wb *w, char c)
{
	if (w->len < w->cap) {
		w->buf[w->len++] = c;
		return w->state;
	}
	return wb_put(w, &c, 1);
}

#define wb_puts(w, s)	wb_put((w), (s), sizeof(s) - 1)

/* If fd is a pipe, ask for a larger one (best effort): fewer context
 * switches between the stages of a pipeline. */
void	fd_grow_pipe(int fd);

/* Write all of p to fd, retrying EINTR and waiting out EAGAIN. */
int	write_all(int fd, const void *p, size_t n);

#endif
