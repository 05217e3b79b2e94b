/* parse: numbers, sizes and durations as users type them on a command line. */
#ifndef SSMD_PARSE_H
#define SSMD_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* "16M", "512k", "1G", "100" (bytes, powers of 1024; "MiB" and "MB" alike). */
int	parse_size(const char *, uint64_t *);
/* "15m", "1s", "500ms", "2h", "1d", "0"; a bare number is seconds. */
int	parse_duration(const char *, double *secs);
/* A whole number in [min, max]. */
int	parse_uint(const char *, uint64_t min, uint64_t max, uint64_t *);

/* A feed or instance name: 1 to 64 of A-Z a-z 0-9 . _ - (it lands in
 * file names, NATS subjects and metric labels). */
int	parse_feed_name_ok(const char *);
/* A market, series or event ticker: 1-128 of A-Z a-z 0-9 - . _ */
int	parse_ticker_ok(const char *);
int	parse_feed_name_okn(const char *, size_t);	/* not NUL-terminated */

#endif
