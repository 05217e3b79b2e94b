/* scan: one look at a metrics directory for ssmd-healthd: every
 * *.prom file read whole (bounded), checked with prom_parse, and either
 * kept for serving or marked skipped with a reason. */
#ifndef SSMD_HD_SCAN_H
#define SSMD_HD_SCAN_H

#include <stddef.h>

#include "prom.h"

#define HD_MAX_FILES	256

struct hd_file {
	char		 name[256];	/* the name inside the directory */
	char		*buf;
	size_t		 len;
	double		 mtime;		/* epoch seconds */
	const char	*skip;		/* NULL if served, else a reason token */
	char		 err[160];	/* what was wrong, for logs and / */
	struct prom_doc	 doc;
};

struct scan_dir {
	struct hd_file	*f;		/* sorted by name */
	size_t		 n;
	size_t		 dropped;	/* *.prom files past HD_MAX_FILES */
};

/* Read dir's *.prom files (not dot files), each at most max_size bytes.
 * Returns 0, or -1 with errno if dir cannot be read. */
int	scan_dir(struct scan_dir *, const char *dir, size_t max_size);
void	scan_free(struct scan_dir *);

#endif
