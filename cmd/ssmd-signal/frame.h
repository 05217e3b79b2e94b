/* frame: one input line (an ssmd envelope, a raw Kalshi frame, either
 * annotated by ssmd-nats-sub) read into the fields the signals use,
 * without building a tree: one pass over the top-level members and one
 * over msg, with json_skip for everything else. */
#ifndef SSMD_SIGNAL_FRAME_H
#define SSMD_SIGNAL_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_BAD = 0,		/* not an object we can read: counted, skipped */
	FRAME_OTHER,		/* an object of no interest (acks, commands, ...) */
	FRAME_TICKER,
	FRAME_TRADE,
	FRAME_SNAPSHOT,
	FRAME_DELTA,
	FRAME_LIFECYCLE,
	FRAME_GAP,		/* ssmd_gap: books of sid (or all) unknown */
	FRAME_RESET,		/* ssmd_reconnect: every book unknown */
	FRAME_SKIP,		/* a data frame of a kind not asked for */
	FRAME_NKINDS
};

enum frame_life {		/* market_lifecycle_v2 event_type */
	FRAME_LIFE_OTHER = 0,
	FRAME_LIFE_ACTIVATED,
	FRAME_LIFE_DEACTIVATED,
	FRAME_LIFE_DETERMINED,
	FRAME_LIFE_SETTLED
};

enum frame_side { FRAME_SIDE_NONE = 0, FRAME_SIDE_YES, FRAME_SIDE_NO };

/* A book level list as it came: which form, and its raw array. */
enum frame_lvl_form {
	FRAME_LVL_NONE = 0,
	FRAME_LVL_CENTS,	/* yes/no: [[cents, contracts]] */
	FRAME_LVL_DOLLARS,	/* yes_dollars/no_dollars: [["0.45", n]] */
	FRAME_LVL_DOLLARS_FP	/* yes_dollars_fp: [["0.4500","100.00"]] */
};

struct frame_lvls {
	int		 form;
	const char	*p;
	size_t		 n;
};

struct frame {
	int		 kind;
	const char	*bad;		/* why FRAME_BAD */
	/* time in microseconds since the epoch, when the line has one */
	int64_t		 t_us;
	int		 has_t;
	int64_t		 sid, seq;
	int		 has_sid, has_seq;
	const char	*ticker;	/* market_ticker, not NUL-terminated */
	size_t		 tlen;
	const char	*data;		/* the exchange frame's bytes (for ids) */
	size_t		 dlen;

	/* ticker: -1 when absent; prices in 1/10,000 $, sizes in 1/100 */
	int64_t		 price, bid, ask, volume, dollar_volume;
	/* trade */
	int64_t		 yes_price, count;
	int		 taker;		/* enum frame_side */
	/* delta */
	int64_t		 dprice, delta;
	int		 side;		/* enum frame_side */
	/* snapshot */
	struct frame_lvls yes, no;
	/* lifecycle */
	int		 life;
};

#define FRAME_BIT(k)	(1u << (k))
#define FRAME_ALL	0xffffffffu

/* Read line p[0..n) into f.  Returns f->kind.  Spans in f point into p.
 * A data frame whose kind is not in the mask want (FRAME_BIT of kinds)
 * is FRAME_SKIP as soon as its type is read: the rest of the line is
 * neither read nor checked. */
int	frame_read(const char *p, size_t n, struct frame *f, unsigned want);

enum frame_lvl_res {
	FRAME_LVL_END = 0,	/* no more levels */
	FRAME_LVL_LEVEL,	/* *price and *size hold the next level */
	FRAME_LVL_MALFORMED	/* not a list of [price, size] pairs */
};

/* Walk a level list: *it starts at lv->p; each call returns an enum
 * frame_lvl_res. */
int	frame_lvl_next(const struct frame_lvls *lv, const char **it,
	    int64_t *price, int64_t *size);

#endif
