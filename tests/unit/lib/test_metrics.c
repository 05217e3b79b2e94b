#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "unit.h"

static void
render(void **st)
{
	struct metric	*a, *b, *g;
	char		*s;

	metrics_reset();
	a = metrics_counter("ssmd_x_lines_total", "feed=\"k\",reason=\"a\"", "Lines.");
	g = metrics_gauge("ssmd_x_age_seconds", NULL, "Age.");
	b = metrics_counter("ssmd_x_lines_total", "feed=\"k\",reason=\"b\"", "Lines.");
	assert_ptr_equal(metrics_counter("ssmd_x_lines_total",
	    "feed=\"k\",reason=\"a\"", "Lines."), a);
	metrics_add(a, 5);
	metrics_inc(b);
	metrics_set(g, 1.5);
	s = metrics_render();
	/* HELP and TYPE once, series of one name together. */
	assert_string_equal(s,
	    "# HELP ssmd_x_lines_total Lines.\n"
	    "# TYPE ssmd_x_lines_total counter\n"
	    "ssmd_x_lines_total{feed=\"k\",reason=\"a\"} 5\n"
	    "ssmd_x_lines_total{feed=\"k\",reason=\"b\"} 1\n"
	    "# HELP ssmd_x_age_seconds Age.\n"
	    "# TYPE ssmd_x_age_seconds gauge\n"
	    "ssmd_x_age_seconds 1.5\n");
	free(s);
}

static void
file_is_replaced(void **st)
{
	char		 dir[] = "/tmp/ssmd-metrics-XXXXXX", path[256], buf[256];
	struct metric	*m;
	FILE		*f;
	size_t		 n;

	assert_non_null(mkdtemp(dir));
	metrics_reset();
	assert_int_equal(metrics_open(dir, "ssmd-x", "a1"), 0);
	m = metrics_counter("ssmd_x_total", NULL, "X.");
	metrics_add(m, 7);
	assert_int_equal(metrics_flush(), 0);
	snprintf(path, sizeof(path), "%s/ssmd-x-a1.prom", dir);
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "ssmd_x_total 7\n"));
	/* no temporary file is left behind */
	snprintf(path, sizeof(path), "%s/.ssmd-x-a1.prom.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/ssmd-x-a1.prom", dir);
	unlink(path);
	/* A missing directory is made, parents too ... */
	snprintf(path, sizeof(path), "%s/a/b", dir);
	assert_int_equal(metrics_open(path, "ssmd-x", NULL), 0);
	assert_int_equal(access(path, W_OK), 0);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	/* ... but not under a file. */
	snprintf(path, sizeof(path), "%s/file", dir);
	close(creat(path, 0644));
	snprintf(path, sizeof(path), "%s/file/sub", dir);
	assert_int_equal(metrics_open(path, "ssmd-x", NULL), -1);
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
	assert_int_equal(metrics_open("", "ssmd-x", NULL), 0);
}

static void
overflow_is_absorbed(void **st)
{
	char	name[32];
	int	i;

	struct metric	*m, *first = NULL, *over = NULL;

	metrics_reset();
	for (i = 0; i < METRICS_MAX + 10; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		m = metrics_counter(name, NULL, NULL);
		assert_non_null(m);
		metrics_inc(m);
		if (i == 0)
			first = m;
		if (i == METRICS_MAX)
			over = m;
	}
	/* The table's own counters keep counting; the ones past it land on
	 * one shared sink that is never rendered. */
	assert_true(metrics_value(first) == 1);
	assert_true(over != first);
	{
		char	*text = metrics_render();

		assert_non_null(text);
		assert_non_null(strstr(text, "m0 1\n"));
		assert_null(strstr(text, "m512 "));
		free(text);
	}
	metrics_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render),
		cmocka_unit_test(file_is_replaced),
		cmocka_unit_test(overflow_is_absorbed),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
