/* ws: WebSocket connections on bufferevents, and the client handshake.
 *
 * wslay reads from the bufferevent's input buffer and writes into its
 * output buffer; libevent does the socket and TLS I/O.  The send callback
 * always takes everything, so wslay's own queue stays empty and the output
 * evbuffer is the one place where outgoing bytes wait (ws_out_pending). */
#include <sys/socket.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "b64.h"
#include "json.h"
#include "log.h"
#include "tls.h"
#include "ws_int.h"

#define CLOSE_GRACE_MS	2000	/* wait this long for the peer's Close */

/* Every conn not yet freed, so that conns still flushing at exit stay
 * reachable and none is lost track of. */
static struct ws_conn *live;

static void	conn_readcb(struct bufferevent *, void *);
static void	conn_writecb(struct bufferevent *, void *);
static void	conn_eventcb(struct bufferevent *, short, void *);
static void	finish(struct ws_conn *, int code, const char *reason);

void
ws_accept_key(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char	 md[SHA_DIGEST_LENGTH];
	char		 buf[128];

	snprintf(buf, sizeof buf, "%.60s%s", key, guid);
	SHA1((unsigned char *)buf, strlen(buf), md);
	b64_encode(md, sizeof md, out);
}

void
ws_peer_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 host[INET6_ADDRSTRLEN] = "?";
	int			 port = 0;

	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
			port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
			port = ntohs(s6->sin6_port);
		}
	}
	snprintf(out, len, "%s:%d", host, port);
}

void
ws_nodelay(int fd)
{
	int	 one = 1;

	/* Frames are small and latency matters more than packet count. */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int
ws_has_token(const char *list, const char *token)
{
	size_t	 n = strlen(token);

	while (list != NULL && *list != '\0') {
		list += strspn(list, " \t,");
		if (strncasecmp(list, token, n) == 0 &&
		    (list[n] == '\0' || list[n] == ',' || list[n] == ' ' ||
		    list[n] == '\t'))
			return 1;
		list = strchr(list, ',');
	}
	return 0;
}

const char *
ws_http_header(const struct ws_http_req *r, const char *name)
{
	for (int i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return r->hdr[i].value;
	return NULL;
}

int
ws_parse_head(char *head, char **first, struct ws_http_req *r)
{
	char	*line, *next, *colon, *v, *e;

	r->nhdr = 0;
	if ((next = strstr(head, "\r\n")) == NULL)
		return -1;
	*next = '\0';
	*first = head;
	for (line = next + 2; *line != '\0'; line = next + 2) {
		if ((next = strstr(line, "\r\n")) == NULL)
			return -1;
		*next = '\0';
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    r->nhdr == (int)(sizeof r->hdr / sizeof r->hdr[0]))
			return -1;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
		    e[-1] == '\t'); e--)
			;
		*e = '\0';
		r->hdr[r->nhdr].name = line;
		r->hdr[r->nhdr++].value = v;
	}
	return 0;
}

/* wslay: the event API frames, masks and queues what we send; incoming
 * bytes go through the lower frame API and are reassembled here, because
 * wslay_event_recv's byte-wise UTF-8 check cost more CPU per frame than
 * everything else together. */

static ssize_t
wsl_norecv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *u)
{
	wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	return -1;
}

static ssize_t
wsl_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *u)
{
	struct ws_conn	*c = u;

	if (evbuffer_add(bufferevent_get_output(c->bev), data, len) == -1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static int
wsl_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *u)
{
	if (RAND_bytes(buf, (int)len) != 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

/* Frame API input: 0 means "nothing now" (WSLAY_ERR_WANT_READ). */
static ssize_t
frame_in(uint8_t *buf, size_t len, int flags, void *u)
{
	struct ws_conn	*c = u;
	int		 n;

	if (c->paused || c->state == WS_ST_DONE || c->bev_gone)
		return 0;
	n = evbuffer_remove(bufferevent_get_input(c->bev), buf, len);
	return n > 0 ? n : 0;
}

static ssize_t
frame_nosend(const uint8_t *data, size_t len, int flags, void *u)
{
	return -1;		/* sending goes through the event API */
}

int
ws_conn_open(struct ws_conn *c)
{
	static const struct wslay_event_callbacks cb = {
		wsl_norecv, wsl_send, wsl_genmask, NULL, NULL, NULL, NULL
	};
	static const struct wslay_frame_callbacks fcb = {
		frame_nosend, frame_in, NULL
	};
	int	 rc;

	rc = c->server ? wslay_event_context_server_init(&c->ctx, &cb, c) :
	    wslay_event_context_client_init(&c->ctx, &cb, c);
	if (rc != 0 || wslay_frame_context_init(&c->fctx, &fcb, c) != 0)
		return -1;
	c->state = WS_ST_OPEN;
	if (c->timer != NULL)
		evtimer_del(c->timer);
	if (c->cbs->on_open != NULL)
		c->cbs->on_open(c, c->arg);
	return 0;
}

/* Lifetime */

static void
close_transport(struct ws_conn *c)
{
	SSL	*ssl;

	if (c->bev_gone)
		return;
	c->bev_gone = 1;
	/* A TLS peer gets close_notify, so it can tell a clean end from a
	 * cut connection (ws_abort sets quiet shutdown: no alert). */
	if (!c->peer_gone &&
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) != NULL &&
	    SSL_is_init_finished(ssl) && !SSL_get_quiet_shutdown(ssl))
		SSL_shutdown(ssl);
	bufferevent_free(c->bev);
	c->bev = NULL;
}

static void
really_free(struct ws_conn *c)
{
	close_transport(c);
	if (c->ctx != NULL)
		wslay_event_context_free(c->ctx);
	if (c->fctx != NULL)
		wslay_frame_context_free(c->fctx);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->rate != NULL)
		ev_token_bucket_cfg_free(c->rate);
	free(c->frag);
	free(c->msg);
	free(c->reqtext);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

void
ws_conn_enter(struct ws_conn *c)
{
	c->in_cb++;
}

int
ws_conn_leave(struct ws_conn *c)
{
	if (--c->in_cb > 0)
		return 0;
	if (c->user_gone && c->bev_gone) {
		really_free(c);
		return 1;
	}
	return 0;
}

/* The connection is over for its owner; the transport lingers until the
 * output is written (a Close frame, an HTTP response) or the grace timer
 * fires. */
static void
linger(struct ws_conn *c)
{
	struct timeval	 tv = { CLOSE_GRACE_MS / 1000, 0 };

	if (c->bev_gone)
		return;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		close_transport(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (c->timer != NULL)
		evtimer_add(c->timer, &tv);
}

static void
finish(struct ws_conn *c, int code, const char *reason)
{
	struct timeval	 now = { 0, 0 };

	if (c->state == WS_ST_DONE)
		return;
	if (c->in_connect) {
		/* Never call back before ws_connect has returned. */
		c->pending_fail = code;
		snprintf(c->pending_why, sizeof c->pending_why, "%s", reason);
		evtimer_add(c->timer, &now);
		return;
	}
	c->state = WS_ST_DONE;
	if (c->timer != NULL)
		evtimer_del(c->timer);
	if (!c->user_gone && c->cbs != NULL && c->cbs->on_close != NULL)
		c->cbs->on_close(c, code, reason, c->arg);
	linger(c);
}

void
ws_free(struct ws_conn *c)
{
	if (c == NULL || c->user_gone)
		return;
	c->user_gone = 1;
	if (c->state != WS_ST_DONE) {
		c->state = WS_ST_DONE;
		linger(c);
	}
	ws_conn_enter(c);
	ws_conn_leave(c);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_conn	*c = arg;

	ws_conn_enter(c);
	if (c->pending_fail != 0 && c->state != WS_ST_DONE)
		finish(c, c->pending_fail, c->pending_why);
	else if (c->state == WS_ST_DONE)
		close_transport(c);
	else if (c->state == WS_ST_CLOSING)
		finish(c, WS_E_EOF, "no Close reply from peer");
	else
		finish(c, WS_E_TIMEOUT, "connect and upgrade timed out");
	ws_conn_leave(c);
}

static void
send_queued(struct ws_conn *c)
{
	if (wslay_event_send(c->ctx) != 0)
		finish(c, WS_E_EOF, "send failed");
	else if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    WS_OUT_LOW)
		c->out_high = 1;
}

/* A protocol failure: tell the peer with the matching close code and
 * end. */
static void
fail(struct ws_conn *c, int code, const char *why)
{
	int	 st = code == WS_E_TOOBIG ? WSLAY_CODE_MESSAGE_TOO_BIG :
	    code == WS_E_UTF8 ? WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA :
	    WSLAY_CODE_PROTOCOL_ERROR;

	if (!wslay_event_get_close_sent(c->ctx) &&
	    wslay_event_queue_close(c->ctx, (uint16_t)st, NULL, 0) == 0)
		wslay_event_send(c->ctx);
	finish(c, code, why);
}

/* UTF-8 check with an ASCII fast path: 8 bytes at a time until the first
 * byte with its high bit set, which starts a character. */
static int
text_ok(const char *p, size_t n)
{
	uint64_t v;
	size_t	 i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		if (v & 0x8080808080808080ULL)
			break;
	}
	return json_utf8_valid(p + i, n - i);
}

static int
frame_start(struct ws_conn *c, const struct wslay_frame_iocb *io)
{
	int	 op = io->opcode;

	if (c->cbs->on_frame != NULL)
		c->cbs->on_frame(c, op, c->arg);
	if (c->state == WS_ST_DONE)
		return -1;
	/* Clients mask, servers do not (RFC 6455 5.1); no extensions. */
	if (io->rsv != 0 || io->mask != c->server ||
	    (op > WSLAY_BINARY_FRAME && op < WSLAY_CONNECTION_CLOSE) ||
	    op > WSLAY_PONG ||
	    (op == WSLAY_CONTINUATION_FRAME && !c->msg_active) ||
	    ((op == WSLAY_TEXT_FRAME || op == WSLAY_BINARY_FRAME) &&
	    c->msg_active)) {
		fail(c, WS_E_PROTO, "protocol error (sent 1002)");
		return -1;
	}
	if (op == WSLAY_TEXT_FRAME || op == WSLAY_BINARY_FRAME) {
		c->msg_active = 1;
		c->msg_op = op;
		c->msg_len = 0;
	}
	if (!(op & 8) && io->payload_length > c->max_message - c->msg_len) {
		fail(c, WS_E_TOOBIG, "message too big (sent 1009)");
		return -1;
	}
	c->cur_op = op;
	c->cur_fin = io->fin;
	c->frame_left = io->payload_length;
	c->ctl_len = 0;
	c->direct = NULL;
	return 0;
}

static int
frame_data(struct ws_conn *c, const struct wslay_frame_iocb *io)
{
	size_t	 n = io->data_length, cap;
	char	*m;

	/* An empty piece (a fragment with no payload) adds nothing; memcpy
	 * from or to NULL is undefined even for 0 bytes. */
	if (n == 0 && !(c->cur_fin && c->msg_len == 0 &&
	    io->payload_length == 0))
		return 0;
	if (c->cur_op & 8) {
		memcpy(c->ctl + c->ctl_len, io->data, n);	/* <= 125 */
		c->ctl_len += n;
		return 0;
	}
	/* A whole message in one piece is handed over in place. */
	if (c->cur_fin && c->msg_len == 0 && n == io->payload_length) {
		c->direct = (const char *)io->data;
		c->msg_len = n;
		return 0;
	}
	if (c->msg_len + n > c->msg_cap) {
		for (cap = c->msg_cap ? c->msg_cap : 4096; cap < c->msg_len + n;
		    cap *= 2)
			;
		if ((m = realloc(c->msg, cap)) == NULL) {
			fail(c, WS_E_TOOBIG, "out of memory");
			return -1;
		}
		c->msg = m;
		c->msg_cap = cap;
	}
	memcpy(c->msg + c->msg_len, io->data, n);
	c->msg_len += n;
	return 0;
}

static void
control(struct ws_conn *c)
{
	struct wslay_event_msg	 m = { WSLAY_PONG, c->ctl, c->ctl_len };
	char			 why[128];
	int			 code;

	if (c->cur_op == WSLAY_PING) {
		if (!wslay_event_get_close_sent(c->ctx) &&
		    wslay_event_queue_msg(c->ctx, &m) == 0)
			send_queued(c);
		return;
	}
	if (c->cur_op != WSLAY_CONNECTION_CLOSE)
		return;
	if (c->ctl_len == 1) {
		fail(c, WS_E_PROTO, "bad Close frame (sent 1002)");
		return;
	}
	code = c->ctl_len >= 2 ? c->ctl[0] << 8 | c->ctl[1] : 1005;
	if (c->ctl_len > 2)
		snprintf(why, sizeof why, "%.*s", (int)(c->ctl_len - 2),
		    (const char *)c->ctl + 2);
	else
		snprintf(why, sizeof why, "peer closed");
	/* Echo the code, as RFC 6455 5.5.1 asks. */
	if (!wslay_event_get_close_sent(c->ctx) &&
	    wslay_event_queue_close(c->ctx, code == 1005 ? 0 : (uint16_t)code,
	    NULL, 0) == 0)
		wslay_event_send(c->ctx);
	finish(c, code, why);
}

/* A frame is complete: deliver a finished message or act on a control
 * frame.  -1 if the connection ended. */
static int
frame_end(struct ws_conn *c)
{
	const char	*p;

	if (c->cur_op & 8) {
		control(c);
		return c->state == WS_ST_DONE ? -1 : 0;
	}
	if (!c->cur_fin)
		return 0;
	p = c->direct != NULL ? c->direct : c->msg;
	if (p == NULL)		/* an empty message: nothing was stored */
		p = "";
	c->msg_active = 0;
	if (c->msg_op == WSLAY_TEXT_FRAME && !text_ok(p, c->msg_len)) {
		fail(c, WS_E_UTF8, "invalid UTF-8 (sent 1007)");
		return -1;
	}
	if (c->msg_op == WSLAY_TEXT_FRAME && c->cbs->on_text != NULL)
		c->cbs->on_text(c, p, c->msg_len, c->arg);
	c->msg_len = 0;
	c->direct = NULL;
	/* A rare big message does not pin its buffer. */
	if (c->msg_cap > (1u << 20)) {
		free(c->msg);
		c->msg = NULL;
		c->msg_cap = 0;
	}
	return c->state == WS_ST_DONE ? -1 : 0;
}

/* Read every complete frame that is buffered. */
static void
pump(struct ws_conn *c)
{
	struct wslay_frame_iocb	 io;
	ssize_t			 n;

	while (!c->paused &&
	    (c->state == WS_ST_OPEN || c->state == WS_ST_CLOSING)) {
		n = wslay_frame_recv(c->fctx, &io);
		if (n == WSLAY_ERR_WANT_READ)
			return;
		if (n < 0) {
			fail(c, WS_E_PROTO, "protocol error (sent 1002)");
			return;
		}
		if (!c->in_frame && frame_start(c, &io) == -1)
			return;
		c->in_frame = 1;
		c->frame_left -= io.data_length;
		if (frame_data(c, &io) == -1)
			return;
		if (c->frame_left == 0) {
			c->in_frame = 0;
			if (frame_end(c) == -1)
				return;
		}
	}
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_conn	*c = arg;

	ws_conn_enter(c);
	if (!c->paused)
		pump(c);
	ws_conn_leave(c);
}

/* Client handshake */

static int
check_upgrade(struct ws_conn *c, char *head)
{
	struct ws_http_req	 r;
	const char		*v;
	char			*first, want[29];
	int			 status;

	if (ws_parse_head(head, &first, &r) == -1 ||
	    sscanf(first, "HTTP/1.%*1[01] %3d", &status) != 1) {
		finish(c, WS_E_HTTP, "malformed HTTP response");
		return -1;
	}
	c->http_status = status;
	if (status != 101) {
		char	 why[128];
		snprintf(why, sizeof why, "upgrade refused: %.100s",
		    first + strcspn(first, " ") + (first[0] != '\0'));
		finish(c, WS_E_HTTP, why);
		return -1;
	}
	ws_accept_key(c->key, want);
	if (!ws_has_token(ws_http_header(&r, "Upgrade"), "websocket") ||
	    !ws_has_token(ws_http_header(&r, "Connection"), "upgrade") ||
	    (v = ws_http_header(&r, "Sec-WebSocket-Accept")) == NULL ||
	    strcmp(v, want) != 0) {
		finish(c, WS_E_HTTP, "bad 101 response (Upgrade, Connection "
		    "or Sec-WebSocket-Accept)");
		return -1;
	}
	return 0;
}

static void
client_read_head(struct ws_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 p;
	char			*head;
	size_t			 n;

	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos == -1) {
		if (evbuffer_get_length(in) > WS_MAX_HEAD)
			finish(c, WS_E_HTTP, "HTTP response head too long");
		return;
	}
	n = (size_t)p.pos + 4;
	if (n > WS_MAX_HEAD || (head = malloc(n + 1)) == NULL) {
		finish(c, WS_E_HTTP, "HTTP response head too long");
		return;
	}
	evbuffer_remove(in, head, n);
	head[n] = '\0';
	if (check_upgrade(c, head) == 0 && ws_conn_open(c) == -1)
		finish(c, WS_E_PROTO, "out of memory");
	free(head);
	if (c->state == WS_ST_OPEN && evbuffer_get_length(in) > 0)
		pump(c);
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct ws_conn	*c = arg;

	ws_conn_enter(c);
	if (c->state == WS_ST_UPGRADE)
		client_read_head(c);
	else if (c->state == WS_ST_HTTP && c->http_read != NULL) {
		c->http_read(c);
		/* Frames may follow the upgrade request in one read. */
		if (c->state == WS_ST_OPEN &&
		    evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			pump(c);
	} else
		pump(c);
	ws_conn_leave(c);
}

static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct ws_conn	*c = arg;
	size_t		 n = evbuffer_get_length(bufferevent_get_output(bev));

	ws_conn_enter(c);
	if (c->state == WS_ST_DONE) {
		if (n == 0)
			close_transport(c);
	} else if (c->state == WS_ST_HTTP && c->close_after_write && n == 0) {
		finish(c, WS_E_EOF, "HTTP connection closed");
	} else if (c->out_high && n <= WS_OUT_LOW) {
		c->out_high = 0;
		if (c->cbs != NULL && c->cbs->on_writable != NULL)
			c->cbs->on_writable(c, c->arg);
	}
	ws_conn_leave(c);
}

/* Why the TLS handshake failed, if it did: the certificate check's
 * verdict when there is one, else the first real OpenSSL error. */
static int
tls_failed(struct ws_conn *c, char *buf, size_t len)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(c->bev);
	unsigned long	 e, pick = 0;
	long		 v;
	int		 any = 0;

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		any = 1;
		if (pick == 0 && ERR_GET_LIB(e) != 0)
			pick = e;
	}
	if (!any || ssl == NULL)
		return 0;
	if ((v = SSL_get_verify_result(ssl)) != X509_V_OK)
		snprintf(buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
	else if (pick != 0)
		ERR_error_string_n(pick, buf, len);
	else
		snprintf(buf, len, "TLS handshake failed");
	return 1;
}

/* Did the TCP connect itself fail?  Under TLS the failure reaches us as a
 * handshake error; the socket's own error (or errno) says what it was. */
static int
connect_errno(struct bufferevent *bev)
{
	int		e = 0, saved = EVUTIL_SOCKET_ERROR();
	socklen_t	len = sizeof(e);
	evutil_socket_t	fd = bufferevent_getfd(bev);

	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 &&
	    e != 0)
		return e;
	switch (saved) {
	case ECONNREFUSED: case ETIMEDOUT: case EHOSTUNREACH:
	case ENETUNREACH: case EADDRNOTAVAIL:
		return saved;
	}
	return 0;
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct ws_conn	*c = arg;
	char		 why[400];	/* a reason and c->peer */
	int		 dnserr, cerr;

	ws_conn_enter(c);
	if (what & BEV_EVENT_CONNECTED) {
		if (c->state == WS_ST_CONNECT) {
			ws_nodelay(bufferevent_getfd(bev));
			c->state = WS_ST_UPGRADE;
			bufferevent_write(bev, c->reqtext, strlen(c->reqtext));
			free(c->reqtext);
			c->reqtext = NULL;
		}
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->peer_gone = 1;	/* writing now could raise SIGPIPE */
		if (c->state == WS_ST_DONE)
			close_transport(c);
		else if (c->state == WS_ST_CONNECT &&
		    (dnserr = bufferevent_socket_get_dns_error(bev)) != 0) {
			snprintf(why, sizeof why, "%s", evutil_gai_strerror(dnserr));
			finish(c, WS_E_DNS, why);
		} else if (c->state == WS_ST_CONNECT &&
		    (cerr = connect_errno(bev)) != 0) {
			while (bufferevent_get_openssl_error(bev) != 0)
				;	/* not a TLS problem */
			snprintf(why, sizeof why, "%s (%s)",
			    evutil_socket_error_to_string(cerr), c->peer);
			finish(c, WS_E_CONNECT, why);
		} else if (c->state == WS_ST_CONNECT &&
		    tls_failed(c, why, sizeof why))
			finish(c, WS_E_TLS, why);
		else if (c->state == WS_ST_CONNECT) {
			snprintf(why, sizeof why, "%s (%s)",
			    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()),
			    c->peer);
			finish(c, WS_E_CONNECT, why);
		}
		else {
			/* Frames that came with the FIN are still due. */
			if (c->state == WS_ST_OPEN || c->state == WS_ST_CLOSING)
				pump(c);
			else if (c->state == WS_ST_UPGRADE)
				client_read_head(c);
			finish(c, WS_E_EOF, what & BEV_EVENT_ERROR ?
			    "connection reset" : "connection closed");
		}
		if (c->state == WS_ST_DONE)
			close_transport(c);
	}
	ws_conn_leave(c);
}

struct ws_conn *
ws_conn_new(struct event_base *base, struct bufferevent *bev, int server,
    size_t max_message)
{
	struct ws_conn	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->base = base;
	c->bev = bev;
	c->server = server;
	c->max_message = max_message ? max_message : WS_DEF_MAX_MSG;
	c->timer = evtimer_new(base, timer_cb, c);
	c->kick = event_new(base, -1, 0, kick_cb, c);
	if (c->timer == NULL || c->kick == NULL) {
		if (c->timer)
			event_free(c->timer);
		if (c->kick)
			event_free(c->kick);
		free(c);
		return NULL;
	}
	c->next = live;
	if (live != NULL)
		live->prev = c;
	live = c;
	bufferevent_setcb(bev, conn_readcb, conn_writecb, conn_eventcb, c);
	bufferevent_setwatermark(bev, EV_WRITE, WS_OUT_LOW, 0);
	return c;
}

/* Client connect */

int
ws_parse_url(const char *s, struct ws_url *u)
{
	static const struct { const char *scheme; int tls; } sch[] = {
		{ "wss://", 1 }, { "ws://", 0 }, { "https://", 1 },
		{ "http://", 0 }
	};
	const char	*h = NULL, *e, *p;
	size_t		 hl, i;

	for (i = 0; i < sizeof sch / sizeof sch[0] && h == NULL; i++)
		if (strncmp(s, sch[i].scheme, strlen(sch[i].scheme)) == 0) {
			u->tls = sch[i].tls;
			h = s + strlen(sch[i].scheme);
		}
	if (h == NULL)
		return -1;
	p = h + strcspn(h, "/?");
	if (*h == '[') {		/* [v6addr]:port */
		if ((e = memchr(h, ']', p - h)) == NULL)
			return -1;
		hl = e - h - 1;
		memcpy(u->host, h + 1, hl < sizeof u->host ? hl : 0);
		e++;
	} else {
		e = memchr(h, ':', p - h);
		if (e == NULL)
			e = p;
		hl = e - h;
		if (hl >= sizeof u->host)
			return -1;
		memcpy(u->host, h, hl);
	}
	if (hl == 0 || hl >= sizeof u->host)
		return -1;
	u->host[hl] = '\0';
	u->port = u->tls ? 443 : 80;
	if (*e == ':') {
		char *end;
		long v = strtol(e + 1, &end, 10);
		if (end != p || v < 1 || v > 65535)
			return -1;
		u->port = (int)v;
	} else if (e != p)
		return -1;
	snprintf(u->path, sizeof u->path, "%s%s", *p == '?' ? "/" : "", p);
	if (u->path[0] == '\0')
		strcpy(u->path, "/");
	return 0;
}

static char *
make_request(struct ws_conn *c, const struct ws_url *u,
    const char *const *headers)
{
	struct evbuffer	*b = evbuffer_new();
	unsigned char	 raw[16];
	char		*out = NULL;
	size_t		 n;

	if (b == NULL || RAND_bytes(raw, sizeof raw) != 1)
		goto done;
	b64_encode(raw, sizeof raw, c->key);
	evbuffer_add_printf(b, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
	    u->path, c->hostport, c->key);
	for (; headers != NULL && *headers != NULL; headers++)
		evbuffer_add_printf(b, "%s\r\n", *headers);
	evbuffer_add(b, "\r\n", 3);	/* with the NUL */
	n = evbuffer_get_length(b);
	if ((out = malloc(n)) != NULL)
		evbuffer_remove(b, out, n);
done:
	if (b != NULL)
		evbuffer_free(b);
	return out;
}

static struct bufferevent *
client_bev(struct event_base *base, const struct ws_url *u, SSL_CTX *ctx)
{
	SSL	*ssl;

	if (!u->tls)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = tls_client_ssl(ctx, u->host)) == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
}

struct ws_conn *
ws_connect(struct event_base *base, struct evdns_base *dns,
    const struct ws_client_opts *o, const struct ws_cbs *cbs, void *arg)
{
	struct bufferevent	*bev;
	struct ws_conn		*c;
	struct timeval		 tv;
	struct ws_url		 u;
	int			 ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;

	if (strncmp(o->url, "ws", 2) != 0 || ws_parse_url(o->url, &u) == -1) {
		log_error("bad WebSocket URL", "url=%s", log_q(o->url));
		return NULL;
	}
	if (u.tls && o->ssl == NULL) {
		log_error("wss:// URL needs a TLS context", "url=%s",
		    log_q(o->url));
		return NULL;
	}
	if ((bev = client_bev(base, &u, o->ssl)) == NULL)
		return NULL;
	if (u.tls)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if ((c = ws_conn_new(base, bev, 0, o->max_message)) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	c->cbs = cbs;
	c->arg = arg;
	c->state = WS_ST_CONNECT;
	if (strchr(u.host, ':') != NULL)
		snprintf(c->hostport, sizeof c->hostport, "[%s]", u.host);
	else
		snprintf(c->hostport, sizeof c->hostport, "%s", u.host);
	if (u.port != (u.tls ? 443 : 80))
		snprintf(c->hostport + strlen(c->hostport),
		    sizeof c->hostport - strlen(c->hostport), ":%d", u.port);
	snprintf(c->peer, sizeof c->peer, "%s:%d", u.host, u.port);
	if ((c->reqtext = make_request(c, &u, o->headers)) == NULL)
		goto fail;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(c->timer, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	c->in_connect = 1;
	if (bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC, u.host,
	    u.port) == -1 && c->pending_fail == 0)
		finish(c, WS_E_CONNECT, "connect failed");
	c->in_connect = 0;
	return c;
fail:
	c->user_gone = 1;
	really_free(c);
	return NULL;
}

int
ws_http_status(const struct ws_conn *c)
{
	return c->http_status;
}

static int
after_queue(struct ws_conn *c, int rc)
{
	if (rc != 0)
		return -1;
	ws_conn_enter(c);
	send_queued(c);
	ws_conn_leave(c);
	return 0;
}

static int
sendable(const struct ws_conn *c)
{
	return c->state == WS_ST_OPEN && !c->bev_gone;
}

int
ws_send_text(struct ws_conn *c, const char *p, size_t n)
{
	struct wslay_event_msg	 m = { WSLAY_TEXT_FRAME, (const uint8_t *)p, n };

	if (!sendable(c))
		return -1;
	return after_queue(c, wslay_event_queue_msg(c->ctx, &m));
}

int
ws_send_ping(struct ws_conn *c, const void *p, size_t n)
{
	struct wslay_event_msg	 m = { WSLAY_PING, p, n };

	if (!sendable(c) || n > 125)
		return -1;
	return after_queue(c, wslay_event_queue_msg(c->ctx, &m));
}

struct ws_frag {
	size_t	 n, off, frag;
	char	 p[];
};

static ssize_t
frag_read(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    const union wslay_event_msg_source *src, int *eof, void *u)
{
	struct ws_frag	*f = src->data;
	size_t		 k = f->n - f->off;

	if (k > f->frag)
		k = f->frag;
	if (k > len)
		k = len;
	memcpy(buf, f->p + f->off, k);
	f->off += k;
	*eof = f->off == f->n;
	return (ssize_t)k;
}

int
ws_send_fragmented(struct ws_conn *c, const char *p, size_t n, size_t frag)
{
	struct wslay_event_fragmented_msg m;
	struct ws_frag	*f;
	int		 rc;

	if (!sendable(c) || frag == 0 || c->frag != NULL)
		return -1;
	if ((f = malloc(sizeof *f + n)) == NULL)
		return -1;
	memcpy(f->p, p, n);
	f->n = n;
	f->off = 0;
	f->frag = frag;
	m.opcode = WSLAY_TEXT_FRAME;
	m.source.data = f;
	m.read_callback = frag_read;
	c->frag = f;
	rc = after_queue(c, wslay_event_queue_fragmented_msg(c->ctx, &m));
	/* The send callback takes all, so the message is out by now. */
	if (f->off == f->n || rc != 0) {
		free(c->frag);
		c->frag = NULL;
	}
	return rc;
}

int
ws_close(struct ws_conn *c, int code, const char *reason)
{
	struct timeval	 tv = { CLOSE_GRACE_MS / 1000, 0 };
	size_t		 rl = reason ? strlen(reason) : 0;

	if (!sendable(c))
		return -1;
	if (rl > 122)
		rl = 122;
	if (wslay_event_queue_close(c->ctx, (uint16_t)code,
	    (const uint8_t *)reason, rl) != 0)
		return -1;
	c->state = WS_ST_CLOSING;
	evtimer_add(c->timer, &tv);
	ws_conn_enter(c);
	if (wslay_event_send(c->ctx) != 0)
		finish(c, WS_E_EOF, "send failed");
	ws_conn_leave(c);
	return 0;
}

void
ws_abort(struct ws_conn *c)
{
	struct linger	 l = { 1, 0 };
	int		 fd;

	if (c->bev_gone)
		return;
	if ((fd = bufferevent_getfd(c->bev)) >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	/* No close_notify: the peer must see a reset, not a clean end. */
	if (bufferevent_openssl_get_ssl(c->bev) != NULL)
		SSL_set_quiet_shutdown(bufferevent_openssl_get_ssl(c->bev), 1);
	evbuffer_drain(bufferevent_get_output(c->bev),
	    evbuffer_get_length(bufferevent_get_output(c->bev)));
	ws_conn_enter(c);
	close_transport(c);
	finish(c, WS_E_EOF, "aborted");
	ws_conn_leave(c);
}

void
ws_pause(struct ws_conn *c, int paused)
{
	if (c->bev_gone || c->paused == !!paused)
		return;
	c->paused = !!paused;
	if (c->paused)
		bufferevent_disable(c->bev, EV_READ);
	else {
		bufferevent_enable(c->bev, EV_READ);
		/* Frames already buffered (ours or wslay's) would wait for
		 * new bytes otherwise. */
		event_active(c->kick, 0, 0);
	}
}

int
ws_set_read_rate(struct ws_conn *c, size_t rate)
{
	struct ev_token_bucket_cfg *cfg = NULL;

	if (c->bev_gone)
		return -1;
	if (rate > 0 && (cfg = ev_token_bucket_cfg_new(rate, rate,
	    EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, NULL)) == NULL)
		return -1;
	if (bufferevent_set_rate_limit(c->bev, cfg) == -1) {
		if (cfg != NULL)
			ev_token_bucket_cfg_free(cfg);
		return -1;
	}
	if (c->rate != NULL)
		ev_token_bucket_cfg_free(c->rate);
	c->rate = cfg;
	return 0;
}

size_t
ws_out_pending(const struct ws_conn *c)
{
	return c->bev_gone ? 0 :
	    evbuffer_get_length(bufferevent_get_output(c->bev));
}

const char *
ws_peer(const struct ws_conn *c)
{
	return c->peer;
}

void
ws_set_arg(struct ws_conn *c, void *arg)
{
	c->arg = arg;
}
