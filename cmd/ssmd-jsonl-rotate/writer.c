#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "archive.h"
#include "json.h"
#include "writer.h"
#include "ts.h"
#include "wbuf.h"

#define IBUF	(128 * 1024)	/* staged lines, handed to zlib at once */
#define OBUF	(128 * 1024)	/* compressed output per write(2) */
#define WRITEBACK (4 << 20)	/* bytes written between writeback starts */

static int
fail(struct rot_file *f)
{
	if (f->err == 0)
		f->err = errno ? errno : EIO;
	return -1;
}

/* Every byte that reaches the file passes here, for the SHA-256. */
static int
out(struct rot_file *f, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (wbuf_write_all(f->fd, p, n) == -1)
		return fail(f);
	EVP_DigestUpdate(f->sha, p, n);
	f->info.cbytes += n;
	/* Start writeback as we go, so the fsync at close has little left
	 * to wait for.  Only a hint: errors show at fsync. */
	if (f->info.cbytes - f->wb_off >= WRITEBACK) {
		(void)sync_file_range(f->fd, f->wb_off,
		    f->info.cbytes - f->wb_off, SYNC_FILE_RANGE_WRITE);
		f->wb_off = f->info.cbytes;
	}
	return 0;
}

static int
deflate_some(struct rot_file *f, const void *p, size_t n, int flush)
{
	int	r;

	f->z.next_in = (unsigned char *)p;
	f->z.avail_in = n;
	do {
		f->z.next_out = f->obuf;
		f->z.avail_out = f->ocap;
		r = deflate(&f->z, flush);
		if (r == Z_STREAM_ERROR) {
			errno = EINVAL;
			return fail(f);
		}
		if (out(f, f->obuf, f->ocap - f->z.avail_out) == -1)
			return -1;
	} while (f->z.avail_out == 0);
	return 0;
}

static int
emit(struct rot_file *f, const void *p, size_t n, int flush)
{
	return f->gzip ? deflate_some(f, p, n, flush) : out(f, p, n);
}

/* Every member's header says the file is written a member per flush
 * (ARCHIVE_MEMBERS), so recovery knows that data past the last whole
 * member is unchecked. */
static gz_header member_header = {
	.os = 3,	/* Unix */
	.comment = (Bytef *)ARCHIVE_MEMBERS,
};

/* A flush finishes the gzip member (its CRC-32 and length then cover
 * every line in it) and the next line starts a new one: a reader or a
 * recovery can tell the members that are exactly as written from any
 * damage after them, which deflate alone cannot. */
static int
end_member(struct rot_file *f)
{
	if (deflateReset(&f->z) != Z_OK ||
	    deflateSetHeader(&f->z, &member_header) != Z_OK) {
		errno = EINVAL;
		return fail(f);
	}
	f->member_open = 0;
	f->member_in = 0;
	return 0;
}

/* Hand the staged bytes on; a plain file that now ends a line is a
 * point to cut back to. */
static int
drain(struct rot_file *f, int flush)
{
	int	at_eol = f->ilen > 0 && f->ibuf[f->ilen - 1] == '\n';

	/* Members of bounded size, so that damage loses at most one. */
	if (f->gzip && flush == Z_NO_FLUSH && at_eol &&
	    f->member_in + f->ilen >= WRITER_MEMBER_MAX)
		flush = Z_FINISH;
	if ((f->ilen > 0 || flush != Z_NO_FLUSH) &&
	    emit(f, f->ibuf, f->ilen, flush) == -1)
		return -1;
	if (f->gzip && f->ilen > 0) {
		f->member_open = 1;
		f->member_in += f->ilen;
	}
	if (f->gzip && flush == Z_FINISH && end_member(f) == -1)
		return -1;
	f->ilen = 0;
	if (!f->gzip && at_eol) {
		f->synced_off = f->info.cbytes;
		f->synced_records = f->info.records;
	}
	return 0;
}

int
writer_write(struct rot_file *f, const char *p, size_t n)
{
	if (f->err)
		return -1;
	f->info.bytes += n;
	if (n <= f->icap - f->ilen) {
		memcpy(f->ibuf + f->ilen, p, n);
		f->ilen += n;
		return 0;
	}
	if (drain(f, Z_NO_FLUSH) == -1)
		return -1;
	if (n >= f->icap)
		return emit(f, p, n, Z_NO_FLUSH);
	memcpy(f->ibuf, p, n);
	f->ilen = n;
	return 0;
}

void
writer_info_add(struct rot_info *in, size_t bytes, int64_t ts_us, int have_ts)
{
	in->records++;
	in->bytes += bytes;
	if (have_ts) {
		if (!in->have_ts)
			in->first_us = ts_us;
		in->last_us = ts_us;
		in->have_ts = 1;
	}
}

int
writer_info_scan(const char *line, size_t len, void *arg)
{
	struct json_span	v;
	int64_t			us = 0;
	int			have;

	have = json_get_str(line, len, "ts", &v) == 0 &&
	    ts_parse(v.p, v.len, &us) == 0;
	writer_info_add(arg, len + 1, us, have);
	return 0;
}

int
writer_eol(struct rot_file *f, int64_t ts_us, int have_ts)
{
	if (writer_write(f, "\n", 1) == -1)
		return -1;
	writer_info_add(&f->info, 0, ts_us, have_ts);	/* bytes counted */
	f->unflushed++;
	return 0;
}

int
writer_line(struct rot_file *f, const char *p, size_t n, int64_t ts_us,
    int have_ts)
{
	if (n + 1 <= f->icap - f->ilen && !f->err) {
		memcpy(f->ibuf + f->ilen, p, n);
		f->ibuf[f->ilen + n] = '\n';
		f->ilen += n + 1;
		writer_info_add(&f->info, n + 1, ts_us, have_ts);
		f->unflushed++;
		return 0;
	}
	if (writer_write(f, p, n) == -1)
		return -1;
	return writer_eol(f, ts_us, have_ts);
}

int
writer_flush(struct rot_file *f)
{
	if (f->err)
		return -1;
	if (f->unflushed == 0 && f->ilen == 0)
		return 0;
	if (drain(f, f->gzip ? Z_FINISH : Z_NO_FLUSH) == -1)
		return -1;
	f->synced_off = f->info.cbytes;
	f->synced_records = f->info.records;
	f->unflushed = 0;
	return 0;
}

uint64_t
writer_size(const struct rot_file *f)
{
	return f->info.cbytes;
}

static void
sha_hex(void *ctx, char hex[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned	n = 0, i;

	EVP_DigestFinal_ex(ctx, md, &n);
	for (i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

static void
release(struct rot_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	if (f->gzip)
		deflateEnd(&f->z);
	f->gzip = 0;
	EVP_MD_CTX_free(f->sha);
	f->sha = NULL;
	free(f->ibuf);
	free(f->obuf);
	f->ibuf = NULL;
	f->obuf = NULL;
}

uint64_t
writer_abort(struct rot_file *f)
{
	uint64_t	lost = f->info.records - f->synced_records;

	if (f->fd != -1 && ftruncate(f->fd, f->synced_off) == 0)
		(void)fsync(f->fd);
	release(f);
	return lost;
}

int
writer_close(struct rot_file *f, struct rot_info *info)
{
	/* A gzip file ends with a finished member: the last one, or an
	 * empty one when nothing came since a flush finished it (or at
	 * all: an empty file is not gzip). */
	if (f->err || ((!f->gzip || f->member_open || f->ilen > 0 ||
	    f->info.cbytes == 0) && drain(f, f->gzip ? Z_FINISH :
	    Z_NO_FLUSH) == -1))
		return -1;
	if (fsync(f->fd) == -1)
		return fail(f);
	sha_hex(f->sha, f->info.sha256);
	if (info != NULL)
		*info = f->info;
	if (close(f->fd) == -1) {
		f->fd = -1;
		return fail(f);
	}
	f->fd = -1;
	if (f->flags & ROT_REPLACE) {
		if (rename(f->path, f->final) == -1 ||
		    writer_fsync_dir(f->final) == -1)
			return fail(f);
	} else if (!(f->flags & ROT_APPEND) &&
	    writer_rename_noreplace(f->path, f->final) == -1)
		return fail(f);
	release(f);
	return 0;
}

/* Count a line already in a file being appended to. */
static int
count_line(const char *line, size_t len, void *arg)
{
	struct rot_file	*f = arg;

	EVP_DigestUpdate(f->sha, line, len);
	EVP_DigestUpdate(f->sha, "\n", 1);
	f->info.cbytes += len + 1;
	return writer_info_scan(line, len, &f->info);
}

/* Cut a half line off the end of an appended file and count the rest. */
static int
adopt(struct rot_file *f, uint64_t *cut)
{
	struct archive_stats	st;

	if (archive_scan(f->path, count_line, f, &st) == -1)
		return -1;
	if (st.gzip) {
		errno = EINVAL;	/* cannot append plain lines to gzip */
		return -1;
	}
	*cut = st.cut_bytes;
	if (st.cut_bytes > 0 && (ftruncate(f->fd, st.bytes) == -1 ||
	    fsync(f->fd) == -1))
		return -1;
	f->synced_off = f->info.cbytes;
	f->synced_records = f->info.records;
	return 0;
}

int
writer_open(struct rot_file *f, const char *path, const char *final,
    int gzip, int level, int flags, uint64_t *cut)
{
	int	oflags = O_WRONLY | O_CREAT | O_CLOEXEC, e;
	uint64_t dummy;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (cut == NULL)
		cut = &dummy;
	*cut = 0;
	if (strlen(path) >= sizeof(f->path) || strlen(final) >= sizeof(f->final)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(f->path, path);
	strcpy(f->final, final);
	f->flags = gzip ? flags & ~ROT_APPEND : flags;
	f->icap = IBUF;
	if ((f->ibuf = malloc(f->icap)) == NULL ||
	    (f->sha = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL))
		goto fail;
	if (gzip) {
		f->ocap = OBUF;
		if ((f->obuf = malloc(f->ocap)) == NULL)
			goto fail;
		if (deflateInit2(&f->z, level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			errno = ENOMEM;
			goto fail;
		}
		if (deflateSetHeader(&f->z, &member_header) != Z_OK) {
			deflateEnd(&f->z);
			errno = EINVAL;
			goto fail;
		}
		f->gzip = 1;
	}
	oflags |= f->flags & ROT_APPEND ? O_APPEND : O_EXCL;
	if ((f->fd = open(path, oflags, 0644)) == -1)
		goto fail;
	if ((f->flags & ROT_APPEND) && adopt(f, cut) == -1)
		goto fail;
	return 0;
fail:
	e = errno;
	release(f);
	errno = e;
	return -1;
}

int
writer_fsync_dir(const char *path)
{
	char	buf[PATH_MAX];
	int	fd, rc;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
writer_rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == -1) {
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* A file system without RENAME_NOREPLACE: link refuses
		 * to replace as well. */
		if (link(from, to) == -1 || unlink(from) == -1)
			return -1;
	}
	return writer_fsync_dir(to);
}

int
writer_sha256_file(const char *path, char hex[65], uint64_t *size)
{
	EVP_MD_CTX	*ctx;
	char		*buf;
	ssize_t		 r;
	int		 fd, rc = -1;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	ctx = EVP_MD_CTX_new();
	buf = malloc(IBUF);
	if (ctx == NULL || buf == NULL ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto done;
	while ((r = read(fd, buf, IBUF)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		EVP_DigestUpdate(ctx, buf, r);
		*size += r;
	}
	sha_hex(ctx, hex);
	rc = 0;
done:
	free(buf);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

static int
exists(const char *path)
{
	if (access(path, F_OK) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

int
writer_free_name(const char *stem, const char *ext, char *out, size_t cap)
{
	char		part[PATH_MAX];
	unsigned	n;
	size_t		len;
	int		a, b;

	for (n = 0; n < 100000; n++) {
		len = n == 0 ? (size_t)snprintf(out, cap, "%s%s", stem, ext) :
		    (size_t)snprintf(out, cap, "%s.%u%s", stem, n, ext);
		if (len >= cap || len + sizeof(ARCHIVE_PARTIAL) > sizeof(part)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(part, out, len);
		memcpy(part + len, ARCHIVE_PARTIAL, sizeof(ARCHIVE_PARTIAL));
		if ((a = exists(out)) == -1 || (b = exists(part)) == -1)
			return -1;
		if (!a && !b)
			return 0;
	}
	errno = EEXIST;
	return -1;
}
