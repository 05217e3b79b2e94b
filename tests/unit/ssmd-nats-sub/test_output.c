#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"
#include "resume.h"
#include "wbuf.h"

static const char *
line(const char *payload, size_t n, int annotate, int *bad)
{
	static struct wbuf	w;
	struct output_msg		m = { payload, n, "p.x", 42, 1795230921781141 };

	if (w.buf == NULL)
		assert_int_equal(wbuf_init(&w, -1, 4096), 0);
	w.len = 0;
	*bad = output_msg(&w, &m, annotate);
	wbuf_putc(&w, '\0');
	return w.buf;
}

static void
test_plain_and_annotate(void **st)
{
	int	bad;

	(void)st;
	assert_string_equal(line("{\"a\":1}", 7, 0, &bad), "{\"a\":1}\n");
	assert_int_equal(bad, 0);
	assert_string_equal(line("[1]", 3, 0, &bad), "[1]\n");
	assert_string_equal(line("{\"a\":1} ", 8, 1, &bad),
	    "{\"a\":1,\"_nats_seq\":42,\"_received_at\":1795230921781141}\n");
	assert_string_equal(line(" { } ", 5, 1, &bad),
	    "{ \"_nats_seq\":42,\"_received_at\":1795230921781141}\n");
	assert_int_equal(bad, 0);
}

static void
test_bad_payloads(void **st)
{
	int	bad;

	(void)st;
	assert_string_equal(line("not json", 8, 0, &bad),
	    "{\"type\":\"ssmd_nats_bad_payload\",\"reason\":\"syntax\","
	    "\"subject\":\"p.x\",\"bytes\":8,\"raw\":\"not json\"}\n");
	assert_int_equal(bad, 1);
	assert_string_equal(line("{\"a\":\n1}", 8, 0, &bad),
	    "{\"type\":\"ssmd_nats_bad_payload\",\"reason\":\"multiline\","
	    "\"subject\":\"p.x\",\"bytes\":8,\"raw\":\"{\\\"a\\\":\\n1}\"}\n");
	assert_string_equal(line("[1]", 3, 1, &bad),
	    "{\"type\":\"ssmd_nats_bad_payload\",\"reason\":\"not_object\","
	    "\"subject\":\"p.x\",\"bytes\":3,\"raw\":\"[1]\",\"_nats_seq\":42,"
	    "\"_received_at\":1795230921781141}\n");
	assert_non_null(strstr(line("\xff\xfe", 2, 0, &bad),
	    "\"raw_b64\":\"//4=\""));
	assert_non_null(strstr(line("", 0, 0, &bad), "\"bytes\":0"));
	assert_int_equal(bad, 1);
}

static void
test_gap(void **st)
{
	struct wbuf	w;

	(void)st;
	assert_int_equal(wbuf_init(&w, -1, 1024), 0);
	output_gap(&w, "S", 4, 6, 1795230921781141);
	wbuf_putc(&w, '\0');
	assert_string_equal(w.buf, "{\"type\":\"ssmd_stream_gap\","
	    "\"ts\":\"2026-11-21T03:15:21.781141Z\",\"stream\":\"S\","
	    "\"expected_seq\":4,\"seq\":6,\"missing\":2}\n");
	wbuf_free(&w);
}

static void
test_line_seq(void **st)
{
	const char	*a = "{\"x\":1,\"_nats_seq\":77,\"_received_at\":5}";
	const char	*b = "{\"_nats_seq\":9,\"x\":{\"y\":1}}";
	const char	*c = "{\"x\":\"\\\"_nats_seq\\\":99\"}";

	(void)st;
	assert_int_equal(resume_line_seq(a, strlen(a)), 77);
	assert_int_equal(resume_line_seq(b, strlen(b)), 9);
	assert_int_equal(resume_line_seq(c, strlen(c)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_annotate),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_line_seq),
	};

	return cmocka_run_group_tests_name("nats_out", tests, NULL, NULL);
}
