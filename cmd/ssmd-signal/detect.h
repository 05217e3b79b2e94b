/* detect: the engine.  Each line is read (frame), checked by seq, applied
 * to its market (state), handed to every configured signal, and the
 * signals' conditions go through an edge trigger with re-arm: a fire is
 * written once when a condition becomes true, and the signal re-arms for
 * that market only after the condition has been false for its rearm
 * time.  All time is the input's: a replay gives the same fires. */
#ifndef SSMD_SIGNAL_DETECT_H
#define SSMD_SIGNAL_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "sigdef.h"

struct filter;
struct wbuf;

struct detect_opts {
	const struct sigdef_cfg *sig;	/* the enabled signals */
	int		 nsig;
	const struct filter *filter;	/* NULL: every market */
	uint32_t	 max_markets;
	int64_t		 idle_us;	/* 0: markets never expire */
	int		 seq_check;	/* check seq per sid */
};

struct detect_stats {
	uint64_t	 lines, bad, other, skipped, filtered, frames, fires;
	int64_t		 now_us;	/* input time so far */
};

struct detect;

struct detect	*detect_new(const struct detect_opts *, struct wbuf *out);
void		 detect_free(struct detect *);
/* One line (without its newline). */
void		 detect_line(struct detect *, const char *p, size_t n);
/* A line over the maximum length: counted as bad. */
void		 detect_too_long(struct detect *);
/* The filter's table changed: decide each market anew. */
void		 detect_filter_changed(struct detect *);
const struct detect_stats *detect_stats(const struct detect *);
/* Update the metrics that are levels (markets, books unknown, ...). */
void		 detect_gauges(struct detect *);
/* The final log line's numbers. */
void		 detect_log_summary(const struct detect *);

#endif
