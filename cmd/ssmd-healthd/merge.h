/* merge: merge several checked Prometheus documents into one valid
 * exposition: HELP and TYPE once per metric, each metric's series
 * together, a series that two documents both carry served once, and a
 * metric whose TYPE disagrees with the first document's left out. */
#ifndef SSMD_HD_UNION_H
#define SSMD_HD_UNION_H

#include <stdio.h>

#include "prom.h"

struct hd_union_stats {
	unsigned long	duplicates;	/* series dropped: already served */
	unsigned long	conflicts;	/* series dropped: TYPE disagrees */
};

/* Returns 0, or -1 if out of memory (out then holds a partial text). */
int	merge_union(FILE *out, const struct prom_doc *const *docs, size_t ndocs,
	    struct hd_union_stats *);

#endif
