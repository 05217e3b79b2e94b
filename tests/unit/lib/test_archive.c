#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "archive.h"
#include "archive_manifest.h"
#include "unit.h"

static char	tmpdir[64];

static int
setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_archive.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void
put_file(const char *name, const void *p, size_t n)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* gzip of p with a sync flush after every line and, if finish, a
 * trailer; returns the length written to out. */
static size_t
gz(const char *p, unsigned char *out, size_t cap, int finish)
{
	z_stream	 z;
	const char	*nl;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out;
	z.avail_out = cap;
	while ((nl = strchr(p, '\n')) != NULL) {
		z.next_in = (unsigned char *)p;
		z.avail_in = nl + 1 - p;
		assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
		p = nl + 1;
	}
	z.next_in = (unsigned char *)p;
	z.avail_in = strlen(p);
	if (!finish && *p == '\0')
		goto done;
	assert_int_equal(deflate(&z, finish ? Z_FINISH : Z_SYNC_FLUSH),
	    finish ? Z_STREAM_END : Z_OK);
done:
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* gzip of n bytes at p in one member, as gzip(1) writes it. */
static size_t
gz_one(const char *p, size_t n, unsigned char *out, size_t cap)
{
	z_stream	z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static int
count_cb(const char *line, size_t len, void *arg)
{
	++*(int *)arg;
	return 0;
}

static int
collect(const char *line, size_t len, void *arg)
{
	char	*acc = arg;

	assert_int_equal(strlen(line), len);
	strcat(acc, line);
	strcat(acc, "|");
	return 0;
}

static const char *
scan(const char *name, struct archive_stats *st)
{
	static char	acc[4096];
	char		path[256];

	acc[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(archive_scan(path, collect, acc, st), 0);
	return acc;
}

static void
t_plain(void **state)
{
	struct archive_stats	st;

	put_file("a.jsonl", "{\"a\":1}\n{\"b\":2}\n{\"c\"", 20);
	assert_string_equal(scan("a.jsonl", &st), "{\"a\":1}|{\"b\":2}|");
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.bytes, 16);
	assert_int_equal(st.cut_bytes, 4);
	assert_false(st.gzip);
	assert_false(st.complete);

	put_file("b.jsonl", "", 0);
	assert_string_equal(scan("b.jsonl", &st), "");
	assert_true(st.complete);
}

static void
t_gzip_whole(void **state)
{
	unsigned char		buf[4096];
	struct archive_stats	st;
	size_t			n;

	n = gz("1\n22\n333\n", buf, sizeof(buf), 1);
	put_file("a.jsonl.gz", buf, n);
	assert_string_equal(scan("a.jsonl.gz", &st), "1|22|333|");
	assert_true(st.gzip);
	assert_true(st.complete);
	assert_int_equal(st.cut_bytes, 0);
	assert_int_equal(st.file_bytes, n);

	/* Two members, as cat a.gz b.gz makes. */
	memcpy(buf + n, buf, n);
	put_file("b.jsonl.gz", buf, 2 * n);
	assert_string_equal(scan("b.jsonl.gz", &st), "1|22|333|1|22|333|");
	assert_true(st.complete);
}

/* Every truncation of a flushed stream yields a prefix of whole lines. */
static void
t_gzip_truncated(void **state)
{
	unsigned char		 buf[4096];
	struct archive_stats	 st;
	const char		*got;
	size_t			 n, cut;

	n = gz("1\n22\n333\n4444", buf, sizeof(buf), 0);
	for (cut = 0; cut <= n; cut++) {
		put_file("t.jsonl.gz" ARCHIVE_PARTIAL, buf, cut);
		got = scan("t.jsonl.gz" ARCHIVE_PARTIAL, &st);
		assert_true(strncmp(got, "1|22|333|", strlen(got)) == 0);
		assert_int_equal(st.complete, cut == 0);
	}
	assert_string_equal(got, "1|22|333|");
	assert_int_equal(st.cut_bytes, 4);
}

/* Damage after a whole member: that member's lines come out.  Damage
 * inside a member: none of its lines do, however valid they look (no
 * CRC vouched for them); their bytes are counted. */
static void
t_gzip_damaged(void **state)
{
	unsigned char		buf[4096];
	struct archive_stats	st;
	size_t			n, m;

	n = gz("1\n22\n", buf, sizeof(buf), 1);
	memset(buf + n, 0xff, 16);
	put_file("d.jsonl.gz", buf, n + 16);
	assert_string_equal(scan("d.jsonl.gz", &st), "1|22|");
	assert_true(st.damaged);
	assert_false(st.complete);
	assert_int_equal(st.dropped_bytes, 0);

	m = gz("333\n4444\n", buf + n, sizeof(buf) - n, 0);
	memset(buf + n + m, 0xff, 16);
	put_file("e.jsonl.gz", buf, n + m + 16);
	assert_string_equal(scan("e.jsonl.gz", &st), "1|22|");
	assert_true(st.damaged);
	assert_int_equal(st.dropped_bytes, 9);
	assert_int_equal(st.lines, 2);
}

/* A member longer than the reader holds (a foreign file, one member):
 * checked ahead, it comes out whole when good and not at all when its
 * end is damaged. */
static void
t_gzip_big_member(void **state)
{
	const size_t		 lines = 400000;	/* 12 MB */
	size_t			 i, n, cap = 8 << 20;
	char			*text, *p;
	unsigned char		*gzb;
	struct archive_stats	 st;
	char			 path[256];
	int			 count = 0;

	assert_non_null(text = malloc(lines * 32 + 1));
	assert_non_null(gzb = malloc(cap));
	for (p = text, i = 0; i < lines; i++)
		p += sprintf(p, "{\"n\":%024zu}\n", i);
	n = gz_one(text, p - text, gzb, cap);
	put_file("big.jsonl.gz", gzb, n);
	snprintf(path, sizeof(path), "%s/big.jsonl.gz", tmpdir);
	assert_int_equal(archive_scan(path, count_cb, &count, &st), 0);
	assert_int_equal(count, lines);
	assert_true(st.complete);

	gzb[n - 5] ^= 0x55;	/* the CRC-32 in the trailer */
	put_file("big.jsonl.gz", gzb, n);
	count = 0;
	assert_int_equal(archive_scan(path, count_cb, &count, &st), 0);
	assert_int_equal(count, 0);
	assert_true(st.damaged);
	assert_true(st.dropped_bytes >= (8u << 20));
	free(text);
	free(gzb);
}

static int
stop_at_two(const char *line, size_t len, void *arg)
{
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void
t_stop(void **state)
{
	char	path[256];
	int	n = 0;

	put_file("s.jsonl", "a\nb\nc\n", 6);
	snprintf(path, sizeof(path), "%s/s.jsonl", tmpdir);
	assert_int_equal(archive_scan(path, stop_at_two, &n, NULL), 7);
	assert_int_equal(n, 2);
	assert_int_equal(archive_scan("/nonexistent/x.jsonl", stop_at_two,
	    &n, NULL), -1);
}

static int
walk_cb(const char *path, void *arg)
{
	strcat(arg, path + strlen(tmpdir) + 1);
	strcat(arg, " ");
	return 0;
}

static void
t_walk(void **state)
{
	static const char *const names[] = {
		"2026-11-21/k-0015.jsonl.gz", "2026-11-21/k-0000.10.jsonl.gz",
		"2026-11-21/k-0000.jsonl.gz", "2026-11-21/k-0000.2.jsonl.gz",
		"2026-11-21/k-0030.jsonl.gz.partial", "2026-11-21/manifest.json",
		"2026-11-21/.k-0045.jsonl.gz.recovering", "2026-11-20/k.jsonl",
		"notadate/k-0000.jsonl.gz",
	};
	char	acc[1024] = "", d[256];
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(d, sizeof(d), "%s/%.*s", tmpdir,
		    (int)(strchr(names[i], '/') - names[i]), names[i]);
		mkdir(d, 0755);
		put_file(names[i], "", 0);
	}
	assert_int_equal(archive_walk(tmpdir, walk_cb, acc), 0);
	assert_string_equal(acc, "2026-11-20/k.jsonl "
	    "2026-11-21/k-0000.jsonl.gz 2026-11-21/k-0000.2.jsonl.gz "
	    "2026-11-21/k-0000.10.jsonl.gz 2026-11-21/k-0015.jsonl.gz "
	    "2026-11-21/k-0030.jsonl.gz.partial ");
}

static void
count_raw(void *arg, const void *p, size_t n)
{
	*(size_t *)arg += n;
}

/* The pull reader: lines longer than its buffer (one grows it), across
 * chunk borders, plain and gzip; the raw hook sees every byte. */
static void
t_pull_long(void **state)
{
	struct archive_file	 f;
	struct archive_line	 l;
	const size_t		 big = 700 * 1024;
	unsigned char		*gzb;
	char			*text, path[256];
	size_t			 n, raw, gn, cap = 4 << 20;
	int			 k;

	assert_non_null(text = malloc(big + 64));
	assert_non_null(gzb = malloc(cap));
	n = 0;
	n += sprintf(text, "short\n");
	memset(text + n, 'x', big);
	n += big;
	n += sprintf(text + n, "\nlast\n");
	put_file("l.jsonl", text, n);
	text[n] = '\0';
	gn = gz(text, gzb, cap, 1);
	put_file("l.jsonl.gz", gzb, gn);
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir,
		    k ? "l.jsonl.gz" : "l.jsonl");
		raw = 0;
		assert_int_equal(archive_open(&f, path, count_raw, &raw), 0);
		assert_int_equal(archive_next(&f, &l), ARCHIVE_LINE);
		assert_string_equal(l.p, "short");
		assert_int_equal(archive_next(&f, &l), ARCHIVE_LINE);
		assert_int_equal(l.len, big);
		assert_int_equal(strlen(l.p), big);
		assert_int_equal(l.p[big - 1], 'x');
		assert_int_equal(archive_next(&f, &l), ARCHIVE_LINE);
		assert_string_equal(l.p, "last");
		assert_int_equal(archive_next(&f, &l), ARCHIVE_END);
		assert_int_equal(archive_next(&f, &l), ARCHIVE_END);
		assert_true(f.st.complete);
		assert_int_equal(f.st.lines, 3);
		assert_int_equal(f.st.bytes, n);
		assert_int_equal(raw, k ? gn : n);
		assert_int_equal(f.st.file_bytes, raw);
		archive_close(&f);
	}
	free(text);
	free(gzb);
}

static void
t_manifest(void **state)
{
	static const char good[] = "{\"date\":\"2026-11-21\",\"files\":["
	    "{\"name\":\"k-1000.jsonl.gz\",\"records\":2,\"bytes\":30,"
	    "\"compressed_bytes\":40,\"first_ts\":\"2026-11-21T10:00:00Z\","
	    "\"last_ts\":\"2026-11-21T10:00:01.5Z\",\"sha256\":\""
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"},"
	    "{\"name\":\"k-1015.jsonl.gz\",\"records\":0,\"bytes\":0,"
	    "\"compressed_bytes\":20,\"first_ts\":null,\"last_ts\":null,"
	    "\"sha256\":\""
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"
	    "]}";
	struct archive_manifest		 m;
	struct archive_manifest_entry	*e;
	char				 err[128];

	assert_int_equal(archive_manifest_load(tmpdir, &m, err, sizeof(err)),
	    ARCHIVE_MANIFEST_NONE);
	put_file("manifest.json", good, strlen(good));
	assert_int_equal(archive_manifest_load(tmpdir, &m, err, sizeof(err)),
	    ARCHIVE_MANIFEST_OK);
	assert_int_equal(m.n, 2);
	assert_non_null(e = archive_manifest_find(&m, "k-1000.jsonl.gz"));
	assert_int_equal(e->records, 2);
	assert_int_equal(e->cbytes, 40);
	assert_true(e->have_ts);
	assert_int_equal(e->last_us - e->first_us, 1500000);
	assert_non_null(e = archive_manifest_find(&m, "k-1015.jsonl.gz"));
	assert_false(e->have_ts);
	assert_null(archive_manifest_find(&m, "k-1030.jsonl.gz"));
	archive_manifest_free(&m);
	put_file("manifest.json", "{\"files\":[{\"name\":\"a\"}]}", 24);
	assert_int_equal(archive_manifest_load(tmpdir, &m, err, sizeof(err)),
	    ARCHIVE_MANIFEST_BAD);
	assert_string_equal(err, "entry 1: bad or missing records");
	put_file("manifest.json", "{", 1);
	assert_int_equal(archive_manifest_load(tmpdir, &m, err, sizeof(err)),
	    ARCHIVE_MANIFEST_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gzip_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gzip_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gzip_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gzip_big_member, setup, teardown),
		cmocka_unit_test_setup_teardown(t_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(t_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(t_pull_long, setup, teardown),
		cmocka_unit_test_setup_teardown(t_manifest, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
