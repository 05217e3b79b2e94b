#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "json.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "sig.h"
#include "stamp.h"
#include "ts.h"
#include "wbuf.h"

#define REASON_TOO_LONG	JSON_NERR	/* one past the validator's reasons */

struct stamp {
	const struct stamp_opts	*o;
	struct lr		 lr;
	struct wb		 out, rej;
	char			 feedkv[256];	/* ,"feed":"<escaped>", */
	size_t			 feedlen;
	struct b64		 b64;
	uint64_t		 long_bytes;	/* of the over-long line in hand */
	struct timespec		 now;
	int64_t			 last_us;	/* ts of the previous line */
	struct log_rate		 rate;
	struct metric		*in, *out_lines, *bin, *bout, *empty, *last;
	struct metric		*invalid[REASON_TOO_LONG + 1];
};

int
stamp_policy(const char *s)
{
	if (strcmp(s, "keep") == 0)
		return STAMP_KEEP;
	if (strcmp(s, "reject") == 0)
		return STAMP_REJECT;
	if (strcmp(s, "stop") == 0)
		return STAMP_STOP;
	return -1;
}

static const char *
reason(int r)
{
	return r == REASON_TOO_LONG ? "too_long" : json_reason(r);
}

static int
stamp_setup(struct stamp *s)
{
	struct wb	fw;
	char		labels[192];
	int		i;

	/* The feed is escaped once, into a fixed piece of every envelope. */
	if (wb_init(&fw, -1, sizeof(s->feedkv)) == -1)
		return -1;
	wb_puts(&fw, "\",\"feed\":\"");
	json_escape(&fw, s->o->feed, strlen(s->o->feed));
	wb_puts(&fw, "\",");
	if (fw.len == fw.cap) {
		wb_free(&fw);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(s->feedkv, fw.buf, fw.len);
	s->feedlen = fw.len;
	wb_free(&fw);

	snprintf(labels, sizeof(labels), "feed=\"%s\"", s->o->feed);
	s->in = metrics_counter("ssmd_stamp_lines_in_total", labels,
	    "Lines read, empty and invalid ones included.");
	s->out_lines = metrics_counter("ssmd_stamp_lines_out_total", labels,
	    "Lines written: envelopes and kept invalid records.");
	s->bin = metrics_counter("ssmd_stamp_bytes_in_total", labels,
	    "Bytes read.");
	s->bout = metrics_counter("ssmd_stamp_bytes_out_total", labels,
	    "Bytes written to standard output.");
	s->empty = metrics_counter("ssmd_stamp_empty_lines_total", labels,
	    "Empty lines skipped.");
	s->last = metrics_gauge("ssmd_stamp_last_line_timestamp_seconds",
	    labels, "Receive time of the last line, seconds since the epoch.");
	for (i = JSON_EMPTY; i <= REASON_TOO_LONG; i++) {
		snprintf(labels, sizeof(labels), "feed=\"%s\",reason=\"%s\"",
		    s->o->feed, reason(i));
		s->invalid[i] = metrics_counter("ssmd_stamp_invalid_lines_total",
		    labels, "Lines that are not one JSON value, by reason.");
	}
	return 0;
}

/* {"ts":"...","feed":"...", */
static void
put_head(struct stamp *s)
{
	char	*p = wb_reserve(&s->out, 8 + TS_LEN + s->feedlen);

	if (p == NULL)
		return;
	memcpy(p, "{\"ts\":\"", 7);
	ts_format(p + 7, &s->now);	/* writes a NUL we overwrite next */
	memcpy(p + 7 + TS_LEN, s->feedkv, s->feedlen);
	s->out.len--;			/* 8 + TS_LEN counted the NUL */
}

static void
put_error_head(struct stamp *s, int why, int b64)
{
	char	buf[128];
	int	n;

	put_head(s);
	n = snprintf(buf, sizeof(buf), "\"error\":\"%s\",\"line\":%llu,%s",
	    reason(why), (unsigned long long)s->lr.lineno,
	    b64 ? "\"raw_b64\":\"" : "\"raw\":\"");
	wb_put(&s->out, buf, n);
}

static void
put_error_tail(struct stamp *s, uint64_t bytes)
{
	char	buf[64];
	int	n;

	n = snprintf(buf, sizeof(buf), "\",\"bytes\":%llu}\n",
	    (unsigned long long)bytes);
	wb_put(&s->out, buf, n);
	metric_inc(s->out_lines);
}

static void
warn_invalid(struct stamp *s, int why, size_t len)
{
	static const char *const pol[] = { "keep", "reject", "stop" };
	unsigned	supp;

	if (log_rate_ok(&s->rate, &supp))
		log_warn("invalid line", "line=%llu reason=%s bytes=%zu "
		    "policy=%s suppressed=%u", (unsigned long long)s->lr.lineno,
		    reason(why), len, pol[s->o->policy], supp);
}

/* A whole line that is not one JSON value. */
static int
invalid_line(struct stamp *s, int why, const struct lr_line *l)
{
	int	b64;

	metric_inc(s->invalid[why]);
	warn_invalid(s, why, l->len);
	switch (s->o->policy) {
	case STAMP_STOP:
		log_error("stopping at invalid line", "line=%llu reason=%s",
		    (unsigned long long)s->lr.lineno, reason(why));
		return EX_DATAERR;
	case STAMP_REJECT:
		wb_put(&s->rej, l->p, l->len);
		wb_putc(&s->rej, '\n');
		return 0;
	}
	/* Valid UTF-8 survives as a JSON string; anything else as base64. */
	b64 = !utf8_valid(l->p, l->len);
	put_error_head(s, why, b64);
	if (b64) {
		b64_begin(&s->b64);
		b64_put(&s->b64, &s->out, l->p, l->len);
		b64_end(&s->b64, &s->out);
	} else
		json_escape(&s->out, l->p, l->len);
	put_error_tail(s, l->len);
	return 0;
}

/* A piece of a line longer than --max-line: streamed, never held whole. */
static int
long_piece(struct stamp *s, const struct lr_line *l)
{
	if (l->flags & LR_FIRST) {
		s->long_bytes = 0;
		metric_inc(s->in);
		metric_inc(s->invalid[REASON_TOO_LONG]);
		warn_invalid(s, REASON_TOO_LONG, l->len);
		if (s->o->policy == STAMP_STOP) {
			log_error("stopping at invalid line", "line=%llu "
			    "reason=too_long", (unsigned long long)s->lr.lineno + 1);
			return EX_DATAERR;
		}
		if (s->o->policy == STAMP_KEEP) {
			s->lr.lineno++;	/* name the line being read */
			put_error_head(s, REASON_TOO_LONG, 1);
			s->lr.lineno--;
			b64_begin(&s->b64);
		}
	}
	s->long_bytes += l->len;
	if (s->o->policy == STAMP_REJECT) {
		wb_put(&s->rej, l->p, l->len);
		if (!(l->flags & LR_MORE))
			wb_putc(&s->rej, '\n');
		return 0;
	}
	b64_put(&s->b64, &s->out, l->p, l->len);
	if (!(l->flags & LR_MORE)) {
		b64_end(&s->b64, &s->out);
		put_error_tail(s, s->long_bytes);
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
stamp_line(struct stamp *s, const struct lr_line *l)
{
	enum json_err	e;

	stamp_clock(s);
	metric_set(s->last, s->now.tv_sec + s->now.tv_nsec / 1e9);
	if (l->flags & LR_LONG)
		return long_piece(s, l);
	metric_inc(s->in);
	if (l->len == 0) {
		metric_inc(s->empty);
		return 0;
	}
	if ((e = json_check(l->p, l->len, NULL)) != JSON_OK)
		return invalid_line(s, e, l);
	put_head(s);
	wb_puts(&s->out, "\"data\":");
	wb_put(&s->out, l->p, l->len);
	wb_puts(&s->out, "}\n");
	metric_inc(s->out_lines);
	return 0;
}

/* Check the outputs after a flush; returns an exit code or -1 to go on. */
static int
check_output(struct stamp *s)
{
	if (s->rej.state == WB_ERROR) {
		log_error("cannot write reject file", "path=%s error=%s",
		    log_q(s->o->reject_path), log_q(strerror(s->rej.err)));
		return EX_IOERR;
	}
	if (s->out.state == WB_EPIPE) {
		log_info("standard output closed by its reader; stopping",
		    "lines_unwritten=%llu bytes_unwritten=%llu",
		    (unsigned long long)s->out.lost_lines,
		    (unsigned long long)s->out.lost_bytes);
		return EX_OK;
	}
	if (s->out.state == WB_ERROR) {
		log_error("cannot write standard output", "error=%s "
		    "lines_unwritten=%llu", log_q(strerror(s->out.err)),
		    (unsigned long long)s->out.lost_lines);
		return EX_IOERR;
	}
	return -1;
}

static int
flush_all(struct stamp *s)
{
	wb_flush(&s->out);
	if (s->rej.fd != -1)
		wb_flush(&s->rej);
	metric_set(s->bout, (double)s->out.bytes);
	metric_set(s->bin, (double)s->lr.bytes);
	metrics_tick();
	return check_output(s);
}

static int
stamp_loop(struct stamp *s)
{
	struct lr_line	l;
	int		r, rc;

	for (;;) {
		while ((r = lr_next(&s->lr, &l)) == LR_LINE)
			if ((rc = stamp_line(s, &l)) != 0)
				return rc;
		if ((rc = flush_all(s)) != -1 || r == LR_EOF)
			return rc == -1 ? EX_OK : rc;
		if (sig_stop) {
			/* Whatever part of a line was read is still passed
			 * on, as a last line without a newline. */
			s->lr.eof = 1;
			continue;
		}
		r = lr_fill(&s->lr, 1000);
		if (r == LR_ERROR) {
			log_error("cannot read standard input", "error=%s",
			    log_q(strerror(errno)));
			return EX_IOERR;
		}
	}
}

int
stamp_run(const struct stamp_opts *o, int in, int out)
{
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
	if (lr_init(&s.lr, in, o->max_line) == -1 ||
	    wb_init(&s.out, out, 256 * 1024) == -1 ||
	    (fd != -1 && wb_init(&s.rej, fd, 64 * 1024) == -1))
		goto done;
	rc = stamp_loop(&s);
	if (rc == EX_DATAERR)
		(void)flush_all(&s);
	log_info("done", "lines_in=%llu lines_out=%llu empty=%llu "
	    "bytes_in=%llu bytes_out=%llu signal=%d",
	    (unsigned long long)metric_value(s.in),
	    (unsigned long long)metric_value(s.out_lines),
	    (unsigned long long)metric_value(s.empty),
	    (unsigned long long)s.lr.bytes, (unsigned long long)s.out.bytes,
	    (int)sig_stop);
done:
	(void)metrics_flush();
	lr_free(&s.lr);
	wb_free(&s.out);
	wb_free(&s.rej);
	if (fd != -1)
		close(fd);
	return rc;
}
