/* ssmd-signal: each signal on synthetic markets (steady: no fire; a clear
 * move: one fire, the right direction; calm, then a move: fires again),
 * the edge trigger, determinism and bad lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "config.h"
#include "detect.h"
#include "filter.h"
#include "metrics.h"
#include "wbuf.h"

#define T0	1767225600LL	/* 2026-01-01T00:00:00Z */

/* The filter start() gives the detector (NULL: none). */
static struct filter	*start_filter;

struct run {
	struct config	 c;
	struct detect	*d;
	struct wbuf	 w;
	FILE		*f;
	char		*out;
};

static void
start(struct run *r, const char *sig, const char *param, const char *val)
{
	struct detect_opts	o = { .max_markets = 100, .idle_us = 0,
				    .seq_check = 1 };
	char			err[128];

	memset(r, 0, sizeof(*r));
	config_init(&r->c);
	assert_int_equal(config_enable(&r->c, sig, err, sizeof(err)), 0);
	if (param != NULL)
		assert_int_equal(config_param(&r->c, sig, param, val, err,
		    sizeof(err)), 0);
	config_finish(&r->c);
	o.sig = r->c.on;
	o.nsig = r->c.non;
	o.filter = start_filter;
	r->f = tmpfile();
	assert_non_null(r->f);
	assert_int_equal(wbuf_init(&r->w, fileno(r->f), 4096), 0);
	r->d = detect_new(&o, &r->w);
	assert_non_null(r->d);
}

/* Everything written so far, and the number of fires in it. */
static int
finish(struct run *r)
{
	long	n;
	int	fires = 0;
	char	*p;

	wbuf_flush(&r->w);
	n = ftell(r->f);
	r->out = calloc(1, (size_t)n + 1);
	rewind(r->f);
	assert_int_equal(fread(r->out, 1, (size_t)n, r->f), (size_t)n);
	for (p = r->out; (p = strchr(p, '\n')) != NULL; p++)
		fires++;
	detect_free(r->d);
	wbuf_free(&r->w);
	fclose(r->f);
	config_free(&r->c);
	metrics_reset();
	return fires;
}

static void
line(struct run *r, const char *s)
{
	detect_line(r->d, s, strlen(s));
}

/* A ticker frame at T0 + t seconds, quote in cents. */
static void
quote(struct run *r, long t, int bid, int ask)
{
	char	b[256];

	snprintf(b, sizeof(b), "{\"type\":\"ticker\",\"sid\":1,\"msg\":{"
	    "\"market_ticker\":\"KXT-26JAN01-T1\",\"yes_bid_dollars\":"
	    "\"0.%02d00\",\"yes_ask_dollars\":\"0.%02d00\",\"ts_ms\":%lld}}",
	    bid, ask, (T0 + t) * 1000);
	line(r, b);
}

static void
trade(struct run *r, long t, int seq, int price, long count, const char *side)
{
	char	b[256];

	snprintf(b, sizeof(b), "{\"type\":\"trade\",\"sid\":2,\"seq\":%d,\"msg\":"
	    "{\"market_ticker\":\"KXT-26JAN01-T1\",\"yes_price\":%d,\"count\":%ld,"
	    "\"taker_side\":\"%s\",\"ts\":%lld}}", seq, price, count, side,
	    T0 + t);
	line(r, b);
}

/* mid moves: 45/47 until `at`, then +dir cents every 10 s for 12 steps */
static int
ramp(long t, long at, int dir)
{
	long	k = t < at ? 0 : (t - at) / 10 + 1;

	return (int)(dir * (k > 12 ? 12 : k));
}

static void
t_momentum(void **st)
{
	struct run	r;
	long		t;
	int		dir, k;

	start(&r, "momentum", NULL, NULL);
	for (t = 0; t < 1800; t += 5)
		quote(&r, t, 45, 47);
	assert_int_equal(finish(&r), 0);
	free(r.out);

	for (dir = -1; dir <= 1; dir += 2) {
		start(&r, "momentum", NULL, NULL);
		for (t = 0; t < 1500; t += 5) {
			k = ramp(t, 600, dir);
			quote(&r, t, 45 + k, 47 + k);
		}
		assert_int_equal(finish(&r), 1);
		assert_non_null(strstr(r.out, dir > 0 ? "\"direction\":\"up\"" :
		    "\"direction\":\"down\""));
		assert_non_null(strstr(r.out, "\"signalId\":\"momentum\""));
		free(r.out);
	}

	/* a second rise after a calm: fires again */
	start(&r, "momentum", NULL, NULL);
	for (t = 0; t < 2400; t += 5) {
		k = ramp(t, 600, 1) + ramp(t, 1500, 1);
		quote(&r, t, 30 + k, 32 + k);
	}
	assert_int_equal(finish(&r), 2);
	free(r.out);

	/* parameters are taken: the same rise is below a 20-cent min_move */
	start(&r, "momentum", "min_move", "0.20");
	for (t = 0; t < 1500; t += 5) {
		k = ramp(t, 600, 1);
		quote(&r, t, 45 + k, 47 + k);
	}
	assert_int_equal(finish(&r), 0);
	free(r.out);
}

static void
t_spread(void **st)
{
	struct run	r;
	long		t;

	start(&r, "spread-tracker", NULL, NULL);
	for (t = 0; t < 1800; t += 5)
		quote(&r, t, 45, 47);
	assert_int_equal(finish(&r), 0);
	free(r.out);

	/* 2c, then 8c for 8 minutes (one widening), then 2c (tightening) */
	start(&r, "spread-tracker", NULL, NULL);
	for (t = 0; t < 1500; t += 5) {
		if (t >= 360 && t < 840)
			quote(&r, t, 42, 50);
		else
			quote(&r, t, 45, 47);
	}
	assert_int_equal(finish(&r), 2);
	assert_non_null(strstr(r.out, "\"direction\":\"widening\""));
	assert_non_null(strstr(strstr(r.out, "\n"), "\"direction\":\"tightening\""));
	assert_non_null(strstr(r.out, "\"baseline\":\"0.0200\""));
	free(r.out);

	/* fewer than min_samples baseline samples: nothing */
	start(&r, "spread-tracker", NULL, NULL);
	quote(&r, 0, 45, 47);
	quote(&r, 100, 45, 47);
	for (t = 300; t < 400; t += 5)
		quote(&r, t, 40, 50);
	assert_int_equal(finish(&r), 0);
	free(r.out);
}

static void
t_volatility(void **st)
{
	struct run	r;
	long		t;
	int		d;

	start(&r, "volatility", NULL, NULL);
	for (t = 0; t < 3600; t += 10)
		quote(&r, t, 45, 47);
	assert_int_equal(finish(&r), 0);
	free(r.out);

	start(&r, "volatility", NULL, NULL);
	for (t = 0; t < 2400; t += 10) {
		if (t < 2100)
			d = (t / 60) % 2;		/* 1-cent wiggles */
		else
			d = (t / 60) % 2 ? 10 : -10;	/* 10-cent swings */
		quote(&r, t, 45 + d, 47 + d);
	}
	assert_int_equal(finish(&r), 1);
	assert_non_null(strstr(r.out, "\"direction\":\"expansion\""));
	free(r.out);
}

static void
t_volume(void **st)
{
	struct run	r;
	long		t;
	int		seq = 0;

	/* the original's name is accepted and kept in the fires */
	start(&r, "volume-1m-30min", NULL, NULL);
	for (t = 0; t < 6000; t += 5) {
		int big = (t >= 600 && t < 660) || (t >= 3600 && t < 3660);

		trade(&r, t, ++seq, 50, big ? 200000 : 10, "yes");
	}
	assert_int_equal(finish(&r), 2);
	assert_non_null(strstr(r.out, "\"signalId\":\"volume-1m-30min\""));
	assert_non_null(strstr(r.out, "\"threshold\":\"1000000.0000\""));
	free(r.out);

	/* steady small trades: nothing */
	start(&r, "volume", "window", "5m");
	for (t = 0; t < 6000; t += 5)
		trade(&r, t, ++seq, 50, 100, "no");
	assert_int_equal(finish(&r), 0);
	free(r.out);
}

static void
t_edge_rearm(void **st)
{
	struct run	r;
	long		t;
	int		seq = 0;

	/* over the threshold all along: one fire, however many frames */
	start(&r, "volume", "threshold", "$1,000");
	for (t = 0; t < 600; t += 1)
		trade(&r, t, ++seq, 50, 10000, "yes");
	assert_int_equal(finish(&r), 1);
	free(r.out);

	/* false for less than rearm between two crossings: still one */
	start(&r, "volume", "threshold", "1000");
	assert_int_equal(config_param(&r.c, "volume", "window", "10s", NULL, 0), 0);
	detect_free(r.d);
	config_finish(&r.c);
	{
		struct detect_opts o = { .sig = r.c.on, .nsig = r.c.non,
		    .max_markets = 10, .seq_check = 1 };

		r.d = detect_new(&o, &r.w);
	}
	trade(&r, 0, ++seq, 50, 300000, "yes");		/* fires */
	trade(&r, 30, ++seq, 50, 1, "yes");		/* false from here */
	trade(&r, 60, ++seq, 50, 300000, "yes");	/* 30 s later: held */
	trade(&r, 100, ++seq, 50, 1, "yes");		/* false again */
	trade(&r, 161, ++seq, 50, 1, "yes");		/* 61 s false: re-armed */
	trade(&r, 170, ++seq, 50, 300000, "yes");	/* fires */
	assert_int_equal(finish(&r), 2);
	free(r.out);
}

/* A replayed trade counts once; trades of another connection that reuses
 * the sid with lower seqs still count. */
static void
t_duplicates(void **st)
{
	struct run	r;
	char		b[256];

	start(&r, "volume", "threshold", "1000");
	trade(&r, 0, 7, 50, 1500, "yes");	/* $750 */
	trade(&r, 1, 7, 50, 1500, "yes");	/* the same again: skipped */
	snprintf(b, sizeof(b), "{\"type\":\"trade\",\"sid\":2,\"seq\":3,\"msg\":"
	    "{\"market_ticker\":\"OTHER-1\",\"yes_price\":50,\"count\":10,"
	    "\"ts\":%lld}}", T0 + 2);
	line(&r, b);
	assert_int_equal(finish(&r), 0);
	free(r.out);
	start(&r, "volume", "threshold", "1000");
	trade(&r, 0, 7, 50, 1500, "yes");
	trade(&r, 1, 8, 50, 1500, "yes");	/* a new trade: $1,500 */
	assert_int_equal(finish(&r), 1);
	free(r.out);
}

static void
t_bad_lines(void **st)
{
	struct run	r;
	const struct detect_stats *s;

	start(&r, "volume", "threshold", "1");
	line(&r, "");
	line(&r, "not json");
	line(&r, "{\"type\":\"trade\",\"msg\":{\"market_ticker\":\"M\"");
	line(&r, "[1]");
	detect_too_long(r.d);
	line(&r, "{\"type\":\"subscribed\",\"id\":1}");
	trade(&r, 0, 1, 50, 500, "yes");
	s = detect_stats(r.d);
	assert_int_equal(s->lines, 7);
	assert_int_equal(s->bad, 5);
	assert_int_equal(s->other, 1);
	assert_int_equal(finish(&r), 1);	/* the good line still fires */
	free(r.out);
}

/* The same input twice gives the same bytes. */
static void
t_determinism(void **st)
{
	struct run	r;
	char		*a = NULL;
	long		t;
	int		k, i;

	for (i = 0; i < 2; i++) {
		start(&r, "momentum", NULL, NULL);
		for (t = 0; t < 1500; t += 5) {
			k = ramp(t, 600, 1);
			quote(&r, t, 45 + k, 47 + k);
		}
		assert_int_equal(finish(&r), 1);
		if (i == 0)
			a = r.out;
	}
	assert_string_equal(a, r.out);
	assert_non_null(strstr(a, "\"time\":\"2026-01-01T00:"));
	free(a);
	free(r.out);
}

/* A category table replaced (a REST refresh): markets already decided
 * keep their decision until detect_filter_changed(), then are decided by
 * the new table. */
static void
t_filter_refresh(void **state)
{
	struct run	 r;
	struct filter	*f = filter_new(), *nf = filter_new();
	char		*k[] = { "KXT" }, *econ[] = { "Economics" },
			*crypto[] = { "Crypto" };

	assert_int_equal(filter_add_category(f, "Crypto"), 0);
	assert_int_equal(filter_add_mapping(f, k, econ, 1), 0);
	assert_int_equal(filter_add_mapping(nf, k, crypto, 1), 0);
	start_filter = f;
	start(&r, "momentum", NULL, NULL);
	quote(&r, 0, 45, 47);
	assert_int_equal(detect_stats(r.d)->filtered, 1);
	assert_int_equal(detect_stats(r.d)->frames, 0);
	filter_take_table(f, nf);
	filter_free(nf);		/* the old table with it */
	quote(&r, 1, 45, 47);
	assert_int_equal(detect_stats(r.d)->filtered, 2);
	detect_filter_changed(r.d);
	quote(&r, 2, 45, 47);
	assert_int_equal(detect_stats(r.d)->filtered, 2);
	assert_int_equal(detect_stats(r.d)->frames, 1);
	finish(&r);
	free(r.out);
	start_filter = NULL;
	filter_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_momentum),
		cmocka_unit_test(t_spread),
		cmocka_unit_test(t_volatility),
		cmocka_unit_test(t_volume),
		cmocka_unit_test(t_edge_rearm),
		cmocka_unit_test(t_duplicates),
		cmocka_unit_test(t_bad_lines),
		cmocka_unit_test(t_determinism),
		cmocka_unit_test(t_filter_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
