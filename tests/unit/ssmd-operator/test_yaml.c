/* yin and yout: YAML in, YAML out, and the two agree. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "yin.h"
#include "yout.h"

static json_t *
parse1(const char *s)
{
	json_t	*docs = json_array(), *v;
	char	 err[128];

	assert_int_equal(yin_parse(s, strlen(s), docs, err, sizeof(err)), 0);
	v = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return v;
}

static void
test_plain_scalars(void **st)
{
	static const struct { const char *in; json_type t; } c[] = {
		{ "~", JSON_NULL }, { "null", JSON_NULL }, { "true", JSON_TRUE },
		{ "yes", JSON_TRUE }, { "Off", JSON_FALSE }, { "42", JSON_INTEGER },
		{ "-7", JSON_INTEGER }, { "0444", JSON_INTEGER },
		{ "1.5", JSON_REAL }, { "1e3", JSON_REAL }, { "10Gi", JSON_STRING },
		{ "15m", JSON_STRING }, { "prod.kalshi", JSON_STRING },
		{ "1.2.3", JSON_STRING }, { "0x1F", JSON_STRING },
	};
	size_t	i;
	json_t	*v;

	(void)st;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = yin_plain(c[i].in, strlen(c[i].in));
		assert_int_equal(json_typeof(v), c[i].t);
		json_decref(v);
	}
	v = yin_plain("0444", 4);
	assert_int_equal(json_integer_value(v), 292);	/* YAML 1.1 octal */
	json_decref(v);
}

static void
test_documents(void **st)
{
	const char	*y = "---\na: 1\n---\n# nothing\n---\n- x\n- 'true'\n"
	    "--- {\"j\": [1, {\"k\": null}]}\n";
	json_t		*docs = json_array();
	char		 err[128];

	(void)st;
	assert_int_equal(yin_parse(y, strlen(y), docs, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(docs), 3);
	assert_true(json_is_string(json_array_get(json_array_get(docs, 1), 1)));
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(
	    json_array_get(docs, 2), "j"), 1), "k")));
	json_decref(docs);
}

static void
test_errors(void **st)
{
	json_t	*docs = json_array();
	char	 err[128];

	(void)st;
	assert_int_equal(yin_parse("a: [1, 2\n", 9, docs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line "));
	assert_int_equal(yin_parse("a: 1\na: 2\n", 10, docs, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "duplicate"));
	json_decref(docs);
}

static void
test_anchors(void **st)
{
	json_t	*v = parse1("base: &b {x: 1}\nuse: *b\nstr: !!str 12\n");

	(void)st;
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
	    "use"), "x")), 1);
	assert_string_equal(json_string_value(json_object_get(v, "str")), "12");
	json_decref(v);
}

/* Aliases of aliases ("billion laughs") stop at the value limit. */
static void
test_alias_bomb(void **st)
{
	const char	*y = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
	json_t		*docs = json_array();
	char		 err[128];

	(void)st;
	assert_int_equal(yin_parse(y, strlen(y), docs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many values"));
	json_decref(docs);
}

static void
test_plain_ok(void **st)
{
	(void)st;
	assert_true(yout_plain_ok("prod.kalshi"));
	assert_true(yout_plain_ok("--name"));
	assert_true(yout_plain_ok("nats://nats:4222"));
	assert_false(yout_plain_ok("true"));
	assert_false(yout_plain_ok("y"));
	assert_false(yout_plain_ok("0444"));
	assert_false(yout_plain_ok("a: b"));
	assert_false(yout_plain_ok("- x"));
	assert_false(yout_plain_ok("---"));
	assert_false(yout_plain_ok("prod.>"));
	assert_false(yout_plain_ok("#x"));
	assert_false(yout_plain_ok(""));
	assert_false(yout_plain_ok("trailing "));
	assert_false(yout_plain_ok("k:"));
}

/* Whatever yout writes, yin reads back as the same tree. */
static void
test_round_trip(void **st)
{
	const char	*src = "{\"a\": \"x\\ny\\n\", \"b\": \"x\\n  y\", "
	    "\"c\": [\"|\", \"\", \"null\", \" lead\", \"tab\\there\", "
	    "\"\\u00e9t\\u00e9\", {}, [], [[1, 2], {\"k\": true}], 1.5, -3], "
	    "\"d\": {\"e: f\": \"g\", \"h\": \"line\\n\\nblank\\n\"}, "
	    "\"e\": \"no final newline\\nhere\", \"f\": \"ends\\n\\n\"}";
	json_error_t	 e;
	json_t		*v = json_loads(src, 0, &e), *back;
	char		*y = NULL;
	size_t		 n = 0;
	FILE		*f = open_memstream(&y, &n);

	(void)st;
	assert_non_null(v);
	yout_doc(f, v);
	fclose(f);
	back = parse1(y);
	assert_true(json_equal(v, back));
	json_decref(v);
	json_decref(back);
	free(y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_scalars),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_plain_ok),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
