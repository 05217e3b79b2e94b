/* filter: which markets the signals watch.  Ticker entries are shell
 * globs (KXBTC*); an entry without glob characters matches that market,
 * or every market of that event or series (KXBTC matches KXBTC-...).
 * Categories come from a file of "TICKER CATEGORY" lines, where the
 * ticker may be a market, event or series ticker (the longest wins), or
 * from Kalshi's REST API as series -> category pairs (the same table). */
#ifndef SSMD_SIGNAL_FILTER_H
#define SSMD_SIGNAL_FILTER_H

#include <stddef.h>
#include <stdio.h>

struct filter;

struct filter	*filter_new(void);
void		 filter_free(struct filter *);
int		 filter_add_ticker(struct filter *, const char *);
int		 filter_add_category(struct filter *, const char *);
/* Read a categories file.  Returns 0, or -1 with a reason (and line) in
 * err. */
int		 filter_load_categories(struct filter *, const char *path,
		    char *err, size_t errlen);
/* Add n "key category" pairs (keys[i] has category cats[i]), as a
 * categories file would.  0, or -1 out of memory. */
int		 filter_add_mapping(struct filter *, char *const *keys,
		    char *const *cats, size_t n);
/* Take from's category table in place of f's (f's old table goes to
 * from, to be freed with it). */
void		 filter_take_table(struct filter *f, struct filter *from);
/* Entries of the category table. */
size_t		 filter_table_size(const struct filter *);
/* Write the table as a categories file.  0, or -1 (errno set). */
int		 filter_write_categories(const struct filter *, FILE *);
/* The categories asked for (n of them). */
char *const	*filter_categories(const struct filter *, size_t *n);
/* Nonzero when categories are asked for but no file gives them. */
int		 filter_needs_categories(const struct filter *);
/* 1 if the market (NUL-terminated ticker) passes, else 0. */
int		 filter_match(const struct filter *, const char *ticker);
/* The category of a market, or NULL. */
const char	*filter_category(const struct filter *, const char *ticker);

#endif
