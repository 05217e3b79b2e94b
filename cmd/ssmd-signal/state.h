/* state: the market state every signal shares, one per market ticker:
 * the order book (snapshot + deltas, checked by seq per sid), the
 * ticker's last price, quote and volume, and the signals' own state.
 * Markets live in a hash table and an LRU list by last update; idle ones
 * and, past the cap, the least recently updated are evicted. */
#ifndef SSMD_SIGNAL_STATE_H
#define SSMD_SIGNAL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "sigdef.h"

struct frame;

enum state_filter { STATE_FILTER_UNSET = 0, STATE_FILTER_IN, STATE_FILTER_OUT };

/* Why a market's state goes (the release callback's argument). */
enum state_why {
	STATE_WHY_IDLE = 0,	/* evicted: idle past the horizon */
	STATE_WHY_CAP,		/* evicted: the table was full */
	STATE_WHY_RELEASED,	/* determined or settled */
	STATE_WHY_END		/* the program ends */
};

struct state_mkt {
	struct state_mkt *prev, *next;	/* LRU, oldest first */
	int64_t		 last_us;	/* time of the last frame */
	struct book	 book;
	int64_t		 book_seq;	/* seq of the last book frame applied */
	int64_t		 trade_seq;	/* seq of the last trade taken */
	/* the ticker channel's figures; -1 unknown */
	int64_t		 t_bid, t_ask, t_price, volume, dollar_volume;
	/* the YES quote the signals see: book when known, else ticker */
	int32_t		 bid, ask;
	uint8_t		 quote_ok, quote_book;
	uint8_t		 filter;	/* enum state_filter */
	uint8_t		 closed;	/* determined or settled */
	uint16_t	 filter_gen;	/* the filter's table filter was decided by */
	struct sigdef_edge edge[SIGDEF_MAX];
	void		*sig[SIGDEF_MAX];
	uint16_t	 tlen;
	char		 ticker[];
};

/* Results of applying a frame's book part. */
enum state_book_res {
	STATE_BOOK_NONE = 0,	/* nothing to do with the book */
	STATE_BOOK_APPLIED,
	STATE_BOOK_STALE,	/* seq at or before the last applied: skipped */
	STATE_BOOK_IGNORED,	/* a delta for a book not known */
	STATE_BOOK_BROKEN	/* crossed, negative or too deep: now unknown */
};

struct state_stats {
	uint64_t	 markets, evicted_idle, evicted_cap, released;
	uint64_t	 gaps, stale, crossed, negative, full, badprice;
	uint64_t	 snapshots, deltas, deltas_unknown;
};

struct state;

/* max_markets bounds the table; idle_us evicts markets without a frame
 * for that long (0: never).  release(arg, m, why) is called before a
 * market's memory goes, for the signals' state. */
struct state	*state_new(uint32_t max_markets, int64_t idle_us,
		    void (*release)(void *, struct state_mkt *, int why),
		    void *arg);
void		 state_free(struct state *);
const struct state_stats *state_stats(const struct state *);
uint32_t	 state_count(const struct state *);
/* Call fn for every market, oldest update first. */
void		 state_each(const struct state *,
		    void (*fn)(void *, const struct state_mkt *), void *arg);

/* Check the frame's seq against its sid, first thing for every frame
 * with a seq: a jump marks every book on the sid unknown.  A frame at or
 * before the sid's last seq changes nothing here: whether it is a
 * duplicate is judged per market (state_apply), since a market's seq only
 * grows while frames of connections that reuse sid numbers may mix. */
void		 state_seq(struct state *, const struct frame *);
/* An ssmd_gap marker (sid or, without, every sid) or reconnect. */
void		 state_gap(struct state *, const struct frame *);

/* The market of a ticker, created if new (NULL when out of memory). */
struct state_mkt *state_get(struct state *, const char *t, size_t n,
		    int64_t now);
/* A market that exists, or NULL. */
struct state_mkt *state_find(struct state *, const char *t, size_t n);
/* Apply a frame to its market (book, ticker fields) and recompute the
 * quote.  Returns an enum state_book_res; STATE_BOOK_STALE also for a
 * trade at or before the market's last trade seq (a replayed duplicate,
 * which the signals must not see). */
int		 state_apply(struct state *, struct state_mkt *,
		    const struct frame *);
/* Release a market now (determined/settled). */
void		 state_release(struct state *, struct state_mkt *);
/* Give every market the time now: the input's first time, for markets
 * made before any line had one. */
void		 state_touch_all(struct state *, int64_t now);
/* Evict markets idle past the horizon at time now. */
void		 state_expire(struct state *, int64_t now);
/* Is the market's book usable? */
int		 state_book_ok(const struct state *, const struct state_mkt *);

#endif
