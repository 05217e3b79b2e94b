/* ws: a real client and server over loopback in one event loop: upgrade,
 * echo, fragments, close codes, oversized and invalid messages, refused
 * upgrades, HTTP requests on the same port, pause and abort. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "ws_server.h"

struct side {
	struct ws_conn	*c;
	int		 opened, closes, code, frames, status, pongs;
	char		 reason[128];
	char		 last[256];
	size_t		 lastn, ntext;
};

static struct event_base *base;
static struct ws_server *srv;
static struct side cli, svc;
static int refuse;		/* server refuses upgrades with this status */
static size_t srv_max;
static char seen_hdr[128];

static struct event *deadline;

static void
stop_soon(void)
{
	event_base_loopbreak(base);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void
on_open(struct ws_conn *c, void *arg)
{
	struct side	*s = arg;

	s->opened++;
	if (s == &cli && svc.opened)
		stop_soon();
}

static void
on_text(struct ws_conn *c, const char *p, size_t n, void *arg)
{
	struct side	*s = arg;

	s->ntext++;
	s->lastn = n;
	/* Messages are not NUL-terminated; work on a copy. */
	snprintf(s->last, sizeof s->last, "%.*s", (int)(n > 200 ? 200 : n), p);
	p = s->last;
	if (s == &svc && strncmp(p, "echo:", 5) == 0)
		ws_send_text(c, p + 5, n - 5);
	else if (s == &svc && strncmp(p, "close:", 6) == 0)
		ws_close(c, atoi(p + 6), "bye");
	else if (s == &svc && strncmp(p, "frag:", 5) == 0)
		ws_send_fragmented(c, p + 5, n - 5, 3);
	else if (s == &svc && strcmp(p, "ping") == 0)
		ws_send_ping(c, "heartbeat", 9);
	else if (s == &svc && strcmp(p, "abort") == 0)
		ws_abort(c);
	else if (s == &svc && strncmp(p, "big:", 4) == 0) {
		size_t	 k = strtoul(p + 4, NULL, 10);
		char	*b = malloc(k);
		memset(b, 'x', k);
		ws_send_text(c, b, k);
		free(b);
	} else
		stop_soon();
}

static void
on_frame(struct ws_conn *c, int op, void *arg)
{
	struct side	*s = arg;

	s->frames++;
	if (op == 0xa) {		/* the pong to our ping */
		s->pongs++;
		stop_soon();
	}
}

static void
on_close(struct ws_conn *c, int code, const char *reason, void *arg)
{
	struct side	*s = arg;

	s->closes++;
	s->code = code;
	s->status = ws_http_status(c);
	snprintf(s->reason, sizeof s->reason, "%s", reason);
	ws_free(c);
	s->c = NULL;
	if (s == &cli)
		stop_soon();
}

static const struct ws_cbs cbs = { on_open, on_text, on_frame, on_close,
	NULL };

static int
on_upgrade(const struct ws_http_req *r, struct ws_http_resp *resp,
    const struct ws_cbs **out, void **arg, void *sarg)
{
	const char	*h = ws_http_header(r, "X-Test");

	snprintf(seen_hdr, sizeof seen_hdr, "%s %s", r->path,
	    h ? h : "(none)");
	if (refuse) {
		evbuffer_add_printf(resp->body, "{\"error\":\"no\"}");
		return refuse;
	}
	*out = &cbs;
	*arg = &svc;
	return 101;
}

static void
on_request(const struct ws_http_req *r, struct ws_http_resp *resp,
    void *arg)
{
	resp->status = 200;
	evbuffer_add_printf(resp->body, "{\"path\":\"%s\",\"q\":\"%s\"}",
	    r->path, r->query);
}

static const struct ws_server_cbs scbs = { on_request, on_upgrade };

static int
setup(void **state)
{
	struct ws_server_opts	 o = { "127.0.0.1", 0, NULL, 0 };
	char			 err[256];

	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	deadline = evtimer_new(base, deadline_cb, NULL);
	o.max_message = srv_max = 1024;
	srv = ws_server_new(base, &o, &scbs, NULL, err, sizeof err);
	return srv == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ws_server_free(srv);
	event_free(deadline);
	event_base_free(base);
	return 0;
}

static void
run(int ms)
{
	struct timeval	 tv = { ms / 1000, ms % 1000 * 1000 };

	evtimer_add(deadline, &tv);
	event_base_dispatch(base);
	evtimer_del(deadline);
}

static void
connect_(size_t max)
{
	static const char *const hdrs[] = { "X-Test: yes", NULL };
	struct ws_client_opts	 o = { 0 };
	char			 url[128];

	memset(&cli, 0, sizeof cli);
	memset(&svc, 0, sizeof svc);
	snprintf(url, sizeof url, "ws://127.0.0.1:%d/trade-api/ws/v2?x=1",
	    ws_server_port(srv));
	o.url = url;
	o.headers = hdrs;
	o.max_message = max;
	o.timeout_ms = 5000;
	cli.c = ws_connect(base, NULL, &o, &cbs, &cli);
	assert_non_null(cli.c);
	run(5000);
}

static void
finish_(void)
{
	if (cli.c != NULL) {
		ws_close(cli.c, 1000, "done");
		run(3000);
	}
	run(50);
}

static void
upgrade_echo_close(void **state)
{
	connect_(0);
	assert_int_equal(cli.opened, 1);
	assert_int_equal(ws_http_status(cli.c), 101);
	assert_string_equal(seen_hdr, "/trade-api/ws/v2 yes");
	ws_send_text(cli.c, "echo:hello", 10);
	run(3000);
	assert_string_equal(cli.last, "hello");
	/* The server closes with a code; the client sees it. */
	ws_send_text(cli.c, "close:4001", 10);
	run(3000);
	assert_int_equal(cli.closes, 1);
	assert_int_equal(cli.code, 4001);
	run(100);
	assert_int_equal(svc.closes, 1);
}

static void
fragments_reassembled(void **state)
{
	connect_(0);
	ws_send_text(cli.c, "frag:abcdefghij", 15);
	run(3000);
	assert_string_equal(cli.last, "abcdefghij");
	assert_true(cli.frames >= 4);	/* 10 bytes in 3-byte fragments */
	finish_();
	assert_int_equal(svc.code, 1000);
}

static void
too_big_both_ways(void **state)
{
	connect_(100);
	ws_send_text(cli.c, "big:101", 7);
	run(3000);
	assert_int_equal(cli.code, WS_E_TOOBIG);
	run(200);
	assert_int_equal(svc.code, 1009);

	/* The server's limit is 1024. */
	connect_(0);
	{
		char b[2000];
		memset(b, 'y', sizeof b);
		ws_send_text(cli.c, b, sizeof b);
	}
	run(3000);
	assert_int_equal(cli.code, 1009);
	assert_int_equal(svc.code, WS_E_TOOBIG);
}

static void
invalid_utf8_closes_1007(void **state)
{
	connect_(0);
	ws_send_text(cli.c, "echo:\xff\xfe", 7);
	run(3000);
	assert_int_equal(cli.code, 1007);
	assert_int_equal(svc.code, WS_E_UTF8);
}

static void
refused_upgrade(void **state)
{
	refuse = 401;
	connect_(0);
	refuse = 0;
	assert_int_equal(cli.opened, 0);
	assert_int_equal(cli.code, WS_E_HTTP);
	assert_int_equal(cli.status, 401);
}

static void
abort_is_eof(void **state)
{
	connect_(0);
	ws_send_text(cli.c, "abort", 5);
	run(3000);
	assert_int_equal(cli.code, WS_E_EOF);
}

static void
connect_refused_and_bad_url(void **state)
{
	struct ws_client_opts	 o = { 0 };
	struct ws_server_opts	 so = { "127.0.0.1", 0, NULL, 0 };
	struct ws_server	*tmp;
	char			 url[128], err[128];
	int			 port;

	tmp = ws_server_new(base, &so, &scbs, NULL, err, sizeof err);
	port = ws_server_port(tmp);
	ws_server_free(tmp);
	memset(&cli, 0, sizeof cli);
	snprintf(url, sizeof url, "ws://127.0.0.1:%d/", port);
	o.url = url;
	cli.c = ws_connect(base, NULL, &o, &cbs, &cli);
	run(3000);
	assert_int_equal(cli.code, WS_E_CONNECT);
	o.url = "http://x/";
	assert_null(ws_connect(base, NULL, &o, &cbs, &cli));
	o.url = "ws://host:99999/";
	assert_null(ws_connect(base, NULL, &o, &cbs, &cli));
	o.url = "wss://host/";		/* no TLS context */
	assert_null(ws_connect(base, NULL, &o, &cbs, &cli));
}

static void
pause_holds_messages(void **state)
{
	connect_(0);
	ws_pause(cli.c, 1);
	ws_send_text(cli.c, "echo:one", 8);
	run(300);
	assert_int_equal(cli.ntext, 0);
	ws_pause(cli.c, 0);
	run(3000);
	assert_int_equal(cli.ntext, 1);
	assert_string_equal(cli.last, "one");
	finish_();
}

static void
ping_answered(void **state)
{
	connect_(0);
	ws_send_text(cli.c, "ping", 4);
	run(3000);
	assert_int_equal(svc.pongs, 1);
	finish_();
}

/* A raw client that breaks the protocol: an unmasked frame to a server
 * is refused with 1002. */
static void
unmasked_client_frame_is_1002(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: x\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	static const unsigned char frame[] = { 0x81, 0x02, 'h', 'i' };
	struct sockaddr_in sa = { 0 };
	char		 buf[512];
	ssize_t		 n;
	int		 fd;

	memset(&svc, 0, sizeof svc);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(ws_server_port(srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(write(fd, req, sizeof req - 1), sizeof req - 1);
	run(300);
	assert_int_equal(svc.opened, 1);
	assert_int_equal(write(fd, frame, sizeof frame), sizeof frame);
	run(300);
	assert_int_equal(svc.code, WS_E_PROTO);
	n = read(fd, buf, sizeof buf);
	/* The 101 response, then a Close frame with 1002. */
	assert_true(n > 4);
	assert_non_null(strstr(buf, "101 Switching Protocols"));
	assert_int_equal((unsigned char)buf[n - 4], 0x88);
	assert_int_equal((unsigned char)buf[n - 2] << 8 |
	    (unsigned char)buf[n - 1], 1002);
	close(fd);
}

static void
accept_key_rfc_example(void **state)
{
	char	 out[29];

	/* RFC 6455 section 1.3 */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_key_rfc_example),
		cmocka_unit_test(upgrade_echo_close),
		cmocka_unit_test(fragments_reassembled),
		cmocka_unit_test(too_big_both_ways),
		cmocka_unit_test(invalid_utf8_closes_1007),
		cmocka_unit_test(refused_upgrade),
		cmocka_unit_test(abort_is_eof),
		cmocka_unit_test(connect_refused_and_bad_url),
		cmocka_unit_test(pause_holds_messages),
		cmocka_unit_test(ping_answered),
		cmocka_unit_test(unmasked_client_frame_is_1002),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
