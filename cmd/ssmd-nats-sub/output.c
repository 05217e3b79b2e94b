#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "json.h"
#include "output.h"
#include "ts.h"
#include "wbuf.h"

void
output_u64(struct wbuf *w, uint64_t v)
{
	char	buf[24];
	int	i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wbuf_put(w, buf + i, sizeof(buf) - (size_t)i);
}

static void
annotation(struct wbuf *w, const struct output_msg *m)
{
	wbuf_puts(w, "\"_nats_seq\":");
	output_u64(w, m->seq);
	wbuf_puts(w, ",\"_received_at\":");
	output_u64(w, m->recv_us < 0 ? 0 : (uint64_t)m->recv_us);
}

static int
ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
bad_payload(struct wbuf *w, const struct output_msg *m, const char *why,
    int annotate)
{
	struct b64	b;
	int		utf8 = json_utf8_valid(m->p, m->len);

	wbuf_puts(w, "{\"type\":\"ssmd_nats_bad_payload\",\"reason\":\"");
	wbuf_put(w, why, strlen(why));
	wbuf_puts(w, "\",\"subject\":\"");
	json_escape(w, m->subject, strlen(m->subject));
	wbuf_puts(w, "\",\"bytes\":");
	output_u64(w, m->len);
	if (utf8) {
		wbuf_puts(w, ",\"raw\":\"");
		json_escape(w, m->p, m->len);
	} else {
		wbuf_puts(w, ",\"raw_b64\":\"");
		b64_begin(&b);
		b64_put(&b, w, m->p, m->len);
		b64_end(&b, w);
	}
	wbuf_puts(w, "\"");
	if (annotate) {
		wbuf_putc(w, ',');
		annotation(w, m);
	}
	wbuf_puts(w, "}\n");
}

int
output_msg(struct wbuf *w, const struct output_msg *m, int annotate)
{
	enum json_err	 e;
	const char	*s = m->p, *end = m->p + m->len;

	if ((e = json_check(m->p, m->len, NULL)) != JSON_OK) {
		bad_payload(w, m, json_reason(e), annotate);
		return 1;
	}
	/* JSON allows newlines between tokens; a line does not. */
	if (memchr(m->p, '\n', m->len) != NULL ||
	    memchr(m->p, '\r', m->len) != NULL) {
		bad_payload(w, m, "multiline", annotate);
		return 1;
	}
	if (!annotate) {
		wbuf_put(w, m->p, m->len);
		wbuf_putc(w, '\n');
		return 0;
	}
	while (ws(*s))
		s++;
	while (ws(end[-1]))
		end--;
	if (*s != '{') {
		bad_payload(w, m, "not_object", annotate);
		return 1;
	}
	wbuf_put(w, s, (size_t)(end - 1 - s));
	for (s++; ws(*s); s++)
		;
	if (*s != '}')
		wbuf_putc(w, ',');
	annotation(w, m);
	wbuf_puts(w, "}\n");
	return 0;
}

void
output_gap(struct wbuf *w, const char *stream, uint64_t expected, uint64_t seq,
    int64_t now_us)
{
	char		ts[TS_LEN + 1];
	struct timespec	t;

	t.tv_sec = now_us / 1000000;
	t.tv_nsec = (long)(now_us % 1000000) * 1000;
	ts_format(ts, &t);
	wbuf_puts(w, "{\"type\":\"ssmd_stream_gap\",\"ts\":\"");
	wbuf_put(w, ts, TS_LEN);
	wbuf_puts(w, "\",\"stream\":\"");
	json_escape(w, stream, strlen(stream));
	wbuf_puts(w, "\",\"expected_seq\":");
	output_u64(w, expected);
	wbuf_puts(w, ",\"seq\":");
	output_u64(w, seq);
	wbuf_puts(w, ",\"missing\":");
	output_u64(w, seq - expected);
	wbuf_puts(w, "}\n");
}

size_t
output_bound(size_t len, const char *subject)
{
	/* \u00XX escapes are the worst case; base64 is 4/3. */
	return 6 * len + 6 * strlen(subject) + 256;
}

#define PAGE	4096

/* Bytes a write(2) to pipe fd can surely take without blocking: free
 * pages, assuming a partly read first and a partly filled last page. */
static size_t
pipe_room(int fd, size_t *cap)
{
	int	q = 0, sz;
	size_t	used;

	if ((sz = fcntl(fd, F_GETPIPE_SZ)) <= 0 || ioctl(fd, FIONREAD, &q) == -1)
		return 0;
	*cap = (size_t)sz;
	used = ((size_t)q + PAGE - 1) / PAGE + 1;
	return (size_t)sz / PAGE > used ? ((size_t)sz / PAGE - used) * PAGE : 0;
}

/* Length of the longest prefix of p[0..n) made of whole lines and no
 * longer than max; 0 if the first line is longer. */
static size_t
whole_lines(const char *p, size_t n, size_t max)
{
	const char	*nl;

	if (n <= max)
		return n;
	nl = memrchr(p, '\n', max);
	return nl != NULL ? (size_t)(nl - p) + 1 : 0;
}

int
output_flush(struct wbuf *w)
{
	struct stat	 st;
	struct pollfd	 pfd;
	size_t		 off = 0, room, cap = 0, n;
	const char	*nl;

	if (w->state != WBUF_OK || w->len == 0 || fstat(w->fd, &st) == -1 ||
	    !S_ISFIFO(st.st_mode))
		return wbuf_flush(w);
	while (off < w->len) {
		room = pipe_room(w->fd, &cap);
		n = whole_lines(w->buf + off, w->len - off, room);
		if (n == 0 && room + 2 * PAGE >= cap && cap > 0) {
			/* A line bigger than the whole pipe: no way to keep
			 * it atomic, write it as it comes. */
			nl = memchr(w->buf + off, '\n', w->len - off);
			n = nl ? (size_t)(nl - w->buf - off) + 1 : w->len - off;
		}
		if (n == 0) {
			pfd.fd = w->fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 10);
			if (pfd.revents & POLLERR)
				break;		/* reader gone: EPIPE below */
			continue;
		}
		if (wbuf_write_all(w->fd, w->buf + off, n) == -1)
			break;
		w->bytes += n;
		off += n;
	}
	/* Whatever is left (after an error) goes through wbuf_flush, which
	 * records the error and counts what was lost. */
	memmove(w->buf, w->buf + off, w->len - off);
	w->len -= off;
	return wbuf_flush(w);
}

int
output_reader_gone(const struct wbuf *w)
{
	struct pollfd	pfd;

	pfd.fd = w->fd;
	pfd.events = 0;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}
