/* ws: RFC 6455 WebSocket connections over libevent bufferevents, plain or
 * TLS, client and server.  Framing, masking, fragment reassembly, UTF-8
 * checking of text messages and automatic Pong replies are wslay's; the
 * HTTP/1.1 upgrade handshake (both roles) and the glue are ours.
 *
 * Memory is bounded in both directions: an incoming message larger than
 * max_message closes the connection with 1009; outgoing data sits in the
 * bufferevent's output buffer, whose size ws_out_pending() reports, so a
 * producer can wait for on_writable instead of queueing without limit.
 *
 * A program using ws must ignore SIGPIPE (sig_init() does): a peer can
 * vanish while we write.
 *
 * Lifetime: every connection ends with exactly one on_close call, after
 * which the owner calls ws_free (from inside on_close is fine).  Calling
 * ws_free earlier drops the connection at once and on_close is not called. */
#ifndef SSMD_WS_H
#define SSMD_WS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

struct event_base;
struct evdns_base;
struct evbuffer;
struct ws_conn;

enum ws_fail {
	WS_E_DNS = -1,		/* name did not resolve */
	WS_E_CONNECT = -2,	/* TCP connect failed or was reset */
	WS_E_TLS = -3,		/* TLS handshake or certificate check failed */
	WS_E_HTTP = -4,		/* upgrade refused: see ws_http_status() */
	WS_E_PROTO = -5,	/* WebSocket protocol violation (sent 1002) */
	WS_E_TOOBIG = -6,	/* message over max_message (sent 1009) */
	WS_E_UTF8 = -7,		/* text message not UTF-8 (sent 1007) */
	WS_E_EOF = -8,		/* TCP closed without a Close frame */
	WS_E_TIMEOUT = -9	/* connect, TLS and upgrade took too long */
};

struct ws_cbs {
	/* The upgrade completed (client: 101 received and checked). */
	void	(*on_open)(struct ws_conn *, void *arg);
	/* One complete text message, fragments reassembled, UTF-8 checked.
	 * p is valid only during the call. */
	void	(*on_text)(struct ws_conn *, const char *p, size_t n, void *arg);
	/* Any frame, control frames included (liveness); may be NULL.  For
	 * a fragmented message it is called once per fragment. */
	void	(*on_frame)(struct ws_conn *, int opcode, void *arg);
	/* The connection is over: code >= 1000 is the peer's close code
	 * (1005 when its Close frame had none), or a negative enum ws_fail.
	 * reason is the peer's close reason or a short description. */
	void	(*on_close)(struct ws_conn *, int code, const char *reason,
		    void *arg);
	/* Optional: the output buffer drained below WS_OUT_LOW after
	 * having held data; a producer may send more. */
	void	(*on_writable)(struct ws_conn *, void *arg);
};

/* A producer should stop sending while ws_out_pending() >= WS_OUT_HIGH
 * and resume on on_writable (fired at WS_OUT_LOW). */
#define WS_OUT_HIGH	(256 * 1024)
#define WS_OUT_LOW	(64 * 1024)

struct ws_client_opts {
	const char	*url;		/* ws:// or wss://host[:port]/path[?q] */
	SSL_CTX		*ssl;		/* required for wss://; SNI and host
					   name are set and verified */
	const char *const *headers;	/* extra "Name: value", NULL-ended */
	size_t		 max_message;	/* 0: 16 MiB */
	int		 timeout_ms;	/* connect + TLS + upgrade; 0: 30 s */
};

/* A parsed ws://, wss://, http:// or https:// URL; the port defaults to
 * 80 or 443, the path to "/" and keeps its query.  0, or -1 if bad. */
struct ws_url {
	int	 tls;
	char	 host[256];	/* without brackets for IPv6 */
	int	 port;
	char	 path[2048];
};
int	ws_parse_url(const char *, struct ws_url *);

/* Start connecting; the result arrives as on_open or on_close.  NULL only
 * for a bad URL or options (logged) or out of memory. */
struct ws_conn	*ws_connect(struct event_base *, struct evdns_base *,
		    const struct ws_client_opts *, const struct ws_cbs *,
		    void *arg);
/* The HTTP status of the upgrade response (101 once open; 401 ... when
 * refused; 0 before a response). */
int	ws_http_status(const struct ws_conn *);

/* Queue a message and start writing it.  0, or -1 if the connection is
 * closing or closed. */
int	ws_send_text(struct ws_conn *, const char *, size_t);
int	ws_send_ping(struct ws_conn *, const void *, size_t);
/* Send a text message as fragments of at most frag bytes each. */
int	ws_send_fragmented(struct ws_conn *, const char *, size_t, size_t frag);
/* Send a Close frame with code and reason (reason < 123 bytes) and end
 * the connection once it is written (or after a short grace period). */
int	ws_close(struct ws_conn *, int code, const char *reason);
/* Drop the TCP connection at once with a RST (no Close frame, no TLS
 * close_notify); on_close follows with WS_E_EOF.  For fault injection. */
void	ws_abort(struct ws_conn *);
/* Stop (1) or resume (0) reading the socket: TCP backpressure. */
void	ws_pause(struct ws_conn *, int paused);
/* Read at most rate bytes per second from the socket (0: no limit). */
int	ws_set_read_rate(struct ws_conn *, size_t rate);
/* Bytes written by us but not yet accepted by the kernel. */
size_t	ws_out_pending(const struct ws_conn *);
/* "ip:port" of the peer. */
const char *ws_peer(const struct ws_conn *);
void	ws_set_arg(struct ws_conn *, void *arg);
void	ws_free(struct ws_conn *);

/* What an HTTP request looks like to either side (the server lives with
 * the only program that serves: ssmd-kalshi-sim's ws_server.h). */
struct ws_server;

struct ws_http_req {
	const char	*method;
	const char	*target;	/* as sent: path?query */
	const char	*path;		/* without the query */
	const char	*query;		/* after '?', or "" */
	const char	*peer;		/* "ip:port" */
	int		 upgrade;	/* a valid WebSocket upgrade request */
	int		 nhdr;
	struct { const char *name, *value; } hdr[64];
};

/* Value of a request header (case-insensitive name), or NULL. */
const char *ws_http_header(const struct ws_http_req *, const char *name);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (29 bytes with NUL). */
void	ws_accept_key(const char *key, char out[29]);

#endif
