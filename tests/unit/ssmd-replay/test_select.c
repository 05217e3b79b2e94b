/* select: times, byte needles and exact frame matches of ssmd-replay. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "select.h"
#include "ts.h"
#include "unit.h"

static void
t_time(void **state)
{
	int64_t	a, b;

	assert_int_equal(select_time("2026-11-21", &a), 0);
	assert_int_equal(select_time("2026-11-21T00:00:00Z", &b), 0);
	assert_true(a == b);
	assert_int_equal(select_time("2026-11-21T14:00Z", &a), 0);
	assert_int_equal(select_time("2026-11-21T14:00:00.000000Z", &b), 0);
	assert_true(a == b);
	assert_int_equal(select_time("2026-11-21T15:00+01:00", &b), 0);
	assert_true(a == b);
	assert_int_equal(select_time("2026-11-21T14:00:05.25Z", &b), 0);
	assert_true(b - a == 5250000);
	assert_int_equal(select_time("yesterday", &a), -1);
	assert_int_equal(select_time("2026-11-21T14Z", &a), -1);
	assert_int_equal(select_time("2026-13-01", &a), -1);
}

static char *
sdup(const char *s)
{
	char	*p = strdup(s);

	assert_non_null(p);
	return p;
}

static const char trade[] = "{\"type\":\"trade\",\"sid\":12,\"msg\":"
    "{\"market_ticker\":\"KXBTC-26NOV21-T5\",\"yes_price\":3}}";
static const char event[] = "{\"type\":\"event_lifecycle\",\"sid\":2,\"msg\":"
    "{\"event_ticker\":\"KXETH-26NOV21\"}}";

static void
t_match(void **state)
{
	struct select	 s;
	char		*types = sdup("trade,ticker"), *mk = sdup("KXBTC*,*ETH*");

	memset(&s, 0, sizeof(s));
	assert_int_equal(select_list_add(&s.types, types), 0);
	assert_int_equal(select_list_add(&s.markets, mk), 0);
	assert_int_equal(select_sids_add(&s, "12,2"), 0);
	assert_int_equal(select_prepare(&s), 0);
	/* Needles: the quoted types, the literals of the globs. */
	assert_int_equal(s.type_needles.n, 2);
	assert_string_equal(s.type_needles.v[0], "\"trade\"");
	assert_int_equal(s.market_needles.n, 2);
	assert_string_equal(s.market_needles.v[0], "KXBTC");
	assert_string_equal(s.market_needles.v[1], "ETH");
	assert_true(select_maybe(&s, trade, strlen(trade)));
	assert_true(select_frame(&s, trade, strlen(trade)));
	/* event_lifecycle is not a selected type: the byte test says so. */
	assert_false(select_maybe(&s, event, strlen(event)));
	assert_false(select_frame(&s, event, strlen(event)));
	select_free(&s);
	free(types);
	free(mk);

	/* A glob without a literal: no byte test, exact match only. */
	memset(&s, 0, sizeof(s));
	mk = sdup("KXBTC*,*");
	assert_int_equal(select_list_add(&s.markets, mk), 0);
	assert_int_equal(select_prepare(&s), 0);
	assert_int_equal(s.market_needles.n, 0);
	assert_true(select_frame(&s, event, strlen(event)));
	select_free(&s);
	free(mk);

	memset(&s, 0, sizeof(s));
	assert_int_equal(select_sids_add(&s, "3"), 0);
	assert_int_equal(select_prepare(&s), 0);
	assert_false(select_frame(&s, trade, strlen(trade)));
	assert_int_equal(select_sids_add(&s, "x"), -1);
	select_free(&s);
}

static void
t_envelope(void **state)
{
	static const char env[] = "{\"ts\":\"2026-11-21T14:00:00.5Z\","
	    "\"feed\":\"kalshi\",\"data\":{\"type\":\"trade\"}}";
	static const char err[] = "{\"ts\":\"2026-11-21T14:00:00Z\","
	    "\"feed\":\"kalshi\",\"error\":\"syntax\",\"raw\":\"x\"}";
	struct json_span	fr;
	int64_t			us, want;

	assert_int_equal(select_frame_of(env, strlen(env), &fr), 0);
	assert_int_equal(fr.len, strlen("{\"type\":\"trade\"}"));
	assert_int_equal(select_frame_of(err, strlen(err), &fr), -1);
	assert_int_equal(select_frame_of(trade, strlen(trade), &fr), 0);
	assert_ptr_equal(fr.p, trade);
	assert_int_equal(select_ts(env, strlen(env), &us), 0);
	assert_int_equal(ts_parse("2026-11-21T14:00:00.5Z", 22, &want), 0);
	assert_true(us == want);
	assert_int_equal(select_ts(trade, strlen(trade), &us), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_time),
		cmocka_unit_test(t_match),
		cmocka_unit_test(t_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
