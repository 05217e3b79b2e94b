#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "frames.h"
#include "output.h"
#include "unit.h"

/* The commands, byte for byte as the protocol sheet shows them. */
static void
commands(void **st)
{
	char	*ab[] = { "A", "B" }, *c[] = { "C" }, b[512];
	int64_t	 sids[] = { 42, 43 };
	int	 n;

	n = commands_subscribe(b, sizeof(b), 1, "ticker", NULL, 0);
	assert_string_equal(b,
	    "{\"id\":1,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\"ticker\"]}}");
	assert_int_equal(n, strlen(b));
	commands_subscribe(b, sizeof(b), 2, "trade", ab, 2);
	assert_string_equal(b, "{\"id\":2,\"cmd\":\"subscribe\",\"params\":"
	    "{\"channels\":[\"trade\"],\"market_tickers\":[\"A\",\"B\"]}}");
	commands_update(b, sizeof(b), 3, 42, c, 1, "add_markets");
	assert_string_equal(b, "{\"id\":3,\"cmd\":\"update_subscription\","
	    "\"params\":{\"sids\":[42],\"market_tickers\":[\"C\"],"
	    "\"action\":\"add_markets\"}}");
	commands_update(b, sizeof(b), 4, 42, c, 1, "delete_markets");
	assert_string_equal(b, "{\"id\":4,\"cmd\":\"update_subscription\","
	    "\"params\":{\"sids\":[42],\"market_tickers\":[\"C\"],"
	    "\"action\":\"delete_markets\"}}");
	commands_unsubscribe(b, sizeof(b), 5, sids, 2);
	assert_string_equal(b, "{\"id\":5,\"cmd\":\"unsubscribe\","
	    "\"params\":{\"sids\":[42,43]}}");
	/* Too small a buffer or too many tickers: refused, not cut. */
	assert_int_equal(commands_subscribe(b, 20, 1, "ticker", NULL, 0), -1);
	assert_int_equal(commands_subscribe(b, sizeof(b), 1, "ticker", ab,
	    KCMD_MAX_TICKERS + 1), -1);
}

static void
plan(void **st)
{
	size_t	i, s, n, total = 0, nc;

	assert_int_equal(commands_plan_conns(0, 200), 1);
	assert_int_equal(commands_plan_conns(200, 200), 1);
	assert_int_equal(commands_plan_conns(201, 200), 2);
	assert_int_equal((nc = commands_plan_conns(450, 200)), 3);
	for (i = 0; i < nc; i++) {
		commands_plan_slice(450, nc, i, &s, &n);
		assert_int_equal(s, total);
		assert_true(n <= 200);
		total += n;
	}
	assert_int_equal(total, 450);
	commands_plan_slice(1001, 4, 0, &s, &n);
	assert_int_equal(n, 251);
	commands_plan_slice(1001, 4, 3, &s, &n);
	assert_int_equal(s, 751);
	assert_int_equal(n, 250);
}

static void
scan(void **st)
{
	static const char ok[] =
	    "{\"id\":123,\"sid\":456,\"seq\":222,\"type\":\"ok\","
	    "\"market_tickers\":[\"M\"]}";
	static const char data[] =
	    "{ \"type\" : \"trade\", \"sid\":2,\"seq\":2573,\"msg\":{\"seq\":9,"
	    "\"a\":\"}\"}}";
	static const char err[] =
	    "{\"id\":123,\"type\":\"error\",\"msg\":{\"code\":6,"
	    "\"msg\":\"Already subscribed\"}}";
	struct kframe	f;
	int64_t		code;

	assert_int_equal(frames_scan(ok, sizeof(ok) - 1, &f), 0);
	assert_int_equal(f.has & (KF_ID | KF_SID | KF_SEQ | KF_TYPE),
	    KF_ID | KF_SID | KF_SEQ | KF_TYPE);
	assert_int_equal(f.id, 123);
	assert_int_equal(f.sid, 456);
	assert_true(frames_is(&f, "ok"));
	assert_false(frames_is(&f, "o"));
	assert_int_equal(frames_scan(data, sizeof(data) - 1, &f), 0);
	assert_true(frames_is(&f, "trade"));
	assert_int_equal(f.seq, 2573);	/* the top level's, not msg's */
	assert_int_equal(f.has & KF_ID, 0);
	assert_int_equal(frames_scan(err, sizeof(err) - 1, &f), 0);
	assert_int_equal(frames_int(f.msg, f.msglen, "code", &code), 0);
	assert_int_equal(code, 6);
	/* Escaped quotes and brackets inside strings of a skipped value. */
	{
		static const char t[] = "{\"type\":\"t\",\"msg\":{\"a\":"
		    "\"x\\\"}]\",\"b\":[1,{\"c\":\"\\\\\"}],\"d\":\"[\"},"
		    "\"seq\":7}";

		assert_int_equal(frames_scan(t, sizeof(t) - 1, &f), 0);
		assert_true(f.has & KF_SEQ);
		assert_int_equal(f.seq, 7);
		assert_int_equal(f.msglen, strchr(t, ',') ? (size_t)(strstr(t,
		    ",\"seq\"") - f.msg) : 0);
	}
	assert_int_equal(frames_scan("[1]", 3, &f), -1);
	assert_int_equal(frames_scan("{\"a\":", 5, &f), -1);
	assert_int_equal(frames_scan("{}", 2, &f), 0);
	assert_int_equal(f.has, 0);
}

static void
seq(void **st)
{
	struct kseq	 q = { 0 };
	struct ksid	*s;
	int64_t		 want;

	assert_non_null(frames_seq_add(&q, 5, "orderbook_delta"));
	assert_int_equal(frames_seq_check(&q, 5, 1, &want, &s), 0);
	assert_int_equal(frames_seq_check(&q, 5, 2, &want, &s), 0);
	assert_int_equal(frames_seq_check(&q, 5, 4, &want, &s), 1);
	assert_int_equal(want, 3);
	assert_string_equal(s->channel, "orderbook_delta");
	assert_int_equal(frames_seq_check(&q, 5, 5, &want, &s), 0);
	/* Another sid is independent; the first seq seen is accepted. */
	assert_int_equal(frames_seq_check(&q, 6, 100, &want, &s), 0);
	assert_int_equal(frames_seq_check(&q, 6, 100, &want, &s), 1);
	assert_int_equal(want, 101);
	frames_seq_del(&q, 5);
	assert_null(frames_seq_find(&q, 5));
	assert_non_null(frames_seq_find(&q, 6));
	frames_seq_free(&q);
}

static char *
slurp(int fd, size_t *n)
{
	static char	buf[1 << 16];
	ssize_t		r;

	lseek(fd, 0, SEEK_SET);
	r = read(fd, buf, sizeof(buf) - 1);
	assert_true(r >= 0);
	buf[r] = '\0';
	*n = r;
	return buf;
}

static void
out_lines(void **st)
{
	struct kout	o;
	FILE		*f = tmpfile();
	size_t		 n;
	char		*s;

	assert_int_equal(output_init(&o, NULL, fileno(f), 4096, NULL, NULL), 0);
	output_line(&o, "{\"a\":1}", 7);
	output_line(&o, "{\"b\":\n2,\r\n\"c\":3}", 16);
	assert_int_equal(o.compacted, 1);
	assert_int_equal(output_drain(&o), KOUT_OK);
	s = slurp(fileno(f), &n);
	assert_string_equal(s, "{\"a\":1}\n{\"b\": 2,  \"c\":3}\n");
	assert_int_equal(o.lines, 2);
	/* A line bigger than the whole buffer still goes out whole. */
	{
		char	big[10000];

		memset(big, 'x', sizeof(big));
		big[0] = '"';
		big[sizeof(big) - 1] = '"';
		output_line(&o, big, sizeof(big));
		assert_int_equal(output_drain(&o), KOUT_OK);
		s = slurp(fileno(f), &n);
		assert_int_equal(n, 25 + sizeof(big) + 1);
	}
	output_free(&o);
	fclose(f);
}

static void
out_epipe(void **st)
{
	struct kout	o;
	int		p[2];

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(output_init(&o, NULL, p[1], 4096, NULL, NULL), 0);
	output_line(&o, "1", 1);
	output_line(&o, "2", 1);
	assert_int_equal(output_flush(&o), KOUT_EPIPE);
	assert_int_equal(o.lost_lines, 2);
	output_line(&o, "3", 1);
	assert_int_equal(o.lost_lines, 3);
	output_free(&o);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands),
		cmocka_unit_test(plan),
		cmocka_unit_test(scan),
		cmocka_unit_test(seq),
		cmocka_unit_test(out_lines),
		cmocka_unit_test(out_epipe),
	};

	return cmocka_run_group_tests_name("kcap", tests, NULL, NULL);
}
