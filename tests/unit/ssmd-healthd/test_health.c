/* Unit tests for ssmd-healthd's modules: the union of metrics documents
 * and the health verdict read from the source's file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "merge.h"
#include "prom.h"
#include "unit.h"

/* Merge texts[] and return the result (malloc'd); checks it parses. */
static char *
merge(const char **texts, size_t n, struct hd_union_stats *st)
{
	struct prom_doc		 docs[8], out = { 0 };
	const struct prom_doc	*dp[8];
	char			*buf = NULL, err[160];
	size_t			 len = 0, i;
	FILE			*f;

	memset(docs, 0, sizeof(docs));
	for (i = 0; i < n; i++) {
		assert_int_equal(prom_parse(&docs[i], texts[i],
		    strlen(texts[i]), err, sizeof(err)), 0);
		dp[i] = &docs[i];
	}
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(merge_union(f, dp, n, st), 0);
	fclose(f);
	if (prom_parse(&out, buf, len, err, sizeof(err)) != 0)
		fail_msg("union does not parse: %s\n%s", err, buf);
	prom_doc_free(&out);
	for (i = 0; i < n; i++)
		prom_doc_free(&docs[i]);
	return buf;
}

static void
t_union(void **state)
{
	const char	*t[] = {
		"# HELP a_total A.\n# TYPE a_total counter\na_total{f=\"1\"} 1\n"
		"# TYPE g gauge\ng 5\n",
		"# TYPE a_total counter\na_total{f=\"2\"} 2\n"
		"# HELP b B.\n# TYPE b gauge\nb 7\n",
	};
	struct hd_union_stats	 st;
	char			*s;

	(void)state;
	s = merge(t, 2, &st);
	assert_string_equal(s,
	    "# HELP a_total A.\n# TYPE a_total counter\n"
	    "a_total{f=\"1\"} 1\na_total{f=\"2\"} 2\n"
	    "# TYPE g gauge\ng 5\n"
	    "# HELP b B.\n# TYPE b gauge\nb 7\n");
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.conflicts, 0);
	free(s);
}

static void
t_duplicates(void **state)
{
	const char	*t[] = {
		"# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\n",
		"# HELP a late help\n# TYPE a gauge\na{y=\"2\", x=\"1\"} 9\n"
		"a{x=\"3\"} 3\n",
		"# TYPE a counter\na{x=\"4\"} 4\n",
	};
	struct hd_union_stats	 st;
	char			*s;

	(void)state;
	s = merge(t, 3, &st);
	assert_string_equal(s, "# HELP a late help\n# TYPE a gauge\n"
	    "a{x=\"1\",y=\"2\"} 1\na{x=\"3\"} 3\n");
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.conflicts, 1);
	free(s);
}

static void
t_empty(void **state)
{
	const char		*t[] = { "", "\n# only a comment\n" };
	struct hd_union_stats	 st;
	char			*s;

	(void)state;
	s = merge(t, 2, &st);
	assert_string_equal(s, "");
	free(s);
}

/* A scan holding the given source texts as files named names[]. */
static void
fake_scan(struct scan_dir *sc, const char **names, const char **texts,
    size_t n)
{
	char	err[160];
	size_t	i;

	sc->n = n;
	sc->dropped = 0;
	assert_non_null(sc->f = calloc(n, sizeof(*sc->f)));
	for (i = 0; i < n; i++) {
		snprintf(sc->f[i].name, sizeof(sc->f[i].name), "%s", names[i]);
		if (prom_parse(&sc->f[i].doc, texts[i], strlen(texts[i]),
		    err, sizeof(err)) == -1)
			sc->f[i].skip = "malformed";
	}
}

static void
free_scan(struct scan_dir *sc)
{
	size_t	i;

	for (i = 0; i < sc->n; i++)
		prom_doc_free(&sc->f[i].doc);
	free(sc->f);
}

static const struct hd_source src = {
	"ssmd-ws-kalshi", "ssmd_ws_kalshi_connected",
	"ssmd_ws_kalshi_last_frame_timestamp_seconds", "kalshi", 10
};

static int
verdict(const char *name, const char *text, double now, int ready,
    char *json, size_t jlen)
{
	struct scan_dir		 sc;
	struct health_eval	 h;
	const char		*names[] = { name }, *texts[] = { text };
	FILE			*f;
	int			 code;

	fake_scan(&sc, names, texts, 1);
	health_eval(&h, &sc, &src, now);
	assert_non_null(f = fmemopen(json, jlen, "w"));
	code = health_json(f, &h, "kalshi", ready);
	fclose(f);
	free_scan(&sc);
	return code;
}

#define CONN(v)	"ssmd_ws_kalshi_connected{feed=\"kalshi\",conn=\"0\"} 0\n" \
		"ssmd_ws_kalshi_connected{feed=\"kalshi\",conn=\"1\"} " v "\n"
#define LAST(v)	"ssmd_ws_kalshi_last_frame_timestamp_seconds{feed=\"kalshi\"} " \
		v "\n"

static void
t_health(void **state)
{
	char	j[256];

	(void)state;
	/* No file, or another program's: alive, not ready. */
	assert_int_equal(verdict("ssmd-stamp.prom", CONN("1"), 1000, 0, j,
	    sizeof(j)), 200);
	assert_string_equal(j, "{\"status\":\"ok\",\"feed\":\"kalshi\","
	    "\"connected\":false,\"last_message_secs_ago\":null}\n");
	assert_int_equal(verdict("ssmd-stamp.prom", CONN("1"), 1000, 1, j,
	    sizeof(j)), 503);
	assert_non_null(strstr(j, "\"status\":\"not_ready\",\"reason\":\"not_connected\""));
	/* Connected, no message yet: not stale, ready. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("1") LAST("0"),
	    1000, 1, j, sizeof(j)), 200);
	assert_string_equal(j, "{\"status\":\"ready\",\"feed\":\"kalshi\","
	    "\"connected\":true,\"last_message_secs_ago\":null}\n");
	/* A recent message. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("1") LAST("997"),
	    1000.5, 0, j, sizeof(j)), 200);
	assert_string_equal(j, "{\"status\":\"ok\",\"feed\":\"kalshi\","
	    "\"connected\":true,\"last_message_secs_ago\":3}\n");
	/* Past the limit: stale on both. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("1") LAST("989"),
	    1000, 0, j, sizeof(j)), 503);
	assert_non_null(strstr(j, "\"status\":\"error\",\"reason\":\"stale\""));
	assert_int_equal(verdict("ssmd-ws-kalshi-b.prom", CONN("1") LAST("989"),
	    1000, 1, j, sizeof(j)), 503);
	assert_non_null(strstr(j, "\"status\":\"not_ready\",\"reason\":\"stale\""));
	/* Disconnected with an old message: alive, not ready. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("0") LAST("900"),
	    1000, 0, j, sizeof(j)), 200);
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("0") LAST("900"),
	    1000, 1, j, sizeof(j)), 503);
	assert_non_null(strstr(j, "not_connected"));
	/* Another feed's series do not count. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom",
	    "ssmd_ws_kalshi_connected{feed=\"other\"} 1\n", 1000, 1, j,
	    sizeof(j)), 503);
	/* A malformed source file is not believed. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("1") "x 1",
	    1000, 1, j, sizeof(j)), 503);
	/* A name that merely starts like the source is another program. */
	assert_int_equal(verdict("ssmd-ws-kalshix.prom", CONN("1"), 1000, 1, j,
	    sizeof(j)), 503);
	/* A clock behind the writer's: age 0, not negative. */
	assert_int_equal(verdict("ssmd-ws-kalshi.prom", CONN("1") LAST("1005"),
	    1000, 0, j, sizeof(j)), 200);
	assert_non_null(strstr(j, "\"last_message_secs_ago\":0}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_union),
		cmocka_unit_test(t_duplicates),
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
