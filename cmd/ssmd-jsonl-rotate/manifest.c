#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "archive.h"
#include "writer.h"
#include "manifest.h"
#include "recover.h"
#include "ts.h"
#include "wbuf.h"

struct rebuild {
	json_t		*old;		/* name -> entry of the old manifest */
	json_t		*files;		/* the new list */
	const char	*name;
	const struct rot_info *info;
	int		 scanned;
	int		 changed;	/* an entry differs from the old list */
};

/* Read a final file that the manifest does not know. */
static int
info_of_file(const char *path, struct rot_info *in)
{
	struct archive_stats	st;

	memset(in, 0, sizeof(*in));
	if (archive_scan(path, writer_info_scan, in, &st) == -1 ||
	    writer_sha256_file(path, in->sha256, &in->cbytes) == -1)
		return -1;
	return 0;
}

static json_t *
ts_json(int64_t us, int have)
{
	struct timespec	t;
	char		buf[TS_LEN + 1];
	int64_t		s = us / 1000000, r = us % 1000000;

	if (!have)
		return json_null();
	if (r < 0) {
		r += 1000000;
		s--;
	}
	t.tv_sec = s;
	t.tv_nsec = r * 1000;
	ts_format(buf, &t);
	return json_string(buf);
}

static json_t *
entry(const char *name, const struct rot_info *in)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:s}",
	    "name", name,
	    "records", (json_int_t)in->records,
	    "bytes", (json_int_t)in->bytes,
	    "compressed_bytes", (json_int_t)in->cbytes,
	    "first_ts", ts_json(in->first_us, in->have_ts),
	    "last_ts", ts_json(in->last_us, in->have_ts),
	    "sha256", in->sha256);
}

static int
add_file(const char *path, void *arg)
{
	struct rebuild	*rb = arg;
	const char	*name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct rot_info	 in;
	struct stat	 sb;
	json_t		*e, *size;
	int		 partial;

	if (!archive_name_ok(name, &partial) || partial)
		return 0;
	if (rb->name != NULL && strcmp(name, rb->name) == 0) {
		e = entry(name, rb->info);
		rb->changed = 1;
	}
	else if ((e = json_object_get(rb->old, name)) != NULL &&
	    stat(path, &sb) == 0 &&
	    (size = json_object_get(e, "compressed_bytes")) != NULL &&
	    json_integer_value(size) == (json_int_t)sb.st_size)
		json_incref(e);
	else {
		rb->changed = 1;
		if (info_of_file(path, &in) == -1) {
			/* Gone since the listing: nothing to list. */
			return errno == ENOENT ? 0 : -1;
		}
		rb->scanned++;
		e = entry(name, &in);
	}
	if (e == NULL || json_array_append_new(rb->files, e) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* name -> entry of an existing manifest; empty if none or unreadable. */
static json_t *
load_old(const char *path)
{
	json_t	*m, *files, *e, *byname = json_object();
	size_t	 i;

	if (byname == NULL || (m = json_load_file(path, 0, NULL)) == NULL)
		return byname;
	files = json_object_get(m, "files");
	json_array_foreach(files, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL)
			json_object_set(byname, n, e);
	}
	json_decref(m);
	return byname;
}

/* The old manifest's list of damaged originals; empty if none. */
static json_t *
load_old_damaged(const char *path)
{
	json_t	*m, *d;

	if ((m = json_load_file(path, 0, NULL)) == NULL)
		return json_array();
	d = json_object_get(m, "damaged");
	d = json_is_array(d) ? json_incref(d) : json_array();
	json_decref(m);
	return d;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The damaged originals that recovery kept in daydir (see recover.h),
 * with their size and digest, sorted by name. */
static json_t *
damaged_list(const char *daydir)
{
	DIR		*d;
	struct dirent	*de;
	json_t		*list = json_array(), *e;
	char		*names[256], path[PATH_MAX], hex[65];
	size_t		 n = 0, i, len;
	uint64_t	 size;

	if (list == NULL || (d = opendir(daydir)) == NULL)
		return list;
	while ((de = readdir(d)) != NULL && n < 256) {
		len = strlen(de->d_name);
		if (len > strlen(RECOVER_DAMAGED) && de->d_name[0] != '.' &&
		    strcmp(de->d_name + len - strlen(RECOVER_DAMAGED),
		    RECOVER_DAMAGED) == 0 &&
		    (names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", daydir, names[i]);
		if (writer_sha256_file(path, hex, &size) == 0 &&
		    (e = json_pack("{s:s, s:I, s:s}", "name", names[i],
		    "compressed_bytes", (json_int_t)size, "sha256", hex)) !=
		    NULL)
			json_array_append_new(list, e);
		free(names[i]);
	}
	return list;
}

static int
write_atomic(const char *path, const char *tmp, const char *text)
{
	int	fd;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	if (wbuf_write_all(fd, text, strlen(text)) == -1 ||
	    wbuf_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return writer_fsync_dir(path);
}

int
manifest_update(const char *daydir, const char *name,
    const struct rot_info *info)
{
	struct rebuild	 rb = { NULL, NULL, name, info, 0, 0 };
	char		 path[PATH_MAX], tmp[PATH_MAX], *text = NULL;
	const char	*date = strrchr(daydir, '/') ? strrchr(daydir, '/') + 1 :
			    daydir;
	json_t		*m = NULL, *dam = NULL, *old_dam = NULL;
	int		 rc = -1, e;

	if ((size_t)snprintf(path, sizeof(path), "%s/" ROT_MANIFEST, daydir) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/." ROT_MANIFEST ".tmp", daydir) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rb.old = load_old(path);
	rb.files = json_array();
	if (rb.old == NULL || rb.files == NULL)
		goto nomem;
	if (archive_walk_day(daydir, add_file, &rb) == -1)
		goto done;
	if ((dam = damaged_list(daydir)) == NULL ||
	    (old_dam = load_old_damaged(path)) == NULL)
		goto nomem;
	/* At start most days are as they were: leave their files alone. */
	if (!rb.changed && json_equal(dam, old_dam) &&
	    json_array_size(rb.files) ==
	    json_object_size(rb.old) && access(path, F_OK) == 0) {
		rc = 0;
		goto done;
	}
	m = json_pack("{s:s, s:O}", "date", date, "files", rb.files);
	/* Originals kept by a recovery: listed only when there are any. */
	if (m != NULL && json_array_size(dam) > 0 &&
	    json_object_set(m, "damaged", dam) == -1)
		goto nomem;
	if (m == NULL || (text = json_dumps(m, JSON_INDENT(1) |
	    JSON_PRESERVE_ORDER)) == NULL)
		goto nomem;
	if (write_atomic(path, tmp, text) == 0)
		rc = rb.scanned;
	goto done;
nomem:
	errno = ENOMEM;
done:
	e = errno;
	free(text);
	json_decref(m);
	json_decref(dam);
	json_decref(old_dam);
	json_decref(rb.files);
	json_decref(rb.old);
	errno = e;
	return rc;
}
