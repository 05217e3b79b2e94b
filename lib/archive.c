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

#define CHUNK	(128 * 1024)

/* Cuts a stream of bytes into lines; a line split across chunks is
 * gathered in carry, the rest is passed straight from the chunk. */
struct splitter {
	int		(*cb)(const char *, size_t, void *);
	void		*arg;
	struct archive_stats *st;
	char		*carry;
	size_t		 len, cap;
};

static int
emit(struct splitter *s, char *p, size_t n)
{
	char	save = p[n];
	int	rc;

	/* The byte after the line is its newline or carry's spare byte. */
	p[n] = '\0';
	s->st->lines++;
	s->st->bytes += n + 1;
	rc = s->cb(p, n, s->arg);
	p[n] = save;
	return rc;
}

static int
keep(struct splitter *s, const char *p, size_t n)
{
	size_t	 want;
	char	*nb;

	if (s->len + n + 1 > s->cap) {
		if (s->len + n > ARCHIVE_MAX_LINE) {
			errno = EFBIG;
			return -1;
		}
		want = s->cap ? s->cap * 2 : 64 * 1024;
		while (want < s->len + n + 1)
			want *= 2;
		if ((nb = realloc(s->carry, want)) == NULL)
			return -1;
		s->carry = nb;
		s->cap = want;
	}
	memcpy(s->carry + s->len, p, n);
	s->len += n;
	return 0;
}

/* Returns 0, a callback's nonzero value, or -1 (errno set). */
static int
split(struct splitter *s, char *p, size_t n)
{
	char	*nl;
	int	 rc;

	if (s->len > 0) {
		if ((nl = memchr(p, '\n', n)) == NULL)
			return keep(s, p, n);
		if (keep(s, p, nl - p) == -1)
			return -1;
		if ((rc = emit(s, s->carry, s->len)) != 0)
			return rc;
		s->len = 0;
		n -= nl + 1 - p;
		p = nl + 1;
	}
	while ((nl = memchr(p, '\n', n)) != NULL) {
		if ((rc = emit(s, p, nl - p)) != 0)
			return rc;
		n -= nl + 1 - p;
		p = nl + 1;
	}
	return n ? keep(s, p, n) : 0;
}

static ssize_t
read_some(int fd, void *p, size_t n)
{
	ssize_t	r;

	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

static int
scan_plain(int fd, struct splitter *s, char *in, size_t have)
{
	ssize_t	r;
	int	rc;

	for (;;) {
		if (have > 0 && (rc = split(s, in, have)) != 0)
			return rc;
		if ((r = read_some(fd, in, CHUNK)) <= 0)
			break;
		s->st->file_bytes += r;
		have = r;
	}
	if (r == -1)
		return -1;
	s->st->complete = s->len == 0;
	return 0;
}

/* Inflate member after member; stops quietly at a truncated tail and
 * marks damage at invalid data, keeping the lines before either. */
static int
scan_gzip(int fd, struct splitter *s, char *in, size_t have)
{
	z_stream	 z;
	char		*out;
	ssize_t		 r = 0;
	int		 zr = Z_OK, rc = 0, ended = 0;

	if ((out = malloc(CHUNK + 1)) == NULL)
		return -1;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		errno = ENOMEM;
		return -1;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = have;
	for (;;) {
		if (z.avail_in == 0) {
			if ((r = read_some(fd, in, CHUNK)) <= 0)
				break;
			s->st->file_bytes += r;
			z.next_in = (unsigned char *)in;
			z.avail_in = r;
		}
		if (ended) {
			/* Another member follows (cat a.gz b.gz). */
			inflateReset(&z);
			ended = 0;
		}
		z.next_out = (unsigned char *)out;
		z.avail_out = CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		/* What came out before an error is good data all the same. */
		if ((rc = split(s, out, CHUNK - z.avail_out)) != 0)
			goto done;
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			s->st->damaged = 1;
			break;
		}
		if (zr == Z_STREAM_END)
			ended = 1;
	}
	if (r == -1) {
		rc = -1;
		goto done;
	}
	s->st->complete = ended && !s->st->damaged && s->len == 0;
done:
	inflateEnd(&z);
	free(out);
	return rc;
}

int
archive_scan(const char *path, int (*cb)(const char *, size_t, void *),
    void *arg, struct archive_stats *st)
{
	struct archive_stats	 dummy;
	struct splitter		 s;
	char			*in;
	ssize_t			 r;
	size_t			 have = 0;
	int			 fd, rc = -1, e;

	if (st == NULL)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	s.cb = cb;
	s.arg = arg;
	s.st = st;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((in = malloc(CHUNK + 1)) == NULL)
		goto done;
	/* Sniff the gzip magic rather than trust the name. */
	while (have < 2) {
		if ((r = read_some(fd, in + have, CHUNK - have)) == -1)
			goto done;
		if (r == 0)
			break;
		have += r;
	}
	st->file_bytes = have;
	st->gzip = have >= 2 && (unsigned char)in[0] == 0x1f &&
	    (unsigned char)in[1] == 0x8b;
	rc = st->gzip ? scan_gzip(fd, &s, in, have) :
	    scan_plain(fd, &s, in, have);
	if (rc == 0 && !st->gzip && have == 0)
		st->complete = 1;
	st->cut_bytes = s.len;
done:
	e = errno;
	free(in);
	free(s.carry);
	close(fd);
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

static int
date_name(const char *s)
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

	if ((days = list_dir(dir, date_name, by_name, &nd)) == NULL)
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
