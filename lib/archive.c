#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "archive.h"

#define CHUNK	(128 * 1024)	/* bytes read from the file at a time */
#define BUFSZ	(256 * 1024)	/* first size of the line buffer */
/* Decoded bytes of one gzip member held until its CRC-32 vouches for
 * them; a longer member is checked ahead (ssmd-jsonl-rotate writes
 * members of at most 256 KiB, so only foreign files get there). */
#define HOLD_MAX	(8u << 20)

enum { AHEAD_ERROR = -1, AHEAD_OK = 0, AHEAD_BAD = 1 };

static ssize_t
read_some(int fd, void *p, size_t n)
{
	ssize_t	r;

	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

/* Bytes of the file, given to the raw hook as they are read. */
static ssize_t
read_raw(struct archive_file *f, void *p, size_t n)
{
	ssize_t	r = read_some(f->fd, p, n);

	if (r > 0) {
		f->st.file_bytes += r;
		if (f->raw != NULL)
			f->raw(f->raw_arg, p, r);
	}
	return r;
}

/* Have zlib keep the next member's gzip header, its comment in ours. */
static void
watch_header(struct archive_file *f)
{
	memset(&f->head, 0, sizeof(f->head));
	memset(f->comment, 0, sizeof(f->comment));
	f->head.comment = (Bytef *)f->comment;
	f->head.comm_max = sizeof(f->comment) - 1;
	inflateGetHeader(&f->z, &f->head);
}

int
archive_open(struct archive_file *f, const char *path,
    void (*raw)(void *, const void *, size_t), void *raw_arg)
{
	ssize_t	r;
	int	e;

	memset(f, 0, sizeof(*f));
	f->raw = raw;
	f->raw_arg = raw_arg;
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	f->cap = BUFSZ;
	if ((f->in = malloc(CHUNK)) == NULL ||
	    (f->buf = malloc(f->cap)) == NULL)
		goto fail;
	/* Sniff the gzip magic rather than trust the name. */
	while (f->have < 2) {
		if ((r = read_raw(f, f->in + f->have, CHUNK - f->have)) == -1)
			goto fail;
		if (r == 0)
			break;
		f->have += r;
	}
	f->st.gzip = f->have >= 2 && f->in[0] == 0x1f && f->in[1] == 0x8b;
	if (f->st.gzip) {
		if (inflateInit2(&f->z, 15 + 16) != Z_OK) {
			errno = ENOMEM;
			goto fail;
		}
		f->zinit = 1;
		watch_header(f);
		f->z.next_in = f->in;
		f->z.avail_in = f->have;
	} else {
		memcpy(f->buf, f->in, f->have);
		f->end = f->ok = f->have;
	}
	f->in_eof = f->have == 0;
	return 0;
fail:
	e = errno;
	archive_close(f);
	errno = e;
	return -1;
}

void
archive_close(struct archive_file *f)
{
	if (f->zinit)
		inflateEnd(&f->z);
	f->zinit = 0;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->in);
	free(f->buf);
	f->in = NULL;
	f->buf = NULL;
}

/* Room for at least CHUNK more bytes (and a NUL) after the buffered half
 * line: moved to the front, or a larger buffer for a long line. */
static int
make_room(struct archive_file *f)
{
	size_t	 len = f->end - f->start, want;
	char	*nb;

	if (f->cap - f->end > CHUNK)
		return 0;
	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, len);
		f->scan -= f->start;
		f->ok -= f->start;
		f->start = 0;
		f->end = len;
		if (f->cap - f->end > CHUNK)
			return 0;
	}
	if (len > ARCHIVE_MAX_LINE) {
		errno = EFBIG;
		return -1;
	}
	want = f->cap * 2;
	if ((nb = realloc(f->buf, want)) == NULL)
		return -1;
	f->buf = nb;
	f->cap = want;
	return 0;
}

/* The member in hand is longer than HOLD_MAX: inflate the rest of it on
 * a copy of the stream, reading the file with pread (the raw hook and the
 * file offset stay untouched), only to learn whether its CRC-32 and
 * length hold.  A member cut short by the end of the file counts as good,
 * as a crash's tail does. */
static int
check_ahead(struct archive_file *f)
{
	z_stream	 c;
	unsigned char	*in = NULL, *out = NULL;
	off_t		 off = (off_t)f->st.file_bytes;
	ssize_t		 r;
	int		 zr, rc = AHEAD_ERROR;

	if (inflateCopy(&c, &f->z) != Z_OK) {
		errno = ENOMEM;
		return AHEAD_ERROR;
	}
	if ((in = malloc(CHUNK)) == NULL || (out = malloc(CHUNK)) == NULL)
		goto done;
	for (;;) {
		if (c.avail_in == 0) {
			do
				r = pread(f->fd, in, CHUNK, off);
			while (r == -1 && errno == EINTR);
			if (r == -1)
				goto done;
			if (r == 0) {
				rc = AHEAD_OK;
				goto done;
			}
			off += r;
			c.next_in = in;
			c.avail_in = r;
		}
		c.next_out = out;
		c.avail_out = CHUNK;
		zr = inflate(&c, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			rc = AHEAD_OK;
			goto done;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(f->zmsg, sizeof(f->zmsg), "%s",
			    c.msg ? c.msg : "invalid data");
			rc = AHEAD_BAD;
			goto done;
		}
	}
done:
	inflateEnd(&c);
	free(in);
	free(out);
	return rc;
}

/* Damage: what the member decoded so far is not vouched for by its CRC
 * and may be garbage that looks like lines, so it is dropped, counted,
 * and reading stops. */
static void
drop_member(struct archive_file *f)
{
	f->st.damaged = 1;
	f->st.dropped_bytes += f->end - f->ok;
	f->end = f->ok;
	f->in_eof = 1;
	f->z.avail_in = 0;
}

/* Decoded bytes past the held limit: check the member ahead once. */
static int
hold_or_check(struct archive_file *f)
{
	if (f->trusted || f->end - f->ok < HOLD_MAX)
		return 0;
	switch (check_ahead(f)) {
	case AHEAD_OK:
		f->trusted = 1;
		f->ok = f->end;
		return 0;
	case AHEAD_BAD:
		drop_member(f);
		return 0;
	default:
		return -1;
	}
}

/* Inflate into the buffer, member after member.  Lines are released (ok
 * moves) only when their member has ended with a good CRC-32 and length,
 * or at a truncated tail (a crash: deflate decodes a prefix correctly);
 * at invalid data the member's unverified bytes are dropped.  Returns
 * bytes added (0 at the end) or -1. */
static ssize_t
fill_gzip(struct archive_file *f)
{
	size_t	got;
	ssize_t	r;
	int	zr;

	for (;;) {
		if (hold_or_check(f) == -1)
			return -1;
		if (f->z.avail_in == 0) {
			if (f->in_eof || (r = read_raw(f, f->in, CHUNK)) == 0) {
				f->in_eof = 1;
				f->ok = f->end;
				return 0;
			}
			if (r == -1)
				return -1;
			f->z.next_in = f->in;
			f->z.avail_in = r;
		}
		if (f->ended) {
			/* Another member follows (cat a.gz b.gz). */
			inflateReset(&f->z);
			watch_header(f);
			f->ended = 0;
		}
		f->z.next_out = (unsigned char *)f->buf + f->end;
		f->z.avail_out = f->cap - f->end - 1;
		zr = inflate(&f->z, Z_NO_FLUSH);
		got = f->cap - f->end - 1 - f->z.avail_out;
		f->end += got;
		f->decoded += got;
		if (f->trusted)
			f->ok = f->end;
		if (f->st.members == 0 && f->head.done == 1 &&
		    strcmp(f->comment, ARCHIVE_MEMBERS) == 0)
			f->st.member_per_flush = 1;
		if (zr == Z_STREAM_END) {
			/* zlib checked the member's CRC-32 and length. */
			f->ended = 1;
			f->trusted = 0;
			f->ok = f->end;
			f->st.members++;
			f->st.verified_bytes = f->decoded;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(f->zmsg, sizeof(f->zmsg), "%s",
			    f->z.msg ? f->z.msg : "invalid data");
			drop_member(f);
			return 0;
		}
		if (got > 0)
			return got;
	}
}

static ssize_t
fill(struct archive_file *f)
{
	ssize_t	r;

	if (make_room(f) == -1)
		return -1;
	if (f->st.gzip)
		return fill_gzip(f);
	if (f->in_eof)
		return 0;
	if ((r = read_raw(f, f->buf + f->end, f->cap - f->end - 1)) > 0)
		f->end += r;
	else if (r == 0)
		f->in_eof = 1;
	f->ok = f->end;
	return r;
}

int
archive_next(struct archive_file *f, struct archive_line *l)
{
	char	*nl;
	ssize_t	 r;

	for (;;) {
		nl = memchr(f->buf + f->scan, '\n', f->ok - f->scan);
		if (nl != NULL) {
			*nl = '\0';
			l->p = f->buf + f->start;
			l->len = nl - l->p;
			f->st.lines++;
			f->st.bytes += l->len + 1;
			f->start = f->scan = nl + 1 - f->buf;
			return ARCHIVE_LINE;
		}
		f->scan = f->ok;
		if (f->done) {
			/* The end releases held lines first: count after. */
			f->st.cut_bytes = f->end - f->start;
			f->st.complete = f->st.cut_bytes == 0 &&
			    (!f->st.gzip || (f->ended && !f->st.damaged));
			return ARCHIVE_END;
		}
		if ((r = fill(f)) == -1)
			return ARCHIVE_ERROR;
		if (r == 0)
			f->done = 1;
	}
}

int
archive_scan(const char *path, int (*cb)(const char *, size_t, void *),
    void *arg, struct archive_stats *st)
{
	struct archive_file	f;
	struct archive_line	l;
	int			rc, e;

	if (archive_open(&f, path, NULL, NULL) == -1) {
		if (st != NULL)
			memset(st, 0, sizeof(*st));
		return -1;
	}
	while ((rc = archive_next(&f, &l)) == ARCHIVE_LINE)
		if ((rc = cb(l.p, l.len, arg)) != 0)
			break;
	if (rc == ARCHIVE_END)
		rc = 0;
	e = errno;
	if (st != NULL)
		*st = f.st;
	archive_close(&f);
	errno = e;
	return rc;
}

static const char *const exts[] = {
	".jsonl.gz" ARCHIVE_PARTIAL, ".jsonl" ARCHIVE_PARTIAL,
	".jsonl.gz", ".jsonl",
};

/* Length of name without its archive extension, or 0 if none. */
static size_t
stem_len(const char *name, int *partial)
{
	size_t	n = strlen(name), e, i;

	if (name[0] == '.')
		return 0;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		e = strlen(exts[i]);
		if (n > e && strcmp(name + n - e, exts[i]) == 0) {
			if (partial != NULL)
				*partial = i < 2;
			return n - e;
		}
	}
	return 0;
}

int
archive_name_ok(const char *name, int *partial)
{
	return stem_len(name, partial) > 0;
}

int
archive_day_ok(const char *s)
{
	static const char pat[] = "dddd-dd-dd";
	int	i;

	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != '-')
			return 0;
	return s[i] == '\0';
}

/* Order of writing: by stem with numbers compared as numbers, so that
 * "kalshi-0000" < "kalshi-0000.2" < "kalshi-0000.10" < "kalshi-0015". */
int
archive_name_cmp(const char *x, const char *y)
{
	size_t		 lx = stem_len(x, NULL), ly = stem_len(y, NULL);
	char		 sx[NAME_MAX + 1], sy[NAME_MAX + 1];
	int		 c;

	lx = lx > NAME_MAX ? NAME_MAX : lx;
	ly = ly > NAME_MAX ? NAME_MAX : ly;

	memcpy(sx, x, lx);
	sx[lx] = '\0';
	memcpy(sy, y, ly);
	sy[ly] = '\0';
	if ((c = strverscmp(sx, sy)) != 0)
		return c;
	return strcmp(x, y);
}

static int
by_stem(const void *a, const void *b)
{
	return archive_name_cmp(*(char *const *)a, *(char *const *)b);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir accepted by ok, sorted; NULL with errno on failure. */
static char **
list_dir(const char *dir, int (*ok)(const char *),
    int (*cmp)(const void *, const void *), size_t *np)
{
	DIR		*d;
	struct dirent	*e;
	char		**v = NULL, **nv;
	size_t		 n = 0, cap = 0;
	int		 err;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (!ok(e->d_name))
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[n] = strdup(e->d_name)) == NULL)
			goto fail;
		n++;
	}
	closedir(d);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	qsort(v, n, sizeof(*v), cmp);
	*np = n;
	return v;
fail:
	err = errno;
	while (n > 0)
		free(v[--n]);
	free(v);
	closedir(d);
	errno = err;
	return NULL;
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static int
file_ok(const char *name)
{
	return archive_name_ok(name, NULL);
}

static int
join(char *out, size_t cap, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
archive_walk_day(const char *sub, int (*cb)(const char *, void *), void *arg)
{
	char	**files, path[PATH_MAX];
	size_t	  nf, j;
	int	  rc = 0;

	if ((files = list_dir(sub, file_ok, by_stem, &nf)) == NULL)
		return -1;
	for (j = 0; j < nf && rc == 0; j++)
		rc = join(path, sizeof(path), sub, files[j]) == -1 ?
		    -1 : cb(path, arg);
	free_list(files, nf);
	return rc;
}

int
archive_days(const char *dir, int (*cb)(const char *, void *), void *arg)
{
	char	**days, sub[PATH_MAX];
	size_t	  nd, i;
	int	  rc = 0;

	if ((days = list_dir(dir, archive_day_ok, by_name, &nd)) == NULL)
		return -1;
	for (i = 0; i < nd && rc == 0; i++)
		rc = join(sub, sizeof(sub), dir, days[i]) == -1 ?
		    -1 : cb(sub, arg);
	free_list(days, nd);
	return rc;
}

struct walk {
	int	(*cb)(const char *, void *);
	void	*arg;
};

static int
walk_one_day(const char *sub, void *arg)
{
	struct walk	*w = arg;
	int		 rc;

	rc = archive_walk_day(sub, w->cb, w->arg);
	if (rc == -1 && (errno == ENOTDIR || errno == ENOENT))
		rc = 0;
	return rc;
}

int
archive_walk(const char *dir, int (*cb)(const char *, void *), void *arg)
{
	struct walk	w = { cb, arg };

	return archive_days(dir, walk_one_day, &w);
}
