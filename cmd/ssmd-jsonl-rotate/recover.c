#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "archive.h"
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

static int
copy_line(const char *line, size_t len, void *arg)
{
	return writer_line(arg, line, len, 0, 0);
}

/* Rewrite a gzip file with a cut tail as a complete one, in place. */
static int
rewrite(const char *partial, int level)
{
	struct rot_file	f;
	char		tmp[PATH_MAX];
	int		e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s" ARCHIVE_RECOVERING,
	    partial) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A temporary left by a crash in an earlier recovery. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -1;
	if (writer_open(&f, tmp, partial, 1, level, ROT_REPLACE, NULL) == -1)
		return -1;
	if (archive_scan(partial, copy_line, &f, NULL) != 0 ||
	    writer_close(&f, NULL) == -1) {
		e = f.err ? f.err : errno;
		writer_abort(&f);
		unlink(tmp);
		errno = e;
		return -1;
	}
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

static int
recover_one(const char *path, void *arg)
{
	struct rec		*c = arg;
	struct archive_stats	 st;
	char			 final[PATH_MAX];
	const char		*what = "renamed";
	uLong			 crc = crc32(0, NULL, 0);
	int			 partial;

	if (!archive_name_ok(strrchr(path, '/') + 1, &partial) || !partial)
		return 0;
	if (archive_scan(path, crc_line, &crc, &st) == -1)
		goto fail;
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
		if (repair(path, &st, crc) == -1) {
			what = "rewritten";
			if (rewrite(path, c->level) == -1)
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
	    "cut_bytes=%llu gzip_tail_cut=%d damaged=%d action=%s",
	    log_q(final), (unsigned long long)st.lines,
	    (unsigned long long)st.bytes, (unsigned long long)st.cut_bytes,
	    st.gzip && !st.complete, st.damaged, what);
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
