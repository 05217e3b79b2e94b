#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "meta.h"

static void
test_v1(void **st)
{
	struct nmeta	m;

	(void)st;
	assert_int_equal(meta_parse("$JS.ACK.S.C.1.42.7.1700000000000000000.3",
	    &m), 0);
	assert_int_equal(m.sseq, 42);
	assert_int_equal(m.delivered, 1);
	assert_int_equal(m.pending, 3);
	assert_int_equal(m.ns, 1700000000000000000LL);
}

static void
test_v2(void **st)
{
	struct nmeta	m;

	(void)st;
	assert_int_equal(meta_parse("$JS.ACK.dom.ACCHASH.S.C.2.99.8.5.0.tok",
	    &m), 0);
	assert_int_equal(m.sseq, 99);
	assert_int_equal(m.delivered, 2);
	assert_int_equal(m.pending, 0);
}

static void
test_bad(void **st)
{
	struct nmeta	m;

	(void)st;
	assert_int_equal(meta_parse(NULL, &m), -1);
	assert_int_equal(meta_parse("_INBOX.x", &m), -1);
	assert_int_equal(meta_parse("$JS.ACK.S.C.1.x.7.1.3", &m), -1);
	assert_int_equal(meta_parse("$JS.ACK.S.C.1.2.7.1", &m), -1);
	assert_int_equal(meta_parse("$JS.ACK.S.C.1..7.1.3", &m), -1);
	assert_int_equal(meta_parse("$JS.ACK.S.C.1.99999999999999999999999.7.1.3",
	    &m), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests_name("nats_meta", tests, NULL, NULL);
}
