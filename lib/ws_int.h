/* ws_int: what ws.c (connections, client) and the server
 * (cmd/ssmd-kalshi-sim/ws_server.c) share.  Not a public interface. */
#ifndef SSMD_WS_INT_H
#define SSMD_WS_INT_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <wslay/wslay.h>

#include "ws.h"

#define WS_MAX_HEAD	16384	/* an HTTP head longer than this is refused */
#define WS_DEF_MAX_MSG	(16u << 20)

enum ws_state {
	WS_ST_CONNECT,		/* client: TCP / TLS under way */
	WS_ST_UPGRADE,		/* client: request sent, awaiting 101 */
	WS_ST_HTTP,		/* server: reading an HTTP request */
	WS_ST_OPEN,
	WS_ST_CLOSING,		/* we sent Close, awaiting the peer's */
	WS_ST_DONE		/* on_close given; flushing, then closed */
};

struct ws_frag;

struct ws_conn {
	struct ws_conn		*next, *prev;	/* every live conn (see ws.c) */
	struct event_base	*base;
	struct bufferevent	*bev;
	wslay_event_context_ptr	 ctx;
	const struct ws_cbs	*cbs;
	void			*arg;
	struct event		*timer;		/* timeout, close grace, linger */
	struct event		*kick;		/* resume reading buffered input */
	struct ev_token_bucket_cfg *rate;
	struct ws_server	*srv;		/* server side */
	/* Server side: reads and answers HTTP requests before the upgrade.
	 * Set by the server so that ws.c (and every client) never links it. */
	void			(*http_read)(struct ws_conn *);
	struct ws_frag		*frag;		/* fragmented message being sent */
	enum ws_state		 state;
	int			 server;
	int			 http_status;
	int			 paused;
	int			 in_cb;		/* callback depth: defer frees */
	int			 user_gone;	/* ws_free called */
	int			 bev_gone;	/* transport closed */
	int			 peer_gone;	/* EOF or error seen */
	int			 out_high;	/* output passed WS_OUT_LOW */
	int			 close_after_write; /* HTTP: Connection: close */
	int			 in_connect;	/* inside ws_connect() */
	int			 pending_fail;	/* failed there: report later */
	char			 pending_why[160];
	size_t			 max_message;
	wslay_frame_context_ptr	 fctx;		/* reading */
	char			*msg;		/* the message being reassembled */
	const char		*direct;	/* or the frame itself, in place */
	size_t			 msg_len, msg_cap;
	uint64_t		 frame_left;
	int			 in_frame, msg_active, cur_op, cur_fin, msg_op;
	unsigned char		 ctl[125];	/* control frame payload */
	size_t			 ctl_len;
	char			 key[25];	/* client's Sec-WebSocket-Key */
	char			 peer[300];
	char			 hostport[300];
	char			*reqtext;	/* client upgrade request */
};

struct ws_conn *ws_conn_new(struct event_base *, struct bufferevent *,
		    int server, size_t max_message);
/* Make c a WebSocket: wslay context, callbacks, state OPEN; on_open. */
int	ws_conn_open(struct ws_conn *);
void	ws_conn_enter(struct ws_conn *);
/* Leave a callback section; frees c if it is over.  1 if c is gone. */
int	ws_conn_leave(struct ws_conn *);
/* Split an HTTP head (NUL-terminated, in place) into its first line and
 * headers; -1 if malformed. */
int	ws_parse_head(char *head, char **first, struct ws_http_req *);
/* Does a comma-separated header value list contain token (any case)? */
int	ws_has_token(const char *list, const char *token);
void	ws_peer_name(int fd, char *out, size_t len);
void	ws_nodelay(int fd);

#endif
