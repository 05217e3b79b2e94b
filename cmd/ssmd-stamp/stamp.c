#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "badline.h"
#include "json.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "sig.h"
#include "stamp.h"
#include "ts.h"
#include "wbuf.h"

struct stamp {
	const struct stamp_opts	*o;
	struct lineio		 lr;
	struct wbuf		 out, rej;
	uint64_t		 long_bytes;	/* of the over-long line so far */
	int			 hinted;	/* the encoding hint was given */
	char			 feedkv[256];	/* ,"feed":"<escaped>", */
	size_t			 feedlen;
	struct badline		 bad;		/* an error record in hand */
	struct timespec		 now;
	int64_t			 last_us;	/* ts of the previous line */
	struct log_rate		 rate;
	struct badline_stat		 st;
	struct metric		*out_lines, *bout, *last;
};

const char *const stamp_policies[] = {
	[STAMP_KEEP] = "keep", [STAMP_REJECT] = "reject", [STAMP_STOP] = "stop",
	NULL
};

static int
stamp_setup(struct stamp *s)
{
	struct wbuf	fw;
	char		labels[192];

	/* The feed is escaped once, into a fixed piece of every envelope. */
	if (wbuf_init(&fw, -1, sizeof(s->feedkv)) == -1)
		return -1;
	wbuf_puts(&fw, "\",\"feed\":\"");
	json_escape(&fw, s->o->feed, strlen(s->o->feed));
	wbuf_puts(&fw, "\",");
	if (fw.len == fw.cap) {
		wbuf_free(&fw);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(s->feedkv, fw.buf, fw.len);
	s->feedlen = fw.len;
	wbuf_free(&fw);

	snprintf(labels, sizeof(labels), "feed=\"%s\"", s->o->feed);
	badline_stat_init(&s->st, "ssmd_stamp", labels);
	s->out_lines = metrics_counter("ssmd_stamp_lines_out_total", labels,
	    "Lines written: envelopes and kept invalid records.");
	s->bout = metrics_counter("ssmd_stamp_bytes_out_total", labels,
	    "Bytes written to standard output.");
	s->last = metrics_gauge("ssmd_stamp_last_line_timestamp_seconds",
	    labels, "Receive time of the last line, seconds since the epoch.");
	return 0;
}

/* {"ts":"...","feed":"...", */
static void
put_head(struct stamp *s)
{
	char	*p = wbuf_reserve(&s->out, 8 + TS_LEN + s->feedlen);

	if (p == NULL)
		return;
	memcpy(p, "{\"ts\":\"", 7);
	ts_format(p + 7, &s->now);	/* writes a NUL we overwrite next */
	memcpy(p + 7 + TS_LEN, s->feedkv, s->feedlen);
	s->out.len--;			/* 8 + TS_LEN counted the NUL */
}

/* The first warning also says when the whole input seems to be in the
 * wrong encoding (p, n: the line, or a long line's first piece). */
static void
warn_invalid(struct stamp *s, int why, uint64_t line, uint64_t len,
    const char *p, size_t n)
{
	const char	*hint = s->hinted ? NULL : badline_hint(p, n);
	unsigned	 supp;

	s->hinted = 1;
	if (log_rate_ok(&s->rate, &supp) || hint != NULL)
		log_warn("invalid line", "line=%llu reason=%s bytes=%llu "
		    "policy=%s suppressed=%u%s%s", (unsigned long long)line,
		    badline_reason(why), (unsigned long long)len,
		    stamp_policies[s->o->policy], supp, hint ? " hint=" : "",
		    hint ? log_q(hint) : "");
}

/* A whole line that is not one JSON value. */
static int
invalid_line(struct stamp *s, int why, const struct lineio_line *l)
{
	warn_invalid(s, why, s->lr.lineno, l->len, l->p, l->len);
	switch (s->o->policy) {
	case STAMP_STOP:
		log_error("stopping at invalid line", "line=%llu reason=%s",
		    (unsigned long long)s->lr.lineno, badline_reason(why));
		return EX_DATAERR;
	case STAMP_REJECT:
		wbuf_put(&s->rej, l->p, l->len);
		wbuf_putc(&s->rej, '\n');
		return 0;
	}
	badline_begin(&s->bad, &s->out, &s->now, s->o->feed, why, s->lr.lineno,
	    badline_needs_b64(l->p, l->len));
	badline_put(&s->bad, &s->out, l->p, l->len);
	badline_end(&s->bad, &s->out);
	wbuf_putc(&s->out, '\n');
	metrics_inc(s->out_lines);
	return 0;
}

/* A piece of a line longer than --max-line: streamed, never held whole. */
static int
long_piece(struct stamp *s, const struct lineio_line *l)
{
	/* lineio counts a line when its last piece is returned. */
	uint64_t	lineno = s->lr.lineno + ((l->flags & LINEIO_MORE) != 0);

	if (l->flags & LINEIO_FIRST) {
		s->long_bytes = 0;
		if (s->o->policy == STAMP_STOP) {
			warn_invalid(s, BADLINE_TOO_LONG, lineno, l->len, l->p,
			    l->len);
			log_error("stopping at invalid line", "line=%llu "
			    "reason=too_long", (unsigned long long)lineno);
			return EX_DATAERR;
		}
		if (s->o->policy == STAMP_KEEP)
			badline_begin(&s->bad, &s->out, &s->now, s->o->feed,
			    BADLINE_TOO_LONG, lineno, 1);
	}
	/* Warned at its end, when its real length is known. */
	s->long_bytes += l->len;
	if (!(l->flags & LINEIO_MORE))
		warn_invalid(s, BADLINE_TOO_LONG, lineno, s->long_bytes, l->p,
		    0);
	if (s->o->policy == STAMP_REJECT) {
		wbuf_put(&s->rej, l->p, l->len);
		if (!(l->flags & LINEIO_MORE))
			wbuf_putc(&s->rej, '\n');
		return 0;
	}
	badline_put(&s->bad, &s->out, l->p, l->len);
	if (!(l->flags & LINEIO_MORE)) {
		badline_end(&s->bad, &s->out);
		wbuf_putc(&s->out, '\n');
		metrics_inc(s->out_lines);
	}
	return 0;
}

/* The receive time, strictly increasing: two identical frames never get
 * identical envelopes (NATS deduplicates on the envelope's bytes).  A
 * clock step back of a second or more is taken as it is. */
static void
stamp_clock(struct stamp *s)
{
	struct timespec	t;
	int64_t		us;

	clock_gettime(CLOCK_REALTIME, &t);
	us = (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
	if (us <= s->last_us && s->last_us - us < 1000000)
		us = s->last_us + 1;
	s->last_us = us;
	s->now.tv_sec = us / 1000000;
	s->now.tv_nsec = us % 1000000 * 1000;
}

static int
stamp_line(void *arg, const struct lineio_line *l)
{
	struct stamp	*s = arg;
	int		 e;

	stamp_clock(s);
	if ((e = badline_stat_line(&s->st, l)) == BADLINE_LONG)
		return long_piece(s, l);
	if (e == BADLINE_EMPTY)
		return 0;
	if (e != JSON_OK)
		return invalid_line(s, e, l);
	put_head(s);
	wbuf_puts(&s->out, "\"data\":");
	wbuf_put(&s->out, l->p, l->len);
	wbuf_puts(&s->out, "}\n");
	metrics_inc(s->out_lines);
	return 0;
}

/* Check the outputs after a flush: 0 to go on, LINEIO_STOP when the reader
 * went away, or an exit code. */
static int
check_output(struct stamp *s)
{
	if (s->rej.state == WBUF_ERROR) {
		log_error("cannot write reject file", "path=%s error=%s",
		    log_q(s->o->reject_path), log_q(strerror(s->rej.err)));
		return EX_IOERR;
	}
	if (s->out.state == WBUF_EPIPE) {
		log_info("standard output closed by its reader; stopping",
		    "lines_unwritten=%llu bytes_unwritten=%llu",
		    (unsigned long long)s->out.lost_lines,
		    (unsigned long long)s->out.lost_bytes);
		return LINEIO_STOP;
	}
	if (s->out.state == WBUF_ERROR) {
		log_error("cannot write standard output", "error=%s "
		    "lines_unwritten=%llu", log_q(strerror(s->out.err)),
		    (unsigned long long)s->out.lost_lines);
		return EX_IOERR;
	}
	return 0;
}

/* Input paused: flush, so a live feed is never held back. */
static int
flush_all(void *arg)
{
	struct stamp	*s = arg;

	wbuf_flush(&s->out);
	if (s->rej.fd != -1)
		wbuf_flush(&s->rej);
	metrics_set(s->last, s->last_us / 1e6);	/* once a batch, not a line */
	metrics_set(s->bout, (double)s->out.bytes);
	metrics_set(s->st.bytes_in, (double)s->lr.bytes);
	metrics_tick();
	return check_output(s);
}

int
stamp_run(const struct stamp_opts *o, int in, int out)
{
	static const struct lineio_ops ops = { stamp_line, flush_all, 1000 };
	struct stamp	s;
	int		rc = EX_OSERR, fd = -1;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.rate = (struct log_rate)LOG_RATE_INIT(10, 60);
	s.rej.fd = -1;
	if (stamp_setup(&s) == -1) {
		log_error("feed name too long", "");
		return EX_USAGE;
	}
	if (o->policy == STAMP_REJECT &&
	    (fd = open(o->reject_path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) == -1) {
		log_error("cannot open reject file", "path=%s error=%s",
		    log_q(o->reject_path), log_q(strerror(errno)));
		return EX_CANTCREAT;
	}
	if (lineio_init(&s.lr, in, o->max_line) == -1 ||
	    wbuf_init(&s.out, out, 256 * 1024) == -1 ||
	    (fd != -1 && wbuf_init(&s.rej, fd, 64 * 1024) == -1))
		goto done;
	rc = lineio_loop(&s.lr, &ops, &s);
	if (rc == LINEIO_EREAD) {
		log_error("cannot read standard input", "error=%s",
		    log_q(strerror(errno)));
		rc = EX_IOERR;
	}
	if (rc == EX_DATAERR)
		(void)flush_all(&s);
	log_info("done", "lines_in=%llu lines_out=%llu empty=%llu "
	    "invalid=%llu policy=%s bytes_in=%llu bytes_out=%llu signal=%d",
	    (unsigned long long)metrics_value(s.st.in),
	    (unsigned long long)metrics_value(s.out_lines),
	    (unsigned long long)metrics_value(s.st.empty),
	    (unsigned long long)badline_stat_invalid(&s.st),
	    stamp_policies[o->policy],
	    (unsigned long long)s.lr.bytes, (unsigned long long)s.out.bytes,
	    (int)sig_stop);
done:
	(void)metrics_flush();
	lineio_free(&s.lr);
	wbuf_free(&s.out);
	wbuf_free(&s.rej);
	if (fd != -1)
		close(fd);
	return rc;
}
