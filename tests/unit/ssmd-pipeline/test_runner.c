/* ssmd-pipeline: splitting the arguments into stages, and the pipeline's
 * exit status from its stages' ends. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "runner.h"
#include "stage.h"
#include "unit.h"

static void
t_split(void **state)
{
	char		*a[] = { "a", "x", "|", "b", "|", "c", "y", "z" };
	char		*e1[] = { "|", "b" }, *e2[] = { "a", "|" },
			*e3[] = { "a", "|", "|", "b" }, *e4[] = { "a", "::", "b" };
	struct stage	 st[STAGE_MAX];
	size_t		 n, bad;

	(void)state;
	assert_int_equal(stage_split(a, 8, "|", st, &n, &bad), STAGE_SPLIT_OK);
	assert_int_equal(n, 3);
	assert_string_equal(st[0].argv[0], "a");
	assert_string_equal(st[0].argv[1], "x");
	assert_null(st[0].argv[2]);
	assert_string_equal(st[1].argv[0], "b");
	assert_null(st[1].argv[1]);
	assert_string_equal(st[2].argv[2], "z");
	assert_int_equal(stage_split(e1, 2, "|", st, &n, &bad),
	    STAGE_SPLIT_EMPTY);
	assert_int_equal(bad, 0);
	assert_int_equal(stage_split(e2, 2, "|", st, &n, &bad),
	    STAGE_SPLIT_EMPTY);
	assert_int_equal(bad, 1);
	assert_int_equal(stage_split(e3, 4, "|", st, &n, &bad),
	    STAGE_SPLIT_EMPTY);
	assert_int_equal(bad, 1);
	/* another separator: "|" is then an argument like any other */
	assert_int_equal(stage_split(e4, 3, "::", st, &n, &bad),
	    STAGE_SPLIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(stage_split(e4, 0, "|", st, &n, &bad),
	    STAGE_SPLIT_EMPTY);
}

static void
t_too_many(void **state)
{
	char		*a[2 * STAGE_MAX + 1];
	struct stage	 st[STAGE_MAX];
	size_t		 n, bad, i;

	(void)state;
	for (i = 0; i < 2 * STAGE_MAX + 1; i++)
		a[i] = i % 2 ? "|" : "x";
	assert_int_equal(stage_split(a, 2 * STAGE_MAX + 1, "|", st, &n, &bad),
	    STAGE_SPLIT_TOO_MANY);
	/* split in place: the separators became NULLs */
	for (i = 0; i < 2 * STAGE_MAX + 1; i++)
		a[i] = i % 2 ? "|" : "x";
	assert_int_equal(stage_split(a, 2 * STAGE_MAX - 1, "|", st, &n, &bad),
	    STAGE_SPLIT_OK);
	assert_int_equal(n, STAGE_MAX);
}

/* Stage i ended in position order with wait status ws. */
static void
ended(struct stage *s, int order, int ws)
{
	s->state = STAGE_EXITED;
	s->order = order;
	s->wstatus = ws;
}

static void
t_status(void **state)
{
	struct stage	st[3];

	(void)state;
	memset(st, 0, sizeof(st));
	/* all clean */
	ended(&st[0], 1, W_EXITCODE(0, 0));
	ended(&st[1], 2, W_EXITCODE(0, 0));
	ended(&st[2], 3, W_EXITCODE(0, 0));
	assert_int_equal(runner_status(st, 3, 0), 0);
	/* the source's 75 comes through the clean stages after it */
	ended(&st[0], 1, W_EXITCODE(75, 0));
	assert_int_equal(runner_status(st, 3, 0), 75);
	/* ... and wins over a later stage that failed while draining */
	ended(&st[2], 3, W_EXITCODE(74, 0));
	assert_int_equal(runner_status(st, 3, 0), 75);
	/* a later stage that failed first: its status; the source's
	 * SIGPIPE is a consequence */
	ended(&st[2], 1, W_EXITCODE(69, 0));
	ended(&st[1], 2, W_EXITCODE(0, SIGPIPE));
	ended(&st[0], 3, W_EXITCODE(0, SIGPIPE));
	assert_int_equal(runner_status(st, 3, 0), 69);
	/* a source killed by the runner's SIGTERM stopped cleanly ... */
	ended(&st[0], 1, W_EXITCODE(0, SIGTERM));
	ended(&st[1], 2, W_EXITCODE(0, 0));
	ended(&st[2], 3, W_EXITCODE(0, 0));
	assert_int_equal(runner_status(st, 3, 1), 0);
	/* ... but not when someone else sent it, nor SIGKILL */
	assert_int_equal(runner_status(st, 3, 0), 128 + SIGTERM);
	ended(&st[0], 1, W_EXITCODE(0, SIGKILL));
	assert_int_equal(runner_status(st, 3, 1), 128 + SIGKILL);
	/* a later stage's SIGTERM is a failure */
	ended(&st[0], 2, W_EXITCODE(0, 0));
	ended(&st[1], 1, W_EXITCODE(0, SIGTERM));
	assert_int_equal(runner_status(st, 3, 1), 128 + SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_split),
		cmocka_unit_test(t_too_many),
		cmocka_unit_test(t_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
