/* ssmd-signal: fixed-point numbers and every message shape. */
#include <string.h>

#include "unit.h"
#include "frame.h"
#include "num.h"

#define READ(f, s)	frame_read((s), strlen(s), (f), FRAME_ALL)

static void
t_num_dec(void **st)
{
	int64_t	v;

	assert_int_equal(num_dec("\"0.4500\"", 8, 4, &v), NUM_OK);
	assert_int_equal(v, 4500);
	assert_int_equal(num_dec("45", 2, 0, &v), NUM_OK);
	assert_int_equal(v, 45);
	assert_int_equal(num_dec("\"-50.00\"", 8, 2, &v), NUM_OK);
	assert_int_equal(v, -5000);
	assert_int_equal(num_dec("74.77", 5, 2, &v), NUM_OK);	/* a number */
	assert_int_equal(v, 7477);
	assert_int_equal(num_dec("100", 3, 2, &v), NUM_OK);	/* whole contracts */
	assert_int_equal(v, 10000);
	assert_int_equal(num_dec("\"0.12345\"", 9, 4, &v), NUM_OK);
	assert_int_equal(v, 1235);				/* half away */
	assert_int_equal(num_dec("\"0.080\"", 7, 4, &v), NUM_OK);
	assert_int_equal(v, 800);
	assert_int_equal(num_dec("\"\"", 2, 4, &v), NUM_ABSENT);
	assert_int_equal(num_dec("null", 4, 4, &v), NUM_ABSENT);
	assert_int_equal(num_dec("\"abc\"", 5, 4, &v), NUM_BAD);
	assert_int_equal(num_dec("1e3", 3, 4, &v), NUM_BAD);
	assert_int_equal(num_dec("\".\"", 3, 4, &v), NUM_BAD);
	assert_int_equal(num_dec("99999999999999999999", 20, 4, &v), NUM_BAD);
}

static void
t_num_fmt(void **st)
{
	char	b[32];

	assert_int_equal(num_fmt(b, 4500, 4), 6);
	assert_string_equal(b, "0.4500");
	num_fmt(b, -5, 4);
	assert_string_equal(b, "-0.0005");
	num_fmt(b, 123456, 2);
	assert_string_equal(b, "1234.56");
	num_fmt(b, 42, 0);
	assert_string_equal(b, "42");
}

static void
t_ticker_forms(void **st)
{
	struct frame	f;

	/* both forms: the dollar strings win, wherever they are */
	assert_int_equal(READ(&f, "{\"type\":\"ticker\",\"sid\":1,\"msg\":"
	    "{\"yes_bid_dollars\":\"0.4510\",\"market_ticker\":\"A-B\","
	    "\"yes_bid\":45,\"yes_ask\":47,\"price\":46,\"price_dollars\":\"\","
	    "\"volume\":7,\"volume_fp\":\"7.50\",\"ts\":1770897976}}"),
	    FRAME_TICKER);
	assert_int_equal(f.bid, 4510);
	assert_int_equal(f.ask, 4700);
	assert_int_equal(f.price, 4600);	/* "" says nothing */
	assert_int_equal(f.volume, 750);
	assert_int_equal(f.t_us, 1770897976000000LL);
	assert_int_equal(f.tlen, 3);
	assert_memory_equal(f.ticker, "A-B", 3);
	/* ts_ms outranks ts */
	assert_int_equal(READ(&f, "{\"type\":\"ticker\",\"msg\":{\"market_ticker\":"
	    "\"X\",\"ts_ms\":1784475900544,\"ts\":1784475900}}"), FRAME_TICKER);
	assert_int_equal(f.t_us, 1784475900544000LL);
}

static void
t_trade_delta_snapshot(void **st)
{
	struct frame	f;
	const char	*it;
	int64_t		 p, s;

	assert_int_equal(READ(&f, "{\"type\":\"trade\",\"sid\":2,\"seq\":10,\"msg\":"
	    "{\"market_ticker\":\"M\",\"yes_price\":77,\"yes_price_dollars\":"
	    "\"0.7712\",\"count\":75,\"count_fp\":\"75.25\",\"taker_side\":\"no\","
	    "\"taker_outcome_side\":\"yes\",\"ts\":1}}"), FRAME_TRADE);
	assert_int_equal(f.yes_price, 7712);
	assert_int_equal(f.count, 7525);
	assert_int_equal(f.taker, FRAME_SIDE_YES);
	assert_true(f.has_seq && f.seq == 10 && f.has_sid && f.sid == 2);

	assert_int_equal(READ(&f, "{\"type\":\"orderbook_delta\",\"sid\":5,\"seq\":2,"
	    "\"msg\":{\"market_ticker\":\"M\",\"price\":46,\"price_dollars\":\"0.46\","
	    "\"delta\":-50,\"delta_fp\":\"-49.50\",\"side\":\"yes\",\"ts\":"
	    "\"2026-02-14T15:30:00Z\"}}"), FRAME_DELTA);
	assert_int_equal(f.dprice, 4600);
	assert_int_equal(f.delta, -4950);
	assert_int_equal(f.side, FRAME_SIDE_YES);
	assert_int_equal(f.t_us, 1771083000000000LL);

	/* yes_dollars_fp outranks yes_dollars outranks yes */
	assert_int_equal(READ(&f, "{\"type\":\"orderbook_snapshot\",\"sid\":5,"
	    "\"seq\":1,\"msg\":{\"market_ticker\":\"M\",\"yes\":[[45,100]],"
	    "\"yes_dollars_fp\":[[\"0.4500\",\"100.25\"],[\"0.4600\",\"3.00\"]],"
	    "\"yes_dollars\":[[\"0.45\",100]],\"no\":[[53,120]]}}"),
	    FRAME_SNAPSHOT);
	assert_int_equal(f.yes.form, FRAME_LVL_DOLLARS_FP);
	assert_int_equal(f.no.form, FRAME_LVL_CENTS);
	it = f.yes.p;
	assert_int_equal(frame_lvl_next(&f.yes, &it, &p, &s), FRAME_LVL_LEVEL);
	assert_int_equal(p, 4500);
	assert_int_equal(s, 10025);
	assert_int_equal(frame_lvl_next(&f.yes, &it, &p, &s), FRAME_LVL_LEVEL);
	assert_int_equal(p, 4600);
	assert_int_equal(frame_lvl_next(&f.yes, &it, &p, &s), FRAME_LVL_END);
	it = f.no.p;
	assert_int_equal(frame_lvl_next(&f.no, &it, &p, &s), FRAME_LVL_LEVEL);
	assert_int_equal(p, 5300);
	assert_int_equal(s, 12000);
}

static void
t_envelope_annotated(void **st)
{
	struct frame	f;
	const char	*data = "{\"type\":\"trade\",\"sid\":2,\"seq\":3,\"msg\":{"
			    "\"market_ticker\":\"M\",\"yes_price\":5,\"count\":1,"
			    "\"ts\":1}}";
	char		 line[512];

	snprintf(line, sizeof(line), "{\"ts\":\"2026-11-21T14:03:07.123456Z\","
	    "\"feed\":\"kalshi\",\"data\":%s,\"_nats_seq\":12,"
	    "\"_received_at\":1795230921781141}", data);
	assert_int_equal(READ(&f, line), FRAME_TRADE);
	/* the envelope's time wins over the frame's */
	assert_int_equal(f.t_us, 1795269787123456LL);
	assert_int_equal(f.dlen, strlen(data));
	assert_memory_equal(f.data, data, f.dlen);
	/* an annotated raw frame: its own ts first, _received_at without */
	assert_int_equal(READ(&f, "{\"type\":\"ticker\",\"msg\":{\"market_ticker\":"
	    "\"M\"},\"_nats_seq\":1,\"_received_at\":1795230921781141}"),
	    FRAME_TICKER);
	assert_int_equal(f.t_us, 1795230921781141LL);
}

static void
t_other_and_bad(void **st)
{
	struct frame	f;

	assert_int_equal(READ(&f, "{\"type\":\"subscribed\",\"id\":1,\"msg\":"
	    "{\"channel\":\"ticker\",\"sid\":42}}"), FRAME_OTHER);
	assert_int_equal(READ(&f, "{\"id\":1,\"cmd\":\"subscribe\"}"), FRAME_OTHER);
	assert_int_equal(READ(&f, "{\"type\":\"event_lifecycle\",\"msg\":{}}"),
	    FRAME_OTHER);
	assert_int_equal(READ(&f, "{\"type\":\"ssmd_gap\",\"sid\":5}"), FRAME_GAP);
	assert_int_equal(READ(&f, "{\"type\":\"ssmd_reconnect\"}"), FRAME_RESET);
	assert_int_equal(READ(&f, "{\"type\":\"market_lifecycle_v2\",\"msg\":"
	    "{\"market_ticker\":\"M\",\"event_type\":\"settled\"}}"),
	    FRAME_LIFECYCLE);
	assert_int_equal(f.life, FRAME_LIFE_SETTLED);
	assert_int_equal(READ(&f, "[1,2]"), FRAME_BAD);
	assert_string_equal(f.bad, "not_object");
	assert_int_equal(READ(&f, "{\"type\":\"trade\",\"msg\":{\"x\":1"),
	    FRAME_BAD);
	assert_int_equal(READ(&f, "{\"a\":1} x"), FRAME_BAD);
	assert_string_equal(f.bad, "trailing");
	assert_int_equal(READ(&f, "{\"a\":}"), FRAME_BAD);
	assert_int_equal(READ(&f, "{\"ts\":\"x\",\"data\":{\"type\":"), FRAME_BAD);
}

/* Kinds not asked for are skipped once their type is read. */
static void
t_skip(void **st)
{
	struct frame	f;
	const char	*d = "{\"ts\":\"2026-11-21T14:03:07.123456Z\",\"data\":"
			    "{\"type\":\"orderbook_delta\",\"msg\":{\"market_ticker\":"
			    "\"M\"}}}";

	assert_int_equal(frame_read(d, strlen(d), &f, FRAME_BIT(FRAME_TRADE)),
	    FRAME_SKIP);
	assert_int_equal(frame_read(d, strlen(d), &f, FRAME_ALL), FRAME_DELTA);
	/* not checked past the type when skipped */
	assert_int_equal(frame_read("{\"type\":\"ticker\",\"msg\":{", 23, &f,
	    FRAME_BIT(FRAME_TRADE)), FRAME_SKIP);
	/* a raw frame, and an envelope with its keys in another order */
	assert_int_equal(frame_read("{\"type\":\"ticker\",\"msg\":{\"market_ticker\""
	    ":\"M\"}}", 43, &f, FRAME_BIT(FRAME_TRADE)), FRAME_SKIP);
	d = "{\"feed\":\"k\",\"data\":{\"sid\":1,\"type\":\"ticker\",\"msg\":{}},"
	    "\"ts\":\"2026-11-21T14:03:07.123456Z\"}";
	assert_int_equal(frame_read(d, strlen(d), &f, FRAME_BIT(FRAME_TRADE)),
	    FRAME_SKIP);
	/* a wanted kind in the quick shape is read in full */
	d = "{\"ts\":\"2026-11-21T14:03:07.123456Z\",\"feed\":\"kalshi\",\"data\":"
	    "{\"type\":\"trade\",\"sid\":2,\"msg\":{\"market_ticker\":\"M\","
	    "\"count\":3}}}";
	assert_int_equal(frame_read(d, strlen(d), &f, FRAME_BIT(FRAME_TRADE)),
	    FRAME_TRADE);
	assert_int_equal(f.count, 300);
	assert_int_equal(f.t_us, 1795269787123456LL);
	/* a bad line in the quick shape is skipped only if of a kind not read */
	d = "{\"ts\":\"2026-11-21T14:03:07.123456Z\",\"feed\":\"kalshi\",\"data\":"
	    "{\"type\":\"trade\",\"msg\":{";
	assert_int_equal(frame_read(d, strlen(d), &f, FRAME_BIT(FRAME_TRADE)),
	    FRAME_BAD);
	/* markers and other objects are never skipped */
	assert_int_equal(frame_read("{\"type\":\"ssmd_gap\"}", 19, &f, 0),
	    FRAME_GAP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_num_dec),
		cmocka_unit_test(t_num_fmt),
		cmocka_unit_test(t_ticker_forms),
		cmocka_unit_test(t_trade_delta_snapshot),
		cmocka_unit_test(t_envelope_annotated),
		cmocka_unit_test(t_other_and_bad),
		cmocka_unit_test(t_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
