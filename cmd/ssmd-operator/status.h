/* status: a resource's status from what the hook observed: the
 * Deployment (ready/replicas, a failed rollout), its pods (crash loops),
 * the previous status (startedAt, conditions' lastTransitionTime, the
 * last counters), and the counters scraped from the pods' /metrics. */
#ifndef SSMD_OP_STATUS_H
#define SSMD_OP_STATUS_H

#include <jansson.h>
#include <time.h>

#include "cr.h"
#include "kinds.h"

/* scraped: pod name -> its /metrics text, or null when it did not
 * answer (NULL: nothing scraped).  fin is NULL unless finalizing.
 * valid is 0 when the spec is invalid (c->field, c->why say why). */
json_t	*status_build(const struct cr *, int valid, const struct kinds_fin *,
	    const json_t *scraped, time_t now);
/* The pods worth scraping: name -> "ip", running with an IP. */
json_t	*status_scrape_targets(const struct cr *);
/* RFC 3339 UTC seconds, into out[21]. */
void	 status_time(time_t, char out[21]);

#endif
