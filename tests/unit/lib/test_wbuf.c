#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wbuf.h"
#include "unit.h"

static void
buffered_and_big(void **st)
{
	struct wbuf	 w;
	int		 p[2];
	char		 big[1000], back[2000];
	ssize_t		 n;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(wbuf_init(&w, p[1], 64), 0);
	wbuf_puts(&w, "hello ");
	assert_int_equal(w.len, 6);
	memset(big, 'x', sizeof(big));
	assert_int_equal(wbuf_put(&w, big, sizeof(big)), WBUF_OK);	/* bypasses */
	wbuf_putc(&w, '\n');
	assert_int_equal(wbuf_flush(&w), WBUF_OK);
	assert_int_equal(w.bytes, 1007);
	n = read(p[0], back, sizeof(back));
	assert_int_equal(n, 1007);
	assert_memory_equal(back, "hello xxx", 9);
	wbuf_free(&w);
	close(p[0]);
	close(p[1]);
}

static void
epipe_counts_lost(void **st)
{
	struct wbuf	w;
	int		p[2];

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(wbuf_init(&w, p[1], 64), 0);
	wbuf_puts(&w, "a\nb\n");
	assert_int_equal(wbuf_flush(&w), WBUF_EPIPE);
	assert_int_equal(w.lost_lines, 2);
	wbuf_puts(&w, "c\n");
	assert_int_equal(wbuf_flush(&w), WBUF_EPIPE);
	assert_int_equal(w.lost_lines, 3);
	assert_int_equal(w.lost_bytes, 6);
	wbuf_free(&w);
	close(p[1]);
}

static void
disk_full(void **st)
{
	struct wbuf	w;
	int		fd = open("/dev/full", O_WRONLY);

	if (fd == -1)
		skip();
	assert_int_equal(wbuf_init(&w, fd, 64), 0);
	wbuf_puts(&w, "x\n");
	assert_int_equal(wbuf_flush(&w), WBUF_ERROR);
	assert_int_equal(w.err, ENOSPC);
	wbuf_free(&w);
	close(fd);
}

static void
nonblocking_reader_slow(void **st)
{
	struct wbuf	 w;
	int		 p[2];
	pid_t		 pid;
	char		*big = malloc(1 << 20), buf[4096];
	size_t		 got = 0;
	ssize_t		 n;

	assert_int_equal(pipe(p), 0);
	fcntl(p[1], F_SETFL, O_NONBLOCK);	/* wbuf_write_all must wait, not fail */
	memset(big, 'y', 1 << 20);
	if ((pid = fork()) == 0) {
		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			got += n;
		_exit(got == (1 << 20) ? 0 : 1);
	}
	close(p[0]);
	assert_int_equal(wbuf_init(&w, p[1], 4096), 0);
	assert_int_equal(wbuf_put(&w, big, 1 << 20), WBUF_OK);
	close(p[1]);
	int status;
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	wbuf_free(&w);
	free(big);
}

static void
reserve(void **st)
{
	struct wbuf	 w;
	int		 p[2];
	char		*r, back[16];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(wbuf_init(&w, p[1], 8), 0);
	wbuf_puts(&w, "12345");
	r = wbuf_reserve(&w, 6);		/* does not fit: flushes first */
	assert_non_null(r);
	memcpy(r, "abcdef", 6);
	assert_null(wbuf_reserve(&w, 9));
	wbuf_flush(&w);
	assert_int_equal(read(p[0], back, sizeof(back)), 11);
	assert_memory_equal(back, "12345abcdef", 11);
	wbuf_free(&w);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buffered_and_big),
		cmocka_unit_test(epipe_counts_lost),
		cmocka_unit_test(disk_full),
		cmocka_unit_test(nonblocking_reader_slow),
		cmocka_unit_test(reserve),
	};

	return cmocka_run_group_tests_name("wbuf", tests, NULL, NULL);
}
