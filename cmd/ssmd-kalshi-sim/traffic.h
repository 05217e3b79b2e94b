/* traffic: the simulator's market data in Kalshi's 2026 wire format:
 * ticker, trade, orderbook_snapshot and orderbook_delta (consistent with
 * the snapshot: no level ever goes negative), market_lifecycle_v2 and
 * event_lifecycle.  Everything random comes from a seeded generator, so a
 * seed and a start time give the same bytes every run. */
#ifndef SSMD_SIM_GEN_H
#define SSMD_SIM_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "markets.h"

struct sim_rng {
	uint64_t	 s;
};

void		 traffic_rng_seed(struct sim_rng *, uint64_t);
uint64_t	 traffic_rand(struct sim_rng *);
uint32_t	 traffic_below(struct sim_rng *, uint32_t n);	/* [0, n) */

/* A market's top of book and totals as its ticker frames show them. */
struct sim_tick {
	int16_t		 bid, ask, last, init;
	int32_t		 vol, oi;
};

/* Resting quantity per price in cents: q[0] yes bids, q[1] no bids. */
struct sim_book {
	int32_t		 q[2][100];
};

/* Frame builders: write one frame into buf (cap bytes, SIM_FRAME_MAX is
 * enough for all), return its length.  now_ms is the frame's time. */
#define SIM_FRAME_MAX	16384

size_t	traffic_ticker(char *, size_t, int sid, const struct sim_market *,
	    struct sim_tick *, struct sim_rng *, int64_t now_ms);
size_t	traffic_ticker_v2(char *, size_t, int sid, int64_t seq,
	    const struct sim_market *, struct sim_tick *, struct sim_rng *,
	    int64_t now_ms);
size_t	traffic_trade(char *, size_t, int sid, int64_t seq,
	    const struct sim_market *, struct sim_tick *, struct sim_rng *,
	    int64_t now_ms);
void	traffic_book_init(struct sim_book *, const struct sim_market *,
	    struct sim_rng *);
size_t	traffic_snapshot(char *, size_t, int sid, int64_t seq,
	    const struct sim_market *, const struct sim_book *);
size_t	traffic_delta(char *, size_t, int sid, int64_t seq,
	    const struct sim_market *, struct sim_book *, struct sim_rng *,
	    int64_t now_ms);
/* market_lifecycle_v2 (with seq), or now and then an event_lifecycle
 * frame for the market's event (Kalshi sends it without seq); *used_seq
 * says which. */
size_t	traffic_lifecycle(char *, size_t, int sid, int64_t seq,
	    const struct sim_market *, struct sim_rng *, int64_t now_ms,
	    int *used_seq);

#endif
