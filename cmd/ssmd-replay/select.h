/* select: which lines ssmd-replay passes on.  A cheap byte test rules a
 * line out before anything is parsed; what passes it is decided exactly
 * on the parsed frame. */
#ifndef SSMD_REPLAY_SELECT_H
#define SSMD_REPLAY_SELECT_H

#include <stddef.h>
#include <stdint.h>

struct json_span;

struct select_list {
	char		**v;
	size_t		  n;
};

struct select {
	int64_t			 from, to;	/* [from, to) in UTC us */
	int			 have_from, have_to;
	struct select_list	 feeds, types, markets;
	struct select_list	 type_needles;	/* "\"trade\"" per type */
	struct select_list	 market_needles;	/* literals of globs */
	int64_t			*sids;
	size_t			 nsids;
	int			 frame_filters;	/* type, market or sid given */
};

/* Parse a comma-separated list into l (the string is kept). */
int	select_list_add(struct select_list *l, char *csv);
/* Parse --sid values. */
int	select_sids_add(struct select *, const char *csv);
/* Derive the byte needles once all options are in. */
int	select_prepare(struct select *);
void	select_free(struct select *);

/* A time for --from/--to/--date: 2026-11-21, 2026-11-21T14:00Z,
 * 2026-11-21T14:00:05.5Z, with Z or an offset.  Returns 0 or -1. */
int	select_time(const char *s, int64_t *us);

/* Nonzero if a file of this feed may hold selected lines. */
int	select_feed(const struct select *, const char *feed);
/* Nonzero if line p[0..n) may match: the byte test only. */
int	select_maybe(const struct select *, const char *p, size_t n);
/* Nonzero if the frame (a line's data, or the line) matches exactly. */
int	select_frame(const struct select *, const char *p, size_t n);
/* Nonzero if a time is inside the range. */
static inline int
select_time_ok(const struct select *s, int64_t us)
{
	return (!s->have_from || us >= s->from) && (!s->have_to || us < s->to);
}

/* The frame of a line: its data member when it is an envelope, else the
 * line.  Returns 0, or -1 for an envelope without data (an error record). */
int	select_frame_of(const char *p, size_t n, struct json_span *out);
/* The line's ts: the envelope's first member, else a top-level ts.
 * Returns 0, or -1 when it has none. */
int	select_ts(const char *p, size_t n, int64_t *us);

#endif
