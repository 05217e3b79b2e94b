/* rotate: the ssmd-jsonl-rotate loop.  Lines from a descriptor go to
 * DIR/<YYYY-MM-DD>/<feed>-<HHMM>.jsonl.gz files, rotated by age, size and
 * UTC midnight, crash-safe (see ssmd-jsonl-rotate(1)). */
#ifndef SSMD_ROT_H
#define SSMD_ROT_H

#include <stddef.h>
#include <stdint.h>

#define ROT_FEED_UNKNOWN	"unknown"	/* lines that name no feed */

struct rot_opts {
	const char	*dir;
	const char	*feed;		/* every line's feed, or NULL */
	int		 date_now;	/* slot from the wall clock, not ts */
	int64_t		 max_age_us;	/* 0: one file per day */
	uint64_t	 max_size;	/* uncompressed bytes; 0: no limit */
	int		 gzip, level;
	double		 flush_interval;	/* seconds */
	double		 idle_close;	/* seconds past a slot's end */
	size_t		 max_line;
	const char	*on_close;	/* shell command, or NULL */
	size_t		 oc_queue;
	unsigned	 oc_attempts;
	double		 oc_retry, oc_wait, oc_timeout;
};

/* Archive lines from fd until EOF or a stop signal; returns an exit
 * code (sysexits). */
int	rotate_run(const struct rot_opts *, int fd);

#endif
