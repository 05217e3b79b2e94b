/* num: the fixed-point numbers of market data.  Prices are integers of
 * 1/10,000 dollar (NUM_PRICE_SCALE per dollar), sizes integers of 1/100
 * contract: no binary floating point ever holds book state. */
#ifndef SSMD_SIGNAL_NUM_H
#define SSMD_SIGNAL_NUM_H

#include <stddef.h>
#include <stdint.h>

struct wbuf;

#define NUM_PRICE_SCALE	10000	/* units per dollar */
#define NUM_CENT	100	/* price units per cent */
#define NUM_SIZE_SCALE	100	/* units per contract */

enum num_res {
	NUM_OK = 0,
	NUM_ABSENT,	/* "" or null: the field says nothing */
	NUM_BAD		/* not a decimal number */
};

/* Parse a JSON number or a string holding one ("0.4500", 45, "-50.00")
 * as an integer with `places` decimals, rounding half away from zero past
 * them.  Exponents are refused. */
enum num_res	num_dec(const char *p, size_t n, int places, int64_t *out);

/* Write v (with `places` decimals) as a decimal string body, e.g. 4500
 * with places 4 -> 0.4500.  No quotes. */
void	num_put(struct wbuf *, int64_t v, int places);
/* The same into buf (at least 32 bytes); returns the length. */
size_t	num_fmt(char *buf, int64_t v, int places);
/* A double with a fixed number of decimals (no exponent, "-0" as "0"). */
void	num_put_double(struct wbuf *, double v, int places);

#endif
