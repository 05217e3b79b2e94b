#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

static void
test_window(void **st)
{
	struct win	 w;
	struct win_ent	*e[5];
	char		 id[33] = "0123456789abcdef0123456789abcdef";
	int		 i;

	(void)st;
	assert_int_equal(window_init(&w, 4, 100), 0);
	assert_true(window_room(&w, 1000));	/* empty: always one */
	for (i = 0; i < 4; i++) {
		e[i] = window_add(&w, 10 + i, "s", 1, "abcdefghij", 10, id);
		assert_non_null(e[i]);
	}
	assert_false(window_room(&w, 0));
	assert_int_equal(win_count(&w), 4);
	assert_ptr_equal(window_get(&w, e[2]->idx), e[2]);
	assert_null(window_get(&w, 99));
	assert_int_equal(window_done(&w, e[1]), 0);	/* head still pending */
	assert_int_equal(window_done(&w, e[0]), 11);
	assert_null(window_get(&w, 1));			/* retired */
	assert_ptr_equal(window_oldest(&w), e[2]);
	assert_memory_equal(win_payload(e[2]), "abcdefghij", 10);
	assert_string_equal(e[2]->buf, "s");
	assert_true(window_room(&w, 0));
	e[4] = window_add(&w, 14, "s", 1, "x", 1, id);
	assert_int_equal(e[4]->idx, 5);
	assert_int_equal(w.bytes, 21);
	window_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
