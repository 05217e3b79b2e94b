#include <string.h>

#include "config.h"
#include "discover.h"
#include "unit.h"

static void
pages(void **st)
{
	static const char p1[] = "{\"markets\":[{\"ticker\":\"KX-1\",\"status\":"
	    "\"open\"},{\"ticker\":\"bad ticker\"},{\"no\":1},"
	    "{\"ticker\":\"KX-2.5\"}],\"cursor\":\"abc==\"}";
	static const char p2[] = "{\"markets\":[],\"cursor\":null}";
	struct kstrv	out = { NULL, 0 };
	char		cur[64], err[128];
	size_t		skipped = 0;

	assert_int_equal(discover_parse_markets(p1, sizeof(p1) - 1, &out, cur,
	    sizeof(cur), &skipped, err, sizeof(err)), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1], "KX-2.5");
	assert_int_equal(skipped, 2);
	assert_string_equal(cur, "abc==");
	assert_int_equal(discover_parse_markets(p2, sizeof(p2) - 1, &out, cur,
	    sizeof(cur), &skipped, err, sizeof(err)), 0);
	assert_string_equal(cur, "");
	assert_int_equal(discover_parse_markets("<html>", 6, &out, cur,
	    sizeof(cur), &skipped, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(discover_parse_markets("{\"markets\":3}", 13, &out, cur,
	    sizeof(cur), &skipped, err, sizeof(err)), -1);
	config_strv_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages),
	};

	return cmocka_run_group_tests_name("krest", tests, NULL, NULL);
}
