/* ssmd-nats-pub: --subject TEMPLATE with {field} placeholders. */
#include <string.h>

#include "unit.h"
#include "subject.h"
#include "template.h"

static void
render(const char *tmpl, const char *line, const char *want)
{
	char	out[SUBJECT_MAX];

	template_render(tmpl, line, strlen(line), out, sizeof(out));
	assert_string_equal(out, want);
}

static void
t_check(void **st)
{
	char	w[SUBJECT_MAX];

	assert_int_equal(template_check("p.fixed", w, sizeof(w)), TEMPLATE_FIXED);
	assert_string_equal(w, "p.fixed");
	assert_int_equal(template_check("signals.kalshi.{signalId}.fires.{ticker}",
	    w, sizeof(w)), TEMPLATE_FIELDS);
	assert_string_equal(w, "signals.kalshi.*.fires.*");
	assert_int_equal(template_check("a.x{type}y.b", w, sizeof(w)),
	    TEMPLATE_FIELDS);
	assert_string_equal(w, "a.*.b");
	assert_int_equal(template_check("{payload.direction}", w, sizeof(w)),
	    TEMPLATE_FIELDS);
	assert_string_equal(w, "*");
	assert_int_equal(template_check("a.{}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.{x", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.x}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.{x y}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.{.x}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.*.{x}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a..{x}", w, sizeof(w)), TEMPLATE_BAD);
	assert_int_equal(template_check("a.{x}.>", w, sizeof(w)), TEMPLATE_BAD);
}

static void
t_render(void **st)
{
	const char *fire = "{\"id\":\"ab\",\"signalId\":\"momentum\",\"ts\":17,"
	    "\"ticker\":\"KXBTCD-26FEB1217-T67749.99\",\"payload\":"
	    "{\"direction\":\"up\",\"ok\":true,\"n\":null,\"o\":{}}}";

	render("signals.kalshi.{signalId}.fires.{ticker}", fire,
	    "signals.kalshi.momentum.fires.KXBTCD-26FEB1217-T67749%2E99");
	render("s.{payload.direction}.{ts}.{payload.ok}", fire, "s.up.17.true");
	/* missing, null, object, empty: "_" */
	render("s.{nope}.{payload.n}.{payload.o}.{payload.nope}", fire,
	    "s._._._._");
	render("s.{x}", "{\"x\":\"\"}", "s._");
	render("s.{x}", "not json", "s._");
	/* escaped like today's subject tokens */
	render("s.{x}", "{\"x\":\"a b_c*>\"}", "s.a%20b%5Fc%2A%3E");
	/* an envelope: a name not at the top comes from data */
	render("p.{feed}.{type}.{msg.market_ticker}",
	    "{\"ts\":\"2026-11-21T14:03:07.123456Z\",\"feed\":\"kalshi\","
	    "\"data\":{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"M-1\"}}}",
	    "p.kalshi.trade.M-1");
	render("p.fixed", fire, "p.fixed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_check),
		cmocka_unit_test(t_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
