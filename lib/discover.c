/* discover: libevent's HTTP client, one connection per request (a few
 * requests at start, never a hot path). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "discover.h"
#include "log.h"
#include "parse.h"
#include "sig.h"
#include "tls.h"
#include "ts.h"
#include "ws.h"

#define BODY_MAX	(64 << 20)

struct resp {
	int	 done;
	int	 status;	/* 0: no response */
	char	*body;
	size_t	 len;
	double	 retry_after;	/* -1: none */
	char	 why[96];
};

struct rest {
	const struct discover_opts *o;
	struct event_base	*base;
	struct evdns_base	*dns;
	struct ws_url		 u;
	char			 prefix[1024];	/* path, no trailing / */
	double			 last;	/* ts_mono of the last request */
	unsigned		 requests;
	size_t			 skipped;
};

static int
parse_base(struct rest *r, const char *url)
{
	size_t	n;

	if (url == NULL || (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) || ws_parse_url(url, &r->u) == -1 ||
	    r->u.host[0] == '\0' || strchr(r->u.path, '?') != NULL ||
	    strlen(r->u.path) >= sizeof(r->prefix))
		return -1;
	n = strlen(r->u.path);
	memcpy(r->prefix, r->u.path, n + 1);
	while (n > 0 && r->prefix[n - 1] == '/')
		r->prefix[--n] = '\0';
	return 0;
}

int
discover_url_ok(const char *url)
{
	struct rest	r;

	return parse_base(&r, url) == 0;
}

static void
req_done(struct evhttp_request *req, void *arg)
{
	struct resp	*r = arg;
	struct evbuffer	*in;
	const char	*ra;

	r->done = 1;
	if (req == NULL || (r->status = evhttp_request_get_response_code(req))
	    == 0) {
		if (r->why[0] == '\0')
			snprintf(r->why, sizeof(r->why), "no response "
			    "(DNS, connect or TLS failure)");
		return;
	}
	if ((ra = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Retry-After")) != NULL)
		r->retry_after = strtod(ra, NULL);
	in = evhttp_request_get_input_buffer(req);
	r->len = evbuffer_get_length(in);
	if ((r->body = malloc(r->len + 1)) == NULL) {
		r->status = 0;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	evbuffer_remove(in, r->body, r->len);
	r->body[r->len] = '\0';
}

static void
req_error(enum evhttp_request_error e, void *arg)
{
	struct resp	*r = arg;
	static const char *const names[] = { "timeout", "connection closed",
	    "bad response", "cancelled", "data too long" };

	snprintf(r->why, sizeof(r->why), "%s",
	    (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] :
	    "failed");
}

static void
fire(evutil_socket_t fd, short what, void *arg)
{
	if (arg != NULL)
		*(int *)arg = 1;
}

/* What wait_loop() and get() end with. */
enum rest_step {
	STEP_OK = 0,
	STEP_FAILED,		/* get(): the request could not start */
	STEP_STOPPED,		/* a stop signal (sig_stop) came first */
};

static int
stopped(const struct rest *r)
{
	return sig_stop || (r->o->cancel != NULL && atomic_load(r->o->cancel));
}

/* Run the loop for secs (or until *done), watching for a stop signal.
 * A timer we cannot allocate ends the wait at once: the caller's retry
 * budget still bounds the requests. */
static enum rest_step
wait_loop(struct rest *r, double secs, int *done)
{
	struct timeval	 tv = { (time_t)secs, (suseconds_t)((secs -
			    (time_t)secs) * 1e6) };
	struct timeval	 slice = { 0, 200000 };
	struct event	*sleep_ev, *wake;
	int		 fired = 0;

	if (done == NULL)
		done = &fired;
	sleep_ev = evtimer_new(r->base, fire, &fired);
	/* Signals do not end a libevent wait by themselves: wake up now
	 * and then to look at sig_stop. */
	wake = event_new(r->base, -1, EV_PERSIST, fire, NULL);
	if (sleep_ev == NULL || wake == NULL) {
		if (sleep_ev != NULL)
			event_free(sleep_ev);
		return stopped(r) ? STEP_STOPPED : STEP_OK;
	}
	if (secs > 0)
		evtimer_add(sleep_ev, &tv);
	event_add(wake, &slice);
	while (!*done && !stopped(r))
		event_base_loop(r->base, EVLOOP_ONCE);
	event_free(sleep_ev);
	event_free(wake);
	return stopped(r) ? STEP_STOPPED : STEP_OK;
}

static enum rest_step
get(struct rest *r, const char *uri, struct resp *rs)
{
	struct evhttp_connection	*conn = NULL;
	struct evhttp_request		*req;
	struct bufferevent		*bev;
	struct evkeyvalq		*h;
	SSL				*ssl;
	double				 gap = r->o->min_interval -
					    (ts_mono() - r->last);
	enum rest_step			 rc = STEP_FAILED;

	memset(rs, 0, sizeof(*rs));
	rs->retry_after = -1;
	if (r->requests > 0 && gap > 0 &&
	    wait_loop(r, gap, NULL) == STEP_STOPPED)
		return STEP_STOPPED;
	r->last = ts_mono();
	r->requests++;
	if (r->u.tls) {
		if ((ssl = tls_client_ssl(r->o->ssl, r->u.host)) == NULL)
			return STEP_FAILED;
		bev = bufferevent_openssl_socket_new(r->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else
		bev = bufferevent_socket_new(r->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return STEP_FAILED;
	conn = evhttp_connection_base_bufferevent_new(r->base, r->dns, bev,
	    r->u.host, r->u.port);
	if (conn == NULL) {
		bufferevent_free(bev);
		return STEP_FAILED;
	}
	evhttp_connection_set_timeout(conn, (int)(r->o->timeout + 0.999));
	evhttp_connection_set_max_body_size(conn, BODY_MAX);
	if ((req = evhttp_request_new(req_done, rs)) == NULL)
		goto out;
	evhttp_request_set_error_cb(req, req_error);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", r->u.host);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "User-Agent", r->o->user_agent != NULL ?
	    r->o->user_agent : "ssmd/" SSMD_VERSION);
	/* No "Connection: close": a server that closes right after the
	 * body can make libevent's TLS layer report the end of the stream
	 * before the last bytes.  The reply's length ends it instead, and
	 * the connection is dropped here. */
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, uri) == -1)
		goto out;	/* req is freed by evhttp on failure */
	rc = wait_loop(r, 0, &rs->done);
out:
	evhttp_connection_free(conn);
	return rc;
}

/* One page of a list answer: the tickers of root[key][] into out (one
 * that is not a ticker skipped and counted), and the cursor of the next
 * page ("" on the last).  A null list is an empty page. */
static int
parse_page(const char *body, size_t n, const char *key, struct strv *out,
    char *cursor, size_t curcap, size_t *skipped, char *err, size_t errlen)
{
	json_t		*root, *list, *m, *t, *c;
	json_error_t	 je;
	size_t		 i;
	int		 rc = -1;

	if ((root = json_loadb(body, n, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s: response is not JSON: %s", key,
		    je.text);
		return -1;
	}
	list = json_object_get(root, key);
	if (!json_is_array(list) && !json_is_null(list)) {
		snprintf(err, errlen, "response has no \"%s\" list", key);
		goto out;
	}
	json_array_foreach(list, i, m) {
		t = json_object_get(m, "ticker");
		if (!json_is_string(t) || !parse_ticker_ok(json_string_value(t))) {
			(*skipped)++;
			continue;
		}
		if (strv_push(out, json_string_value(t),
		    json_string_length(t)) == -1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	c = json_object_get(root, "cursor");
	if (json_is_string(c) && json_string_length(c) >= curcap) {
		snprintf(err, errlen, "%s: cursor longer than %zu bytes", key,
		    curcap);
		goto out;
	}
	snprintf(cursor, curcap, "%s", json_is_string(c) ?
	    json_string_value(c) : "");
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
discover_parse_markets(const char *body, size_t n, struct strv *out,
    char *cursor, size_t curcap, size_t *skipped, char *err, size_t errlen)
{
	return parse_page(body, n, "markets", out, cursor, curcap, skipped,
	    err, errlen);
}

/* GET uri until it answers 200 (rs then holds the body, the caller's to
 * free): 429 and 5xx are waited out (Retry-After, else backoff) up to
 * max_retries in a row.  0, an exit code with err set, or
 * DISCOVER_STOPPED. */
static int
fetch(struct rest *r, const char *uri, struct resp *rs, char *err,
    size_t errlen)
{
	unsigned	tries = 0;
	enum rest_step	g;
	double		w;

	for (;;) {
		if ((g = get(r, uri, rs)) == STEP_STOPPED)
			return DISCOVER_STOPPED;
		if (g == STEP_FAILED || rs->status == 0) {
			snprintf(err, errlen, "GET %s: %s", uri,
			    g == STEP_FAILED ? "cannot start the request" :
			    rs->why);
			free(rs->body);
			return EX_UNAVAILABLE;
		}
		if (rs->status == 200)
			return 0;
		free(rs->body);
		rs->body = NULL;
		if (rs->status != 429 && rs->status < 500) {
			snprintf(err, errlen, "GET %s: HTTP %d", uri, rs->status);
			return EX_UNAVAILABLE;
		}
		w = rs->retry_after >= 0 ? rs->retry_after :
		    0.5 * (1 << (tries < 6 ? tries : 6));
		if (w > r->o->max_wait)
			w = r->o->max_wait;
		if (++tries > r->o->max_retries) {
			snprintf(err, errlen, "GET %s: HTTP %d, %u times in a "
			    "row", uri, rs->status, tries);
			return EX_UNAVAILABLE;
		}
		log_warn("REST request refused: waiting", "status=%d "
		    "retry_after=%.3g uri=%s", rs->status, w, log_q(uri));
		if (wait_loop(r, w, NULL) == STEP_STOPPED)
			return DISCOVER_STOPPED;
	}
}

/* Every page of one query (filter "series_ticker=X", or NULL). */
static int
query(struct rest *r, const char *key, const char *val,
    struct strv *out,
    char *err, size_t errlen)
{
	struct resp	 rs;
	char		 uri[4096], cursor[1024] = "", *ec, *ev;
	unsigned	 pages = 0;
	size_t		 before = out->n;
	int		 rc;

	for (;;) {
		ec = evhttp_encode_uri(cursor);
		ev = val ? evhttp_encode_uri(val) : NULL;
		snprintf(uri, sizeof(uri), "%s/markets?limit=%u%s%s%s%s%s%s%s",
		    r->prefix, r->o->page_limit,
		    r->o->status ? "&status=" : "",
		    r->o->status ? r->o->status : "",
		    key ? "&" : "", key ? key : "", key ? "=" : "",
		    ev ? ev : "", *cursor ? "&cursor=" : "");
		if (*cursor)
			strncat(uri, ec ? ec : "", sizeof(uri) - strlen(uri) - 1);
		if (r->o->max_close_ts > 0)
			snprintf(uri + strlen(uri), sizeof(uri) - strlen(uri),
			    "&max_close_ts=%lld",
			    (long long)r->o->max_close_ts);
		free(ec);
		free(ev);
		if ((rc = fetch(r, uri, &rs, err, errlen)) != 0)
			return rc;
		pages++;
		if (discover_parse_markets(rs.body, rs.len, out, cursor,
		    sizeof(cursor), &r->skipped, err, errlen) == -1) {
			free(rs.body);
			return EX_DATAERR;
		}
		free(rs.body);
		if (*cursor == '\0')
			break;
	}
	log_info("discovered", "filter=%s%s%s pages=%u markets=%zu",
	    key ? key : "none", key ? "=" : "", val ? val : "", pages,
	    out->n - before);
	return 0;
}

int
discover_parse_series(const char *body, size_t n, struct strv *out,
    char *cursor, size_t curcap, char *err, size_t errlen)
{
	size_t	skipped = 0;

	/* Kalshi answers all of a category's series at once today; a
	 * cursor, should one come, is followed as /markets' is. */
	return parse_page(body, n, "series", out, cursor, curcap, &skipped,
	    err, errlen);
}

/* Every page of one category's series (GET /series?category=C), into
 * out. */
static int
one_category(struct rest *r, const char *cat, struct strv *out,
    char *err, size_t errlen)
{
	struct resp	 rs;
	char		 uri[4096], cursor[1024] = "", prev[1024], *ec, *eq;
	size_t		 before = out->n;
	int		 rc;

	for (;;) {
		ec = evhttp_encode_uri(cat);
		eq = evhttp_encode_uri(cursor);
		if (ec == NULL || eq == NULL) {
			free(ec);
			free(eq);
			snprintf(err, errlen, "out of memory");
			return EX_OSERR;
		}
		snprintf(uri, sizeof(uri), "%s/series?category=%s%s%s",
		    r->prefix, ec, *cursor ? "&cursor=" : "", eq);
		free(ec);
		free(eq);
		if ((rc = fetch(r, uri, &rs, err, errlen)) != 0)
			return rc;
		memcpy(prev, cursor, sizeof(prev));
		rc = discover_parse_series(rs.body, rs.len, out, cursor,
		    sizeof(cursor), err, errlen);
		free(rs.body);
		if (rc == -1)
			return EX_DATAERR;
		if (*cursor == '\0')
			break;
		/* A server that hands the same cursor back would page
		 * forever. */
		if (strcmp(cursor, prev) == 0) {
			snprintf(err, errlen, "GET %s: the cursor repeats", uri);
			return EX_DATAERR;
		}
	}
	log_info("category", "category=%s series=%zu", log_q(cat),
	    out->n - before);
	return 0;
}

/* The series of each category, into out; with cats, the category of
 * each series at the same index. */
static int
category_series(struct rest *r, const struct strv *want,
    struct strv *out, struct strv *cats, char *err,
    size_t errlen)
{
	size_t	i, before;
	int	rc;

	for (i = 0; i < want->n; i++) {
		before = out->n;
		if ((rc = one_category(r, want->v[i], out, err, errlen)) != 0)
			return rc;
		for (; cats != NULL && before < out->n; before++)
			if (strv_push(cats, want->v[i],
			    strlen(want->v[i])) == -1) {
				snprintf(err, errlen, "out of memory");
				return EX_OSERR;
			}
	}
	return 0;
}

/* A market's series: its ticker up to the first dash. */
static int
in_series(const char *ticker, const struct strv *series)
{
	size_t	n = strcspn(ticker, "-"), i;

	for (i = 0; i < series->n; i++)
		if (strlen(series->v[i]) == n &&
		    strncmp(series->v[i], ticker, n) == 0)
			return 1;
	return 0;
}

/* Drop the markets of the excluded categories' series from out. */
static int
exclude(struct rest *r, struct strv *out, char *err, size_t errlen)
{
	struct strv	ex = { NULL, 0 };
	size_t			i, kept = 0;
	int			rc;

	if ((rc = category_series(r, &r->o->exclude, &ex, NULL, err,
	    errlen)) != 0)
		goto done;
	for (i = 0; i < out->n; i++) {
		if (in_series(out->v[i], &ex)) {
			free(out->v[i]);
			continue;
		}
		out->v[kept++] = out->v[i];
	}
	if (kept < out->n)
		log_info("excluded by category", "markets=%zu", out->n - kept);
	out->n = kept;
done:
	strv_clear(&ex);
	return rc;
}

/* Set up r for o.  0, or an exit code with err set. */
static int
rest_init(struct rest *r, struct event_base *base, struct evdns_base *dns,
    const struct discover_opts *o, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->base = base;
	r->dns = dns;
	if (parse_base(r, o->base_url) == -1) {
		/* Only the scheme is named: a URL may carry a password. */
		snprintf(err, errlen, "bad REST URL (want http(s)://HOST"
		    "[:PORT]/PATH without a query)");
		return EX_CONFIG;
	}
	if (r->u.tls && o->ssl == NULL) {
		snprintf(err, errlen, "https:// needs a TLS context");
		return EX_SOFTWARE;
	}
	return 0;
}

int
discover_categories(struct event_base *base, struct evdns_base *dns,
    const struct discover_opts *o, struct strv *series,
    struct strv *cats, char *err, size_t errlen)
{
	struct rest	r;
	int		rc;

	if ((rc = rest_init(&r, base, dns, o, err, errlen)) != 0)
		return rc;
	return category_series(&r, &o->categories, series, cats, err, errlen);
}

int
discover_run(struct event_base *base, struct evdns_base *dns,
    const struct discover_opts *o, struct strv *out, char *err,
    size_t errlen)
{
	struct rest		r;
	struct strv	catseries = { NULL, 0 };
	size_t			i;
	int			rc;

	if ((rc = rest_init(&r, base, dns, o, err, errlen)) != 0)
		return rc;
	/* Categories name series: their markets join the series asked
	 * for.  A category with no series finds nothing, never everything. */
	if (o->categories.n > 0)
		rc = category_series(&r, &o->categories, &catseries, NULL, err,
		    errlen);
	if (rc == 0 && o->series.n == 0 && o->events.n == 0 &&
	    o->categories.n == 0)
		rc = query(&r, NULL, NULL, out, err, errlen);
	for (i = 0; rc == 0 && i < o->series.n; i++)
		rc = query(&r, "series_ticker", o->series.v[i], out, err,
		    errlen);
	for (i = 0; rc == 0 && i < catseries.n; i++)
		rc = query(&r, "series_ticker", catseries.v[i], out, err,
		    errlen);
	for (i = 0; rc == 0 && i < o->events.n; i++)
		rc = query(&r, "event_ticker", o->events.v[i], out, err,
		    errlen);
	if (rc == 0 && o->exclude.n > 0)
		rc = exclude(&r, out, err, errlen);
	strv_clear(&catseries);
	if (r.skipped > 0)
		log_warn("markets without a usable ticker were skipped",
		    "count=%zu", r.skipped);
	return rc;
}
