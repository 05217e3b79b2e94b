/* ssmd-signal: the market table grows from small to its cap, keeps every
 * market findable through growth, LRU eviction and release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "state.h"

static int	released;

static void
count_release(void *arg, struct state_mkt *m, int why)
{
	released++;
}

static size_t
name(char *b, size_t cap, unsigned i)
{
	return (size_t)snprintf(b, cap, "KXT-26DEC03-T%u", i);
}

/* 6,000 markets under a cap of 5,000: the table grows through several
 * doublings, then the least recently updated are evicted. */
static void
t_grow_evict(void **state)
{
	struct state		*s;
	struct state_mkt	*m;
	char			 t[64];
	size_t			 n;
	unsigned		 i;

	released = 0;
	assert_non_null(s = state_new(5000, 0, count_release, NULL));
	for (i = 0; i < 6000; i++) {
		n = name(t, sizeof(t), i);
		assert_non_null(m = state_get(s, t, n, i));
		assert_int_equal(m->tlen, n);
		assert_memory_equal(m->ticker, t, n);
	}
	assert_int_equal(state_count(s), 5000);
	assert_int_equal(released, 1000);
	assert_int_equal(state_stats(s)->evicted_cap, 1000);
	for (i = 0; i < 6000; i++) {
		n = name(t, sizeof(t), i);
		m = state_find(s, t, n);
		if (i < 1000)
			assert_null(m);
		else {
			assert_non_null(m);
			assert_memory_equal(m->ticker, t, n);
		}
	}
	/* Release every other one: the probe runs close up behind them. */
	for (i = 1000; i < 6000; i += 2) {
		n = name(t, sizeof(t), i);
		assert_non_null(m = state_find(s, t, n));
		state_release(s, m);
	}
	for (i = 1000; i < 6000; i++) {
		n = name(t, sizeof(t), i);
		m = state_find(s, t, n);
		if (i % 2 == 0)
			assert_null(m);
		else
			assert_non_null(m);
	}
	assert_int_equal(state_count(s), 2500);
	state_free(s);
}

/* A cap below the first table size: no growth, eviction as before. */
static void
t_small_cap(void **state)
{
	struct state	*s;
	char		 t[64];
	unsigned	 i;

	released = 0;
	assert_non_null(s = state_new(3, 0, count_release, NULL));
	for (i = 0; i < 10; i++)
		assert_non_null(state_get(s, t, name(t, sizeof(t), i), i));
	assert_int_equal(state_count(s), 3);
	assert_null(state_find(s, t, name(t, sizeof(t), 6)));
	assert_non_null(state_find(s, t, name(t, sizeof(t), 9)));
	state_free(s);
	assert_int_equal(released, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_grow_evict),
		cmocka_unit_test(t_small_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
