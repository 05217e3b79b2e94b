#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wbuf.h"

int
wbuf_write_all(int fd, const void *p, size_t n)
{
	const char	*s = p;
	struct pollfd	 pfd;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) >= 0) {
			s += w;
			n -= w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		/* A non-blocking descriptor we were handed: wait, don't spin. */
		pfd.fd = fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, -1);
	}
	return 0;
}

void
wbuf_grow_pipe(int fd)
{
	struct stat	st;

	/* 1 MiB is the default pipe-max-size for unprivileged users. */
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

int
wbuf_init(struct wbuf *w, int fd, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = cap;
	if (fd >= 0)
		wbuf_grow_pipe(fd);
	if ((w->buf = malloc(cap)) == NULL)
		return -1;
	return 0;
}

void
wbuf_free(struct wbuf *w)
{
	free(w->buf);
	w->buf = NULL;
}

static void
wb_lose(struct wbuf *w, const char *p, size_t n)
{
	const char	*e = p + n;

	w->lost_bytes += n;
	while ((p = memchr(p, '\n', e - p)) != NULL) {
		w->lost_lines++;
		p++;
	}
}

static int
wb_write(struct wbuf *w, const char *p, size_t n)
{
	if (w->state != WBUF_OK) {
		wb_lose(w, p, n);
		return w->state;
	}
	if (wbuf_write_all(w->fd, p, n) == 0) {
		w->bytes += n;
		return WBUF_OK;
	}
	w->err = errno;
	w->state = errno == EPIPE ? WBUF_EPIPE : WBUF_ERROR;
	wb_lose(w, p, n);
	return w->state;
}

int
wbuf_flush(struct wbuf *w)
{
	size_t	n = w->len;

	w->len = 0;
	if (n == 0)
		return w->state;
	return wb_write(w, w->buf, n);	/* counts the bytes lost on failure */
}

int
wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	if (n <= w->cap - w->len) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		return w->state;
	}
	if (wbuf_flush(w) != WBUF_OK) {
		wb_lose(w, p, n);
		return w->state;
	}
	if (n >= w->cap)	/* big: skip the copy */
		return wb_write(w, p, n);
	memcpy(w->buf, p, n);
	w->len = n;
	return w->state;
}

char *
wbuf_reserve(struct wbuf *w, size_t n)
{
	if (n > w->cap)
		return NULL;
	if (n > w->cap - w->len)
		(void)wbuf_flush(w);	/* a failure is counted at the next flush */
	w->len += n;
	return w->buf + w->len - n;
}
