/* categories: a category filter's table from Kalshi's public REST API:
 * each category's series (GET /series?category=C, through lib/discover,
 * as ssmd-ws-kalshi's discovery), resolved once at start and kept in
 * memory as series -> category entries of the filter.  A market passes
 * when its series ticker (before the first '-') is one of them. */
#ifndef SSMD_SIGNAL_CATEGORIES_H
#define SSMD_SIGNAL_CATEGORIES_H

#include <stddef.h>

struct filter;

/* Kalshi's production REST API, the default. */
#define CATEGORIES_REST_URL	"https://external-api.kalshi.com/trade-api/v2"

/* What categories_resolve() ends with: 0, or a sysexits code. */
enum categories_rc {
	CATEGORIES_OK = 0,
	CATEGORIES_STOPPED = -1,	/* a stop signal came first */
};

/* Resolve the filter's categories through the REST API at url, verifying
 * TLS against ca_file (NULL: the system's CAs).  CATEGORIES_OK,
 * CATEGORIES_STOPPED, or an exit code (EX_UNAVAILABLE when the API cannot
 * be reached or refuses, EX_DATAERR for an answer that is not one,
 * EX_CONFIG for a bad URL or CA file) with a reason in err. */
int	categories_resolve(struct filter *, const char *url,
	    const char *ca_file, char *err, size_t errlen);

/* url with any user:password@ replaced by "***@", into buf (for
 * messages). */
const char *categories_redact(const char *url, char *buf, size_t len);

#endif
