/* ws_server: one listener for WebSocket upgrades and small HTTP/1.1 GET
 * requests (the REST side of the simulator), plain or TLS.  Request
 * bodies are not accepted; responses carry Content-Length and the
 * connection is kept alive unless the client asked otherwise. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>

#include "log.h"
#include "ws_int.h"
#include "ws_server.h"

struct ws_server {
	struct event_base	*base;
	struct evconnlistener	*lev;
	SSL_CTX			*ssl;
	struct ws_server_cbs	 cbs;
	void			*arg;
	size_t			 max_message;
	int			 port;
};

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void
respond(struct ws_conn *c, struct ws_http_resp *r, int keep)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: %s\r\n\r\n", r->status,
	    reason_phrase(r->status), r->content_type ? r->content_type :
	    "application/json", evbuffer_get_length(r->body), r->headers,
	    keep ? "keep-alive" : "close");
	evbuffer_add_buffer(out, r->body);
	if (!keep)
		c->close_after_write = 1;
}

static void
simple(struct ws_conn *c, int status, const char *msg)
{
	struct ws_http_resp	 r = { status, NULL, "", evbuffer_new() };

	if (r.body == NULL)
		return;
	evbuffer_add_printf(r.body, "{\"error\":{\"code\":\"%d\","
	    "\"message\":\"%s\"}}\n", status, msg);
	respond(c, &r, 0);
	evbuffer_free(r.body);
}

/* The WebSocket upgrade: ask the owner, then 101 or its refusal. */
static void
upgrade(struct ws_conn *c, struct ws_http_req *req, int keep)
{
	struct ws_server	*s = c->srv;
	struct ws_http_resp	 r = { 404, NULL, "", evbuffer_new() };
	const struct ws_cbs	*cbs = NULL;
	void			*carg = NULL;
	char			 acc[29];
	int			 st;

	if (r.body == NULL)
		return;
	st = s->cbs.on_upgrade(req, &r, &cbs, &carg, s->arg);
	if (st != 101 || cbs == NULL) {
		r.status = st == 101 ? 500 : st;
		respond(c, &r, 0);
		evbuffer_free(r.body);
		return;
	}
	evbuffer_free(r.body);
	ws_accept_key(ws_http_header(req, "Sec-WebSocket-Key"), acc);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	c->cbs = cbs;
	c->arg = carg;
	c->user_gone = 0;	/* from now on the owner frees it */
	if (ws_conn_open(c) == -1) {
		c->user_gone = 1;
		ws_abort(c);
	}
}

/* Parse one request head out of buf; 0 handled, -1 malformed. */
static int
one_request(struct ws_conn *c, char *head)
{
	struct ws_server	*s = c->srv;
	struct ws_http_req	 req;
	struct ws_http_resp	 r;
	const char		*v, *conn;
	char			*first, *sp1, *sp2, path[2048];
	int			 keep, minor;

	memset(&req, 0, sizeof req);
	if (ws_parse_head(head, &first, &req) == -1 ||
	    (sp1 = strchr(first, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    sscanf(sp2 + 1, "HTTP/1.%d", &minor) != 1)
		return -1;
	*sp1 = *sp2 = '\0';
	req.method = first;
	req.target = sp1 + 1;
	req.peer = c->peer;
	snprintf(path, sizeof path, "%.*s", (int)strcspn(req.target, "?"),
	    req.target);
	req.path = path;
	req.query = strchr(req.target, '?') ? strchr(req.target, '?') + 1 : "";
	conn = ws_http_header(&req, "Connection");
	keep = minor >= 1 && !ws_has_token(conn, "close");
	if (((v = ws_http_header(&req, "Content-Length")) != NULL &&
	    strcmp(v, "0") != 0) ||
	    ws_http_header(&req, "Transfer-Encoding") != NULL) {
		simple(c, 400, "request bodies are not accepted");
		return 0;
	}
	if (ws_http_header(&req, "Upgrade") != NULL) {
		v = ws_http_header(&req, "Sec-WebSocket-Version");
		req.upgrade = strcmp(req.method, "GET") == 0 &&
		    ws_has_token(ws_http_header(&req, "Upgrade"), "websocket") &&
		    ws_has_token(conn, "upgrade") && v != NULL &&
		    strcmp(v, "13") == 0 &&
		    ws_http_header(&req, "Sec-WebSocket-Key") != NULL &&
		    strlen(ws_http_header(&req, "Sec-WebSocket-Key")) == 24;
		if (!req.upgrade) {
			simple(c, 400, "bad WebSocket upgrade request");
			return 0;
		}
		upgrade(c, &req, keep);
		return 0;
	}
	r.status = 404;
	r.content_type = NULL;
	r.headers[0] = '\0';
	if ((r.body = evbuffer_new()) == NULL)
		return -1;
	if (s->cbs.on_request != NULL)
		s->cbs.on_request(&req, &r, s->arg);
	respond(c, &r, keep);
	evbuffer_free(r.body);
	return 0;
}

static void
http_read(struct ws_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 p;
	char			*head;
	size_t			 n;

	while (c->state == WS_ST_HTTP && !c->close_after_write) {
		p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (p.pos == -1) {
			if (evbuffer_get_length(in) > WS_MAX_HEAD)
				simple(c, 431, "request head too long");
			return;
		}
		n = (size_t)p.pos + 4;
		if (n > WS_MAX_HEAD) {
			simple(c, 431, "request head too long");
			return;
		}
		if ((head = malloc(n + 1)) == NULL)
			return;
		evbuffer_remove(in, head, n);
		head[n] = '\0';
		if (one_request(c, head) == -1)
			simple(c, 400, "malformed request");
		free(head);
	}
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int slen, void *arg)
{
	struct ws_server	*s = arg;
	struct bufferevent	*bev;
	struct ws_conn		*c;
	SSL			*ssl;

	ws_nodelay(fd);
	if (s->ssl != NULL) {
		if ((ssl = SSL_new(s->ssl)) == NULL) {
			evutil_closesocket(fd);
			return;
		}
		bev = bufferevent_openssl_socket_new(s->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else
		bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if ((c = ws_conn_new(s->base, bev, 1, s->max_message)) == NULL) {
		bufferevent_free(bev);
		return;
	}
	c->srv = s;
	c->http_read = http_read;
	c->state = WS_ST_HTTP;
	c->user_gone = 1;	/* the server's own until upgraded */
	ws_peer_name(fd, c->peer, sizeof c->peer);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ws_server *
ws_server_new(struct event_base *base, const struct ws_server_opts *o,
    const struct ws_server_cbs *cbs, void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct ws_server	*s;
	socklen_t		 sl;
	const char		*addr = o->addr ? o->addr : "127.0.0.1";

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(o->port);
		sl = sizeof *s4;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o->port);
		sl = sizeof *s6;
	} else {
		snprintf(err, errlen, "not an IP address: %s", addr);
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base = base;
	s->ssl = o->ssl;
	s->cbs = *cbs;
	s->arg = arg;
	s->max_message = o->max_message;
	s->lev = evconnlistener_new_bind(base, accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	    (struct sockaddr *)&ss, (int)sl);
	if (s->lev == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr,
		    o->port, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
		free(s);
		return NULL;
	}
	sl = sizeof ss;
	getsockname(evconnlistener_get_fd(s->lev), (struct sockaddr *)&ss, &sl);
	s->port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return s;
}

int
ws_server_port(const struct ws_server *s)
{
	return s->port;
}

void
ws_server_free(struct ws_server *s)
{
	if (s == NULL)
		return;
	evconnlistener_free(s->lev);
	free(s);
}
