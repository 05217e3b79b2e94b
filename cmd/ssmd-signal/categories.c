/* categories: one event loop for the few requests at start, freed before
 * the line stream begins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "categories.h"
#include "discover.h"
#include "filter.h"
#include "log.h"
#include "tls.h"

const char *
categories_redact(const char *url, char *buf, size_t len)
{
	const char	*host = strstr(url, "://"), *at, *end;

	if (host == NULL) {
		snprintf(buf, len, "%s", url);
		return buf;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at == NULL)
		snprintf(buf, len, "%s", url);
	else
		snprintf(buf, len, "%.*s***%s", (int)(host - url), url, at);
	return buf;
}

/* A category that names no series passes nothing: say so, it is most
 * likely a misspelling (Kalshi's names are case-sensitive). */
static void
warn_empty(char *const *want, size_t nwant, const struct discover_strv *cats)
{
	size_t	i, j;

	for (i = 0; i < nwant; i++) {
		for (j = 0; j < cats->n; j++)
			if (strcmp(cats->v[j], want[i]) == 0)
				break;
		if (j == cats->n)
			log_warn("category has no series: it passes no market",
			    "category=%s", log_q(want[i]));
	}
}

/* The requests themselves, with the loop set up. */
static int
fetch_all(struct filter *f, const struct discover_opts *o, char *err,
    size_t errlen)
{
	struct discover_strv	 series = { NULL, 0 }, cats = { NULL, 0 };
	struct event_base	*base;
	struct evdns_base	*dns = NULL;
	int			 rc = EX_OSERR;

	if ((base = event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot set up the event loop");
		return EX_OSERR;
	}
	/* No resolv.conf (a bare container) still reaches an address. */
	if ((dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS))
	    == NULL && (dns = evdns_base_new(base, 0)) == NULL) {
		snprintf(err, errlen, "cannot set up DNS");
		goto out;
	}
	rc = discover_categories(base, dns, o, &series, &cats, err, errlen);
	if (rc == DISCOVER_STOPPED)
		rc = CATEGORIES_STOPPED;
	if (rc != 0)
		goto out;
	warn_empty(o->categories.v, o->categories.n, &cats);
	if (filter_add_mapping(f, series.v, cats.v, series.n) == -1) {
		snprintf(err, errlen, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	log_info("categories resolved", "categories=%zu series=%zu",
	    o->categories.n, series.n);
out:
	discover_strv_clear(&series);
	discover_strv_clear(&cats);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	event_base_free(base);
	return rc;
}

int
categories_resolve(struct filter *f, const char *url, const char *ca_file,
    char *err, size_t errlen)
{
	struct discover_opts	 o = {
		.base_url = url, .user_agent = "ssmd-signal/" SSMD_VERSION,
		/* as polite as ssmd-ws-kalshi; a start may wait out a
		 * few 429s, never the line stream (it has not begun) */
		.min_interval = 0.34, .timeout = 20, .max_retries = 5,
		.max_wait = 60, .page_limit = 1000 };
	size_t			 n;
	int			 rc;

	o.categories.v = (char **)filter_categories(f, &n);
	o.categories.n = n;
	if (!discover_url_ok(url)) {
		snprintf(err, errlen, "bad REST URL (want http(s)://HOST"
		    "[:PORT]/PATH without a query)");
		return EX_CONFIG;
	}
	if (strncmp(url, "https://", 8) == 0 &&
	    (o.ssl = tls_client_ctx(ca_file, err, errlen)) == NULL)
		return EX_CONFIG;
	rc = fetch_all(f, &o, err, errlen);
	SSL_CTX_free(o.ssl);
	return rc;
}
