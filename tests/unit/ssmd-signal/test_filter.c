/* ssmd-signal: a category table resolved through REST (series ->
 * category) filters as a categories file would; written back, it reads
 * the same; URLs are redacted for messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "categories.h"
#include "filter.h"

static void
t_mapping(void **state)
{
	char		*keys[] = { "KXETHD", "KXBTCD", "KXFED" };
	char		*cats[] = { "Crypto", "Crypto", "Economics" };
	struct filter	*f = filter_new(), *g = filter_new();
	char		 path[] = "/tmp/test_filter.XXXXXX", err[128];
	FILE		*fp;
	int		 fd;

	assert_non_null(f);
	assert_int_equal(filter_add_category(f, "Crypto"), 0);
	assert_true(filter_needs_categories(f));
	assert_int_equal(filter_add_mapping(f, keys, cats, 3), 0);
	assert_false(filter_needs_categories(f));
	/* a market passes through its series: the part before the first
	 * dash, never a longer or shorter series name */
	assert_true(filter_match(f, "KXBTCD-26FEB1217-T67749.99"));
	assert_true(filter_match(f, "KXETHD-26FEB12-B1700"));
	assert_false(filter_match(f, "KXFED-26MAR-T4.25"));
	assert_false(filter_match(f, "KXBTC-26FEB12-T1"));
	assert_false(filter_match(f, "KXBTCDX-26FEB12-T1"));
	assert_string_equal(filter_category(f, "KXFED-26MAR-T4.25"),
	    "Economics");
	/* written as a categories file, sorted, it filters the same */
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(filter_write_categories(f, fp), 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(filter_add_category(g, "crypto"), 0);
	assert_int_equal(filter_load_categories(g, path, err, sizeof(err)), 0);
	assert_true(filter_match(g, "KXBTCD-26FEB1217-T67749.99"));
	assert_false(filter_match(g, "KXFED-26MAR-T4.25"));
	unlink(path);
	filter_free(f);
	filter_free(g);
}

static void
t_redact(void **state)
{
	char	b[128];

	assert_string_equal(categories_redact("https://h:1/trade-api/v2", b,
	    sizeof(b)), "https://h:1/trade-api/v2");
	assert_string_equal(categories_redact("https://u:pw@h/x", b,
	    sizeof(b)), "https://***@h/x");
	/* an @ after the host is a path's, not a password's */
	assert_string_equal(categories_redact("http://h/a@b", b, sizeof(b)),
	    "http://h/a@b");
	assert_string_equal(categories_redact("no url", b, sizeof(b)),
	    "no url");
	assert_null(strstr(categories_redact("https://u:s3cret@h?x", b,
	    sizeof(b)), "s3cret"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_mapping),
		cmocka_unit_test(t_redact),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
