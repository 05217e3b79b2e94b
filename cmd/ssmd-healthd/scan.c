#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "json.h"

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hd_file *)a)->name,
	    ((const struct hd_file *)b)->name);
}

/* A name healthd will put into a label value and an HTML page: UTF-8
 * without control characters. */
static int
name_ok(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return json_utf8_valid(s, (size_t)(p - s));
}

static int
is_prom(const char *name)
{
	size_t	n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".prom") == 0;
}

/* Read the file whole, into a buffer of its size; a FIFO or device never
 * blocks us (O_NONBLOCK and the regular-file check).  Writers replace
 * files by rename, so one that grows while read is being written in
 * place: it is taken as half-written. */
static void
load(struct hd_file *f, int dfd, size_t max_size)
{
	struct stat	 st;
	size_t		 cap;
	ssize_t		 r;
	int		 fd;

	if ((fd = openat(dfd, f->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1 || fstat(fd, &st) == -1) {
		f->skip = "unreadable";
		snprintf(f->err, sizeof(f->err), "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		f->skip = "unreadable";
		snprintf(f->err, sizeof(f->err), "not a regular file");
		goto out;
	}
	f->mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	if ((size_t)st.st_size > max_size) {
		f->skip = "too_large";
		snprintf(f->err, sizeof(f->err), "larger than %zu bytes",
		    max_size);
		goto out;
	}
	cap = (size_t)st.st_size + 1;	/* one more byte shows growth */
	if ((f->buf = malloc(cap)) == NULL) {
		f->skip = "unreadable";
		snprintf(f->err, sizeof(f->err), "out of memory");
		goto out;
	}
	while (f->len < cap) {
		r = read(fd, f->buf + f->len, cap - f->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			f->skip = "unreadable";
			snprintf(f->err, sizeof(f->err), "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		f->len += (size_t)r;
	}
	if (f->len == cap) {
		f->skip = "malformed";
		snprintf(f->err, sizeof(f->err), "grew while read (a file "
		    "written in place?)");
	} else if (prom_parse(&f->doc, f->buf, f->len, f->err,
	    sizeof(f->err)) == -1)
		f->skip = "malformed";
out:
	if (fd != -1)
		close(fd);
}

int
scan_dir(struct scan_dir *s, const char *dir, size_t max_size)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 i;

	memset(s, 0, sizeof(*s));
	if ((d = opendir(dir)) == NULL)
		return -1;
	if ((s->f = calloc(HD_MAX_FILES, sizeof(*s->f))) == NULL) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_prom(de->d_name))
			continue;
		if (s->n == HD_MAX_FILES || strlen(de->d_name) >=
		    sizeof(s->f->name)) {
			s->dropped++;
			continue;
		}
		snprintf(s->f[s->n++].name, sizeof(s->f->name), "%s", de->d_name);
	}
	qsort(s->f, s->n, sizeof(*s->f), file_cmp);
	for (i = 0; i < s->n; i++) {
		if (!name_ok(s->f[i].name)) {
			s->f[i].skip = "bad_name";
			snprintf(s->f[i].err, sizeof(s->f[i].err),
			    "control characters or invalid UTF-8 in the name");
			/* Never echo the raw name. */
			snprintf(s->f[i].name, sizeof(s->f[i].name), "?");
			continue;
		}
		load(&s->f[i], dirfd(d), max_size);
	}
	closedir(d);
	return 0;
}

void
scan_free(struct scan_dir *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		free(s->f[i].buf);
		prom_doc_free(&s->f[i].doc);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}
