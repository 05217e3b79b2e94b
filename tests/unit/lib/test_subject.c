#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "subject.h"

static void
expect_subject(const char *line, int kind, const char *want)
{
	char	out[SUBJECT_MAX];

	assert_int_equal(subject_for("prod.kalshi", line, strlen(line), 0,
	    out, sizeof(out)), kind);
	assert_string_equal(out, want);
}

/* Tickers of 190..196 escaped bytes: up to SUBJECT_TOKEN_MAX they are
 * the subject's market token, past it the line goes to the fallback. */
static void
test_token_limit(void **st)
{
	char	line[512], tick[256], out[SUBJECT_MAX], want[SUBJECT_MAX];
	size_t	n;

	(void)st;
	for (n = 190; n <= 196; n++) {
		memset(tick, 'A', n);
		tick[n] = '\0';
		snprintf(line, sizeof(line), "{\"type\":\"trade\",\"msg\":"
		    "{\"market_ticker\":\"%s\"}}", tick);
		if (n <= SUBJECT_TOKEN_MAX) {
			snprintf(want, sizeof(want), "p.json.trade.%s", tick);
			assert_int_equal(subject_for("p", line, strlen(line), 0,
			    out, sizeof(out)), SUBJ_DATA);
		} else {
			snprintf(want, sizeof(want), "p.other.trade");
			assert_int_equal(subject_for("p", line, strlen(line), 0,
			    out, sizeof(out)), SUBJ_OTHER);
		}
		assert_string_equal(out, want);
	}
	/* Escapes count as their three bytes: 64 dots are 192, 65 too many. */
	memset(tick, '.', 65);
	tick[65] = '\0';
	assert_int_equal(subject_escape(tick, 64, out, SUBJECT_TOKEN_MAX + 1),
	    192);
	assert_int_equal(subject_escape(tick, 65, out, SUBJECT_TOKEN_MAX + 1),
	    -1);
}

/* With the longest prefix allowed, the longest subject still fits. */
static void
test_prefix_limit(void **st)
{
	char	prefix[SUBJECT_PREFIX_MAX + 1], tick[SUBJECT_TOKEN_MAX + 1];
	char	line[512], out[SUBJECT_MAX];
	int	n;

	(void)st;
	memset(prefix, 'p', SUBJECT_PREFIX_MAX);
	prefix[SUBJECT_PREFIX_MAX] = '\0';
	memset(tick, 'E', SUBJECT_TOKEN_MAX);
	tick[SUBJECT_TOKEN_MAX] = '\0';
	snprintf(line, sizeof(line), "{\"type\":\"event_lifecycle\",\"msg\":"
	    "{\"event_ticker\":\"%s\"}}", tick);
	assert_int_equal(subject_for(prefix, line, strlen(line), 0, out,
	    sizeof(out)), SUBJ_DATA);
	n = (int)strlen(out);
	assert_int_equal(n, SUBJECT_MAX - 1);
	assert_string_equal(out + n - SUBJECT_TOKEN_MAX, tick);
}

static void
test_kinds(void **st)
{
	(void)st;
	expect_subject("{\"type\":\"ticker\",\"sid\":1,\"msg\":{\"market_ticker\":\"KXA-1\"}}",
	    SUBJ_DATA, "prod.kalshi.json.ticker.KXA-1");
	expect_subject("{\"type\":\"ticker_v2\",\"msg\":{\"market_ticker\":\"B\"}}",
	    SUBJ_DATA, "prod.kalshi.json.ticker.B");
	expect_subject("{\"type\":\"trade\",\"msg\":{\"x\":[1,{\"market_ticker\":\"no\"}],\"market_ticker\":\"T\"}}",
	    SUBJ_DATA, "prod.kalshi.json.trade.T");
	expect_subject("{\"type\":\"orderbook_snapshot\",\"msg\":{\"market_ticker\":\"O\"}}",
	    SUBJ_DATA, "prod.kalshi.json.orderbook.O");
	expect_subject("{\"type\":\"orderbook_delta\",\"msg\":{\"market_ticker\":\"O\"}}",
	    SUBJ_DATA, "prod.kalshi.json.orderbook.O");
	expect_subject("{\"type\":\"market_lifecycle_v2\",\"msg\":{\"market_ticker\":\"L\"}}",
	    SUBJ_DATA, "prod.kalshi.json.lifecycle.L");
	expect_subject("{\"type\":\"event_lifecycle\",\"msg\":{\"event_ticker\":\"KXE\",\"market_ticker\":\"no\"}}",
	    SUBJ_DATA, "prod.kalshi.json.event_lifecycle.KXE");
}

static void
test_envelope_and_escape(void **st)
{
	(void)st;
	expect_subject("{\"ts\":\"2026-11-21T14:03:07.123456Z\",\"feed\":\"kalshi\","
	    "\"data\":{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"KXBTCD-26FEB1217-T67749.99\"}}}",
	    SUBJ_DATA, "prod.kalshi.json.trade.KXBTCD-26FEB1217-T67749%2E99");
	expect_subject("{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"a*b>c %_\"}}",
	    SUBJ_DATA, "prod.kalshi.json.trade.a%2Ab%3Ec%20%25%5F");
}

static void
test_fallbacks(void **st)
{
	char	big[600];

	(void)st;
	expect_subject("{\"type\":\"ssmd_gap\",\"sid\":5}", SUBJ_MARKER,
	    "prod.kalshi.ssmd.gap");
	expect_subject("{\"ts\":\"x\",\"data\":{\"type\":\"ssmd_reconnect\"}}",
	    SUBJ_MARKER, "prod.kalshi.ssmd.reconnect");
	expect_subject("{\"type\":\"subscribed\",\"id\":1}", SUBJ_OTHER,
	    "prod.kalshi.other.subscribed");
	expect_subject("{\"type\":\"trade\",\"msg\":{}}", SUBJ_OTHER,
	    "prod.kalshi.other.trade");
	expect_subject("{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"\"}}",
	    SUBJ_OTHER, "prod.kalshi.other.trade");
	expect_subject("[1,2]", SUBJ_OTHER, "prod.kalshi.other._");
	expect_subject("{\"type\":7}", SUBJ_OTHER, "prod.kalshi.other._");
	expect_subject("{\"type\":\"\"}", SUBJ_OTHER, "prod.kalshi.other._");
	memset(big, 'A', sizeof(big));
	memcpy(big, "{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"", 40);
	memcpy(big + sizeof(big) - 4, "\"}}", 4);
	expect_subject(big, SUBJ_OTHER, "prod.kalshi.other.trade");
	{
		char out[SUBJECT_MAX];

		assert_int_equal(subject_for("p", "garbage", 7, 1, out,
		    sizeof(out)), SUBJ_INVALID);
		assert_string_equal(out, "p.invalid");
	}
}

static int
m(const char *p, const char *s)
{
	return subject_match(p, s, strlen(s));
}

static void
test_match(void **st)
{
	(void)st;
	assert_true(m("prod.kalshi.>", "prod.kalshi.json.trade.X"));
	assert_true(m("prod.kalshi.>", "prod.kalshi.>"));
	assert_true(m(">", "prod.kalshi.>"));
	assert_true(m("prod.*.>", "prod.kalshi.>"));
	assert_true(m("prod.kalshi.json.*.X", "prod.kalshi.json.trade.X"));
	assert_false(m("prod.kalshi.>", "prod.kalshi"));
	assert_false(m("prod.kalshi.json.>", "prod.kalshi.>"));
	assert_false(m("prod.kalshi.*", "prod.kalshi.>"));
	assert_false(m("prod.kalshi.*", "prod.kalshi.a.b"));
	assert_false(m("prod.x.>", "prod.*.y"));
	assert_true(m("prod.*.y", "prod.*.y"));
	assert_false(m("a.b", "a.bc"));
}

static void
test_syntax(void **st)
{
	(void)st;
	assert_true(subject_literal_ok("prod.kalshi"));
	assert_false(subject_literal_ok("prod..kalshi"));
	assert_false(subject_literal_ok("prod.kalshi."));
	assert_false(subject_literal_ok("prod.*"));
	assert_false(subject_literal_ok("a b"));
	assert_false(subject_literal_ok(""));
	assert_true(subject_pattern_ok("prod.*.json.>"));
	assert_false(subject_pattern_ok("prod.>.x"));
	assert_false(subject_pattern_ok("prod.a*"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_token_limit),
		cmocka_unit_test(test_prefix_limit),
		cmocka_unit_test(test_envelope_and_escape),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_syntax),
	};

	return cmocka_run_group_tests_name("subject", tests, NULL, NULL);
}
