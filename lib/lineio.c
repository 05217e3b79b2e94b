#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "sig.h"
#include "wbuf.h"

#define LINEIO_READ		(256 * 1024)	/* bytes asked of each read(2) */

int
lineio_init(struct lineio *r, int fd, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max_line ? max_line : 1;
	/* Start small and grow only for long lines: RSS follows the input. */
	r->cap = 2 * LINEIO_READ;
	wbuf_grow_pipe(fd);
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	return 0;
}

void
lineio_free(struct lineio *r)
{
	free(r->buf);
	r->buf = NULL;
}

size_t
lineio_pending(const struct lineio *r)
{
	return r->end - r->start;
}

/* Return a piece of an over-long line: at most max bytes, or up to the
 * newline that ends it. */
static int
lr_piece(struct lineio *r, struct lineio_line *out, const char *nl)
{
	char	*p = r->buf + r->start;
	size_t	 avail = r->end - r->start, n;

	out->p = p;
	out->flags = LINEIO_LONG | (r->in_long ? 0 : LINEIO_FIRST);
	if (nl != NULL && (size_t)(nl - p) <= r->max) {
		n = nl - p;
		r->start += n + 1;
		r->in_long = 0;
		r->lineno++;
		if (n > 0 && p[n - 1] == '\r') {
			n--;
			out->flags |= LINEIO_CRLF;
		}
	} else if (nl == NULL && r->eof && avail <= r->max) {
		n = avail;
		r->start += n;
		r->in_long = 0;
		r->lineno++;
		out->flags |= LINEIO_NOEOL;
	} else {
		n = avail < r->max ? avail : r->max;
		r->start += n;
		r->in_long = 1;
		out->flags |= LINEIO_MORE;
	}
	r->scanned = 0;
	out->len = n;
	return LINEIO_LINE;
}

int
lineio_next(struct lineio *r, struct lineio_line *out)
{
	char	*p = r->buf + r->start, *nl;
	size_t	 avail = r->end - r->start, n;

	if (avail == 0)
		return r->eof ? LINEIO_EOF : LINEIO_EMPTY;
	nl = memchr(p + r->scanned, '\n', avail - r->scanned);
	if (r->in_long || (nl == NULL ? avail > r->max :
	    (size_t)(nl - p) > r->max)) {
		if (nl == NULL && !r->eof && avail < r->max) {
			r->scanned = avail;
			return LINEIO_EMPTY;
		}
		return lr_piece(r, out, nl);
	}
	if (nl == NULL) {
		if (!r->eof) {
			r->scanned = avail;
			return LINEIO_EMPTY;
		}
		out->p = p;
		out->len = avail;
		out->flags = LINEIO_NOEOL;
		r->start = r->end;
		r->scanned = 0;
		r->lineno++;
		return LINEIO_LINE;
	}
	n = nl - p;
	out->p = p;
	out->flags = 0;
	if (n > 0 && p[n - 1] == '\r') {
		n--;
		out->flags = LINEIO_CRLF;
	}
	out->len = n;
	r->start += (nl - p) + 1;
	r->scanned = 0;
	r->lineno++;
	return LINEIO_LINE;
}

/* Make room for one more read: move the unfinished line to the front,
 * and grow the buffer (up to max plus one read) only when it must hold a
 * longer line. */
static int
lr_room(struct lineio *r)
{
	size_t	 avail = r->end - r->start, want;
	char	*nb;

	if (r->start > 0 && (r->cap - r->end < LINEIO_READ || avail == 0)) {
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
	}
	if (r->cap - r->end >= LINEIO_READ / 4)
		return 0;
	want = r->cap * 2;
	if (want > r->max + LINEIO_READ)
		want = r->max + LINEIO_READ;
	if (want <= r->cap)
		return 0;	/* a piece will be taken before the next read */
	if ((nb = realloc(r->buf, want)) == NULL)
		return -1;
	r->buf = nb;
	r->cap = want;
	return 0;
}

int
lineio_fill(struct lineio *r, int timeout_ms)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 rc;

	if (r->eof)
		return LINEIO_END;
	if (lr_room(r) == -1)
		return LINEIO_ERROR;
	if (r->end == r->cap) {		/* cannot happen: lineio_next takes pieces */
		errno = ENOBUFS;
		return LINEIO_ERROR;
	}
	if (timeout_ms >= 0) {
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == 0)
			return LINEIO_TIMEOUT;
		if (rc == -1)
			return errno == EINTR ? LINEIO_INTR : LINEIO_ERROR;
	}
	n = read(r->fd, r->buf + r->end, r->cap - r->end);
	if (n > 0) {
		r->end += n;
		r->bytes += n;
		return LINEIO_FILLED;
	}
	if (n == 0) {
		r->eof = 1;
		return LINEIO_END;
	}
	if (errno == EINTR)
		return LINEIO_INTR;
	if (errno == EAGAIN)
		return LINEIO_TIMEOUT;
	return LINEIO_ERROR;
}

int
lineio_loop(struct lineio *r, const struct lineio_ops *ops, void *arg)
{
	struct lineio_line	l;
	int		n, rc;

	for (;;) {
		while ((n = lineio_next(r, &l)) == LINEIO_LINE)
			if ((rc = ops->line(arg, &l)) != 0)
				return rc == LINEIO_STOP ? 0 : rc;
		if ((rc = ops->idle(arg)) != 0)
			return rc == LINEIO_STOP ? 0 : rc;
		if (n == LINEIO_EOF)
			return 0;
		if (sig_stop) {
			r->eof = 1;	/* drain what was read, then end */
			continue;
		}
		if (lineio_fill(r, ops->tick_ms) == LINEIO_ERROR)
			return LINEIO_EREAD;
	}
}
