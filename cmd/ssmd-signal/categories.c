/* categories: one event loop for the few requests of a resolution, freed
 * after it; the refresh thread makes its own each time. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "categories.h"
#include "discover.h"
#include "filter.h"
#include "log.h"
#include "metrics.h"
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

int
categories_write(const struct filter *f, const char *path, char *err,
    size_t errlen)
{
	char	*tmp;
	FILE	*fp;
	int	 ok;

	/* Whole or not at all: a backtest must not read half a table. */
	if (asprintf(&tmp, "%s.tmp", path) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = filter_write_categories(f, fp) == 0;
	ok = fclose(fp) == 0 && ok;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* A category that names no series passes nothing: say so, it is most
 * likely a misspelling (Kalshi's names are case-sensitive). */
static void
warn_empty(char *const *want, size_t nwant, const struct strv *cats)
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
	struct strv	 series = { NULL, 0 }, cats = { NULL, 0 };
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
	strv_clear(&series);
	strv_clear(&cats);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	event_base_free(base);
	return rc;
}

/* categories_resolve(), abandoned when *cancel becomes nonzero. */
static int
resolve(struct filter *f, const char *url, const char *ca_file,
    const atomic_int *cancel, char *err, size_t errlen)
{
	struct discover_opts	 o = {
		.base_url = url, .user_agent = "ssmd-signal/" SSMD_VERSION,
		/* as polite as ssmd-ws-kalshi; a start may wait out a
		 * few 429s, never the line stream (it has not begun) */
		.min_interval = 0.34, .timeout = 20, .max_retries = 5,
		.max_wait = 60, .page_limit = 1000, .cancel = cancel };
	size_t			 n;
	int			 rc;

	/* discover only reads its options */
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

int
categories_resolve(struct filter *f, const char *url, const char *ca_file,
    char *err, size_t errlen)
{
	return resolve(f, url, ca_file, NULL, err, errlen);
}

struct categories_refresh {
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	atomic_int		 cancel;
	_Atomic(struct filter *) box;	/* a new table, not yet taken */
	atomic_uint_least64_t	 ok, failed;
	char			*url, *ca;
	struct filter		*want;	/* the categories, no table */
	double			 interval;
};

/* Sleep interval seconds, or less if stopped.  1 when stopped. */
static int
nap(struct categories_refresh *r)
{
	struct timespec	ts;
	double		s;
	int		stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s = (double)ts.tv_sec + ts.tv_nsec / 1e9 + r->interval;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	pthread_mutex_lock(&r->mu);
	while (!(stop = atomic_load(&r->cancel)) &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
		;
	stop = atomic_load(&r->cancel);
	pthread_mutex_unlock(&r->mu);
	return stop;
}

/* A fresh filter with the categories asked for and no table. */
static struct filter *
blank(const struct filter *want)
{
	struct filter	*nf;
	char *const	*c;
	size_t		 i, n;

	if ((nf = filter_new()) == NULL)
		return NULL;
	c = filter_categories(want, &n);
	for (i = 0; i < n; i++)
		if (filter_add_category(nf, c[i]) == -1) {
			filter_free(nf);
			return NULL;
		}
	return nf;
}

static void *
refresher(void *arg)
{
	struct categories_refresh	*r = arg;
	struct filter			*nf;
	char				 err[1024], url[4096];
	int				 rc;

	categories_redact(r->url, url, sizeof(url));
	while (!nap(r)) {
		if ((nf = blank(r->want)) == NULL)
			rc = EX_OSERR;
		else
			rc = resolve(nf, r->url, r->ca, &r->cancel, err,
			    sizeof(err));
		if (rc == CATEGORIES_STOPPED) {
			filter_free(nf);
			break;
		}
		if (rc != CATEGORIES_OK) {
			atomic_fetch_add(&r->failed, 1);
			log_warn("category refresh failed: the table in use "
			    "is kept", "url=%s error=%s", log_q(url),
			    log_q(nf == NULL ? "out of memory" : err));
			filter_free(nf);
			continue;
		}
		atomic_fetch_add(&r->ok, 1);
		/* one slot: a table the main thread never took is
		 * replaced by the newer one */
		filter_free(atomic_exchange(&r->box, nf));
	}
	return NULL;
}

static void
refresh_free(struct categories_refresh *r)
{
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	filter_free(r->want);
	free(r->url);
	free(r->ca);
	free(r);
}

struct categories_refresh *
categories_refresh_start(const struct filter *f, const char *url,
    const char *ca_file, double interval, char *err, size_t errlen)
{
	struct categories_refresh	*r;
	pthread_condattr_t		 ca;
	sigset_t			 all, old;
	int				 e;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto oom;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&r->cancel, 0);
	atomic_init(&r->box, NULL);
	atomic_init(&r->ok, 0);
	atomic_init(&r->failed, 0);
	r->interval = interval;
	if ((r->url = strdup(url)) == NULL || (ca_file != NULL &&
	    (r->ca = strdup(ca_file)) == NULL) || (r->want = blank(f)) == NULL) {
		refresh_free(r);
		goto oom;
	}
	/* Signals are the main thread's: its read loop must see them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->th, NULL, refresher, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the refresh thread: %s",
		    strerror(e));
		refresh_free(r);
		return NULL;
	}
	return r;
oom:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

int
categories_refresh_take(struct categories_refresh *r, struct filter *f)
{
	struct filter	*nf;

	if (r == NULL || atomic_load(&r->box) == NULL ||
	    (nf = atomic_exchange(&r->box, NULL)) == NULL)
		return 0;
	filter_take_table(f, nf);
	filter_free(nf);	/* with the old table */
	return 1;
}

void
categories_refresh_counts(const struct categories_refresh *r, uint64_t *ok,
    uint64_t *failed)
{
	*ok = r != NULL ? atomic_load(&r->ok) : 0;
	*failed = r != NULL ? atomic_load(&r->failed) : 0;
}

void
categories_refresh_stop(struct categories_refresh *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->cancel, 1);
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	filter_free(atomic_exchange(&r->box, NULL));
	refresh_free(r);
}

static struct metric	*series_m, *ok_m, *failed_m;
static uint64_t		 ok_pushed, failed_pushed;

void
categories_metrics_init(const struct filter *f)
{
	series_m = metrics_gauge("ssmd_signal_category_series", NULL,
	    "Series in the category table resolved through the REST API");
	ok_m = metrics_counter("ssmd_signal_category_refreshes_total",
	    "result=\"ok\"", "Refreshes of the category table");
	failed_m = metrics_counter("ssmd_signal_category_refreshes_total",
	    "result=\"failed\"", "Refreshes of the category table");
	metrics_set(series_m, (double)filter_table_size(f));
}

int
categories_refresh_poll(struct categories_refresh *r, struct filter *f)
{
	uint64_t	ok, failed;
	int		took;

	if (r == NULL)
		return 0;
	if ((took = categories_refresh_take(r, f)) == 1) {
		log_info("category table refreshed", "series=%zu",
		    filter_table_size(f));
		metrics_set(series_m, (double)filter_table_size(f));
	}
	categories_refresh_counts(r, &ok, &failed);
	metrics_add(ok_m, ok - ok_pushed);
	metrics_add(failed_m, failed - failed_pushed);
	ok_pushed = ok;
	failed_pushed = failed;
	return took;
}
