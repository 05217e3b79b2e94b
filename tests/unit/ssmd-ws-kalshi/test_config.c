#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "unit.h"

static char	dir[] = "/tmp/test_kcfg.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char	path[512];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static int
setup(void **st)
{
	char	p[600];

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/feeds", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/environments", dir);
	mkdir(p, 0700);
	return 0;
}

static void
shipped_examples(void **st)
{
	static const char *const envs[] = { "kalshi-prod", "kalshi-demo",
	    "local-sim" };
	struct kcfg	c;
	char		err[512], p[256];
	size_t		i;

	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(p, sizeof(p), "exchanges/environments/%s.yaml",
		    envs[i]);
		if (config_load(&c, p, NULL, "exchanges/feeds", err,
		    sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_string_equal(c.feed, "kalshi");
		assert_int_equal(c.channels.n, 4);
		assert_int_equal(c.shard_size, 200);
		assert_true(c.discover);
		assert_int_equal(c.series.n, 2);
		assert_string_equal(c.status, "open");
		assert_non_null(c.key_source);
		assert_int_equal(config_check(&c, err, sizeof(err)), 0);
		config_free(&c);
	}
}

static void
both_files(void **st)
{
	struct kcfg	c;
	char		err[512], envp[512], feedp[512];

	memset(&c, 0, sizeof(c));
	snprintf(envp, sizeof(envp), "%s", put("env.yaml",
	    "feed: f1\nws_url: ws://127.0.0.1:1/x\n"
	    "keys:\n  other:\n    source: env:A,B\n"
	    "  f1:\n    source: env:ID_VAR,KEY_VAR\n"));
	snprintf(feedp, sizeof(feedp), "%s", put("f1.yaml",
	    "name: f1\nchannels: [ticker, trade]\n"
	    "tickers: [A-1, B.2]\nshard_size: 7\n"));
	assert_int_equal(config_load(&c, envp, feedp, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.close_within_hours, 0);
	assert_string_equal(c.key_source, "env:ID_VAR,KEY_VAR");
	assert_int_equal(c.tickers.n, 2);
	assert_int_equal(c.shard_size, 7);
	assert_false(c.discover);

	unsetenv("ID_VAR");
	assert_int_equal(config_resolve_keys(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "keys.f1.source"));
	assert_non_null(strstr(err, "ID_VAR"));
	assert_non_null(strstr(err, "env.yaml"));
	setenv("ID_VAR", "key-id", 1);
	setenv("KEY_VAR", "/some/file.pem", 1);
	assert_int_equal(config_resolve_keys(&c, err, sizeof(err)), 0);
	assert_string_equal(c.key_id, "key-id");
	assert_string_equal(c.key_pem, "/some/file.pem");
	config_free(&c);
}

/* Each bad file is refused with the file and the field named. */
static void
errors(void **st)
{
	static const struct { const char *text, *field; } bad[] = {
		{ "channels: [ticker, \"bad channel\"]\n", "channels[1]" },
		{ "channels: ticker\nshard_size: 300\n", "shard_size" },
		{ "channels: [ticker]\nbogus: 1\n", "bogus" },
		{ "tickers: [\"A B\"]\n", "tickers[0]" },
		{ "discovery:\n  series: [X]\n  colour: red\n",
		    "discovery.colour" },
		{ "discovery:\n  close_within_hours: 0\n",
		    "discovery.close_within_hours" },
		{ "discovery:\n  close_within_hours: 2h\n",
		    "discovery.close_within_hours" },
		{ "name: other\n", "name" },
		{ "channels: [ticker\n", "line" },
		{ "- a\n- b\n", "mapping" },
	};
	struct kcfg	c;
	char		err[512], fp[512];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		config_set(&c.feed, "kalshi");
		snprintf(fp, sizeof(fp), "%s", put("bad.yaml", bad[i].text));
		assert_int_equal(config_load(&c, NULL, fp, NULL, err,
		    sizeof(err)), -1);
		if (strstr(err, "bad.yaml") == NULL ||
		    strstr(err, bad[i].field) == NULL)
			fail_msg("case %zu: %s", i, err);
		config_free(&c);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_load(&c, "/nonexistent/e.yaml", NULL, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/e.yaml"));
	config_free(&c);
}

static void
checks(void **st)
{
	struct kcfg	c;
	char		err[512];

	memset(&c, 0, sizeof(c));
	config_set(&c.feed, "kalshi");
	config_set(&c.ws_url, "https://x/");
	config_strv_split(&c.channels, "orderbook_delta");
	assert_int_equal(config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ws_url"));
	config_set(&c.ws_url, "wss://x:1/y");
	assert_int_equal(config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "orderbook_delta"));
	config_strv_split(&c.tickers, "B,A,B,C,A");
	assert_int_equal(config_check(&c, err, sizeof(err)), 0);
	config_strv_uniq(&c.tickers);
	assert_int_equal(c.tickers.n, 3);
	assert_string_equal(c.tickers.v[0], "A");
	assert_string_equal(c.tickers.v[2], "C");
	config_free(&c);
}

static int
teardown(void **st)
{
	char	cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_examples),
		cmocka_unit_test(both_files),
		cmocka_unit_test(errors),
		cmocka_unit_test(checks),
	};

	return cmocka_run_group_tests_name("kcfg", tests, setup, teardown);
}
