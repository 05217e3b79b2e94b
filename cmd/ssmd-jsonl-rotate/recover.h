/* recover: finalize the in-progress files a crash left under DIR.
 *
 * Every whole line that reached the disk is kept in a valid final file:
 * a complete gzip stream is only renamed, a plain file is cut back to its
 * last newline, and a gzip file with a truncated tail is rewritten (to a
 * temporary that replaces the in-progress file atomically, then renamed
 * final), so a crash during recovery is recovered the same way again.
 *
 * Only lines validated on the way are kept: each one JSON value, and an
 * envelope when the file's first line is one.  At the first bad line (or
 * damaged gzip data) the valid lines before it become the recovered file
 * and the original bytes are kept as <name>.damaged, never destroyed. */
#ifndef SSMD_ROT_RECOVER_H
#define SSMD_ROT_RECOVER_H

#include <stdint.h>

struct rot_recovery {
	uint64_t	files;		/* in-progress files finalized */
	uint64_t	lines;		/* lines they kept */
	uint64_t	cut_bytes;	/* bytes of half lines cut off */
	uint64_t	truncated;	/* gzip files whose tail was cut */
	uint64_t	empty;		/* files without a whole line, removed */
	uint64_t	damaged;	/* files with a bad line or bad gzip
					   data, kept as .damaged */
};

/* Suffix of a damaged original that recovery keeps beside what it
 * salvaged (listed in the day's manifest). */
#define RECOVER_DAMAGED	".damaged"

/* Recover every in-progress file under dir; level is the gzip level for
 * rewritten files.  Each file is logged.  Returns 0, or -1 (logged) on
 * an I/O error. */
int	recover_partial(const char *dir, int level, struct rot_recovery *);

#endif
