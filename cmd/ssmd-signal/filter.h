/* filter: which markets the signals watch.  Ticker entries are shell
 * globs (KXBTC*); an entry without glob characters matches that market,
 * or every market of that event or series (KXBTC matches KXBTC-...).
 * Categories come from a file of "TICKER CATEGORY" lines, where the
 * ticker may be a market, event or series ticker (the longest wins). */
#ifndef SSMD_SIGNAL_FILTER_H
#define SSMD_SIGNAL_FILTER_H

#include <stddef.h>

struct filter;

struct filter	*filter_new(void);
void		 filter_free(struct filter *);
int		 filter_add_ticker(struct filter *, const char *);
int		 filter_add_category(struct filter *, const char *);
/* Read a categories file.  Returns 0, or -1 with a reason (and line) in
 * err. */
int		 filter_load_categories(struct filter *, const char *path,
		    char *err, size_t errlen);
/* Nonzero when categories are asked for but no file gives them. */
int		 filter_needs_categories(const struct filter *);
/* 1 if the market (NUL-terminated ticker) passes, else 0. */
int		 filter_match(const struct filter *, const char *ticker);
/* The category of a market, or NULL. */
const char	*filter_category(const struct filter *, const char *ticker);

#endif
