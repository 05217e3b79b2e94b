/* check: one archive file, read once: the gzip stream (CRC and length are
 * checked by zlib at each member's end), every line, and the manifest's
 * numbers computed as it goes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "archive.h"
#include "archive_manifest.h"
#include "check.h"
#include "json.h"
#include "ts.h"

#define ENV_TS	"{\"ts\":\""

void
check_problem(struct check *c, const char *path, uint64_t line,
    const char *fmt, ...)
{
	va_list	ap;

	c->problems++;
	if (c->file_problems++ == 0)
		c->bad_files++;
	/* Line problems are capped per file; file ones always show. */
	if (line > 0 && ++c->line_problems > c->max_problems)
		return;
	if (line > 0)
		fprintf(c->out, "%s:%llu: ", path, (unsigned long long)line);
	else
		fprintf(c->out, "%s: ", path);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

/* A time for a message; one of two static buffers. */
static const char *
ts_str(int64_t us)
{
	static char	buf[2][TS_LEN + 1];
	static int	k;
	struct timespec	t;
	int64_t		s = us / 1000000, r = us % 1000000;

	if (r < 0) {
		r += 1000000;
		s--;
	}
	t.tv_sec = s;
	t.tv_nsec = r * 1000;
	k ^= 1;
	ts_format(buf[k], &t);
	return buf[k];
}

/* What one file holds, as the manifest would say. */
struct seen {
	struct check		*c;
	const char		*path;
	const struct check_slot	*slot;
	uint64_t		 lineno;
	int64_t			 first_us, last_us, prev_us;
	int			 have_ts, envfile, decided;
	uint64_t		 no_ts;		/* lines without a ts */
	EVP_MD_CTX		*sha;
};

static void
sha_raw(void *arg, const void *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

/* The envelope's shape, in the fixed key order ssmd(7) gives:
 * {"ts":"...","feed":"...","data":...} or an error record's "error".
 * Returns the feed span through f. */
static const char *
envelope_bad(const char *p, size_t n, struct json_span *ts,
    struct json_span *feed)
{
	const char	*end = p + n, *q;

	if (n < sizeof(ENV_TS) || memcmp(p, ENV_TS, sizeof(ENV_TS) - 1) != 0)
		return "not an envelope: ts is not its first member";
	if ((q = json_skip_string(p + 6, end)) == NULL)
		return "not an envelope";
	ts->p = p + 7;
	ts->len = q - 1 - ts->p;
	if ((size_t)(end - q) < 9 || memcmp(q, ",\"feed\":\"", 9) != 0)
		return "not an envelope: feed does not follow ts";
	feed->p = q + 9;
	if ((q = json_skip_string(q + 8, end)) == NULL)
		return "not an envelope";
	feed->len = q - 1 - feed->p;
	if (!((size_t)(end - q) >= 8 && memcmp(q, ",\"data\":", 8) == 0) &&
	    !((size_t)(end - q) >= 9 && memcmp(q, ",\"error\":", 9) == 0))
		return "not an envelope: neither data nor error follows feed";
	return NULL;
}

static void
check_time(struct seen *s, int64_t us)
{
	const struct check_slot	*sl = s->slot;

	if (sl != NULL && us < sl->start)
		check_problem(s->c, s->path, s->lineno,
		    "ts %s before the file's slot (%s)", ts_str(us),
		    ts_str(sl->start));
	else if (sl != NULL && sl->end != 0 && us >= sl->end)
		check_problem(s->c, s->path, s->lineno,
		    "ts %s after the file's slot (ends %s)", ts_str(us),
		    ts_str(sl->end));
	if (s->have_ts && us < s->prev_us)
		check_problem(s->c, s->path, s->lineno,
		    "ts %s goes back (after %s)", ts_str(us),
		    ts_str(s->prev_us));
	if (!s->have_ts)
		s->first_us = us;
	s->last_us = s->prev_us = us;
	s->have_ts = 1;
}

static void
check_envelope(struct seen *s, const char *p, size_t n)
{
	struct json_span	 ts, feed;
	const char		*why;
	int64_t			 us;

	if ((why = envelope_bad(p, n, &ts, &feed)) != NULL) {
		check_problem(s->c, s->path, s->lineno, "%s", why);
		return;
	}
	if (ts_parse(ts.p, ts.len, &us) == -1) {
		check_problem(s->c, s->path, s->lineno, "ts is not an RFC 3339 "
		    "time");
		return;
	}
	if (s->slot != NULL && s->slot->feed[0] != '\0' &&
	    (feed.len != strlen(s->slot->feed) ||
	    memcmp(feed.p, s->slot->feed, feed.len) != 0))
		check_problem(s->c, s->path, s->lineno, "feed \"%.*s\" in a "
		    "file of feed \"%s\"", (int)(feed.len > 64 ? 64 : feed.len),
		    feed.p, s->slot->feed);
	check_time(s, us);
}

static void
check_line(struct seen *s, const char *p, size_t n)
{
	struct json_span	v;
	enum json_err		je;
	size_t			off;
	int64_t			us;

	s->lineno++;
	if ((je = json_check(p, n, &off)) != JSON_OK) {
		check_problem(s->c, s->path, s->lineno, "not one JSON value: "
		    "%s at byte %zu", json_reason(je), off + 1);
		return;
	}
	/* A file holds envelopes when its first valid line that is not an
	 * error record is an envelope (error records go into archives of
	 * bare frames too). */
	if (!s->decided && n >= sizeof(ENV_TS) - 1 &&
	    memcmp(p, ENV_TS, sizeof(ENV_TS) - 1) == 0) {
		if (json_find(p, n, "data") != NULL) {
			s->envfile = 1;
			s->decided = 1;
		}
	} else if (!s->decided)
		s->decided = 1;	/* bare frames */
	if (!s->decided) {
		check_envelope(s, p, n);	/* an error record so far */
		return;
	}
	if (s->envfile)
		check_envelope(s, p, n);
	else if (json_get_str(p, n, "ts", &v) == 0 &&
	    ts_parse(v.p, v.len, &us) == 0) {
		/* The manifest counts a bare line's ts too. */
		if (!s->have_ts)
			s->first_us = us;
		s->last_us = us;
		s->have_ts = 1;
	} else
		s->no_ts++;
}

static void
compare(struct seen *s, const struct archive_stats *st, const char *sha,
    const struct archive_manifest_entry *e)
{
	struct check	*c = s->c;

	if (e->records != st->lines)
		check_problem(c, s->path, 0, "manifest says %llu records, the "
		    "file has %llu", (unsigned long long)e->records,
		    (unsigned long long)st->lines);
	if (e->bytes != st->bytes)
		check_problem(c, s->path, 0, "manifest says %llu bytes, the "
		    "file has %llu", (unsigned long long)e->bytes,
		    (unsigned long long)st->bytes);
	if (e->cbytes != st->file_bytes)
		check_problem(c, s->path, 0, "manifest says compressed_bytes "
		    "%llu, the file has %llu", (unsigned long long)e->cbytes,
		    (unsigned long long)st->file_bytes);
	/* The writer files a line without ts by the wall clock, and the
	 * manifest keeps that time: only lines with their own ts can be
	 * checked against it. */
	if (s->no_ts == 0 && (e->have_ts != s->have_ts || (s->have_ts &&
	    (e->first_us != s->first_us || e->last_us != s->last_us))))
		check_problem(c, s->path, 0, "manifest's first_ts/last_ts "
		    "differ from the file's (%s, %s)",
		    s->have_ts ? ts_str(s->first_us) : "null",
		    s->have_ts ? ts_str(s->last_us) : "null");
	if (strcmp(e->sha256, sha) != 0)
		check_problem(c, s->path, 0, "manifest's sha256 differs from "
		    "the file's (%s)", sha);
}

static void
check_end(struct seen *s, const struct archive_stats *st)
{
	if (st->damaged)
		check_problem(s->c, s->path, 0, "gzip data damaged (%s), "
		    "found after line %llu; %llu decoded bytes of the damaged "
		    "member not checked", s->c->zmsg_buf,
		    (unsigned long long)s->lineno,
		    (unsigned long long)st->dropped_bytes);
	else if (st->gzip && !st->complete && st->cut_bytes == 0)
		check_problem(s->c, s->path, 0, "gzip stream ends early (no "
		    "trailer): cut short or still being written");
	if (st->cut_bytes > 0)
		check_problem(s->c, s->path, s->lineno + 1, "half line of %llu "
		    "bytes at the end%s", (unsigned long long)st->cut_bytes,
		    st->gzip && !st->complete && !st->damaged ?
		    " (gzip stream ends early)" : "");
}

void
check_file(struct check *c, const char *path, const struct check_slot *slot,
    const struct archive_manifest_entry *e)
{
	struct archive_file	 f;
	struct archive_line	 l;
	struct seen		 s;
	unsigned char		 md[32];
	char			 hex[65];
	unsigned		 i;
	int			 rc;

	memset(&s, 0, sizeof(s));
	c->line_problems = 0;
	s.c = c;
	s.path = path;
	s.slot = slot;
	if ((s.sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL) != 1) {
		check_problem(c, path, 0, "cannot start SHA-256");
		goto out;
	}
	if (archive_open(&f, path, sha_raw, s.sha) == -1) {
		check_problem(c, path, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	c->files++;
	while ((rc = archive_next(&f, &l)) == ARCHIVE_LINE)
		check_line(&s, l.p, l.len);
	if (rc == ARCHIVE_ERROR)
		check_problem(c, path, s.lineno + 1, "%s", errno == EFBIG ?
		    "line longer than 256 MiB" : strerror(errno));
	c->lines += f.st.lines;
	c->bytes += f.st.bytes;
	c->file_bytes += f.st.file_bytes;
	snprintf(c->zmsg_buf, sizeof(c->zmsg_buf), "%s", f.zmsg);
	if (rc == ARCHIVE_END) {
		check_end(&s, &f.st);
		if (e != NULL) {
			EVP_DigestFinal_ex(s.sha, md, NULL);
			for (i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", md[i]);
			compare(&s, &f.st, hex, e);
		}
	}
	archive_close(&f);
out:
	if (c->line_problems > c->max_problems)
		fprintf(c->out, "%s: %u more problems in lines not shown\n",
		    path, c->line_problems - c->max_problems);
	EVP_MD_CTX_free(s.sha);
}
