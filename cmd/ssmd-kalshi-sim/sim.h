/* sim: what server.c (server, traffic, faults) and commands.c (client
 * commands) share.  Not a public interface. */
#ifndef SSMD_SIM_INT_H
#define SSMD_SIM_INT_H

#include <stdio.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "metrics.h"
#include "traffic.h"
#include "server.h"
#include "markets.h"
#include "wbuf.h"
#include "ws_server.h"

#define SIM_MAX_TICKERS	256	/* per command, as Kalshi */

enum sim_chan {
	CH_TICKER, CH_TICKER_V2, CH_TRADE, CH_BOOK, CH_LIFE, CH_FILL,
	CH_POSITIONS, CH_NCHAN
};

struct sim_sub {
	int		 sid;
	int		 ch;
	int		 all;		/* every market */
	uint32_t	*mk;		/* market indices */
	struct sim_book	*bk;		/* per market, orderbook_delta only */
	size_t		 n, cap;
	int64_t		 seq;		/* last seq sent on this sid */
};

struct sim;

struct sim_conn {
	struct sim_conn	*next, *prev;
	struct sim	*s;
	struct ws_conn	*ws;
	unsigned	 id;
	struct sim_rng	 rng;
	struct sim_sub	*subs;
	size_t		 nsubs, capsubs;
	int		 next_sid;
	struct sim_tick	*tick;		/* per market, made on first use */
	uint64_t	 frames;	/* data frames sent */
	int64_t		 clock_ms;
	struct event	*gen;
	struct event	*reset;		/* reset fault, once flushed */
	double		 budget, last;
	struct sim_fault faults[SIM_MAX_FAULTS];
	int		 nfaults;
	int		 silent, ending, gap_pending, started;
	size_t		 frag_next;
	FILE		*replay;
	char		*line;
	size_t		 linecap;
	char		 auth_ts[24];
};

struct sim {
	const struct sim_opts *o;
	struct event_base *base;
	struct ws_server *srv;
	EVP_PKEY	*pub;
	struct sim_uni	 uni;
	struct sim_conn	*conns;
	unsigned	 nconns, next_id;
	struct wbuf	 log;		/* command log */
	int		 logging, shutting;
	uint64_t	 rest_n, rest_429_left;
	char		 frame[SIM_FRAME_MAX];
	struct metric	*m_conns, *m_conns_total, *m_frames, *m_bytes,
			*m_cmds, *m_cmd_err, *m_rest, *m_rest_429, *m_faults,
			*m_auth_fail;
};

/* commands.c */
void	commands_handle(struct sim_conn *, const char *, size_t);
void	commands_sub_free(struct sim_sub *);
const char *commands_chan_name(int ch);

/* server.c */
int	server_send(struct sim_conn *, const char *, size_t);
void	server_kick(struct sim_conn *);
int64_t	server_now_ms(struct sim_conn *);

#endif
