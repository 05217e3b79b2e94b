#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "archive.h"
#include "json.h"
#include "ts.h"
#include "log.h"
#include "writer.h"
#include "recover.h"

struct rec {
	int			 level;
	struct rot_recovery	*r;
};

/* CRC-32 of the lines as they were given, newlines included. */
static int
crc_line(const char *line, size_t len, void *arg)
{
	uLong	*crc = arg;

	*crc = crc32(*crc, (const Bytef *)line, len);
	*crc = crc32(*crc, (const Bytef *)"\n", 1);
	return 0;
}

/* A gzip file cut at a sync-flush point (what a write error leaves, and
 * often a crash) only lacks its end: add an empty last block and the
 * trailer in place, which needs ten bytes instead of a copy. */
static int
repair(const char *path, const struct archive_stats *st, uLong crc)
{
	static const unsigned char sync[4] = { 0, 0, 0xff, 0xff };
	unsigned char	tail[10] = { 0x03, 0x00 };
	unsigned char	last[4];
	struct archive_stats st2;
	int		fd, ok = 0, i;

	if (st->cut_bytes || st->damaged || st->file_bytes < 14)
		return -1;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (pread(fd, last, 4, st->file_bytes - 4) != 4 ||
	    memcmp(last, sync, 4) != 0)
		goto out;
	for (i = 0; i < 4; i++) {
		tail[2 + i] = crc >> (8 * i);
		tail[6 + i] = st->bytes >> (8 * i);
	}
	if (pwrite(fd, tail, sizeof(tail), st->file_bytes) != sizeof(tail))
		goto undo;
	crc = crc32(0, NULL, 0);
	if (archive_scan(path, crc_line, &crc, &st2) == 0 && st2.complete &&
	    st2.lines == st->lines && fsync(fd) == 0) {
		ok = 1;
		goto out;
	}
undo:
	(void)ftruncate(fd, st->file_bytes);
out:
	close(fd);
	return ok ? 0 : -1;
}

/* A scan that keeps only lines it has validated: each one JSON value, and
 * an envelope when the file's first line is one (an error record counts
 * as one).  Deflate decodes garbage after damage until it happens to
 * fail, so nothing after the first bad line is trusted. */
#define RECOVER_STOP	2	/* a callback's "stop here" */
#define ENV_TS		"{\"ts\":\""

/* A file holds envelopes when its first line that is not an error record
 * is an envelope with data; error records alone decide nothing, as they
 * go into archives of bare frames too. */
enum { KIND_UNKNOWN, KIND_ENVELOPES, KIND_BARE };

struct check {
	uLong		 crc;		/* of the valid lines */
	uint64_t	 lines, bytes;	/* valid lines, newlines included */
	int		 kind;		/* what the file holds, see below */
	const char	*bad;		/* why the first bad line is bad */
};

static const char *
envelope_bad(const char *p, size_t n)
{
	const char		*end = p + n, *q;
	struct json_span	 feed;
	int64_t			 us;

	if (n < sizeof(ENV_TS) || memcmp(p, ENV_TS, sizeof(ENV_TS) - 1) != 0)
		return "not_envelope";
	if ((q = json_skip_string(p + 6, end)) == NULL ||
	    ts_parse(p + 7, q - 1 - (p + 7), &us) == -1)
		return "bad_ts";
	if (json_get_str(p, n, "feed", &feed) == -1 ||
	    (json_find(p, n, "data") == NULL &&
	    json_find(p, n, "error") == NULL))
		return "not_envelope";
	return NULL;
}

static int
check_line(const char *line, size_t len, void *arg)
{
	struct check	*c = arg;
	const char	*why;
	enum json_err	 je;

	if ((je = json_check(line, len, NULL)) != JSON_OK) {
		c->bad = json_reason(je);
		return RECOVER_STOP;
	}
	why = envelope_bad(line, len);
	if (c->kind == KIND_UNKNOWN && why != NULL)
		c->kind = KIND_BARE;
	else if (c->kind == KIND_UNKNOWN && json_find(line, len, "data"))
		c->kind = KIND_ENVELOPES;
	else if (c->kind == KIND_ENVELOPES && why != NULL) {
		c->bad = why;
		return RECOVER_STOP;
	}
	c->lines++;
	c->bytes += len + 1;
	return crc_line(line, len, &c->crc);
}

/* Keep the original bytes of a damaged file under damaged, a second
 * name of the same file (no copy).  A crash after this leaves both names;
 * the next recovery finds the same damage and keeps the name. */
static int
keep_original(const char *partial, const char *damaged)
{
	struct stat	a, b;

	if (stat(partial, &a) == 0 && stat(damaged, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	if (link(partial, damaged) == -1)
		return -1;
	return writer_fsync_dir(damaged);
}

/* "<dir>/<name>.damaged" for "<dir>/<name>.partial", or the first free
 * "<name>.N.damaged"; one that is already this file's is reused. */
static int
damaged_name(const char *partial, char *out, size_t cap)
{
	size_t		n = strlen(partial) - strlen(ARCHIVE_PARTIAL);
	struct stat	a, b;
	int		i;

	if (stat(partial, &a) == -1)
		return -1;
	for (i = 0; i < 1000; i++) {
		if ((size_t)(i == 0 ? snprintf(out, cap, "%.*s"
		    RECOVER_DAMAGED, (int)n, partial) : snprintf(out, cap,
		    "%.*s.%d" RECOVER_DAMAGED, (int)n, partial, i)) >= cap) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (stat(out, &b) == -1)
			return errno == ENOENT ? 0 : -1;
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

struct copy {
	struct rot_file	*f;
	uint64_t	 left;		/* bytes still to copy, newlines in */
	uint64_t	 lines;		/* lines copied */
};

static int
copy_line(const char *line, size_t len, void *arg)
{
	struct copy	*c = arg;

	if (len + 1 > c->left)
		return RECOVER_STOP;
	c->left -= len + 1;
	c->lines++;
	return writer_line(c->f, line, len, 0, 0);
}

/* Rewrite the lines in the first bytes of an in-progress file as a
 * complete file that replaces it; *lines says how many.  With damaged,
 * the original is first linked to that name, so its bytes are never
 * lost. */
static int
rewrite(const char *partial, int level, int gzip, uint64_t bytes,
    const char *damaged, uint64_t *lines)
{
	struct rot_file	f;
	struct copy	c = { &f, bytes, 0 };
	char		tmp[PATH_MAX];
	int		e, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s" ARCHIVE_RECOVERING,
	    partial) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A temporary left by a crash in an earlier recovery. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -1;
	if (writer_open(&f, tmp, partial, gzip, level, ROT_REPLACE, NULL) == -1)
		return -1;
	rc = archive_scan(partial, copy_line, &c, NULL);
	if ((rc != 0 && rc != RECOVER_STOP) ||
	    (damaged != NULL && keep_original(partial, damaged) == -1) ||
	    writer_close(&f, NULL) == -1) {
		e = f.err ? f.err : errno;
		writer_abort(&f);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (lines != NULL)
		*lines = c.lines;
	return 0;
}

static int
sync_file(const char *path, uint64_t len, int cut)
{
	int	fd, rc;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = (cut && ftruncate(fd, len) == -1) || fsync(fd) == -1 ? -1 : 0;
	close(fd);
	return rc;
}

/* Give the recovered file its final name, or the next free one. */
static int
finalize(const char *partial, char *final, size_t cap)
{
	const char	*ext;
	char		 stem[PATH_MAX];
	size_t		 n = strlen(partial) - strlen(ARCHIVE_PARTIAL);
	struct stat	 a, b;

	memcpy(final, partial, n);
	final[n] = '\0';
	/* A crash between link(2) and unlink(2) of a rename without
	 * RENAME_NOREPLACE leaves one file under both names. */
	if (stat(partial, &a) == 0 && stat(final, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return unlink(partial) == -1 ? -1 : writer_fsync_dir(final);
	if (access(final, F_OK) == 0) {
		ext = n > 9 && strcmp(final + n - 9, ".jsonl.gz") == 0 ?
		    ".jsonl.gz" : ".jsonl";
		memcpy(stem, final, n - strlen(ext));
		stem[n - strlen(ext)] = '\0';
		if (writer_free_name(stem, ext, final, cap) == -1)
			return -1;
	}
	return writer_rename_noreplace(partial, final);
}

/* A file with a bad line or damaged gzip data: its valid lines become the
 * recovered file, the original is kept beside it as .damaged.  Lines of
 * finished gzip members are exactly as written (zlib checked their CRC);
 * past the last one, damage may decode to lines that look valid, so when
 * there is damage nothing past it is kept. */
static int
salvage(struct rec *c, const char *path, const struct archive_stats *st,
    const struct check *k)
{
	char		 final[PATH_MAX], damaged[PATH_MAX];
	const char	*why = k->bad ? k->bad : "gzip_data_error";
	uint64_t	 keep = k->bytes, lines = 0;

	if (st->gzip && (st->member_per_flush || st->members > 0) &&
	    st->verified_bytes < keep)
		keep = st->verified_bytes;
	if (damaged_name(path, damaged, sizeof(damaged)) == -1)
		goto fail;
	c->r->damaged++;
	if (keep == 0) {
		if (keep_original(path, damaged) == -1 || unlink(path) == -1 ||
		    writer_fsync_dir(path) == -1)
			goto fail;
		log_error("damaged in-progress file without a valid line: "
		    "kept aside", "path=%s damaged=%s reason=%s", log_q(path),
		    log_q(damaged), why);
		return 0;
	}
	if (rewrite(path, c->level, st->gzip, keep, damaged, &lines) == -1 ||
	    finalize(path, final, sizeof(final)) == -1)
		goto fail;
	c->r->files++;
	c->r->lines += lines;
	log_error("recovered a damaged in-progress file: its valid lines "
	    "kept, the original beside it", "path=%s lines=%llu bytes=%llu "
	    "bad_line=%llu reason=%s damaged=%s action=salvaged", log_q(final),
	    (unsigned long long)lines, (unsigned long long)keep,
	    (unsigned long long)k->lines + 1, why, log_q(damaged));
	return 0;
fail:
	log_error("cannot recover in-progress file", "path=%s error=%s",
	    log_q(path), log_q(strerror(errno)));
	return 1;
}

static int
recover_one(const char *path, void *arg)
{
	struct rec		*c = arg;
	struct archive_stats	 st;
	struct check		 k;
	char			 final[PATH_MAX];
	const char		*what = "renamed";
	int			 partial, rc;

	if (!archive_name_ok(strrchr(path, '/') + 1, &partial) || !partial)
		return 0;
	memset(&k, 0, sizeof(k));
	k.crc = crc32(0, NULL, 0);
	if ((rc = archive_scan(path, check_line, &k, &st)) == -1)
		goto fail;
	if (rc == RECOVER_STOP || st.damaged)
		return salvage(c, path, &st, &k);
	if (st.lines == 0) {
		if (unlink(path) == -1 || writer_fsync_dir(path) == -1)
			goto fail;
		c->r->empty++;
		c->r->cut_bytes += st.cut_bytes;
		log_warn("removed in-progress file without a whole line",
		    "path=%s cut_bytes=%llu", log_q(path),
		    (unsigned long long)st.cut_bytes);
		return 0;
	}
	if (st.gzip && !st.complete) {
		what = "completed";
		if (repair(path, &st, k.crc) == -1) {
			what = "rewritten";
			if (rewrite(path, c->level, 1, st.bytes, NULL, NULL) == -1)
				goto fail;
		}
		c->r->truncated++;
	} else if (sync_file(path, st.bytes, st.cut_bytes > 0) == -1)
		goto fail;
	else if (st.cut_bytes > 0)
		what = "cut";
	if (finalize(path, final, sizeof(final)) == -1)
		goto fail;
	c->r->files++;
	c->r->lines += st.lines;
	c->r->cut_bytes += st.cut_bytes;
	log_info("recovered in-progress file", "path=%s lines=%llu bytes=%llu "
	    "cut_bytes=%llu gzip_tail_cut=%d action=%s",
	    log_q(final), (unsigned long long)st.lines,
	    (unsigned long long)st.bytes, (unsigned long long)st.cut_bytes,
	    st.gzip && !st.complete, what);
	return 0;
fail:
	log_error("cannot recover in-progress file", "path=%s error=%s",
	    log_q(path), log_q(strerror(errno)));
	return 1;
}

int
recover_partial(const char *dir, int level, struct rot_recovery *r)
{
	struct rec	c = { level, r };

	int		rc;

	memset(r, 0, sizeof(*r));
	if ((rc = archive_walk(dir, recover_one, &c)) == -1)
		log_error("cannot read archive directory", "dir=%s error=%s",
		    log_q(dir), log_q(strerror(errno)));
	return rc == 0 ? 0 : -1;
}
