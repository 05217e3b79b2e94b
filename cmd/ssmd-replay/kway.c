/* kway: merge the lines of many archive files by ts, select, pace and
 * write them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "json.h"
#include "log.h"
#include "replay.h"
#include "sig.h"
#include "ts.h"
#include "wbuf.h"

#define OUTBUF	(1 << 20)

/* An open file and the selected line it holds, keyed by the line's ts. */
struct src {
	struct archive_file	 f;
	const struct plan_file	*pf;
	struct archive_line	 l;	/* the line in hand */
	int64_t			 key;	/* its ts (or the one before) */
	uint64_t		 lineno;
	size_t			 order;
	int			 stopped;	/* at a bad line of a gzip file */
	uint64_t		 bad;		/* invalid lines skipped */
};

struct run {
	const struct replay_opts *o;
	struct replay_stats	*st;
	struct src		**heap;
	size_t			 nheap;
	struct wbuf		 out;
	struct progress		 prog;
	uint64_t		 done_bytes;	/* of files closed */
	/* pacing */
	int			 paced;
	double			 wall0;
	int64_t			 ts0, prev;
};

static int
before(const struct src *a, const struct src *b)
{
	return a->key != b->key ? a->key < b->key : a->order < b->order;
}

static void
sift_up(struct run *r, size_t i)
{
	struct src	*x = r->heap[i];

	while (i > 0 && before(x, r->heap[(i - 1) / 2])) {
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i] = x;
}

static void
sift_down(struct run *r, size_t i)
{
	struct src	*x = r->heap[i];
	size_t		 c;

	while ((c = 2 * i + 1) < r->nheap) {
		if (c + 1 < r->nheap && before(r->heap[c + 1], r->heap[c]))
			c++;
		if (!before(r->heap[c], x))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	r->heap[i] = x;
}

/* Close a file; quiet when the replay stops before its end. */
static void
close_src(struct run *r, struct src *s, int quiet)
{
	const struct archive_stats *st = &s->f.st;

	r->done_bytes += st->file_bytes;
	if (quiet)
		;
	else if (s->stopped || (s->bad > 0 && !st->damaged))
		r->st->bad_files++;	/* logged at the bad line */
	else if (st->damaged) {
		log_error("damaged gzip data: the lines of the members "
		    "before it were replayed, the damaged member's dropped",
		    "path=%s error=%s lines=%llu dropped_bytes=%llu",
		    log_q(s->pf->path), log_q(s->f.zmsg),
		    (unsigned long long)s->lineno,
		    (unsigned long long)st->dropped_bytes);
		r->st->bad_files++;
	} else if (!st->complete && !s->pf->partial) {
		log_error("file cut short: its whole lines were replayed",
		    "path=%s lines=%llu cut_bytes=%llu", log_q(s->pf->path),
		    (unsigned long long)s->lineno,
		    (unsigned long long)st->cut_bytes);
		r->st->bad_files++;
	} else if (!st->complete)
		log_info("in-progress file read up to its last whole line",
		    "path=%s lines=%llu", log_q(s->pf->path),
		    (unsigned long long)s->lineno);
	archive_close(&s->f);
	free(s);
}

/* A line that may be written: one JSON value.  (A damaged gzip member's
 * lines never get here, the archive reader drops them; a bad line in a
 * gzip file was written so, and nothing after it is trusted.) */
static int
line_valid(struct run *r, struct src *s)
{
	static struct log_rate	rate = LOG_RATE_INIT(10, 10);
	unsigned		suppressed;
	enum json_err		je;
	size_t			off;

	if ((je = json_check(s->l.p, s->l.len, &off)) == JSON_OK)
		return 1;
	r->st->bad_lines++;
	s->bad++;
	if (log_rate_ok(&rate, &suppressed))
		log_error("invalid line skipped", "path=%s line=%llu "
		    "reason=%s%s suppressed=%u", log_q(s->pf->path),
		    (unsigned long long)s->lineno, json_reason(je),
		    s->f.st.gzip ? " rest_of_file=skipped" : "", suppressed);
	return 0;
}

static uint64_t
bytes_read(const struct run *r)
{
	uint64_t	n = r->done_bytes;
	size_t		i;

	for (i = 0; i < r->nheap; i++)
		n += r->heap[i]->f.st.file_bytes;
	return n;
}

/* Read to the next selected line.  Returns 1 with it in hand, 0 at the
 * end of the file (or a bad line in a gzip one). */
static int
advance(struct run *r, struct src *s)
{
	const struct select	*sel = r->o->sel;
	struct json_span	 fr;
	int64_t			 us;
	int			 rc;

	while ((rc = archive_next(&s->f, &s->l)) == ARCHIVE_LINE) {
		s->lineno++;
		if ((++r->st->lines_in & 255) == 0 && progress_due(&r->prog))
			progress_show(&r->prog, bytes_read(r),
			    r->st->lines_out, 0);
		if (select_ts(s->l.p, s->l.len, &us) == 0)
			s->key = us;
		if ((sel->have_from || sel->have_to) &&
		    !select_time_ok(sel, s->key))
			continue;
		if (sel->frame_filters) {
			if (!select_maybe(sel, s->l.p, s->l.len)) {
				r->st->prefiltered++;
				continue;
			}
			if (select_frame_of(s->l.p, s->l.len, &fr) == -1 ||
			    !select_frame(sel, fr.p, fr.len))
				continue;
		}
		if (!line_valid(r, s)) {
			if (s->f.st.gzip) {
				s->stopped = 1;
				return 0;
			}
			continue;
		}
		return 1;
	}
	if (rc == ARCHIVE_ERROR) {
		log_error("cannot read file", "path=%s line=%llu error=%s",
		    log_q(s->pf->path), (unsigned long long)s->lineno + 1,
		    log_q(errno == EFBIG ? "line longer than 256 MiB" :
		    strerror(errno)));
		s->stopped = 1;		/* counted once, at close */
	}
	return 0;
}

static int
open_src(struct run *r, const struct plan_file *pf)
{
	struct src	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->pf = pf;
	s->order = pf->order;
	s->key = pf->start_us;
	if (archive_open(&s->f, pf->path, NULL, NULL) == -1) {
		log_error("cannot open file", "path=%s error=%s",
		    log_q(pf->path), log_q(strerror(errno)));
		r->st->bad_files++;
		free(s);
		return errno == ENOMEM ? -1 : 0;
	}
	r->st->files_opened++;
	if (!advance(r, s)) {
		close_src(r, s, 0);
		return 0;
	}
	r->heap[r->nheap++] = s;
	sift_up(r, r->nheap - 1);
	return 0;
}

/* Wait until the line at ts us is due at the replay's speed. */
static void
pace(struct run *r, int64_t us)
{
	struct timespec	 t;
	double		 due, now;
	int64_t		 gap;

	if (!r->paced) {
		r->paced = 1;
		r->wall0 = ts_mono();
		r->ts0 = r->prev = us;
		return;
	}
	gap = us - r->prev;
	if (r->o->max_gap_us > 0 && gap > r->o->max_gap_us)
		r->ts0 += gap - r->o->max_gap_us;	/* shorten the gap */
	if (gap > 0)
		r->prev = us;
	due = r->wall0 + (r->prev - r->ts0) / 1e6 / r->o->speed;
	if ((now = ts_mono()) >= due)
		return;
	wbuf_flush(&r->out);
	if (progress_due(&r->prog))
		progress_show(&r->prog, bytes_read(r), r->st->lines_out, 0);
	while (!sig_stop && (now = ts_mono()) < due) {
		t.tv_sec = (time_t)(due - now);
		t.tv_nsec = (long)((due - now - t.tv_sec) * 1e9);
		nanosleep(&t, NULL);
	}
}

static void
emit(struct run *r, struct src *s)
{
	struct json_span	fr;

	/* A line with no time yet (a bare frame first in its file) is not
	 * paced. */
	if (r->o->speed > 0 && s->key != INT64_MIN)
		pace(r, s->key);
	if (r->o->data) {
		if (select_frame_of(s->l.p, s->l.len, &fr) == -1) {
			r->st->no_data++;
			return;
		}
		wbuf_put(&r->out, fr.p, fr.len);
	} else
		wbuf_put(&r->out, s->l.p, s->l.len);
	wbuf_putc(&r->out, '\n');
	r->st->lines_out++;
}


static int
merge(struct run *r, struct plan *p)
{
	struct src	*s;
	size_t		 next = 0;

	for (;;) {
		/* Open every file whose first line may come now. */
		while (next < p->n && (r->nheap == 0 ||
		    p->v[next].start_us <= r->heap[0]->key))
			if (open_src(r, &p->v[next++]) == -1)
				return EX_OSERR;
		if (r->nheap == 0 || sig_stop || r->out.state != WBUF_OK)
			break;
		s = r->heap[0];
		emit(r, s);
		if (advance(r, s))
			sift_down(r, 0);
		else {
			r->heap[0] = r->heap[--r->nheap];
			if (r->nheap > 0)
				sift_down(r, 0);
			close_src(r, s, 0);
		}
	}
	return 0;
}

int
replay_run(const struct replay_opts *o, struct plan *p,
    struct replay_stats *st)
{
	struct run	r;
	int		rc;

	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	r.o = o;
	r.st = st;
	if ((r.heap = calloc(p->n + 1, sizeof(*r.heap))) == NULL ||
	    wbuf_init(&r.out, STDOUT_FILENO, OUTBUF) == -1) {
		free(r.heap);
		return EX_OSERR;
	}
	wbuf_grow_pipe(STDOUT_FILENO);
	progress_init(&r.prog, o->progress, p->total_bytes);
	rc = merge(&r, p);
	wbuf_flush(&r.out);
	st->bytes_read = bytes_read(&r);
	while (r.nheap > 0)
		close_src(&r, r.heap[--r.nheap], 1);
	progress_show(&r.prog, st->bytes_read, st->lines_out, 1);
	progress_end(&r.prog);
	st->bytes_out = r.out.bytes;
	st->lost_lines = r.out.lost_lines;
	st->epipe = r.out.state == WBUF_EPIPE;
	if (rc == 0 && r.out.state == WBUF_ERROR) {
		log_error("cannot write", "error=%s",
		    log_q(strerror(r.out.err)));
		rc = EX_IOERR;
	}
	wbuf_free(&r.out);
	free(r.heap);
	return rc;
}
