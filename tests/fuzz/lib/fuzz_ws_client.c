/* libFuzzer: what a WebSocket client reads from a server, through the
 * real read path: the HTTP upgrade response, then frames (wslay's framing
 * and ours: fragments, control frames, UTF-8 checks).  The input arrives
 * over a socket pair; whatever it is, the connection ends or stays open,
 * never a crash, an overrun or undefined behaviour.  The seed corpus
 * starts with a valid 101 response for the key below. */
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ws.h"
#include "ws_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	ended;

static void
on_text(struct ws_conn *c, const char *p, size_t n, void *arg)
{
	volatile char	sum = 0;
	size_t		i;

	for (i = 0; i < n; i++)		/* the message must be readable */
		sum ^= p[i];
	(void)sum;
}

static void
on_close(struct ws_conn *c, int code, const char *why, void *arg)
{
	ended = 1;
}

static const struct ws_cbs cbs = { .on_text = on_text, .on_close = on_close };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct event_base	*base;
	struct bufferevent	*bev;
	struct ws_conn		*c;
	int			 sv[2], i;

	if (n > 60000)			/* fits in the socket buffer */
		return 0;
	if ((base = event_base_new()) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	evutil_make_socket_nonblocking(sv[0]);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || (c = ws_conn_new(base, bev, 0, 1 << 20)) == NULL)
		abort();
	c->cbs = &cbs;
	c->state = WS_ST_UPGRADE;
	strcpy(c->key, "dGhlIHNhbXBsZSBub25jZQ==");
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (n > 0 && write(sv[1], data, n) != (ssize_t)n)
		abort();
	shutdown(sv[1], SHUT_WR);
	ended = 0;
	for (i = 0; i < 64 && !ended; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ws_free(c);
	for (i = 0; i < 8; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	close(sv[1]);
	event_base_free(base);
	return 0;
}
