/* capture_int: what the parts of the capture engine share: capture.c (the loop,
 * liveness, stopping), conn.c (connections and commands) and
 * messages.c (frames, markers).  Not for use outside capture.c, conn.c and messages.c. */
#ifndef SSMD_KCAP_INT_H
#define SSMD_KCAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kauth.h"
#include "capture.h"
#include "frames.h"
#include "output.h"
#include "log.h"

struct event;
struct metric;
struct ws_conn;

enum { KP_SUB, KP_UPDATE, KP_UNSUB };

/* A command awaiting its reply. */
struct kpend {
	unsigned	 id;
	int		 kind;
	double		 deadline;
	char		 channel[32];
};

struct kcap;

struct kconn {
	struct kcap	*k;
	unsigned	 idx;
	struct ws_conn	*ws;
	char *const	*tickers;
	size_t		 n;
	int		 open, ever_open, closing;
	int		 seen;		/* a frame since the last tick */
	unsigned	 next_id, nsubs, attempt;
	struct kpend	*pend;
	size_t		 npend, cappend;
	struct kseq	 seq;
	double		 last_frame, last_ping, down_at;
	char		 why[128];	/* why we are ending this connection */
	int		 why_rc;
	struct event	*retry;
	struct metric	*m_conn;
	char		 hdr[3][KAUTH_SIG_MAX + 64];
	const char	*hdrv[4];
};

/* Frame types counted by name; anything else is "other". */
struct kftype {
	const char	*name;
	size_t		 len;
};
/* Indices into messages_ftypes: the replies to commands run from
 * FT_SUBSCRIBED to FT_ERROR; FT_OTHER and FT_INVALID come last. */
enum kft {
	FT_TICKER, FT_TICKER_V2, FT_TRADE, FT_SNAPSHOT, FT_DELTA,
	FT_LIFECYCLE, FT_EVENT_LIFECYCLE, FT_SUBSCRIBED, FT_OK,
	FT_UNSUBSCRIBED, FT_ERROR, FT_OTHER, FT_INVALID,
	KFT_N
};
extern const struct kftype messages_ftypes[KFT_N];

struct kcap {
	const struct kcap_opts	*o;
	struct event_base	*base;
	struct evdns_base	*dns;
	struct kconn		*c;
	size_t			 nconn;
	struct kout		 out;
	struct event		*tick, *sigs[2], *stop_timer;
	int			 stopping, rc, paused;
	int			 data_seen;	/* a data frame since the tick */
	double			 tick_s;
	char			 path[1024];	/* signed: URL path, no query */
	struct log_rate		 rate;
	uint64_t		 lines_seen, lost_seen, comp_seen;
	struct metric		*m_frames[KFT_N], *m_bytes, *m_last, *m_markets;
	struct metric		*m_gaps, *m_reconn, *m_invalid, *m_comp;
	struct metric		*m_retries;
	struct metric		*m_errors, *m_lines, *m_lost, *m_pending;
};

/* capture.c */
double	capture_now(void);
/* Stop everything with exit code rc: Close frames, then the loop ends. */
void	capture_stop(struct kcap *, int rc, const char *why);

/* conn.c */
/* After k, idx, tickers and n are set: the retry timer.  0 or -1. */
int	conn_init(struct kconn *);
void	conn_start(struct kconn *);
/* End one connection for a reason of ours (stale, no ack): exit rc, or
 * reconnect with --reconnect. */
void	conn_fail(struct kconn *, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	conn_update_markets(struct kcap *);
void	conn_subscribe(struct kconn *, const char *channel);
void	conn_unsubscribe(struct kconn *, int64_t sid);
/* Take the pending command with this id; 0, or -1 if there is none. */
int	conn_pend_take(struct kconn *, int64_t id, struct kpend *);

/* messages.c */
/* The ws on_text callback: one frame to one line. */
void	messages_text(struct ws_conn *, const char *, size_t, void *);
/* {"type":TYPE,"feed":FEED,"ts":NOW, <fmt's members>} to the output. */
void	messages_marker(struct kcap *, const char *type, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* s made safe inside JSON quotes, into out; returns out. */
const char *messages_plain(const char *s, char *out, size_t cap);

#endif
