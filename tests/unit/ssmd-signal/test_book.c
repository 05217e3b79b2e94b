/* ssmd-signal: order books from snapshot + deltas, seq per sid, gaps,
 * crossed books, negative levels, fractional _fp sizes. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "book.h"
#include "frame.h"
#include "state.h"

static void
no_release(void *arg, struct state_mkt *m, int why)
{
}

struct fx {
	struct state	*s;
	struct state_mkt *m;
};

/* Read a line, check seq, apply to market M; the apply result. */
static int
feed(struct fx *x, const char *line)
{
	struct frame	f;

	assert_int_not_equal(frame_read(line, strlen(line), &f, FRAME_ALL), FRAME_BAD);
	if (f.kind == FRAME_GAP || f.kind == FRAME_RESET) {
		state_gap(x->s, &f);
		return 0;
	}
	state_seq(x->s, &f);
	x->m = state_get(x->s, f.ticker, f.tlen, 1);
	assert_non_null(x->m);
	return state_apply(x->s, x->m, &f);
}

#define SNAP(seq, yes, no) \
	"{\"type\":\"orderbook_snapshot\",\"sid\":5,\"seq\":" #seq ",\"msg\":" \
	"{\"market_ticker\":\"M\",\"yes_dollars_fp\":" yes ",\"no_dollars_fp\":" no "}}"
#define DELTA(seq, side, px, d) \
	"{\"type\":\"orderbook_delta\",\"sid\":5,\"seq\":" #seq ",\"msg\":" \
	"{\"market_ticker\":\"M\",\"price_dollars\":\"" px "\",\"delta_fp\":\"" d \
	"\",\"side\":\"" side "\"}}"

static int
setup(void **st)
{
	struct fx	*x = calloc(1, sizeof(*x));

	x->s = state_new(100, 0, no_release, NULL);
	*st = x;
	return 0;
}

static int
teardown(void **st)
{
	struct fx	*x = *st;

	state_free(x->s);
	free(x);
	return 0;
}

static void
t_snapshot_delta(void **st)
{
	struct fx	*x = *st;
	int32_t		 p;
	int64_t		 sz;

	assert_int_equal(feed(x, SNAP(7, "[[\"0.4500\",\"100.00\"],[\"0.4600\",\"250.00\"]]",
	    "[[\"0.5300\",\"120.00\"]]")), STATE_BOOK_APPLIED);
	assert_true(state_book_ok(x->s, x->m));
	assert_true(x->m->quote_ok && x->m->quote_book);
	assert_int_equal(x->m->bid, 4600);
	assert_int_equal(x->m->ask, 4700);	/* $1 - best NO bid */
	/* the snapshot's seq need not be 1; the next delta is seq + 1 */
	assert_int_equal(feed(x, DELTA(8, "yes", "0.4650", "74.77")),
	    STATE_BOOK_APPLIED);
	assert_int_equal(x->m->bid, 4650);
	assert_int_equal(feed(x, DELTA(9, "yes", "0.4650", "0.23")),
	    STATE_BOOK_APPLIED);
	assert_true(book_best(&x->m->book, 1, &p, &sz));
	assert_int_equal(sz, 7500);		/* exact: 74.77 + 0.23 */
	assert_int_equal(feed(x, DELTA(10, "yes", "0.4650", "-75.00")),
	    STATE_BOOK_APPLIED);
	assert_int_equal(x->m->bid, 4600);	/* the level went away */
	assert_int_equal(x->m->book.yes.n, 2);
	/* a replayed delta is stale: skipped, book unchanged */
	assert_int_equal(feed(x, DELTA(10, "yes", "0.4600", "-250.00")),
	    STATE_BOOK_STALE);
	assert_int_equal(x->m->bid, 4600);
	/* the old integer forms read the same */
	assert_int_equal(feed(x, "{\"type\":\"orderbook_delta\",\"sid\":5,\"seq\":11,"
	    "\"msg\":{\"market_ticker\":\"M\",\"price\":53,\"delta\":-120,"
	    "\"side\":\"no\"}}"), STATE_BOOK_APPLIED);
	assert_int_equal(x->m->book.no.n, 0);
	assert_false(x->m->quote_ok);		/* one-sided: no quote */
}

static void
t_gap(void **st)
{
	struct fx	*x = *st;

	feed(x, SNAP(1, "[[\"0.4500\",\"100.00\"]]", "[[\"0.5300\",\"120.00\"]]"));
	assert_int_equal(feed(x, DELTA(2, "yes", "0.4600", "1.00")),
	    STATE_BOOK_APPLIED);
	/* seq 3 and 4 lost: every book on sid 5 is unknown */
	assert_int_equal(feed(x, DELTA(5, "yes", "0.4700", "1.00")),
	    STATE_BOOK_IGNORED);
	assert_false(state_book_ok(x->s, x->m));
	assert_int_equal(state_stats(x->s)->gaps, 1);
	assert_int_equal(feed(x, DELTA(6, "yes", "0.4700", "1.00")),
	    STATE_BOOK_IGNORED);
	/* until the next snapshot */
	assert_int_equal(feed(x, SNAP(7, "[[\"0.4000\",\"1.00\"]]", "[]")),
	    STATE_BOOK_APPLIED);
	assert_true(state_book_ok(x->s, x->m));
	assert_int_equal(feed(x, DELTA(8, "no", "0.5000", "2.00")),
	    STATE_BOOK_APPLIED);
	assert_int_equal(x->m->ask, 5000);
	/* an upstream gap marker does the same */
	feed(x, "{\"type\":\"ssmd_gap\",\"sid\":5,\"expected_seq\":9,\"seq\":12}");
	assert_false(state_book_ok(x->s, x->m));
	feed(x, SNAP(12, "[[\"0.4000\",\"1.00\"]]", "[]"));
	assert_true(state_book_ok(x->s, x->m));
	/* and a reconnect marks every book unknown */
	feed(x, "{\"type\":\"ssmd_reconnect\",\"conn\":0}");
	assert_false(state_book_ok(x->s, x->m));
}

static void
t_crossed_negative(void **st)
{
	struct fx	*x = *st;

	/* best YES 0.46 + best NO 0.54 = $1: locked counts as crossed */
	assert_int_equal(feed(x, SNAP(1, "[[\"0.4600\",\"1.00\"]]",
	    "[[\"0.5400\",\"1.00\"]]")), STATE_BOOK_BROKEN);
	assert_false(state_book_ok(x->s, x->m));
	assert_int_equal(state_stats(x->s)->crossed, 1);
	assert_int_equal(feed(x, SNAP(2, "[[\"0.4600\",\"1.00\"]]",
	    "[[\"0.5300\",\"1.00\"]]")), STATE_BOOK_APPLIED);
	assert_int_equal(feed(x, DELTA(3, "no", "0.5500", "5.00")),
	    STATE_BOOK_BROKEN);
	assert_int_equal(state_stats(x->s)->crossed, 2);
	assert_false(x->m->quote_ok);
	assert_int_equal(feed(x, SNAP(4, "[[\"0.4600\",\"1.00\"]]",
	    "[[\"0.5300\",\"1.00\"]]")), STATE_BOOK_APPLIED);
	assert_int_equal(feed(x, DELTA(5, "yes", "0.4600", "-1.01")),
	    STATE_BOOK_BROKEN);
	assert_int_equal(state_stats(x->s)->negative, 1);
	assert_int_equal(feed(x, DELTA(6, "yes", "0.4000", "-1.00")),
	    STATE_BOOK_IGNORED);
	/* the ticker's quote stands in while the book is unknown */
	feed(x, "{\"type\":\"ticker\",\"msg\":{\"market_ticker\":\"M\","
	    "\"yes_bid_dollars\":\"0.4400\",\"yes_ask_dollars\":\"0.4800\"}}");
	assert_true(x->m->quote_ok);
	assert_false(x->m->quote_book);
	assert_int_equal(x->m->bid, 4400);
}

static void
t_eviction(void **st)
{
	struct state	*s = state_new(3, 10, no_release, NULL);
	char		 t[16];
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "M%d", i);
		assert_non_null(state_get(s, t, strlen(t), 100 + i));
	}
	assert_int_equal(state_count(s), 3);	/* the cap */
	assert_int_equal(state_stats(s)->evicted_cap, 2);
	assert_null(state_find(s, "M0", 2));
	assert_non_null(state_find(s, "M4", 2));
	state_expire(s, 114);			/* idle past 10 */
	assert_int_equal(state_stats(s)->evicted_idle, 2);
	assert_int_equal(state_count(s), 1);
	assert_non_null(state_find(s, "M4", 2));
	state_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_snapshot_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(t_crossed_negative, setup, teardown),
		cmocka_unit_test(t_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
