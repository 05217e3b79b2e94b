#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "unit.h"

/* Read everything; pieces and lines are rendered into out as
 * "<flags>:<bytes>|" so tests can compare whole sequences. */
static char *
read_all(const char *in, size_t n, size_t max)
{
	struct lineio	 r;
	struct lineio_line	 l;
	char		*out = calloc(1, 4 * n + 1024);
	size_t		 o = 0;
	int		 rc, fd = unit_fd_with(in, n);

	assert_int_equal(lineio_init(&r, fd, max), 0);
	for (;;) {
		rc = lineio_next(&r, &l);
		if (rc == LINEIO_EOF)
			break;
		if (rc == LINEIO_EMPTY) {
			assert_int_not_equal(lineio_fill(&r, -1), LINEIO_ERROR);
			continue;
		}
		o += sprintf(out + o, "%x:", l.flags);
		memcpy(out + o, l.p, l.len);
		o += l.len;
		out[o++] = '|';
	}
	assert_int_equal(r.bytes, n);
	lineio_free(&r);
	close(fd);
	return out;
}

/* Flags are printed in hex: 1 NOEOL, 2 CRLF, 4 LONG, 8 MORE, 10 FIRST. */
static void
cases(void **st)
{
	static const struct {
		const char	*in;
		size_t		 len, max;
		const char	*want;
	} c[] = {
		{ "a\nbb\n\nccc", 9, 100, "0:a|0:bb|0:|1:ccc|" },
		{ "a\r\nb\r\r\n\r\n", 9, 100, "2:a|2:b\r|2:|" },
		{ "", 0, 100, "" },
		/* 5 bytes fit; 6 come back as two pieces, the first flagged */
		{ "12345\n123456\nx\n", 15, 5, "0:12345|1c:12345|4:6|0:x|" },
		{ "abcdefghij", 10, 4, "1c:abcd|c:efgh|5:ij|" },
		{ "abcdef\r\n", 8, 4, "1c:abcd|6:ef|" },
	};
	size_t	i;
	char	*o;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		o = read_all(c[i].in, c[i].len, c[i].max);
		assert_string_equal(o, c[i].want);
		free(o);
	}
}

/* Reassembling pieces and lines gives back the input, whatever the
 * maximum, across many buffer refills. */
static void
roundtrip_many(void **st)
{
	size_t	 n = 3 * 1024 * 1024, i, o, maxes[] = { 1, 7, 300, 1 << 20 };
	char	*in = malloc(n), *back = malloc(n + 1);
	struct lineio r;
	struct lineio_line l;
	int	 rc, fd, k;

	srand(42);
	for (i = 0; i < n; i++)
		in[i] = rand() % 50 == 0 ? '\n' : 'a' + rand() % 26;
	in[n - 1] = '\n';
	for (k = 0; k < 4; k++) {
		fd = unit_fd_with(in, n);
		assert_int_equal(lineio_init(&r, fd, maxes[k]), 0);
		o = 0;
		while ((rc = lineio_next(&r, &l)) != LINEIO_EOF) {
			if (rc == LINEIO_EMPTY) {
				lineio_fill(&r, 0);
				continue;
			}
			memcpy(back + o, l.p, l.len);
			o += l.len;
			if (!(l.flags & LINEIO_MORE))
				back[o++] = '\n';
		}
		assert_int_equal(o, n);
		assert_memory_equal(back, in, n);
		lineio_free(&r);
		close(fd);
	}
	free(in);
	free(back);
}

static void
timeout_on_idle_pipe(void **st)
{
	struct lineio	r;
	int		p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(lineio_init(&r, p[0], 100), 0);
	assert_int_equal(lineio_fill(&r, 10), LINEIO_TIMEOUT);
	assert_int_equal(write(p[1], "x", 1), 1);
	close(p[1]);
	assert_int_equal(lineio_fill(&r, 1000), LINEIO_FILLED);
	assert_int_equal(lineio_pending(&r), 1);
	assert_int_equal(lineio_fill(&r, 1000), LINEIO_END);
	lineio_free(&r);
	close(p[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cases),
		cmocka_unit_test(roundtrip_many),
		cmocka_unit_test(timeout_on_idle_pipe),
	};

	return cmocka_run_group_tests_name("lineio", tests, NULL, NULL);
}
