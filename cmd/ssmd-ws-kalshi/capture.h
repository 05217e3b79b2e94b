/* capture: the capture engine of ssmd-ws-kalshi.  Many authenticated
 * WebSocket connections in one libevent loop, each subscribed to the
 * channels for its shard of markets; every data frame goes to one output
 * as one line, whole, in arrival order. */
#ifndef SSMD_KCAP_H
#define SSMD_KCAP_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

struct event_base;
struct evdns_base;

enum { KGAP_RESUBSCRIBE, KGAP_EXIT };

struct kcap_opts {
	const char	*feed;
	const char	*url;
	SSL_CTX		*ssl;		/* for wss:// */
	EVP_PKEY	*key;
	const char	*key_id;
	char *const	*channels;
	size_t		 nchannels;
	char *const	*tickers;	/* none: all markets, one connection */
	size_t		 ntickers;
	unsigned	 shard_size;
	size_t		 max_frame;
	double		 connect_timeout, ack_timeout, stale_after;
	double		 ping_interval;
	int		 reconnect;
	double		 backoff_max;
	int		 on_gap;	/* KGAP_* */
	int		 emit_control;
	size_t		 out_high;	/* output bytes before pausing reads */
	int		 out_fd;
};

/* Capture until a stop signal or a failure; returns an exit code
 * (sysexits).  The base and dns base are the caller's. */
int	capture_run(struct event_base *, struct evdns_base *,
	    const struct kcap_opts *);

#endif
