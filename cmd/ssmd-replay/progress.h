/* progress: how far a replay is, on standard error: a bar redrawn in
 * place on a terminal, or a plain line every few seconds for logs. */
#ifndef SSMD_REPLAY_PROGRESS_H
#define SSMD_REPLAY_PROGRESS_H

#include <stdint.h>

enum progress_mode { PROGRESS_OFF, PROGRESS_BAR, PROGRESS_LINES };

struct progress {
	enum progress_mode	 mode;
	uint64_t		 total_bytes;	/* of the files to read */
	double			 start, next;	/* monotonic seconds */
	int			 drawn;
};

void	progress_init(struct progress *, enum progress_mode, uint64_t total);
/* Nonzero when it is time to show progress again. */
int	progress_due(const struct progress *);
/* Show bytes read and lines written if it is time to. */
void	progress_show(struct progress *, uint64_t bytes, uint64_t lines,
	    int force);
/* Clear the bar (the last state stays in the log line that follows). */
void	progress_end(struct progress *);

#endif
