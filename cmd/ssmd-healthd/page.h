/* page: ssmd-healthd's human-readable status page. */
#ifndef SSMD_HD_PAGE_H
#define SSMD_HD_PAGE_H

#include <stdio.h>

#include "health.h"
#include "scan.h"

#define HD_PAGE_COUNTERS	24	/* counters shown per file */

void	page_render(FILE *, const struct scan_dir *, const struct health_eval *,
	    const struct hd_source *, double now);

#endif
