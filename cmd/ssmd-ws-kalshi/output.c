#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "output.h"

static void	kout_wcb(evutil_socket_t, short, void *);

int
output_init(struct kout *o, struct event_base *base, int fd, size_t high,
    void (*on_block)(void *, int), void *arg)
{
	struct stat	st;

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->high = high < 4096 ? 4096 : high;
	o->cap = o->high + 65536;
	o->oflags = -1;
	o->on_block = on_block;
	o->arg = arg;
	if ((o->buf = malloc(o->cap)) == NULL)
		return -1;
	if (base == NULL)
		return 0;
	/* Pipes, sockets and terminals can block: write them without
	 * blocking so the event loop keeps its connections alive meanwhile.
	 * Regular files never block for long. */
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) &&
	    (o->oflags = fcntl(fd, F_GETFL)) != -1 &&
	    fcntl(fd, F_SETFL, o->oflags | O_NONBLOCK) == -1)
		o->oflags = -1;
	o->wev = event_new(base, fd, EV_WRITE, kout_wcb, o);
	o->fev = event_new(base, -1, 0, kout_wcb, o);
	if (o->wev == NULL || o->fev == NULL) {
		output_free(o);
		return -1;
	}
	return 0;
}

void
output_free(struct kout *o)
{
	if (o->oflags != -1)
		fcntl(o->fd, F_SETFL, o->oflags);
	o->oflags = -1;
	if (o->wev != NULL)
		event_free(o->wev);
	if (o->fev != NULL)
		event_free(o->fev);
	o->wev = o->fev = NULL;
	free(o->buf);
	o->buf = NULL;
}

size_t
output_pending(const struct kout *o)
{
	return o->len - o->off;
}

static void
block(struct kout *o, int b)
{
	if (o->blocked == b)
		return;
	o->blocked = b;
	if (o->on_block != NULL)
		o->on_block(o->arg, b);
}

/* Forget what cannot be written any more, counting it. */
static void
lose(struct kout *o)
{
	const char	*p = o->buf + o->off, *e = o->buf + o->len;

	o->lost_bytes += e - p;
	while ((p = memchr(p, '\n', e - p)) != NULL) {
		o->lost_lines++;
		p++;
	}
	o->off = o->len = 0;
}

static int
write_some(struct kout *o)
{
	ssize_t		 w;
	const char	*p, *e;

	while (o->off < o->len) {
		w = write(o->fd, o->buf + o->off, o->len - o->off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			return 1;
		if (w == -1) {
			o->err = errno;
			o->state = errno == EPIPE ? KOUT_EPIPE : KOUT_ERROR;
			lose(o);
			return -1;
		}
		/* Lines written: count the newlines that left. */
		for (p = o->buf + o->off, e = p + w;
		    (p = memchr(p, '\n', e - p)) != NULL; p++)
			o->lines++;
		o->off += w;
		o->bytes += w;
	}
	o->off = o->len = 0;
	return 0;
}

int
output_flush(struct kout *o)
{
	int	r;

	if (o->state != KOUT_OK)
		return o->state;
	r = write_some(o);
	if (r == 1 && o->wev != NULL)
		event_add(o->wev, NULL);
	if (o->off > 0 && o->off >= o->len / 2) {
		/* Keep the pending bytes at the front so the buffer is reused. */
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	if (o->wev != NULL)
		block(o, output_pending(o) >= o->high ? 1 :
		    (o->blocked && output_pending(o) > o->high / 4));
	return o->state;
}

static void
kout_wcb(evutil_socket_t fd, short what, void *arg)
{
	struct kout	*o = arg;

	o->sched = 0;
	output_flush(o);
}

int
output_drain(struct kout *o)
{
	struct pollfd	pfd = { o->fd, POLLOUT, 0 };

	while (o->state == KOUT_OK && output_pending(o) > 0) {
		if (write_some(o) == 1)
			poll(&pfd, 1, 1000);
	}
	return o->state;
}

/* Make room for n more bytes; grows past cap only for a line larger than
 * the whole buffer (bounded by the maximum frame size). */
static int
room(struct kout *o, size_t n)
{
	char	*b;
	size_t	 c;

	if (o->cap - o->len >= n)
		return 0;
	if (o->off > 0) {
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
		if (o->cap - o->len >= n)
			return 0;
	}
	if (o->wev == NULL && output_flush(o) == KOUT_OK && o->cap - o->len >= n)
		return 0;
	c = o->len + n + 65536;
	if ((b = realloc(o->buf, c)) == NULL)
		return -1;
	o->buf = b;
	o->cap = c;
	return 0;
}

char *
output_reserve(struct kout *o, size_t n)
{
	if (room(o, n + 1) == -1)
		return NULL;
	return o->buf + o->len;
}

void
output_commit(struct kout *o, size_t len)
{
	o->buf[o->len + len] = '\n';
	o->len += len + 1;
	if (o->state != KOUT_OK) {
		lose(o);
		return;
	}
	if (output_pending(o) >= 65536 || o->fev == NULL) {
		if (o->fev == NULL && output_pending(o) < o->high)
			return;
		output_flush(o);
	} else if (!o->sched && !event_pending(o->wev, EV_WRITE, NULL)) {
		o->sched = 1;
		event_active(o->fev, EV_WRITE, 0);
	}
}

int
output_line(struct kout *o, const char *p, size_t n)
{
	char	*d, *c, *e;
	int	 comp = 0;

	if ((d = output_reserve(o, n)) == NULL) {
		o->lost_lines++;
		o->lost_bytes += n + 1;
		return KOUT_ERROR;
	}
	memcpy(d, p, n);
	/* A frame's text may hold raw line breaks (white space between JSON
	 * tokens); a line must not. */
	for (e = d + n, c = d; (c = memchr(c, '\n', e - c)) != NULL; comp = 1)
		*c++ = ' ';
	for (c = d; (c = memchr(c, '\r', e - c)) != NULL; comp = 1)
		*c++ = ' ';
	o->compacted += comp;
	output_commit(o, n);
	return o->state;
}
