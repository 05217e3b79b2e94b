/* replay: the k-way merge of ssmd-replay.  Files are opened only when the
 * merge reaches their first ts, so the files open at once are those that
 * overlap in time (one per feed, typically): one buffer each. */
#ifndef SSMD_REPLAY_REPLAY_H
#define SSMD_REPLAY_REPLAY_H

#include <stdint.h>

#include "plan.h"
#include "progress.h"
#include "select.h"

struct replay_opts {
	const struct select	*sel;
	double			 speed;		/* 0: as fast as possible */
	int64_t			 max_gap_us;	/* longer gaps are shortened */
	int			 data;		/* write the data member only */
	enum progress_mode	 progress;
};

struct replay_stats {
	uint64_t	 lines_in, lines_out, bytes_out, bytes_read;
	uint64_t	 files_opened, bad_lines, no_data, bad_files;
	uint64_t	 prefiltered;	/* lines ruled out by the byte test */
	uint64_t	 lost_lines;	/* not written: the reader went away */
	int		 epipe;
};

/* Replay the files of plan p to standard output.  Returns 0, or an exit
 * code (74 when writing fails). */
int	replay_run(const struct replay_opts *, struct plan *p,
	    struct replay_stats *);

#endif
