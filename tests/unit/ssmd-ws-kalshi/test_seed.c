/* The original ssmd's ("seed") feed and environment forms (seed.c), read
 * through config_load and config_finish as ssmd-ws-kalshi does. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "seed.h"
#include "unit.h"

static char	dir[] = "/tmp/test_kseed.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char	path[2][512];
	static int	which;
	FILE		*f;
	char		*p = path[which++ % 2];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	return p;
}

static int
setup(void **st)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **st)
{
	char	cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define FEED_HEAD \
	"name: kalshi\ndisplay_name: Kalshi\ntype: websocket\nstatus: active\n" \
	"versions:\n"
#define VERSION(v, from, url) \
	"  - version: \"" v "\"\n    effective_from: \"" from "\"\n" \
	"    protocol:\n      transport: wss\n      message: json\n" \
	"    endpoint: " url "\n    auth_method: api_key\n"
#define ENV \
	"name: prod\nfeed: kalshi\nschema: trade:v1\nkeys:\n  kalshi:\n" \
	"    type: api_key\n    fields:\n      - api_key\n      - private_key\n" \
	"    source: \"env:AK,PK\"\ntransport:\n  type: nats\n" \
	"  url: nats://n:4222\n  stream: S\n  subject_prefix: p.k\n" \
	"storage:\n  type: local\n"

/* Load a feed and an environment text on the given day; 0 or -1. */
static int
load(struct kcfg *c, const char *today, const char *feed, const char *env,
    char *err, size_t errlen)
{
	const char	*fp, *ep;

	memset(c, 0, sizeof(*c));
	c->today = today;
	fp = put("feed.yaml", feed);
	ep = put("env.yaml", env);
	if (config_load(c, ep, fp, NULL, err, errlen) == -1)
		return -1;
	return config_finish(c, err, errlen);
}

static void
rendered_pair(void **st)
{
	struct kcfg	c;
	char		err[512];

	if (load(&c, "2026-12-03", FEED_HEAD VERSION("1.0", "2024-01-01",
	    "wss://h/trade-api/ws/v2"), ENV "secmaster:\n  url: http://s:8080\n"
	    "  categories:\n    - Politics\n  close_within_hours: 24\n"
	    "  games_only: true\nsubscription:\n  batch_size: 100\n"
	    "  retry_attempts: 3\n  retry_delay_ms: 1000\ncdc:\n"
	    "  enabled: true\n  stream_name: SECMASTER_CDC\n"
	    "  consumer_name: x-cdc\n", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(c.seed_feed);
	assert_false(c.auth_none);
	assert_string_equal(c.ws_url, "wss://h/trade-api/ws/v2");
	assert_true(c.ws_from_feed);
	assert_string_equal(c.rest_url, "https://h/trade-api/v2");
	assert_string_equal(c.key_source, "env:AK,PK");
	assert_true(c.discover);
	assert_int_equal(c.categories.n, 1);
	assert_string_equal(c.status, "open");
	assert_true(c.channels_defaulted);
	assert_int_equal(c.channels.n, 3);
	assert_int_equal(c.close_within_hours, 24);
	assert_int_equal(c.ignored.n, 8);
	assert_int_equal(config_check(&c, err, sizeof(err)), 0);
	config_free(&c);
}

static void
version_by_date(void **st)
{
	static const char	feed[] = FEED_HEAD
	    VERSION("a", "2024-01-01", "wss://a/x/ws/v2")
	    VERSION("c", "2026-06-01", "wss://c/x/ws/v2")
	    VERSION("b", "2025-01-01", "wss://b/x/ws/v2")
	    "  - version: old\n    effective_from: \"2023-01-01\"\n"
	    "    effective_to: \"2023-12-31\"\n    endpoint: ws://o/x/ws/v2\n";
	struct kcfg		c;
	char			err[512];

	assert_int_equal(load(&c, "2026-05-31", feed, ENV, err, sizeof(err)), 0);
	assert_string_equal(c.seed_version, "b");
	config_free(&c);
	assert_int_equal(load(&c, "2026-06-01", feed, ENV, err, sizeof(err)), 0);
	assert_string_equal(c.seed_version, "c");
	assert_string_equal(c.seed_from, "2026-06-01");
	config_free(&c);
	assert_int_equal(load(&c, "2023-06-30", feed, ENV, err, sizeof(err)), 0);
	assert_string_equal(c.seed_version, "old");
	config_free(&c);
	assert_int_equal(load(&c, "2022-12-31", feed, ENV, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "versions: no version is in effect on "
	    "2022-12-31"));
	config_free(&c);
	/* Two in effect from the same day: which one is not guessed. */
	assert_int_equal(load(&c, "2026-01-01", FEED_HEAD
	    VERSION("a", "2025-01-01", "wss://a/x/ws/v2")
	    VERSION("b", "2025-01-01", "wss://b/x/ws/v2"), ENV, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "versions[1].effective_from"));
	assert_non_null(strstr(err, "ambiguous"));
	config_free(&c);
}

static void
precedence(void **st)
{
	struct kcfg	c;
	char		err[512];

	/* The environment's ws_url wins over the version's endpoint... */
	assert_int_equal(load(&c, NULL, FEED_HEAD VERSION("1", "2024-01-01",
	    "wss://feed/x/ws/v2"), ENV "ws_url: wss://env/x/ws/v2\n", err,
	    sizeof(err)), 0);
	assert_string_equal(c.ws_url, "wss://env/x/ws/v2");
	assert_false(c.ws_from_feed);
	config_free(&c);
	/* ...and a ws_url set before config_finish (the command line's,
	 * merged by main) wins over both. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_load(&c, put("env.yaml", ENV),
	    put("feed.yaml", FEED_HEAD VERSION("1", "2024-01-01",
	    "wss://feed/x/ws/v2")), NULL, err, sizeof(err)), 0);
	config_set(&c.ws_url, "wss://cli/x/ws/v2");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_string_equal(c.ws_url, "wss://cli/x/ws/v2");
	config_free(&c);
}

static void
auth_and_keys(void **st)
{
	struct kcfg	c;
	char		err[512];

	/* auth_method none: no keys are looked for. */
	assert_int_equal(load(&c, NULL, FEED_HEAD "  - version: \"1\"\n"
	    "    effective_from: \"2024-01-01\"\n    endpoint: ws://h/ws/v2\n"
	    "    auth_method: none\n", "feed: kalshi\n", err, sizeof(err)), 0);
	assert_true(c.auth_none);
	unsetenv("KALSHI_API_KEY");
	assert_int_equal(config_resolve_keys(&c, err, sizeof(err)), 0);
	assert_null(c.key_pem);
	config_free(&c);
	/* Empty (as the original operator renders it): api_key. */
	assert_int_equal(load(&c, NULL, FEED_HEAD "  - version: \"1\"\n"
	    "    effective_from: \"2024-01-01\"\n    endpoint: ws://h/ws/v2\n"
	    "    auth_method:\n", "feed: kalshi\n", err, sizeof(err)), 0);
	assert_false(c.auth_none);
	config_free(&c);
	/* The seed's key description without a source: the default
	 * variables; api_secret is the seed's older name. */
	assert_int_equal(load(&c, NULL, FEED_HEAD VERSION("1", "2024-01-01",
	    "wss://h/ws/v2"), "feed: kalshi\nkeys:\n  kalshi:\n"
	    "    type: api_key\n    description: d\n    required: true\n"
	    "    fields: [api_key, api_secret]\n    rotation_days: 90\n", err,
	    sizeof(err)), 0);
	assert_null(c.key_source);
	config_free(&c);
}

static void
refusals(void **st)
{
	static const struct { const char *feed, *env, *field; } bad[] = {
		{ FEED_HEAD "  - version: \"1\"\n    effective_from: "
		    "\"2024-01-01\"\n    endpoint: https://h/\n", "feed: kalshi\n",
		    "feed.yaml: versions[0].endpoint: want a ws" },
		{ FEED_HEAD "  - version: \"1\"\n    effective_from: "
		    "\"2024-01-01\"\n", "feed: kalshi\n",
		    "feed.yaml: versions[0].endpoint: missing" },
		{ FEED_HEAD "  - effective_from: \"2024-01-01\"\n"
		    "    endpoint: ws://h/ws/v2\n", "feed: kalshi\n",
		    "feed.yaml: versions[0].version: missing" },
		{ FEED_HEAD "  - version: \"1\"\n    effective_from: "
		    "\"2024-01-01\"\n    effective_to: \"2023-01-01\"\n"
		    "    endpoint: ws://h/ws/v2\n", "feed: kalshi\n",
		    "versions[0].effective_to: before effective_from" },
		{ "name: kalshi\nversions: []\n", "feed: kalshi\n",
		    "feed.yaml: versions: want a list" },
		{ "name: kalshi\nstatus: sleeping\n", "feed: kalshi\n",
		    "feed.yaml: status: want active, deprecated or disabled" },
		{ "name: kalshi\ndefaults: 3\n", "feed: kalshi\n",
		    "feed.yaml: defaults: want a mapping" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\nkeys:\n  kalshi:\n    type: api_key\n"
		    "    fields: [api_key]\n", "keys.kalshi.fields: want" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\nkeys:\n  kalshi:\n    source: env:A,B\n"
		    "    colour: red\n", "keys.kalshi.colour: unknown setting" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\ncdc:\n  enabled: maybe\n",
		    "env.yaml: cdc.enabled: want true or false" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\nsecmaster:\n  url: ftp://x\n",
		    "env.yaml: secmaster.url: want an http" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\nstorage:\n  kind: local\n",
		    "env.yaml: storage.kind: unknown setting" },
		{ "name: kalshi\nchannels: [ticker]\n",
		    "feed: kalshi\ncolour: red\n",
		    "env.yaml: colour: unknown setting" },
	};
	struct kcfg	c;
	char		err[512];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(&c, "2026-01-01", bad[i].feed, bad[i].env, err,
		    sizeof(err)) != -1 || strstr(err, bad[i].field) == NULL)
			fail_msg("case %zu: %s", i, err);
		config_free(&c);
	}
}

/* deprecated is captured (main warns); a mixed file keeps its channels;
 * the operator's placeholder endpoint is refused once it would be used. */
static void
status_channels_placeholder(void **st)
{
	struct kcfg	c;
	char		err[512];

	assert_int_equal(load(&c, NULL, "name: kalshi\nstatus: deprecated\n"
	    "channels: [trade]\n", "feed: kalshi\nws_url: ws://h/ws/v2\n",
	    err, sizeof(err)), 0);
	assert_true(c.seed_deprecated);
	assert_false(c.channels_defaulted);
	assert_int_equal(c.channels.n, 1);
	config_free(&c);
	assert_int_equal(load(&c, NULL, FEED_HEAD VERSION("1", "2024-01-01",
	    "wss://kalshi.example.com/MISSING_FEED_CONFIGMAP"), "feed: kalshi\n",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "feed.yaml: endpoint: "));
	config_free(&c);
	/* ws_url from the environment: the placeholder is never used. */
	assert_int_equal(load(&c, NULL, FEED_HEAD VERSION("1", "2024-01-01",
	    "wss://kalshi.example.com/MISSING_FEED_CONFIGMAP"),
	    "feed: kalshi\nws_url: wss://h/ws/v2\n", err, sizeof(err)), 0);
	config_free(&c);
}

static void
dates_and_urls(void **st)
{
	char	*u;

	assert_true(seed_date_ok("2024-02-29"));
	assert_true(seed_date_ok("2000-02-29"));
	assert_false(seed_date_ok("1900-02-29"));
	assert_false(seed_date_ok("2023-02-29"));
	assert_false(seed_date_ok("2024-04-31"));
	assert_false(seed_date_ok("2024-13-01"));
	assert_false(seed_date_ok("2024-1-01"));
	assert_false(seed_date_ok("24-01-01xx"));
	assert_false(seed_date_ok(NULL));
	u = seed_rest_url("wss://api.elections.kalshi.com/trade-api/ws/v2");
	assert_string_equal(u, "https://api.elections.kalshi.com/trade-api/v2");
	free(u);
	u = seed_rest_url("ws://127.0.0.1:9/trade-api/ws/v2");
	assert_string_equal(u, "http://127.0.0.1:9/trade-api/v2");
	free(u);
	assert_null(seed_rest_url("wss://h/other"));
	assert_null(seed_rest_url("wss://h/ws/v2/x"));
	assert_null(seed_rest_url("https://h/ws/v2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rendered_pair),
		cmocka_unit_test(version_by_date),
		cmocka_unit_test(precedence),
		cmocka_unit_test(auth_and_keys),
		cmocka_unit_test(refusals),
		cmocka_unit_test(status_channels_placeholder),
		cmocka_unit_test(dates_and_urls),
	};

	return cmocka_run_group_tests_name("kseed", tests, setup, teardown);
}
