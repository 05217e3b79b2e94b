/* discover: market discovery through Kalshi's public REST API
 * (GET <base>/markets with status, series_ticker and event_ticker filters,
 * cursor paging), polite (a minimum interval between requests) and
 * patient (HTTP 429 waits for Retry-After). */
#ifndef SSMD_KREST_H
#define SSMD_KREST_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "config.h"

struct event_base;
struct evdns_base;

struct krest_opts {
	const char		*base_url;	/* http(s)://host[:port]/trade-api/v2 */
	SSL_CTX			*ssl;		/* for https:// */
	const struct kstrv	*series, *events;	/* filters; none: all */
	/* Markets of these categories' series; minus those of exclude's. */
	const struct kstrv	*categories, *exclude;
	const char		*status;	/* NULL: no status filter */
	unsigned		 page_limit;	/* limit=, 1..1000 */
	double			 min_interval;	/* seconds between requests */
	double			 timeout;	/* per request */
	unsigned		 max_retries;	/* 429s and 5xx in a row */
	double			 max_wait;	/* cap on one Retry-After */
};

/* discover_run() when a stop signal (sig_stop) came during discovery. */
#define DISCOVER_STOPPED	(-1)

/* Append every market ticker found to out.  Returns 0, or an exit code
 * (EX_UNAVAILABLE, EX_DATAERR, EX_OSERR) with a reason in err, or
 * DISCOVER_STOPPED. */
int	discover_run(struct event_base *, struct evdns_base *,
	    const struct krest_opts *, struct kstrv *out, char *err,
	    size_t errlen);

/* Parse one /series response: the series tickers appended to out.  0, or
 * -1 with a reason in err. */
int	discover_parse_series(const char *body, size_t n, struct kstrv *out,
	    char *err, size_t errlen);

/* Parse one /markets response: tickers appended to out, the next cursor
 * (empty at the end) into cursor.  0, or -1 with a reason in err. */
int	discover_parse_markets(const char *body, size_t n, struct kstrv *out,
	    char *cursor, size_t curcap, size_t *skipped, char *err,
	    size_t errlen);

#endif
