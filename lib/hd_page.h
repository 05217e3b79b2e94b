/* hd_page: ssmd-healthd's human-readable status page. */
#ifndef SSMD_HD_PAGE_H
#define SSMD_HD_PAGE_H

#include <stdio.h>

#include "hd_health.h"
#include "hd_scan.h"

#define HD_PAGE_COUNTERS	24	/* counters shown per file */

void	hd_page(FILE *, const struct hd_scan *, const struct hd_health *,
	    const struct hd_source *, double now);

#endif
