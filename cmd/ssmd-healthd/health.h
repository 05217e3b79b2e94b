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

/* The seed's error types (ssmd_errors_total{type}), each the sum of one
 * counter of the source: <prefix>_<counter>_total, where <prefix> is the
 * connected gauge's name without "_connected". */
enum health_err {
	HEALTH_ERR_INVALID,	/* invalid_total: frames that were not JSON */
	HEALTH_ERR_EXCHANGE,	/* exchange_errors_total: error replies */
	HEALTH_ERR_GAP,		/* gaps_total: sequence gaps */
	HEALTH_ERR_RECONNECT,	/* reconnects_total */
	HEALTH_ERR_LOST,	/* lines_lost_total: lines not written */
	HEALTH_ERR_N
};

struct health_eval {
	int	files;		/* source files found and well formed */
	int	connected;
	int	have_last;	/* a message has arrived */
	double	last;		/* its time, epoch seconds */
	double	age;		/* now - last, at least 0 */
	int	stale;		/* connected, and age > stale_after */
	double	messages;	/* the source's <prefix>_lines_out_total */
	double	errors[HEALTH_ERR_N];
	/* A pipeline (ssmd-pipeline*.prom) with ssmd_pipeline_up 0: one of
	 * its stages has ended.  down_name: its pipeline label. */
	int	pipeline_down;
	char	down_name[72];
};

/* The type label of each error counter, for ssmd_errors_total. */
extern const char *const health_err_type[HEALTH_ERR_N];

void	health_eval(struct health_eval *, const struct scan_dir *,
	    const struct hd_source *, double now);
/* The /health (ready 0) or /ready (ready 1) body, in the seed's form:
 * {"status":"ok"} or {"status":"error","reason":...}; {"status":"ready"}
 * or {"status":"not_ready","reason":...}, then the feed's fields.
 * Returns the HTTP code. */
int	health_json(FILE *, const struct health_eval *, const char *feed,
	    int ready);

/* The seed's metrics (ssmd_messages_total, ssmd_errors_total,
 * ssmd_connected, ssmd_last_message_timestamp) for the feed. */
void	health_seed_metrics(FILE *, const struct health_eval *,
	    const char *feed);

#endif
