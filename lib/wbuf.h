/* wbuf: buffered output that writes whole buffers, survives EINTR and
 * EAGAIN, and tells a vanished reader (EPIPE) from a real write error. */
#ifndef SSMD_WBUF_H
#define SSMD_WBUF_H

#include <stddef.h>
#include <stdint.h>

enum { WBUF_OK = 0, WBUF_EPIPE, WBUF_ERROR };

struct wbuf {
	int		 fd;
	int		 state;		/* WBUF_OK, WBUF_EPIPE or WBUF_ERROR */
	int		 err;		/* errno of the failure */
	char		*buf;
	size_t		 len, cap;
	uint64_t	 bytes;		/* bytes written to fd */
	uint64_t	 lost_bytes;	/* bytes given but never written */
	uint64_t	 lost_lines;	/* newlines among the lost bytes */
};

int	wbuf_init(struct wbuf *, int fd, size_t cap);
void	wbuf_free(struct wbuf *);
/* All return the state; once not WBUF_OK, further output is counted as lost. */
int	wbuf_put(struct wbuf *, const void *, size_t);
int	wbuf_flush(struct wbuf *);
/* Reserve n contiguous bytes (n <= cap) to fill in place; NULL on failure. */
char	*wbuf_reserve(struct wbuf *, size_t n);

static inline int
wbuf_putc(struct wbuf *w, char c)
{
	if (w->len < w->cap) {
		w->buf[w->len++] = c;
		return w->state;
	}
	return wbuf_put(w, &c, 1);
}

#define wbuf_puts(w, s)	wbuf_put((w), (s), sizeof(s) - 1)

/* If fd is a pipe, ask for a larger one (best effort): fewer context
 * switches between the stages of a pipeline. */
void	wbuf_grow_pipe(int fd);

/* Write all of p to fd, retrying EINTR and waiting out EAGAIN. */
int	wbuf_write_all(int fd, const void *p, size_t n);

#endif
