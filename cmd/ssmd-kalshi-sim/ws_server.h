/* ws_server: the server side of lib/ws.  One listener serves WebSocket
 * upgrades and plain HTTP/1.1 GET requests (keep-alive) on the same port,
 * with or without TLS.  Only the simulator serves, so it lives here; it
 * hooks itself into each accepted connection (ws_conn.http_read) so that
 * clients never link it. */
#ifndef SSMD_WS_SERVER_H
#define SSMD_WS_SERVER_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "ws.h"

struct evbuffer;

struct ws_http_resp {
	int		 status;	/* default 404 */
	const char	*content_type;	/* default application/json */
	char		 headers[256];	/* extra "Name: value\r\n" lines */
	struct evbuffer	*body;		/* owned by the server */
};

struct ws_server_cbs {
	/* A request that is not an upgrade: fill resp. */
	void	(*on_request)(const struct ws_http_req *, struct ws_http_resp *,
		    void *arg);
	/* An upgrade request: return 101 and set *cbs and *conn_arg to
	 * accept (on_open follows), or set resp and return its status to
	 * refuse (e.g. 401). */
	int	(*on_upgrade)(const struct ws_http_req *, struct ws_http_resp *,
		    const struct ws_cbs **cbs, void **conn_arg, void *arg);
};

struct ws_server_opts {
	const char	*addr;		/* "127.0.0.1" (default), "0.0.0.0" */
	int		 port;		/* 0: any free port */
	SSL_CTX		*ssl;		/* NULL: plain */
	size_t		 max_message;	/* 0: 16 MiB */
};

struct ws_server *ws_server_new(struct event_base *,
		    const struct ws_server_opts *, const struct ws_server_cbs *,
		    void *arg, char *err, size_t errlen);
int	ws_server_port(const struct ws_server *);
/* Stop listening; open connections stay theirs. */
void	ws_server_free(struct ws_server *);

#endif
