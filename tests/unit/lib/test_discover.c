#include <string.h>

#include "discover.h"
#include "unit.h"

static void
pages(void **st)
{
	static const char p1[] = "{\"markets\":[{\"ticker\":\"KX-1\",\"status\":"
	    "\"open\"},{\"ticker\":\"bad ticker\"},{\"no\":1},"
	    "{\"ticker\":\"KX-2.5\"}],\"cursor\":\"abc==\"}";
	static const char p2[] = "{\"markets\":[],\"cursor\":null}";
	struct strv out = { NULL, 0 };
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
	strv_clear(&out);
}

static void
series(void **st)
{
	static const char p1[] = "{\"series\":[{\"ticker\":\"KXBTCD\","
	    "\"category\":\"Crypto\"},{\"ticker\":\"bad ticker\"},{\"no\":1},"
	    "{\"ticker\":\"KXETHD\"}],\"cursor\":\"next\"}";
	static const char p2[] = "{\"series\":[]}";
	struct strv out = { NULL, 0 };
	char		cur[64], err[128];

	assert_int_equal(discover_parse_series(p1, sizeof(p1) - 1, &out, cur,
	    sizeof(cur), err, sizeof(err)), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "KXBTCD");
	assert_string_equal(out.v[1], "KXETHD");
	assert_string_equal(cur, "next");
	/* no cursor: the last page */
	assert_int_equal(discover_parse_series(p2, sizeof(p2) - 1, &out, cur,
	    sizeof(cur), err, sizeof(err)), 0);
	assert_string_equal(cur, "");
	assert_int_equal(out.n, 2);
	assert_int_equal(discover_parse_series("{\"series\":{}}", 13, &out,
	    cur, sizeof(cur), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no \"series\""));
	assert_int_equal(discover_parse_series("\x01\xff", 2, &out, cur,
	    sizeof(cur), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	strv_clear(&out);
	assert_int_equal(out.n, 0);
}

static void
urls(void **st)
{
	assert_true(discover_url_ok("https://external-api.kalshi.com/trade-api/v2"));
	assert_true(discover_url_ok("http://127.0.0.1:8080/trade-api/v2/"));
	assert_false(discover_url_ok("wss://127.0.0.1/trade-api/ws/v2"));
	assert_false(discover_url_ok("ftp://host/x"));
	assert_false(discover_url_ok("https://"));
	assert_false(discover_url_ok("https://host/x?a=1"));
	assert_false(discover_url_ok("not a url"));
	assert_false(discover_url_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages),
		cmocka_unit_test(series),
		cmocka_unit_test(urls),
	};

	return cmocka_run_group_tests_name("discover", tests, NULL, NULL);
}
