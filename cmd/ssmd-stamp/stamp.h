/* stamp: wrap each input line in the ssmd envelope
 * {"ts":"<receive time>","feed":"<feed>","data":<line>} and keep lines
 * that are not one JSON value in a valid form (see ssmd-stamp(1)). */
#ifndef SSMD_STAMP_H
#define SSMD_STAMP_H

#include <stddef.h>

enum { STAMP_KEEP, STAMP_REJECT, STAMP_STOP };

struct stamp_opts {
	const char	*feed;
	size_t		 max_line;
	int		 policy;
	const char	*reject_path;	/* with STAMP_REJECT */
};

/* Stamp fd in to fd out until EOF or a stop signal; returns an exit code. */
int	stamp_run(const struct stamp_opts *, int in, int out);
/* Parse an --invalid policy name; -1 if unknown. */
/* --invalid's words, in enum order (opt_word). */
extern const char *const stamp_policies[];

#endif
