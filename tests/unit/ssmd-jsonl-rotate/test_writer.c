/* rot_file: sync points, close, abort, names; rot_manifest. */
#include <errno.h>
#include <fcntl.h>
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
#include "unit.h"

static char	dir[64];

static int
setup(void **st)
{
	strcpy(dir, "/tmp/test_rot_file.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **st)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static char *
path(const char *name)
{
	static char	buf[4][256];
	static int	i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int
count(const char *line, size_t len, void *arg)
{
	++*(int *)arg;
	return 0;
}

static int
lines_in(const char *p, struct archive_stats *st)
{
	int	n = 0;

	assert_int_equal(archive_scan(p, count, &n, st), 0);
	return n;
}

static void
put_lines(struct rot_file *f, int from, int to)
{
	char	buf[64];
	int	i, n;

	for (i = from; i < to; i++) {
		n = snprintf(buf, sizeof(buf), "{\"n\":%d}", i);
		assert_int_equal(writer_line(f, buf, n, i, 1), 0);
	}
}

/* What a flush made readable stays; abort cuts back to the last point
 * known to end a line (a flush, or for plain files any whole write) and
 * counts the lines after it. */
static void
t_flush_abort(void **st)
{
	struct archive_stats	s;
	struct rot_file		f;
	uint64_t		lost;
	int			gz;

	for (gz = 0; gz <= 1; gz++) {
		char *p = path(gz ? "a.jsonl.gz.partial" : "a.jsonl.partial");

		assert_int_equal(writer_open(&f, p, path("x"), gz, 6, 0,
		    NULL), 0);
		put_lines(&f, 0, 1000);
		assert_int_equal(writer_flush(&f), 0);
		assert_int_equal(lines_in(p, &s), 1000);
		assert_int_equal(s.cut_bytes, 0);
		put_lines(&f, 1000, 30000);	/* some reach the file */
		lost = writer_abort(&f);
		assert_int_equal(lines_in(p, &s), 30000 - lost);
		if (gz)
			assert_int_equal(lost, 29000);
		else
			assert_true(lost < 29000);
		assert_int_equal(s.cut_bytes, 0);
		assert_int_equal(s.gzip, gz);
	}
}

static void
t_close(void **st)
{
	struct rot_file	f;
	struct rot_info	in;
	char		hex[65];
	uint64_t	size;

	assert_int_equal(writer_open(&f, path("b.partial"),
	    path("b.jsonl.gz"), 1, 1, 0, NULL), 0);
	put_lines(&f, 5, 105);
	assert_int_equal(writer_close(&f, &in), 0);
	assert_int_equal(access(path("b.partial"), F_OK), -1);
	assert_int_equal(in.records, 100);
	assert_int_equal(in.first_us, 5);
	assert_int_equal(in.last_us, 104);
	assert_int_equal(writer_sha256_file(path("b.jsonl.gz"), hex, &size), 0);
	assert_string_equal(hex, in.sha256);
	assert_int_equal(size, in.cbytes);

	/* Never replaces: the final name is taken. */
	assert_int_equal(writer_open(&f, path("c.partial"),
	    path("b.jsonl.gz"), 1, 1, 0, NULL), 0);
	put_lines(&f, 0, 1);
	assert_int_equal(writer_close(&f, NULL), -1);
	assert_int_equal(f.err, EEXIST);
	writer_abort(&f);
	assert_int_equal(access(path("c.partial"), F_OK), 0);
	assert_int_equal(writer_sha256_file(path("b.jsonl.gz"), hex, &size), 0);
	assert_string_equal(hex, in.sha256);

	/* An existing in-progress name is never opened again. */
	assert_int_equal(writer_open(&f, path("c.partial"), path("c"), 0, 0,
	    0, NULL), -1);
	assert_int_equal(errno, EEXIST);
}

static void
t_append(void **st)
{
	struct rot_file	f;
	struct rot_info	in;
	uint64_t	cut;
	int		fd;

	fd = open(path("d.jsonl"), O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "{\"ts\":\"2026-11-21T00:00:00Z\"}\n{\"a\"", 34),
	    34);
	close(fd);
	assert_int_equal(writer_open(&f, path("d.jsonl"), path("d.jsonl"),
	    0, 0, ROT_APPEND, &cut), 0);
	assert_int_equal(cut, 4);
	put_lines(&f, 0, 2);
	assert_int_equal(writer_close(&f, &in), 0);
	assert_int_equal(in.records, 3);
	assert_int_equal(in.cbytes, 30 + 16);
	assert_int_equal(lines_in(path("d.jsonl"), NULL), 3);
}

static void
t_names(void **st)
{
	char	out[256];
	int	fd;

	assert_int_equal(writer_free_name(path("k-0000"), ".jsonl.gz", out,
	    sizeof(out)), 0);
	assert_string_equal(out, path("k-0000.jsonl.gz"));
	close(open(path("k-0000.jsonl.gz"), O_CREAT | O_WRONLY, 0644));
	close(open(path("k-0000.1.jsonl.gz.partial"), O_CREAT | O_WRONLY, 0644));
	assert_int_equal(writer_free_name(path("k-0000"), ".jsonl.gz", out,
	    sizeof(out)), 0);
	assert_string_equal(out, path("k-0000.2.jsonl.gz"));
	fd = open(path("e"), O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_int_equal(writer_rename_noreplace(path("e"), path("k-0000.jsonl.gz")),
	    -1);
	assert_int_equal(errno, EEXIST);
}

static void
t_manifest(void **st)
{
	struct rot_file	 f;
	struct rot_info	 in;
	json_t		*m;

	assert_int_equal(writer_open(&f, path("k-1000.jsonl.gz.partial"),
	    path("k-1000.jsonl.gz"), 1, 6, 0, NULL), 0);
	put_lines(&f, 0, 10);
	assert_int_equal(writer_close(&f, &in), 0);
	assert_int_equal(manifest_update(dir, "k-1000.jsonl.gz", &in), 0);
	/* A file the manifest does not list is read. */
	assert_int_equal(writer_open(&f, path("k-1015.jsonl.gz.partial"),
	    path("k-1015.jsonl.gz"), 1, 6, 0, NULL), 0);
	put_lines(&f, 0, 3);
	assert_int_equal(writer_close(&f, NULL), 0);
	assert_int_equal(manifest_update(dir, NULL, NULL), 1);
	/* Nothing new: nothing read. */
	assert_int_equal(manifest_update(dir, NULL, NULL), 0);
	assert_non_null(m = json_load_file(path(ROT_MANIFEST), 0, NULL));
	assert_int_equal(json_array_size(json_object_get(m, "files")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(m, "files"), 1), "records")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(m, "files"), 0), "sha256")), in.sha256);
	json_decref(m);
	/* A file gone is dropped. */
	unlink(path("k-1000.jsonl.gz"));
	assert_int_equal(manifest_update(dir, NULL, NULL), 0);
	assert_non_null(m = json_load_file(path(ROT_MANIFEST), 0, NULL));
	assert_int_equal(json_array_size(json_object_get(m, "files")), 1);
	json_decref(m);
}

/* A flush finishes a gzip member, so a file cut back to a flush point is
 * whole: recovery only renames it. */
static void
t_recover_sync_point(void **st)
{
	struct rot_recovery	r;
	struct archive_stats	s;
	struct rot_file		f;
	char			day[128];

	snprintf(day, sizeof(day), "%s/2026-11-21", dir);
	assert_int_equal(mkdir(day, 0755), 0);
	assert_int_equal(writer_open(&f,
	    path("2026-11-21/k-1000.jsonl.gz.partial"),
	    path("2026-11-21/k-1000.jsonl.gz"), 1, 6, 0, NULL), 0);
	put_lines(&f, 0, 500);
	assert_int_equal(writer_flush(&f), 0);
	put_lines(&f, 500, 600);
	writer_abort(&f);
	assert_int_equal(recover_partial(dir, 6, &r), 0);
	assert_int_equal(r.files, 1);
	assert_int_equal(r.lines, 500);
	assert_int_equal(r.truncated, 0);
	assert_int_equal(access(path("2026-11-21/k-1000.jsonl.gz.partial"),
	    F_OK), -1);
	assert_int_equal(lines_in(path("2026-11-21/k-1000.jsonl.gz"), &s), 500);
	assert_true(s.complete);
	/* Members say so, and zlib checked every byte of them. */
	assert_true(s.member_per_flush);
	assert_true(s.members >= 1);
	assert_int_equal(s.verified_bytes, s.bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_flush_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(t_close, setup, teardown),
		cmocka_unit_test_setup_teardown(t_append, setup, teardown),
		cmocka_unit_test_setup_teardown(t_names, setup, teardown),
		cmocka_unit_test_setup_teardown(t_manifest, setup, teardown),
		cmocka_unit_test_setup_teardown(t_recover_sync_point, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
