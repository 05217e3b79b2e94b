/* Unit tests for prom.c: the Prometheus text format checker. */
#include <math.h>
#include <string.h>

#include "prom.h"
#include "unit.h"

static int
parse(struct prom_doc *d, const char *text, char *err)
{
	return prom_parse(d, text, strlen(text), err, 160);
}

static void
ok(const char *text)
{
	struct prom_doc	d = { 0 };
	char		err[160] = "";

	if (parse(&d, text, err) != 0)
		fail_msg("rejected: %s\n%s", err, text);
	prom_doc_free(&d);
}

static void
bad(const char *text, const char *why)
{
	struct prom_doc	d = { 0 };
	char		err[160] = "";

	if (parse(&d, text, err) == 0)
		fail_msg("accepted: %s", text);
	if (strstr(err, why) == NULL)
		fail_msg("error '%s' lacks '%s' for: %s", err, why, text);
	assert_int_equal(d.nfam, 0);
	prom_doc_free(&d);
}

static void
t_families(void **state)
{
	struct prom_doc	d = { 0 };
	char		err[160];
	const char	*t =
	    "# HELP a_total Things.\n# TYPE a_total counter\n"
	    "a_total{feed=\"k\",reason=\"x\"} 3\na_total{feed=\"k\",reason=\"y\"} 4\n"
	    "\n# a plain comment\n"
	    "# TYPE g gauge\ng 1.5e3 1700000000000\n"
	    "untyped_one -Inf\n";

	(void)state;
	assert_int_equal(parse(&d, t, err), 0);
	assert_int_equal(d.nfam, 3);
	assert_int_equal(d.nsmp, 4);
	assert_int_equal(d.fam[0].type, PROM_COUNTER);
	assert_int_equal(d.fam[0].n, 2);
	assert_int_equal(d.fam[0].helplen, strlen("Things."));
	assert_int_equal(d.fam[1].type, PROM_GAUGE);
	assert_true(d.smp[2].value == 1500.0);
	assert_int_equal(d.fam[2].type, PROM_UNTYPED);
	assert_null(d.fam[2].help);
	assert_true(isinf(d.smp[3].value) && d.smp[3].value < 0);
	assert_int_equal(d.smp[1].linelen,
	    strlen("a_total{feed=\"k\",reason=\"y\"} 4"));
	prom_doc_free(&d);
}

static void
t_values(void **state)
{
	(void)state;
	ok("a 0\na2 -1\na3 +1.5\na4 .5\na5 1.\na6 1e-3\na7 NaN\na8 +Inf\n"
	    "a9 inf\na10 1E+10\n");
	bad("a 0x10\n", "bad value");
	bad("a 1_000\n", "bad value");
	bad("a\n", "bad metric name");
	bad("a 1 2 3\n", "junk");
	bad("a 1 1.5\n", "bad timestamp");
	bad("a e5\n", "bad value");
	bad("a\t1\n", "bad metric name");
	bad("a 1\t\n", "bad value");
	bad("a 1e\n", "bad value");
	bad("a -\n", "bad value");
}

static void
t_labels(void **state)
{
	(void)state;
	ok("a{} 1\n");
	ok("a{x=\"\"} 1\n");
	ok("a{x=\"1\",} 1\n");
	ok("a { x = \"q\\\"uo\\\\te\\n\" , y=\"2\" } 1\n");
	ok("a{x=\"}\"} 1\n");
	bad("a{x=\"1\",x=\"2\"} 1\n", "twice");
	bad("a{x=1} 1\n", "label");
	bad("a{x=\"1\" 1\n", "label");
	bad("a{x=\"bad \\t escape\"} 1\n", "label");
	bad("a{1x=\"1\"} 1\n", "label");
	bad("a{__name__=\"b\"} 1\n", "reserved");
	bad("a{x=\"1\",,} 1\n", "label");
	bad("a{,} 1\n", "label");
	bad("a{x=\"1\"y=\"2\"} 1\n", "label");
}

static void
t_structure(void **state)
{
	(void)state;
	ok("");
	ok("\n\n");
	ok("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
	    "h_sum 3\nh_count 2\n");
	ok("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 2\n");
	ok("# TYPE a gauge\n# HELP a after type\na 1\n");
	bad("# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE");
	bad("# HELP a x\n# HELP a y\na 1\n", "second HELP");
	bad("a 1\n# TYPE a gauge\n", "TYPE after samples");
	bad("a 1\nb 1\na 2\n", "not in one group");
	bad("a 1\nb 1\n# TYPE a gauge\n", "not in one group");
	bad("# TYPE a widget\na 1\n", "unknown TYPE");
	bad("# TYPE 9a gauge\n", "bad metric name");
	bad("# HELP a bad \\q escape\n", "bad escape");
	/* The Python client reads a comment's second word as its keyword. */
	ok("# just a comment\n#TYPE is not a keyword here\na 1\n");
	bad("## TYPE x histogramm\nx 1\n", "not in the form");
	bad("# \tTYPE a\tgauge\na 1\n", "not in the form");
	bad("#\xc2\xa0TYPE a gauge\na 1\n", "non-ASCII");
}

static void
t_truncated(void **state)
{
	(void)state;
	bad("# TYPE a gauge\na 1", "half-written");
	bad("# TYPE a gauge\na", "half-written");
	bad("a 1\r\n", "carriage return");
	bad("a{x=\"\xff\"} 1\n", "UTF-8");
	ok("a{x=\"\xc3\xa9\"} 1\n");
}

static void
t_nul(void **state)
{
	struct prom_doc	d = { 0 };
	char		err[160];

	(void)state;
	assert_int_equal(prom_parse(&d, "a 1\n\0b 2\n", 9, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	prom_doc_free(&d);
}

static void
t_label_lookup(void **state)
{
	struct prom_doc	d = { 0 };
	char		err[160], v[8], canon[128];

	(void)state;
	assert_int_equal(parse(&d, "a{zz=\"2\", feed=\"k\\\"\\n\",b=\"x\"} 1\n"
	    "a{b=\"x\",feed=\"k\\\"\\n\",zz=\"2\"} 1\nc 1\n", err), 0);
	assert_int_equal(prom_label(&d.smp[0], "feed", v, sizeof(v)), 1);
	assert_string_equal(v, "k\"\n");
	assert_int_equal(prom_label(&d.smp[0], "nope", v, sizeof(v)), 0);
	assert_int_equal(prom_label(&d.smp[2], "feed", v, sizeof(v)), 0);
	assert_int_equal(prom_label(&d.smp[0], "b", v, 1), -1);
	assert_true(prom_labels_canon(&d.smp[0], canon, sizeof(canon)) > 0);
	assert_string_equal(canon, "b=\"x\",feed=\"k\\\"\\n\",zz=\"2\"");
	assert_true(prom_labels_canon(&d.smp[1], canon + 64, 64) > 0);
	assert_string_equal(canon, canon + 64);
	assert_int_equal(prom_labels_canon(&d.smp[0], canon, 5), -1);
	assert_int_equal(prom_labels_canon(&d.smp[2], canon, sizeof(canon)), 0);
	assert_string_equal(canon, "");
	prom_doc_free(&d);
}

/* A doc is reusable: a failed parse leaves it empty but valid. */
static void
t_reuse(void **state)
{
	struct prom_doc	d = { 0 };
	char		err[160];

	(void)state;
	assert_int_equal(parse(&d, "a 1\nb 2\n", err), 0);
	assert_int_equal(parse(&d, "a 1\nb", err), -1);
	assert_int_equal(d.nsmp, 0);
	assert_int_equal(parse(&d, "c 3\n", err), 0);
	assert_int_equal(d.nfam, 1);
	prom_doc_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_families),
		cmocka_unit_test(t_values),
		cmocka_unit_test(t_labels),
		cmocka_unit_test(t_structure),
		cmocka_unit_test(t_truncated),
		cmocka_unit_test(t_nul),
		cmocka_unit_test(t_label_lookup),
		cmocka_unit_test(t_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
