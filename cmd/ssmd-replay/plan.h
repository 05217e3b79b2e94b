/* plan: the archive files ssmd-replay reads, found from its arguments and
 * skipped by day, feed and the manifest's first/last ts when they cannot
 * hold a selected line, in the order a merge opens them. */
#ifndef SSMD_REPLAY_PLAN_H
#define SSMD_REPLAY_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct select;

struct plan_file {
	char		*path;
	int64_t		 start_us;	/* no line before it (open by then) */
	uint64_t	 size;		/* bytes of the file */
	int		 partial;	/* in progress */
	size_t		 order;		/* as found: ties keep it */
};

struct plan {
	struct plan_file	*v;
	size_t			 n, cap;
	uint64_t		 total_bytes;
	unsigned		 bad;		/* missing or unreadable */
	unsigned		 notfound;	/* arguments not found */
	uint64_t		 skipped;	/* files ruled out unread */
};

/* Add what path (an archive root, a date directory or a file) holds.
 * Problems are logged and counted in p. */
void	plan_add(struct plan *p, const char *path, const struct select *s);
/* Sort into the order of opening. */
void	plan_sort(struct plan *p);
void	plan_free(struct plan *p);

#endif
