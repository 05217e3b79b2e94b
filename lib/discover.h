/* discover: Kalshi's public REST API for market discovery
 * (GET <base>/markets with status, series_ticker and event_ticker filters,
 * cursor paging) and a category's series (GET <base>/series?category=C),
 * polite (a minimum interval between requests) and patient (HTTP 429
 * waits for Retry-After).  No credentials: these endpoints are public.
 * Used by ssmd-ws-kalshi (which markets to subscribe) and ssmd-signal
 * (which markets a category filter passes). */
#ifndef SSMD_DISCOVER_H
#define SSMD_DISCOVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "strv.h"

struct event_base;
struct evdns_base;

struct discover_opts {
	const char		*base_url;	/* http(s)://host[:port]/trade-api/v2 */
	SSL_CTX			*ssl;		/* for https:// */
	const char		*user_agent;	/* NULL: "ssmd/VERSION" */
	struct strv	 series, events;	/* filters; none: all */
	/* Markets of these categories' series; minus those of exclude's. */
	struct strv	 categories, exclude;
	const char		*status;	/* NULL: no status filter */
	int64_t			 max_close_ts;	/* markets closing by then
						   (unix s); 0: any */
	unsigned		 page_limit;	/* limit=, 1..1000 */
	double			 min_interval;	/* seconds between requests */
	double			 timeout;	/* per request */
	unsigned		 max_retries;	/* 429s and 5xx in a row */
	double			 max_wait;	/* cap on one Retry-After */
	/* Nonzero ends discovery as a stop signal would (another thread
	 * asks); NULL: only sig_stop. */
	const atomic_int	*cancel;
};

/* discover_run() when a stop signal (sig_stop) or the cancel flag came
 * during discovery. */
#define DISCOVER_STOPPED	(-1)

/* 1 if url can be a REST base: http:// or https://, a host, no query. */
int	discover_url_ok(const char *url);

/* Append every market ticker found to out.  Returns 0, or an exit code
 * (EX_CONFIG for a bad base URL, EX_UNAVAILABLE, EX_DATAERR, EX_OSERR)
 * with a reason in err, or DISCOVER_STOPPED. */
int	discover_run(struct event_base *, struct evdns_base *,
	    const struct discover_opts *, struct strv *out, char *err,
	    size_t errlen);

/* The series of each of o->categories (the other filters are not used):
 * series tickers appended to series and, at the same index, the category
 * asked for appended to cats.  Returns as discover_run(). */
int	discover_categories(struct event_base *, struct evdns_base *,
	    const struct discover_opts *, struct strv *series,
	    struct strv *cats, char *err, size_t errlen);

/* Parse one /series response: the series tickers appended to out, the
 * next cursor (empty when none) into cursor.  0, or -1 with a reason in
 * err. */
int	discover_parse_series(const char *body, size_t n,
	    struct strv *out, char *cursor, size_t curcap, char *err,
	    size_t errlen);

/* Parse one /markets response: tickers appended to out, the next cursor
 * (empty at the end) into cursor.  0, or -1 with a reason in err. */
int	discover_parse_markets(const char *body, size_t n,
	    struct strv *out, char *cursor, size_t curcap,
	    size_t *skipped, char *err, size_t errlen);

/* Append a copy of the first n bytes of s.  0, or -1 out of memory. */

#endif
