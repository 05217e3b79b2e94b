#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "wbuf.h"

#define LR_READ		(256 * 1024)	/* bytes asked of each read(2) */

int
lr_init(struct lr *r, int fd, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max_line ? max_line : 1;
	/* Start small and grow only for long lines: RSS follows the input. */
	r->cap = 2 * LR_READ;
	fd_grow_pipe(fd);
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	return 0;
}

void
lr_free(struct lr *r)
{
	free(r->buf);
	r->buf = NULL;
}

size_t
lr_pending(const struct lr *r)
{
	return r->end - r->start;
}

/* Return a piece of an over-long line: at most max bytes, or up to the
 * newline that ends it. */
static int
lr_piece(struct lr *r, struct lr_line *out, const char *nl)
{
	char	*p = r->buf + r->start;
	size_t	 avail = r->end - r->start, n;

	out->p = p;
	out->flags = LR_LONG | (r->in_long ? 0 : LR_FIRST);
	if (nl != NULL && (size_t)(nl - p) <= r->max) {
		n = nl - p;
		r->start += n + 1;
		r->in_long = 0;
		r->lineno++;
		if (n > 0 && p[n - 1] == '\r') {
			n--;
			out->flags |= LR_CRLF;
		}
	} else if (nl == NULL && r->eof && avail <= r->max) {
		n = avail;
		r->start += n;
		r->in_long = 0;
		r->lineno++;
		out->flags |= LR_NOEOL;
	} else {
		n = avail < r->max ? avail : r->max;
		r->start += n;
		r->in_long = 1;
		out->flags |= LR_MORE;
	}
	r->scanned = 0;
	out->len = n;
	return LR_LINE;
}

int
lr_next(struct lr *r, struct lr_line *out)
{
	char	*p = r->buf + r->start, *nl;
	size_t	 avail = r->end - r->start, n;

	if (avail == 0)
		return r->eof ? LR_EOF : LR_EMPTY;
	nl = memchr(p + r->scanned, '\n', avail - r->scanned);
	if (r->in_long || (nl == NULL ? avail > r->max :
	    (size_t)(nl - p) > r->max)) {
		if (nl == NULL && !r->eof && avail < r->max) {
			r->scanned = avail;
			return LR_EMPTY;
		}
		return lr_piece(r, out, nl);
	}
	if (nl == NULL) {
		if (!r->eof) {
			r->scanned = avail;
			return LR_EMPTY;
		}
		out->p = p;
		out->len = avail;
		out->flags = LR_NOEOL;
		r->start = r->end;
		r->scanned = 0;
		r->lineno++;
		return LR_LINE;
	}
	n = nl - p;
	out->p = p;
	out->flags = 0;
	if (n > 0 && p[n - 1] == '\r') {
		n--;
		out->flags = LR_CRLF;
	}
	out->len = n;
	r->start += (nl - p) + 1;
	r->scanned = 0;
	r->lineno++;
	return LR_LINE;
}

/* Make room for one more read: move the unfinished line to the front,
 * and grow the buffer (up to max plus one read) only when it must hold a
 * longer line. */
static int
lr_room(struct lr *r)
{
	size_t	 avail = r->end - r->start, want;
	char	*nb;

	if (r->start > 0 && (r->cap - r->end < LR_READ || avail == 0)) {
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
	}
	if (r->cap - r->end >= LR_READ / 4)
		return 0;
	want = r->cap * 2;
	if (want > r->max + LR_READ)
		want = r->max + LR_READ;
	if (want <= r->cap)
		return 0;	/* a piece will be taken before the next read */
	if ((nb = realloc(r->buf, want)) == NULL)
		return -1;
	r->buf = nb;
	r->cap = want;
	return 0;
}

int
lr_fill(struct lr *r, int timeout_ms)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 rc;

	if (r->eof)
		return LR_END;
	if (lr_room(r) == -1)
		return LR_ERROR;
	if (r->end == r->cap) {		/* cannot happen: lr_next takes pieces */
		errno = ENOBUFS;
		return LR_ERROR;
	}
	if (timeout_ms >= 0) {
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == 0)
			return LR_TIMEOUT;
		if (rc == -1)
			return errno == EINTR ? LR_INTR : LR_ERROR;
	}
	n = read(r->fd, r->buf + r->end, r->cap - r->end);
	if (n > 0) {
		r->end += n;
		r->bytes += n;
		return LR_FILLED;
	}
	if (n == 0) {
		r->eof = 1;
		return LR_END;
	}
	if (errno == EINTR)
		return LR_INTR;
	if (errno == EAGAIN)
		return LR_TIMEOUT;
	return LR_ERROR;
}
