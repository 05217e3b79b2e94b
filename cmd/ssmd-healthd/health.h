/* health: liveness and readiness of a feed, read from the metrics file
 * of its source program (by default ssmd-ws-kalshi: a per-connection
 * "connected" gauge and the time of the last data frame). */
#ifndef SSMD_HD_HEALTH_H
#define SSMD_HD_HEALTH_H

#include <stdio.h>

#include "scan.h"

struct hd_source {
	const char	*prog;		/* reads <prog>.prom and <prog>-*.prom */
	const char	*connected;	/* gauge: any series at 1 = connected */
	const char	*last;		/* gauge: epoch seconds of the last message */
	const char	*feed;		/* series whose feed label differs are ignored */
	double		 stale_after;	/* seconds */
};

enum { HD_OK, HD_STALE, HD_NOT_CONNECTED };

struct health_eval {
	int	files;		/* source files found and well formed */
	int	connected;
	int	have_last;	/* a message has arrived */
	double	last;		/* its time, epoch seconds */
	double	age;		/* now - last, at least 0 */
	int	stale;		/* connected, and age > stale_after */
};

void	health_eval(struct health_eval *, const struct scan_dir *,
	    const struct hd_source *, double now);
/* The /health (ready 0) or /ready (ready 1) body; returns the HTTP code. */
int	health_json(FILE *, const struct health_eval *, const char *feed,
	    int ready);

#endif
