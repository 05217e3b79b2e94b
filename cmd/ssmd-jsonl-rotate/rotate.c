#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "badline.h"
#include "json.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "rotate.h"
#include "writer.h"
#include "manifest.h"
#include "onclose.h"
#include "recover.h"
#include "sig.h"
#include "ts.h"
#include "wbuf.h"

#define MAX_OPEN	16		/* feeds with a file open at once */
#define DAY_US		(86400LL * 1000000)
#define CHUNK		(16 * 1024)	/* of a bad line, escaped at once */
#define TICK_MS		100

struct slot {
	char		 feed[65];
	size_t		 flen;
	int		 open;
	struct rot_file	 f;
	int64_t		 start, end;	/* the slot, UTC microseconds */
	char		 daydir[PATH_MAX];
	double		 opened, last_write, last_flush;	/* monotonic */
	uint64_t	 seen_records;	/* at the last tick */
	uint64_t	 seen_bytes;	/* compressed, at the last tick */
	double		 used;		/* monotonic, to pick one to evict */
	struct metric	*lines, *files, *age;
};

struct rot {
	const struct rot_opts	*o;
	struct lineio		 lr;
	int			 hinted;	/* the encoding hint was given */
	struct slot		 slot[MAX_OPEN];
	struct slot		*last;		/* written to last */
	int64_t			 last_t;	/* its line's time */
	struct wbuf		 scr;		/* a bad line, made valid */
	struct badline		 bad;
	struct slot		*long_slot;	/* an over-long line in hand */
	struct rot_oc		 oc;
	struct log_rate		 rate;
	double			 now;		/* monotonic, at the last tick */
	struct badline_stat		 st;
	struct metric		*bout, *late, *rfiles, *rlines, *rcut;
	struct metric		*rdamaged;
};

static void
setup_metrics(struct rot *s)
{
	/* Input is counted per process: one input carries many feeds. */
	badline_stat_init(&s->st, "ssmd_jsonl_rotate", NULL);
	s->bout = metrics_counter("ssmd_jsonl_rotate_bytes_out_total", NULL,
	    "Bytes written to archive files (compressed).");
	s->late = metrics_counter("ssmd_jsonl_rotate_late_lines_total", NULL,
	    "Lines older than the slot of their feed's open file, kept in it.");
	s->rfiles = metrics_counter("ssmd_jsonl_rotate_recovered_files_total",
	    NULL, "In-progress files finalized at start.");
	s->rlines = metrics_counter("ssmd_jsonl_rotate_recovered_lines_total",
	    NULL, "Lines kept in recovered files.");
	s->rcut = metrics_counter(
	    "ssmd_jsonl_rotate_recovery_cut_bytes_total", NULL,
	    "Bytes of half lines cut off in recovery.");
	s->rdamaged = metrics_counter(
	    "ssmd_jsonl_rotate_recovery_damaged_files_total", NULL,
	    "In-progress files with a bad line or damaged gzip data, kept "
	    "as .damaged beside their valid lines.");
}

static void
slot_metrics(struct slot *sl)
{
	char	labels[96];

	snprintf(labels, sizeof(labels), "feed=\"%s\"", sl->feed);
	sl->lines = metrics_counter("ssmd_jsonl_rotate_lines_out_total", labels,
	    "Lines archived.");
	sl->files = metrics_counter("ssmd_jsonl_rotate_files_finalized_total",
	    labels, "Files closed and given their final name.");
	sl->age = metrics_gauge("ssmd_jsonl_rotate_current_file_age_seconds",
	    labels, "Age of the open file (0 when none is open).");
}

/* Account the bytes a file wrote since the last look. */
static void
count_out(struct rot *s, struct slot *sl)
{
	uint64_t	n = writer_size(&sl->f);

	if (n > sl->seen_bytes)
		metrics_add(s->bout, n - sl->seen_bytes);
	sl->seen_bytes = n;
}

/* After a write error: keep whole lines only, name nothing final. */
static int
io_fail(struct rot *s, struct slot *bad, const char *what)
{
	uint64_t	lost = 0;
	int		i, err = bad->f.err ? bad->f.err : errno;

	log_error(what, "path=%s error=%s", log_q(bad->f.path),
	    log_q(strerror(err)));
	for (i = 0; i < MAX_OPEN; i++)
		if (s->slot[i].open) {
			lost += writer_abort(&s->slot[i].f);
			s->slot[i].open = 0;
		}
	log_error("stopping; in-progress files keep their whole lines and "
	    "are finalized at the next start", "lines_unwritten=%llu",
	    (unsigned long long)lost);
	return EX_IOERR;
}

static int
close_slot(struct rot *s, struct slot *sl, const char *why)
{
	struct rot_info	 info;
	const char	*name;

	count_out(s, sl);
	if (writer_close(&sl->f, &info) == -1)
		return io_fail(s, sl, "cannot finalize file");
	sl->open = 0;
	metrics_set(sl->age, 0);
	metrics_inc(sl->files);
	count_out(s, sl);
	name = strrchr(sl->f.final, '/') + 1;
	log_info("file closed", "path=%s reason=%s records=%llu bytes=%llu "
	    "compressed_bytes=%llu", log_q(sl->f.final), why,
	    (unsigned long long)info.records, (unsigned long long)info.bytes,
	    (unsigned long long)info.cbytes);
	if (manifest_update(sl->daydir, name, &info) == -1) {
		log_error("cannot write manifest", "dir=%s error=%s",
		    log_q(sl->daydir), log_q(strerror(errno)));
		return EX_IOERR;
	}
	onclose_push(&s->oc, sl->f.final);
	return 0;
}

static int
close_all(struct rot *s, const char *why)
{
	int	i, rc;

	for (i = 0; i < MAX_OPEN; i++)
		if (s->slot[i].open && (rc = close_slot(s, &s->slot[i], why)))
			return rc;
	return 0;
}

static void
slot_bounds(const struct rot_opts *o, int64_t t, int64_t *start,
    int64_t *end)
{
	int64_t	day = (t >= 0 ? t : t - DAY_US + 1) / DAY_US * DAY_US;

	if (o->max_age_us == 0) {
		*start = day;
		*end = day + DAY_US;
		return;
	}
	*start = day + (t - day) / o->max_age_us * o->max_age_us;
	*end = *start + o->max_age_us;
	if (*end > day + DAY_US)
		*end = day + DAY_US;
}

/* snprintf for paths: -1 with ENAMETOOLONG instead of a cut name. */
static int __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
make_daydir(const char *dir, const char *daydir)
{
	if (mkdir(daydir, 0755) == 0)
		return writer_fsync_dir(daydir);
	return errno == EEXIST ? 0 : -1;
}

static int
open_slot(struct rot *s, struct slot *sl, int64_t t)
{
	const struct rot_opts	*o = s->o;
	char			 stem[PATH_MAX], final[PATH_MAX], part[PATH_MAX];
	const char		*ext = o->gzip ? ".jsonl.gz" : ".jsonl";
	struct tm		 tm;
	time_t			 secs;
	uint64_t		 cut = 0;
	int			 simple = !o->gzip && o->max_age_us == 0, r;

	slot_bounds(o, t, &sl->start, &sl->end);
	secs = sl->start / 1000000;
	gmtime_r(&secs, &tm);
	if (pathf(sl->daydir, sizeof(sl->daydir), "%s/%04d-%02d-%02d", o->dir,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) == -1 ||
	    make_daydir(o->dir, sl->daydir) == -1)
		goto fail;
	if (simple) {
		if (pathf(final, sizeof(final), "%s/%s.jsonl", sl->daydir,
		    sl->feed) == -1)
			goto fail;
		r = writer_open(&sl->f, final, final, 0, 0, ROT_APPEND, &cut);
		if (cut > 0)
			log_warn("cut a half line off the end of a file",
			    "path=%s cut_bytes=%llu", log_q(final),
			    (unsigned long long)cut);
	} else {
		if (pathf(stem, sizeof(stem), "%s/%s-%02d%02d", sl->daydir,
		    sl->feed, tm.tm_hour, tm.tm_min) == -1 ||
		    writer_free_name(stem, ext, final, sizeof(final)) == -1 ||
		    pathf(part, sizeof(part), "%s" ARCHIVE_PARTIAL, final) == -1)
			goto fail;
		r = writer_open(&sl->f, part, final, o->gzip, o->level, 0,
		    NULL);
	}
	if (r == -1)
		goto fail;
	sl->open = 1;
	sl->opened = sl->last_write = sl->last_flush = s->now;
	sl->seen_records = 0;
	sl->seen_bytes = writer_size(&sl->f);
	log_debug("file opened", "path=%s", log_q(sl->f.path));
	return 0;
fail:
	log_error("cannot create file", "dir=%s error=%s", log_q(sl->daydir),
	    log_q(strerror(errno)));
	return EX_IOERR;
}

/* The slot of a feed: found, free, or the least recently used one. */
static struct slot *
feed_slot(struct rot *s, const char *feed, size_t flen, int *rc)
{
	struct slot	*sl, *lru = NULL;
	int		 i;

	if (s->last != NULL && s->last->flen == flen &&
	    memcmp(s->last->feed, feed, flen) == 0)
		return s->last;
	for (i = 0; i < MAX_OPEN; i++) {
		sl = &s->slot[i];
		if (sl->flen == flen && memcmp(sl->feed, feed, flen) == 0)
			return sl;
		if (lru == NULL || (sl->flen == 0 && lru->flen != 0) ||
		    (sl->flen != 0 && lru->flen != 0 && sl->used < lru->used))
			lru = sl;
	}
	if (lru->open && (*rc = close_slot(s, lru, "evicted")) != 0)
		return NULL;
	memcpy(lru->feed, feed, flen);
	lru->feed[flen] = '\0';
	lru->flen = flen;
	slot_metrics(lru);
	return lru;
}

/* The file a line of len bytes at time t goes to, rotated as needed. */
static struct slot *
route(struct rot *s, const char *feed, size_t flen, int64_t t, size_t len,
    int *rc)
{
	struct slot	*sl;

	*rc = 0;
	if ((sl = feed_slot(s, feed, flen, rc)) == NULL)
		return NULL;
	if (sl->open) {
		if (t >= sl->end)
			*rc = close_slot(s, sl, "age");
		else if (s->o->max_size && sl->f.info.records > 0 &&
		    sl->f.info.bytes + len + 1 > s->o->max_size)
			*rc = close_slot(s, sl, "size");
		else if (t < sl->start)
			metrics_inc(s->late);
		if (*rc)
			return NULL;
	}
	if (!sl->open && (*rc = open_slot(s, sl, t)) != 0)
		return NULL;
	sl->used = s->now;
	s->last = sl;
	s->last_t = t;
	return sl;
}

/* Move what the scratch buffer holds into the file. */
static int
drain_scratch(struct rot *s, struct slot *sl)
{
	int	r = writer_write(&sl->f, s->scr.buf, s->scr.len);

	s->scr.len = 0;
	return r;
}

/* Start a bad line's error record (badline.h) in the file of the line
 * before it, with that line's time and feed. */
static struct slot *
invalid_head(struct rot *s, int why, int b64, uint64_t line, int *rc)
{
	const char	*feed = s->o->feed;
	struct slot	*sl;
	struct timespec	 t;
	int64_t		 us;

	if (feed == NULL)
		feed = s->last != NULL ? s->last->feed : ROT_FEED_UNKNOWN;
	us = s->last != NULL && !s->o->date_now ? s->last_t : ts_now_us();
	if ((sl = route(s, feed, strlen(feed), us, 0, rc)) == NULL)
		return NULL;
	t.tv_sec = us / 1000000;
	t.tv_nsec = us % 1000000 * 1000;
	badline_begin(&s->bad, &s->scr, &t, sl->feed, why, line, b64);
	if (drain_scratch(s, sl) == -1) {
		*rc = io_fail(s, sl, "cannot write file");
		return NULL;
	}
	return sl;
}

/* The next bytes of the line in hand, a chunk at a time. */
static int
invalid_body(struct rot *s, struct slot *sl, const char *p, size_t n)
{
	size_t	k;

	for (; n > 0; p += k, n -= k) {
		k = n < CHUNK ? n : CHUNK;
		badline_put(&s->bad, &s->scr, p, k);
		if (drain_scratch(s, sl) == -1)
			return io_fail(s, sl, "cannot write file");
	}
	return 0;
}

static int
invalid_tail(struct rot *s, struct slot *sl)
{
	badline_end(&s->bad, &s->scr);
	if (drain_scratch(s, sl) == -1 ||
	    writer_eol(&sl->f, s->last_t, 1) == -1)
		return io_fail(s, sl, "cannot write file");
	metrics_inc(sl->lines);
	return 0;
}

/* The first warning also says when the input seems to be in the wrong
 * encoding (p, n: the line or a long line's first piece). */
static void
warn_invalid(struct rot *s, int why, uint64_t line, const char *p, size_t n)
{
	const char	*hint = s->hinted ? NULL : badline_hint(p, n);
	unsigned	 supp;

	s->hinted = 1;
	if (log_rate_ok(&s->rate, &supp) || hint != NULL)
		log_warn("invalid line archived as an error record",
		    "line=%llu reason=%s suppressed=%u%s%s",
		    (unsigned long long)line, badline_reason(why), supp,
		    hint ? " hint=" : "", hint ? log_q(hint) : "");
}

/* A whole line that is not JSON: kept, escaped, in a valid record. */
static int
invalid_line(struct rot *s, int why, const char *p, size_t n)
{
	struct slot	*sl;
	int		 rc;

	warn_invalid(s, why, s->lr.lineno, p, n);
	if ((sl = invalid_head(s, why, badline_needs_b64(p, n), s->lr.lineno,
	    &rc)) == NULL)
		return rc;
	if ((rc = invalid_body(s, sl, p, n)) != 0)
		return rc;
	return invalid_tail(s, sl);
}

/* A piece of a line over --max-line: streamed as base64, never held. */
static int
long_piece(struct rot *s, const struct lineio_line *l)
{
	struct slot	*sl = s->long_slot;
	int		 rc;

	if (l->flags & LINEIO_FIRST) {
		warn_invalid(s, BADLINE_TOO_LONG, s->lr.lineno + 1, l->p, l->len);
		if ((sl = invalid_head(s, BADLINE_TOO_LONG, 1, s->lr.lineno + 1,
		    &rc)) == NULL)
			return rc;
		s->long_slot = sl;
	}
	if ((rc = invalid_body(s, sl, l->p, l->len)) != 0)
		return rc;
	if (l->flags & LINEIO_MORE)
		return 0;
	s->long_slot = NULL;
	return invalid_tail(s, sl);
}

/* The ts and feed members of a line.  ssmd-stamp's envelope starts
 * {"ts":"...","feed":"...", which is read in place; any other object goes
 * through json_get.  Spans are empty when missing. */
static void
line_meta(const char *p, size_t n, struct json_span *ts, struct json_span *feed)
{
	static const char	 head[] = "{\"ts\":\"", mid[] = "\",\"feed\":\"";
	const char		*e = p + n, *q, *r;

	ts->len = feed->len = 0;
	if (n > 7 && memcmp(p, head, 7) == 0 &&
	    (q = memchr(p + 7, '"', n - 7)) != NULL && q[-1] != '\\') {
		ts->p = p + 7;
		ts->len = q - ts->p;
		if (e - q > 10 && memcmp(q, mid, 10) == 0 &&
		    (r = memchr(q + 10, '"', e - q - 10)) != NULL &&
		    r[-1] != '\\') {
			feed->p = q + 10;
			feed->len = r - feed->p;
			return;
		}
	} else if (json_get_str(p, n, "ts", ts) == -1)
		ts->len = 0;
	if (json_get_str(p, n, "feed", feed) == -1)
		feed->len = 0;
}

static int
feed_ok(struct rot *s, const char *p, size_t n)
{
	if (s->last != NULL && s->last->flen == n &&
	    memcmp(s->last->feed, p, n) == 0)
		return 1;	/* checked when first seen */
	return parse_feed_name_okn(p, n);
}

static int
on_line(void *arg, const struct lineio_line *l)
{
	struct rot		*s = arg;
	struct json_span	 v, f;
	struct slot		*sl;
	const char		*feed;
	size_t			 flen;
	int64_t			 t, own = 0;
	int			 e, have_ts, rc;

	if ((e = badline_stat_line(&s->st, l)) == BADLINE_LONG)
		return long_piece(s, l);
	if (e == BADLINE_EMPTY)
		return 0;
	if (e != JSON_OK)
		return invalid_line(s, e, l->p, l->len);
	line_meta(l->p, l->len, &v, &f);
	have_ts = v.len > 0 && ts_parse(v.p, v.len, &own) == 0;
	t = !have_ts || s->o->date_now ? ts_now_us() : own;
	if ((feed = s->o->feed) != NULL)
		flen = strlen(feed);
	else if (feed_ok(s, f.p, f.len)) {
		feed = f.p;
		flen = f.len;
	} else {
		feed = ROT_FEED_UNKNOWN;
		flen = sizeof(ROT_FEED_UNKNOWN) - 1;
	}
	if ((sl = route(s, feed, flen, t, l->len, &rc)) == NULL)
		return rc;
	/* The manifest's first and last ts are the lines' own. */
	if (writer_line(&sl->f, l->p, l->len, have_ts ? own : t, 1) == -1)
		return io_fail(s, sl, "cannot write file");
	metrics_inc(sl->lines);
	return 0;
}

/* Periodic work: flushes, idle closes, SIGHUP, on-close, metrics. */
static int
tick(void *arg)
{
	struct rot		*s = arg;
	const struct rot_opts	*o = s->o;
	struct slot		*sl;
	int64_t			 wall = ts_now_us();
	int			 i, rc;

	s->now = ts_mono();
	if (sig_hup && s->long_slot == NULL) {
		sig_hup = 0;
		log_info("SIGHUP: rotating", "");
		if ((rc = close_all(s, "hup")) != 0)
			return rc;
	}
	for (i = 0; i < MAX_OPEN; i++) {
		sl = &s->slot[i];
		if (!sl->open || sl == s->long_slot)
			continue;
		if (sl->f.info.records != sl->seen_records) {
			sl->seen_records = sl->f.info.records;
			sl->last_write = s->now;
		}
		metrics_set(sl->age, s->now - sl->opened);
		if (wall >= sl->end + (int64_t)(o->idle_close * 1e6) &&
		    s->now - sl->last_write >= o->idle_close) {
			if ((rc = close_slot(s, sl, "idle")) != 0)
				return rc;
			continue;
		}
		if (s->now - sl->last_flush >= o->flush_interval) {
			if (writer_flush(&sl->f) == -1)
				return io_fail(s, sl, "cannot write file");
			sl->last_flush = s->now;
		}
		count_out(s, sl);
	}
	onclose_tick(&s->oc);
	metrics_set(s->st.bytes_in, (double)s->lr.bytes);
	metrics_tick();
	return 0;
}

static int
rot_loop(struct rot *s)
{
	static const struct lineio_ops	ops = { on_line, tick, TICK_MS };
	int				rc;

	if ((rc = lineio_loop(&s->lr, &ops, s)) != LINEIO_EREAD)
		return rc;
	log_error("cannot read standard input", "error=%s",
	    log_q(strerror(errno)));
	rc = close_all(s, "exit");	/* what was read is kept */
	return rc ? rc : EX_IOERR;
}

/* One writer per directory: another would finalize our files. */
static int
lock_dir(const char *dir)
{
	char	path[PATH_MAX];
	int	fd;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_error("cannot create directory", "dir=%s error=%s",
		    log_q(dir), log_q(strerror(errno)));
		return -EX_CANTCREAT;
	}
	snprintf(path, sizeof(path), "%s/.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_error("cannot open lock file", "path=%s error=%s",
		    log_q(path), log_q(strerror(errno)));
		return -EX_CANTCREAT;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_error("another ssmd-jsonl-rotate writes to this directory",
		    "dir=%s", log_q(dir));
		close(fd);
		return -EX_TEMPFAIL;
	}
	return fd;
}

static int
rebuild_day(const char *daydir, void *arg)
{
	int	n;

	if ((n = manifest_update(daydir, NULL, NULL)) == -1) {
		log_error("cannot rebuild manifest", "dir=%s error=%s",
		    log_q(daydir), log_q(strerror(errno)));
		return -1;
	}
	if (n > 0)
		log_info("manifest rebuilt", "dir=%s files_read=%d",
		    log_q(daydir), n);
	return 0;
}

/* Recover what a crash left, and make every manifest whole. */
static int
startup(struct rot *s)
{
	struct rot_recovery	r = { 0 };
	char			path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.sync-ready", s->o->dir);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("cannot remove .sync-ready", "error=%s",
		    log_q(strerror(errno)));
	if (recover_partial(s->o->dir, s->o->level, &r) == -1)
		return EX_IOERR;
	metrics_add(s->rfiles, r.files);
	metrics_add(s->rlines, r.lines);
	metrics_add(s->rcut, r.cut_bytes);
	metrics_add(s->rdamaged, r.damaged);
	if (r.files + r.empty + r.damaged > 0)
		log_info("recovery done", "files=%llu lines=%llu cut_bytes=%llu "
		    "gzip_tails_cut=%llu empty_removed=%llu damaged=%llu",
		    (unsigned long long)r.files, (unsigned long long)r.lines,
		    (unsigned long long)r.cut_bytes,
		    (unsigned long long)r.truncated,
		    (unsigned long long)r.empty,
		    (unsigned long long)r.damaged);
	if (archive_days(s->o->dir, rebuild_day, NULL) != 0)
		return EX_IOERR;
	return 0;
}

static int
sync_ready(const char *dir)
{
	char	path[PATH_MAX], tmp[PATH_MAX], ts[TS_LEN + 2];
	int	fd, rc = -1;

	snprintf(path, sizeof(path), "%s/.sync-ready", dir);
	snprintf(tmp, sizeof(tmp), "%s/.sync-ready.tmp", dir);
	ts_now(ts);
	ts[TS_LEN] = '\n';
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	if (wbuf_write_all(fd, ts, TS_LEN + 1) == 0 && fsync(fd) == 0)
		rc = 0;
	if (close(fd) == -1 || rc == -1 || rename(tmp, path) == -1)
		return -1;
	return writer_fsync_dir(path);
}

int
rotate_run(const struct rot_opts *o, int fd)
{
	struct rot	*s;
	int		 rc = EX_OSERR, lock, i;

	if ((lock = lock_dir(o->dir)) < 0)
		return -lock;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	s->o = o;
	s->rate = (struct log_rate)LOG_RATE_INIT(10, 60);
	s->now = ts_mono();
	setup_metrics(s);
	if (onclose_init(&s->oc, o->on_close, o->oc_queue, o->oc_attempts,
	    o->oc_retry, o->oc_timeout) == -1 || wbuf_init(&s->scr, -1, 8 * CHUNK) == -1 ||
	    lineio_init(&s->lr, fd, o->max_line) == -1)
		goto done;
	if ((rc = startup(s)) != 0)
		goto done;
	rc = rot_loop(s);
	if (rc == 0 && (rc = close_all(s, "exit")) == 0 &&
	    sync_ready(o->dir) == -1) {
		log_error("cannot write .sync-ready", "dir=%s error=%s",
		    log_q(o->dir), log_q(strerror(errno)));
		rc = EX_IOERR;
	}
	log_info("done", "lines_in=%llu empty=%llu invalid=%llu bytes_in=%llu "
	    "bytes_out=%llu signal=%d",
	    (unsigned long long)metrics_value(s->st.in),
	    (unsigned long long)metrics_value(s->st.empty),
	    (unsigned long long)badline_stat_invalid(&s->st),
	    (unsigned long long)s->lr.bytes,
	    (unsigned long long)metrics_value(s->bout), (int)sig_stop);
done:
	for (i = 0; i < MAX_OPEN; i++)
		if (s->slot[i].open)
			writer_abort(&s->slot[i].f);
	onclose_finish(&s->oc, rc == 0 ? o->oc_wait : 0);
	metrics_set(s->st.bytes_in, (double)s->lr.bytes);
	(void)metrics_flush();
	lineio_free(&s->lr);
	wbuf_free(&s->scr);
	free(s);
out:
	close(lock);
	return rc;
}
