/* b64, ts, parse and the log rate limiter. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "log.h"
#include "parse.h"
#include "ts.h"
#include "wbuf.h"
#include "unit.h"

static void
b64_vectors(void **st)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	char	buf[16];
	size_t	i;

	for (i = 0; i < 7; i++) {
		assert_int_equal(b64_encode(in[i], strlen(in[i]), buf), strlen(out[i]));
		assert_string_equal(buf, out[i]);
	}
}

/* Streaming in pieces of any size gives the one-shot encoding. */
static void
b64_pieces(void **st)
{
	unsigned char	 data[10000];
	char		*one = malloc(20000);
	struct wbuf	 w;
	struct b64	 b;
	size_t		 i, piece, off;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	b64_encode(data, sizeof(data), one);
	for (piece = 1; piece < 9; piece++) {
		assert_int_equal(wbuf_init(&w, -1, 40000), 0);
		b64_begin(&b);
		for (off = 0; off < sizeof(data); off += piece)
			b64_put(&b, &w, data + off, off + piece > sizeof(data) ?
			    sizeof(data) - off : piece);
		b64_end(&b, &w);
		assert_int_equal(w.len, strlen(one));
		assert_memory_equal(w.buf, one, w.len);
		wbuf_free(&w);
	}
	free(one);
}

static void
ts_format_known(void **st)
{
	struct timespec	t = { 1795269787, 123456789 };	/* 2026-11-21T14:03:07.123456Z */
	char		b[TS_LEN + 1];

	ts_format(b, &t);
	assert_string_equal(b, "2026-11-21T14:03:07.123456Z");
	t.tv_nsec = 999;
	ts_format(b, &t);
	assert_string_equal(b, "2026-11-21T14:03:07.000000Z");
	t.tv_sec = 0;
	ts_format(b, &t);
	assert_string_equal(b, "1970-01-01T00:00:00.000000Z");
	t.tv_sec = 951782400;		/* leap day */
	ts_format(b, &t);
	assert_string_equal(b, "2000-02-29T00:00:00.000000Z");
}

static void
ts_roundtrip(void **st)
{
	char		b[TS_LEN + 1];
	struct timespec	t;
	int64_t		us, i;

	for (i = 0; i < 2000; i++) {
		t.tv_sec = (time_t)(i * 86413 * 37 % 4102444800LL);
		t.tv_nsec = (long)(i * 7919 % 1000000) * 1000;
		ts_format(b, &t);
		assert_int_equal(ts_parse(b, TS_LEN, &us), 0);
		assert_int_equal(us, (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000);
	}
}

static void
ts_parse_forms(void **st)
{
	int64_t	us;

#define P(s)	ts_parse((s), strlen(s), &us)
	assert_int_equal(P("2026-11-21T14:03:07Z"), 0);
	assert_int_equal(us, 1795269787000000LL);
	assert_int_equal(P("2026-11-21T15:03:07.5+01:00"), 0);
	assert_int_equal(us, 1795269787500000LL);
	assert_int_equal(P("2026-11-21T14:03:07.1234567891Z"), 0);
	assert_int_equal(us, 1795269787123456LL);
	assert_int_equal(P("2026-11-21 14:03:07z"), 0);
	assert_int_equal(P("2026-11-21T14:03:07"), -1);
	assert_int_equal(P("2026-13-21T14:03:07Z"), -1);
	assert_int_equal(P("2026-02-30T14:03:07Z"), -1);
	assert_int_equal(P("2026-11-21T14:03:07.Z"), -1);
	assert_int_equal(P("2026-11-21T14:03:07Zx"), -1);
	assert_int_equal(P(""), -1);
	assert_int_equal(P("2026-11-2"), -1);
#undef P
	assert_int_equal(ts_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ts_days_from_civil(2000, 3, 1), 11017);
}

static void
sizes_and_durations(void **st)
{
	uint64_t	v;
	double		d;

	assert_int_equal(parse_size("16M", &v), 0);
	assert_int_equal(v, 16 << 20);
	assert_int_equal(parse_size("512kib", &v), 0);
	assert_int_equal(v, 512 << 10);
	assert_int_equal(parse_size("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(parse_size("1.5K", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(parse_size("10x", &v), -1);
	assert_int_equal(parse_size("-1", &v), -1);
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_duration("15m", &d), 0);
	assert_true(d == 900);
	assert_int_equal(parse_duration("500ms", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(parse_duration("2", &d), 0);
	assert_true(d == 2);
	assert_int_equal(parse_duration("1w", &d), -1);
	assert_int_equal(parse_uint("42", 1, 100, &v), 0);
	assert_int_equal(parse_uint("0", 1, 100, &v), -1);
	assert_int_equal(parse_uint("4x", 1, 100, &v), -1);
	assert_true(parse_feed_name_ok("kalshi-demo_1.x"));
	assert_false(parse_feed_name_ok(""));
	assert_false(parse_feed_name_ok("a b"));
	assert_false(parse_feed_name_ok("a\"b"));
}

static void
rate_limit(void **st)
{
	struct log_rate	r = LOG_RATE_INIT(3, 3600);
	unsigned	supp = 99, passed = 0, i;

	for (i = 0; i < 10; i++)
		passed += log_rate_ok(&r, &supp);
	assert_int_equal(passed, 3);
	assert_int_equal(r.suppressed, 7);
	r.start -= 3600;		/* the window ends */
	assert_true(log_rate_ok(&r, &supp));
	assert_int_equal(supp, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_vectors),
		cmocka_unit_test(b64_pieces),
		cmocka_unit_test(ts_format_known),
		cmocka_unit_test(ts_roundtrip),
		cmocka_unit_test(ts_parse_forms),
		cmocka_unit_test(sizes_and_durations),
		cmocka_unit_test(rate_limit),
	};

	return cmocka_run_group_tests_name("misc", tests, NULL, NULL);
}
