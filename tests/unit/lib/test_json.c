#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wbuf.h"
#include "unit.h"

#define CHECK(s)	json_check((s), sizeof(s) - 1, NULL)

static void
valid(void **st)
{
	static const char *const ok[] = {
		"0", "-0", "1.5e10", "-12.25E-3", "1E+2", "true", "false", "null",
		"\"\"", "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\"",
		"{}", "[]", " {\"a\" : [1, {\"b\":null}] } ", "[[[[]]]]",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "{\"\":0}",
		"\t\r\n[1]\n",
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(json_check(ok[i], strlen(ok[i]), NULL), JSON_OK);
}

static void
reasons(void **st)
{
	assert_int_equal(CHECK(""), JSON_EMPTY);
	assert_int_equal(CHECK("  \t"), JSON_EMPTY);
	assert_int_equal(CHECK("not json"), JSON_SYNTAX);
	assert_int_equal(CHECK("{\"a\":1"), JSON_TRUNCATED);
	assert_int_equal(CHECK("{\"a\":\"xy"), JSON_TRUNCATED);
	assert_int_equal(CHECK("[1,"), JSON_TRUNCATED);
	assert_int_equal(CHECK("-"), JSON_TRUNCATED);
	assert_int_equal(CHECK("tru"), JSON_TRUNCATED);
	assert_int_equal(CHECK("1."), JSON_TRUNCATED);
	assert_int_equal(CHECK("{} {}"), JSON_TRAILING);
	assert_int_equal(CHECK("1 2"), JSON_TRAILING);
	assert_int_equal(CHECK("{\"a\":1}\0"), JSON_NUL);
	assert_int_equal(CHECK("{\"a\":\"\0\"}"), JSON_NUL);
	assert_int_equal(CHECK("\0{}"), JSON_NUL);
	assert_int_equal(CHECK("\"\xff\""), JSON_UTF8);
	assert_int_equal(CHECK("\"\xc3\""), JSON_UTF8);
	assert_int_equal(CHECK("\xff"), JSON_UTF8);
}

static void
strictness(void **st)
{
	static const char *const bad[] = {
		"01", "+1", ".5", "1.e5", "0x10", "[1,]", "{\"a\":1,}", "{a:1}",
		"'a'", "[1 2]", "{\"a\" 1}", "\"\\x\"", "\"\\u12g4\"", "TRUE",
		"nul", "NaN", "Infinity", "{\"a\":1]", "[}", "\"tab\there\"",
		"\"\xc0\xaf\"",		/* overlong */
		"\"\xed\xa0\x80\"",	/* surrogate */
		"\"\xf4\x90\x80\x80\"",	/* above U+10FFFF */
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(json_check(bad[i], strlen(bad[i]), NULL),
		    JSON_OK);
}

static void
depth(void **st)
{
	char	buf[2 * (JSON_MAX_DEPTH + 1)];
	size_t	off;

	memset(buf, '[', JSON_MAX_DEPTH);
	memset(buf + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	assert_int_equal(json_check(buf, 2 * JSON_MAX_DEPTH, NULL), JSON_OK);
	memset(buf, '[', JSON_MAX_DEPTH + 1);
	memset(buf + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	assert_int_equal(json_check(buf, sizeof(buf), &off), JSON_DEPTH);
	assert_int_equal(off, JSON_MAX_DEPTH);
}

static void
error_offset(void **st)
{
	size_t	off = 99;

	assert_int_equal(json_check("[1,x]", 5, &off), JSON_SYNTAX);
	assert_int_equal(off, 3);
}

/* Every prefix of a valid document is rejected, never read past. */
static void
prefixes(void **st)
{
	const char	*doc = "{\"type\":\"trade\",\"sid\":2,\"msg\":{\"p\":"
	    "[1.5e-3,true,null,\"\\u00e9\"]}}";
	size_t		 n = strlen(doc), i;
	char		*copy;

	for (i = 0; i < n; i++) {
		copy = malloc(i ? i : 1);	/* exact size: ASan sees overreads */
		memcpy(copy, doc, i);
		assert_int_not_equal(json_check(copy, i, NULL), JSON_OK);
		free(copy);
	}
	assert_int_equal(json_check(doc, n, NULL), JSON_OK);
}

static void
escape(void **st)
{
	struct wbuf	w;
	const char	in[] = "a\"b\\c\n\r\t\x01\0z\xc3\xa9";

	assert_int_equal(wbuf_init(&w, -1, 256), 0);
	json_escape(&w, in, sizeof(in) - 1);
	assert_int_equal(w.len, strlen("a\\\"b\\\\c\\n\\r\\t\\u0001\\u0000z\xc3\xa9"));
	assert_memory_equal(w.buf, "a\\\"b\\\\c\\n\\r\\t\\u0001\\u0000z\xc3\xa9", w.len);
	/* What it writes is a valid JSON string. */
	memmove(w.buf + 1, w.buf, w.len);
	w.buf[0] = '"';
	w.buf[w.len + 1] = '"';
	assert_int_equal(json_check(w.buf, w.len + 2, NULL), JSON_OK);
	wbuf_free(&w);
}

static void
get(void **st)
{
	const char		*s = " {\"type\" : \"trade\", \"x\":{\"a\":[1,\"}\"]},"
	    "\"esc\":\"a\\\"b\",\"n\":-1.5e3 , \"msg\":{\"market_ticker\":\"K.1\"}}";
	struct json_span	 v, m;

	assert_int_equal(json_get_str(s, strlen(s), "type", &v), 0);
	assert_int_equal(v.len, 5);
	assert_memory_equal(v.p, "trade", 5);
	assert_int_equal(json_get(s, strlen(s), "x", &v), 0);
	assert_int_equal(v.len, strlen("{\"a\":[1,\"}\"]}"));
	assert_int_equal(json_get(s, strlen(s), "n", &v), 0);
	assert_int_equal(v.len, 6);
	assert_int_equal(json_get_str(s, strlen(s), "esc", &v), 0);
	assert_int_equal(v.len, 4);
	assert_int_equal(json_get(s, strlen(s), "msg", &m), 0);
	assert_int_equal(json_get_str(m.p, m.len, "market_ticker", &v), 0);
	assert_memory_equal(v.p, "K.1", 3);
	assert_int_equal(json_get(s, strlen(s), "missing", &v), -1);
	assert_int_equal(json_get_str(s, strlen(s), "n", &v), -1);
	assert_int_equal(json_get("[1]", 3, "a", &v), -1);
	assert_int_equal(json_get("{\"a\":", 5, "a", &v), -1);
	assert_int_equal(json_get("{\"a\":\"x", 7, "a", &v), -1);
}

static void
utf8(void **st)
{
	assert_true(json_utf8_valid("abc\xc3\xa9", 5));
	assert_false(json_utf8_valid("\xe2\x82", 2));
	assert_false(json_utf8_valid("\x80", 1));
	assert_true(json_utf8_valid("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid),
		cmocka_unit_test(reasons),
		cmocka_unit_test(strictness),
		cmocka_unit_test(depth),
		cmocka_unit_test(error_offset),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(escape),
		cmocka_unit_test(get),
		cmocka_unit_test(utf8),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
