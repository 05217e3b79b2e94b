/* categories: a category filter's table from Kalshi's public REST API:
 * each category's series (GET /series?category=C, through lib/discover,
 * as ssmd-ws-kalshi's discovery), resolved once at start and kept in
 * memory as series -> category entries of the filter, and again every
 * refresh interval in a thread of its own that never holds up the line
 * stream: a new table waits in a one-slot box until the main thread takes
 * it between lines.  A market passes when its series ticker (before the
 * first '-') is one of them. */
#ifndef SSMD_SIGNAL_CATEGORIES_H
#define SSMD_SIGNAL_CATEGORIES_H

#include <stdint.h>
#include <stddef.h>

struct filter;
struct categories_refresh;

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

/* Start re-resolving f's categories every interval seconds (> 0) in a
 * thread.  A failed refresh is logged and the table kept.  NULL, with a
 * reason in err, if the thread cannot start. */
struct categories_refresh *categories_refresh_start(const struct filter *f,
	    const char *url, const char *ca_file, double interval, char *err,
	    size_t errlen);
/* In the main thread, between lines: if a refreshed table came, it
 * replaces f's (1), else 0. */
int	categories_refresh_take(struct categories_refresh *, struct filter *f);
/* Metrics of a REST-resolved table: ssmd_signal_category_series and
 * ssmd_signal_category_refreshes_total{result}.  _init registers them
 * after the first resolution; _poll (main thread, once a second) takes a
 * refreshed table as categories_refresh_take() does and brings the
 * metrics up to date.  r may be NULL (no refresh). */
void	categories_metrics_init(const struct filter *f);
int	categories_refresh_poll(struct categories_refresh *r, struct filter *f);
/* Refreshes done and failed so far. */
void	categories_refresh_counts(const struct categories_refresh *,
	    uint64_t *ok, uint64_t *failed);
/* Stop the thread (an unfinished request is abandoned within a fraction
 * of a second) and free all.  NULL is fine. */
void	categories_refresh_stop(struct categories_refresh *);

/* Write f's table as a categories file at path, whole or not at all
 * (through path.tmp, renamed).  0, or -1 with a reason in err. */
int	categories_write(const struct filter *f, const char *path, char *err,
	    size_t errlen);

/* url with any user:password@ replaced by "***@", into buf (for
 * messages). */
const char *categories_redact(const char *url, char *buf, size_t len);

#endif
