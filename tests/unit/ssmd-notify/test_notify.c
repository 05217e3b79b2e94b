/* ssmd-notify's modules: routing rules, message rendering, configuration
 * checks and the de-duplication log. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "json.h"
#include "dedup.h"
#include "render.h"
#include "route.h"

static char tmpdir[] = "/tmp/notify-unit.XXXXXX";

static json_t *
fire(const char *s)
{
	json_t	*j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

/* Load one destination list from text; returns the result. */
static enum conf_result
load(const char *text, struct conf *c, struct conf_error *e)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/d.json", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return conf_load(c, path, tmpdir, e);
}

static int
rule_holds(const char *field, const char *op, const char *value,
    const char *firetext)
{
	char		 cfg[512];
	struct conf	 c;
	struct conf_error e;
	json_t		*f = fire(firetext);
	int		 r;

	snprintf(cfg, sizeof(cfg), "[{\"name\":\"w\",\"type\":\"webhook\","
	    "\"config\":{\"webhookUrl\":\"http://h/x\"},\"match\":{\"field\":"
	    "\"%s\",\"operator\":\"%s\",\"value\":\"%s\"}}]", field, op, value);
	assert_int_equal(load(cfg, &c, &e), CONF_OK);
	r = route_match(&c.dests[0], f);
	conf_free(&c);
	json_decref(f);
	return r;
}

static void
test_route_operators(void **state)
{
	const char *f = "{\"signalId\":\"momentum\",\"ticker\":\"KXBTCD-26\","
	    "\"payload\":{\"v\":\"1000.50\",\"n\":7,\"s\":\"abc\",\"l\":[1,{\"x\":2}],"
	    "\"t\":\"2026-02-12T12:06:30Z\"}}";

	(void)state;
	assert_true(rule_holds("payload.v", "eq", "1000.5", f));
	assert_true(rule_holds("payload.v", "gt", "1000", f));
	assert_false(rule_holds("payload.v", "lt", "1000", f));
	assert_true(rule_holds("payload.n", "gte", "7", f));
	assert_true(rule_holds("payload.n", "lte", "7.0", f));
	assert_false(rule_holds("payload.s", "gt", "5", f));	/* text vs number */
	assert_true(rule_holds("payload.s", "ne", "5", f));
	assert_true(rule_holds("payload.t", "gt", "2026-01-01", f));
	assert_true(rule_holds("payload.l.1.x", "eq", "2", f));
	assert_false(rule_holds("payload.l.9", "eq", "2", f));
	assert_true(rule_holds("payload.missing", "ne", "x", f));
	assert_false(rule_holds("payload.missing", "eq", "x", f));
	assert_true(rule_holds("ticker", "contains", "BTC", f));
	assert_true(rule_holds("ticker", "regex", "^KX[A-Z]+-[0-9]+$", f));
	assert_false(rule_holds("ticker", "regex", "^ETH", f));
	assert_true(rule_holds("payload.l", "contains", "{\\\"x\\\":2}", f));
}

static void
test_render_values(void **state)
{
	struct { const char *key, *json, *want; } cases[] = {
		{ "dollarVolume", "1234567.891", "$1,234,567.89" },
		{ "price", "\"0.4500\"", "$0.45" },
		{ "costBasis", "-12.5", "-$12.50" },
		{ "spreadRatio", "0.125", "12.5%" },
		{ "windowMs", "7200000", "2h" },
		{ "holdMs", "90000", "1m" },
		{ "ageSeconds", "259200", "3d" },
		{ "at", "\"2026-02-12T12:06:30.5Z\"", "2026-02-12 12:06 UTC" },
		{ "count", "1234567", "1,234,567" },
		{ "score", "0.1234", "0.123" },
		{ "up", "true", "Yes" },
		{ "x", "null", "-" },
		{ "sides", "[\"yes\",2]", "yes, 2" },
		{ "obj", "{\"a\":1}", "{\"a\":1}" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t	*v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		char	*got = render_value(cases[i].key, v);

		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
		json_decref(v);
	}
}

static void
test_render_text(void **state)
{
	json_t	*f = fire("{\"signalId\":\"momentum\",\"ticker\":\"KX\\nB\","
	    "\"payload\":{\"dollarVolume\":1500,\"yes_bid\":\"x\",\"windowMs\":300000}}");
	char	*s;

	(void)state;
	s = render_title(f);
	assert_string_equal(s, "Signal momentum: KX B");	/* no header injection */
	free(s);
	s = render_default(f);
	assert_string_equal(s, "Dollar Volume: $1,500.00\nYes Bid: x\nWindow: 5m");
	free(s);
	s = render_template("{{ticker}}|{{payload.dollarVolume}}|{{nope}}|{{", f);
	assert_string_equal(s, "KX\nB|1500||{{");
	free(s);
	s = render_label("bestYESBid");
	assert_string_equal(s, "Best YESBid");
	free(s);
	json_decref(f);
}

static void
test_render_truncate_and_header(void **state)
{
	char	*s = malloc(3001), *h;
	size_t	 i, chars = 0;

	(void)state;
	for (i = 0; i < 1500; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);	/* é, 1500 characters */
	s[3000] = '\0';
	s = render_truncate(s, 1000, 0);
	for (i = 0; s[i] != '\0'; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	assert_int_equal(chars, 1000);
	assert_non_null(strstr(s, "(truncated)"));
	s = render_truncate(s, 100, 1);		/* bytes: never half an é */
	assert_true(strlen(s) <= 100);
	assert_true(json_utf8_valid(s, strlen(s)));
	free(s);
	h = render_header("plain ascii", " ");
	assert_string_equal(h, "plain ascii");
	free(h);
	h = render_header("caf\xc3\xa9", " ");
	assert_string_equal(h, "=?UTF-8?B?Y2Fmw6k=?=");
	free(h);
}

static void
test_conf_errors(void **state)
{
	struct conf		c;
	struct conf_error	e;
	char			dir[300];

	(void)state;
	assert_int_equal(load("[{\"name\":\"a\",\"type\":\"pager\"}]", &c, &e),
	    CONF_BAD);
	assert_string_equal(e.field, "destinations[0].type");
	assert_int_equal(load("[{\"name\":\"a\",\"type\":\"slack\"}]", &c, &e),
	    CONF_BAD);
	assert_string_equal(e.field, "destinations[0].config.webhookUrl");
	assert_int_equal(load("[{\"name\":\"a\",\"type\":\"email\",\"config\":"
	    "{\"smtp\":\"h:25\",\"to\":\"x@y\"}}]", &c, &e), CONF_BAD);
	assert_string_equal(e.field, "destinations[0].config.from");
	assert_int_equal(load("[{\"name\":\"n\",\"type\":\"ntfy\",\"config\":"
	    "{\"topic\":\"t\"},\"secretRef\":{\"name\":\"n\"}}]", &c, &e), CONF_BAD);
	assert_string_equal(e.field, "destinations[0].secretRef");
	assert_non_null(strstr(e.file, "/n/token"));
	snprintf(dir, sizeof(dir), "%s/n", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/n/token", tmpdir);
	FILE *f = fopen(dir, "w");
	fputs("tk_secret\n", f);
	fclose(f);
	assert_int_equal(load("[{\"name\":\"n\",\"type\":\"ntfy\",\"config\":"
	    "{\"topic\":\"t\",\"ratePerSecond\":\"3\"},\"secretRef\":{\"name\":"
	    "\"n\"}}]", &c, &e), CONF_OK);
	assert_string_equal(c.dests[0].token, "tk_secret");
	assert_string_equal(c.dests[0].url, "https://ntfy.sh/t");
	assert_string_equal(c.dests[0].redacted, "https://ntfy.sh/...");
	assert_true(c.dests[0].rate == 3 && c.dests[0].burst == 60);
	conf_free(&c);
}

static void
test_redact(void **state)
{
	char	*r;

	(void)state;
	r = conf_redact_url("https://user:pw@hooks.slack.com:443/services/T/B/X?a=1");
	assert_string_equal(r, "https://hooks.slack.com:443/...");
	free(r);
	r = conf_redact_url("http://h");
	assert_string_equal(r, "http://h");
	free(r);
}

static void
test_dedup_persists(void **state)
{
	struct dedup	d;
	uint64_t	k1 = dedup_key("f1", 2, "slack"), k2 = dedup_key("f1", 2, "mail");
	int		i;

	(void)state;
	assert_int_not_equal(k1, k2);
	assert_int_equal(dedup_open(&d, tmpdir, 3600), 0);
	assert_int_equal(dedup_get(&d, k1), DEDUP_NEW);
	assert_int_equal(dedup_begin(&d, k1), 0);
	assert_int_equal(dedup_get(&d, k1), DEDUP_INFLIGHT);
	assert_int_equal(dedup_done(&d, k1), 0);
	assert_int_equal(dedup_begin(&d, k2), 0);
	dedup_abort(&d, k2);
	assert_int_equal(dedup_get(&d, k2), DEDUP_NEW);
	for (i = 0; i < 5000; i++)	/* growth keeps what is there */
		assert_int_equal(dedup_done(&d, dedup_key((char *)&i, sizeof(i),
		    "x")), 0);
	dedup_close(&d);
	assert_int_equal(dedup_open(&d, tmpdir, 3600), 0);
	assert_int_equal(dedup_get(&d, k1), DEDUP_DONE);
	assert_int_equal(dedup_get(&d, k2), DEDUP_NEW);
	i = 4999;
	assert_int_equal(dedup_get(&d, dedup_key((char *)&i, sizeof(i), "x")),
	    DEDUP_DONE);
	dedup_close(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_operators),
		cmocka_unit_test(test_render_values),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_truncate_and_header),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_dedup_persists),
	};

	char	cmd[64];
	int	rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
