/* badline: the error record that keeps a line which is not one JSON
 * value, in the one form every ssmd program writes (see ssmd(7)):
 *
 *   {"ts":"...","feed":"...","error":"<reason>","line":N,"raw":"...","bytes":N}
 *
 * "raw" holds a line in valid UTF-8 as a JSON string; any other line, and
 * a line over the maximum length (which arrives in pieces and is never
 * held whole), goes in "raw_b64" instead. */
#ifndef SSMD_BADLINE_H
#define SSMD_BADLINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "b64.h"
#include "json.h"

struct lineio_line;
struct metric;
struct wbuf;

#define BADLINE_TOO_LONG	JSON_NERR		/* a reason past json_check's */
#define BADLINE_NREASONS	(JSON_NERR + 1)

struct badline {
	struct b64	b64;
	int		is_b64;
	uint64_t	bytes;
};

/* The input counters every line filter keeps, under the same names:
 * <prefix>_lines_in_total, _bytes_in_total, _empty_lines_total and
 * _invalid_lines_total{reason=...}; labels (e.g. feed="kalshi") go on
 * each, or NULL. */
struct badline_stat {
	struct metric	*in, *bytes_in, *empty, *invalid[BADLINE_NREASONS];
};

void	badline_stat_init(struct badline_stat *, const char *prefix, const char *labels);

enum { BADLINE_EMPTY = -1, BADLINE_LONG = -2 };

/* Why a bad line may be bad as a whole input rather than as a line: a
 * UTF-8 byte order mark, or UTF-16 text.  A short hint for the first
 * warning, or NULL. */
const char	*badline_hint(const char *p, size_t n);

/* Lines counted invalid so far, every reason (too long included): what a
 * program's closing "done" line reports. */
uint64_t	badline_stat_invalid(const struct badline_stat *);

/* Count a line in and sort it: BADLINE_LONG for a piece of a line over the
 * maximum (counted, as too_long, at its first piece), BADLINE_EMPTY for an
 * empty line (counted), JSON_OK, or the json_check reason (counted). */
int	badline_stat_line(struct badline_stat *, const struct lineio_line *);

/* "syntax", "utf8", ..., "too_long". */
const char	*badline_reason(int why);
/* Nonzero if p[0..n) must go in raw_b64. */
int		 badline_needs_b64(const char *p, size_t n);
/* Everything up to the opening quote of the raw value.  feed is written
 * as it is: callers pass only checked names (parse_feed_name_ok). */
void	badline_begin(struct badline *, struct wbuf *, const struct timespec *ts,
	    const char *feed, int why, uint64_t line, int b64);
/* The next bytes of the line, escaped or in base64. */
void	badline_put(struct badline *, struct wbuf *, const char *p, size_t n);
/* The closing quote, "bytes" and the closing brace; no newline. */
void	badline_end(struct badline *, struct wbuf *);

#endif
