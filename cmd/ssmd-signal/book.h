/* book: one market's order book, bids only on both sides (a YES bid at X
 * is a NO ask at $1 - X), price levels in 1/10,000 $ and sizes in 1/100
 * contract.  Each side is a small sorted array: books hold tens of
 * levels, and the best bid is the last one. */
#ifndef SSMD_SIGNAL_BOOK_H
#define SSMD_SIGNAL_BOOK_H

#include <stdint.h>

#define BOOK_MAX_LEVELS	4096	/* per side; 1/10,000 $ ticks fit twice */

struct book_lvl {
	int32_t		 price;
	int64_t		 size;
};

struct book_side {
	struct book_lvl	*lv;
	uint32_t	 n, cap;
};

enum book_state {
	BOOK_NONE = 0,		/* no snapshot yet */
	BOOK_OK,
	BOOK_UNKNOWN		/* gap, crossed, negative: wait for a snapshot */
};

struct book {
	struct book_side yes, no;
	int64_t		 sid;		/* subscription of the snapshot */
	uint32_t	 epoch;		/* the sid's epoch at the snapshot */
	uint32_t	 gepoch;	/* the global epoch at the snapshot */
	uint8_t		 state;
};

enum book_res {
	BOOK_APPLIED = 0,
	BOOK_NEGATIVE,		/* a level went below zero */
	BOOK_CROSSED,		/* best YES bid + best NO bid >= $1 */
	BOOK_FULL,		/* more levels than BOOK_MAX_LEVELS */
	BOOK_BADPRICE		/* a price outside (0, $1) */
};

void	book_clear(struct book *);
void	book_free(struct book *);
/* Add size to a level of a side (snapshot levels and signed deltas
 * alike); a level at zero goes away. */
enum book_res	book_add(struct book *, int yes, int64_t price, int64_t size);
/* BOOK_CROSSED if the book is crossed or locked, else BOOK_APPLIED. */
enum book_res	book_check(const struct book *);
/* Best bid of a side: 1 and *price, *size; 0 if the side is empty. */
int	book_best(const struct book *, int yes, int32_t *price, int64_t *size);

#endif
