#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "page.h"
#include "serve.h"
#include "merge.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "ts.h"

#define MAX_HEADERS	8192	/* bytes of request line and headers */
#define MAX_BODY	4096	/* GET and HEAD carry none */

struct server {
	const struct hd_opts	*o;
	struct event_base	*base;
	struct log_rate		 dir_rate, skip_rate;
	struct metric		*up, *ready, *connected, *conflicts, *dups;
};

static double
now_s(void)
{
	return (double)ts_now_us() / 1e6;
}

/* A reply whose body was written to a memory stream. */
static void
reply(struct evhttp_request *req, int code, const char *ctype,
    const char *body, size_t len, const char *path)
{
	struct evbuffer	*b = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char		 labels[64], clen[24];

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (code == 405)
		evhttp_add_header(h, "Allow", "GET, HEAD");
	/* evhttp would send a HEAD reply's body: give only its length. */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof(clen), "%zu", body ? len : 0);
		evhttp_add_header(h, "Content-Length", clen);
	} else if (body != NULL)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, code == 200 ? "OK" : code == 503 ?
	    "Service Unavailable" : code == 404 ? "Not Found" : code == 405 ?
	    "Method Not Allowed" : "Internal Server Error", NULL);
	snprintf(labels, sizeof(labels), "path=\"%s\",code=\"%d\"", path, code);
	metrics_inc(metrics_counter("ssmd_healthd_requests_total", labels,
	    "HTTP requests answered, by path and status code"));
}

static void
scan(struct server *sv, struct scan_dir *sc, int count_skips)
{
	unsigned	supp;
	size_t		i;
	char		labels[64];

	if (scan_dir(sc, sv->o->dir, sv->o->max_file) == -1 &&
	    log_rate_ok(&sv->dir_rate, &supp))
		log_warn("cannot read the metrics directory", "dir=%s error=%s "
		    "suppressed=%u", log_q(sv->o->dir), log_q(strerror(errno)),
		    supp);
	if (!count_skips)
		return;
	for (i = 0; i < sc->n; i++) {
		if (sc->f[i].skip == NULL)
			continue;
		snprintf(labels, sizeof(labels), "reason=\"%s\"", sc->f[i].skip);
		metrics_inc(metrics_counter(
		    "ssmd_healthd_metrics_files_skipped_total", labels,
		    "Metrics files left out of a /metrics answer, by reason"));
		if (log_rate_ok(&sv->skip_rate, &supp))
			log_warn("metrics file skipped", "file=%s reason=%s "
			    "error=%s suppressed=%u", log_q(sc->f[i].name),
			    sc->f[i].skip, log_q(sc->f[i].err), supp);
	}
	if (sc->dropped > 0 && log_rate_ok(&sv->skip_rate, &supp))
		log_warn("too many metrics files", "max=%d dropped=%zu",
		    HD_MAX_FILES, sc->dropped);
}

static void
health(struct evhttp_request *req, struct server *sv, int ready,
    const char *path)
{
	struct scan_dir		 sc;
	struct health_eval	 h;
	char			*body = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 code;

	scan(sv, &sc, 0);
	health_eval(&h, &sc, &sv->o->src, now_s());
	scan_free(&sc);
	if ((f = open_memstream(&body, &len)) == NULL)
		goto fail;
	code = health_json(f, &h, sv->o->src.feed, ready);
	if (fclose(f) != 0)
		goto fail;
	reply(req, code, "application/json", body, len, path);
	free(body);
	return;
fail:
	free(body);
	reply(req, 500, "text/plain", NULL, 0, path);
}

/* healthd's own series that change with the directory: file ages. */
static void
file_ages(FILE *f, const struct scan_dir *sc, double now)
{
	size_t	i;

	fputs("# HELP ssmd_healthd_metrics_file_age_seconds Seconds since a "
	    "metrics file was last written\n"
	    "# TYPE ssmd_healthd_metrics_file_age_seconds gauge\n", f);
	for (i = 0; i < sc->n; i++)
		if (sc->f[i].mtime > 0 && strpbrk(sc->f[i].name, "\"\\") == NULL)
			fprintf(f, "ssmd_healthd_metrics_file_age_seconds"
			    "{file=\"%s\"} %.3f\n", sc->f[i].name,
			    now > sc->f[i].mtime ? now - sc->f[i].mtime : 0.0);
}

/* Own metrics first, then every well-formed file, merged. */
static int
exposition(FILE *f, struct server *sv, const struct scan_dir *sc,
    const struct health_eval *h, char **own, struct prom_doc *owndoc)
{
	const struct prom_doc	**docs;
	struct hd_union_stats	  st;
	char			 *r, err[160];
	size_t			  i, n = 0, ownlen = 0;
	FILE			 *of;
	int			  rc = -1;

	if ((docs = calloc(sc->n + 1, sizeof(*docs))) == NULL ||
	    (of = open_memstream(own, &ownlen)) == NULL)
		goto out;
	if ((r = metrics_render()) != NULL)
		fputs(r, of);
	free(r);
	file_ages(of, sc, now_s());
	health_seed_metrics(of, h, sv->o->src.feed);
	if (fclose(of) != 0)
		goto out;
	if (prom_parse(owndoc, *own, ownlen, err, sizeof(err)) == -1)
		log_error("own metrics do not parse", "error=%s", log_q(err));
	else
		docs[n++] = owndoc;
	for (i = 0; i < sc->n; i++)
		if (sc->f[i].skip == NULL)
			docs[n++] = &sc->f[i].doc;
	if (merge_union(f, docs, n, &st) == 0)
		rc = 0;
	metrics_add(sv->dups, st.duplicates);
	metrics_add(sv->conflicts, st.conflicts);
out:
	free(docs);
	return rc;
}

static void
metrics(struct evhttp_request *req, struct server *sv)
{
	struct scan_dir		 sc;
	struct health_eval	 h;
	struct prom_doc		 owndoc = { 0 };
	char			*body = NULL, *own = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 rc = -1;

	scan(sv, &sc, 1);
	health_eval(&h, &sc, &sv->o->src, now_s());
	metrics_set(sv->connected, h.connected);
	metrics_set(sv->ready, h.connected && !h.stale && !h.pipeline_down);
	if ((f = open_memstream(&body, &len)) != NULL) {
		rc = exposition(f, sv, &sc, &h, &own, &owndoc);
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc == 0)
		reply(req, 200, "text/plain; version=0.0.4; charset=utf-8",
		    body, len, "/metrics");
	else
		reply(req, 500, "text/plain", NULL, 0, "/metrics");
	prom_doc_free(&owndoc);
	free(own);
	free(body);
	scan_free(&sc);
}

static void
page(struct evhttp_request *req, struct server *sv)
{
	struct scan_dir		 sc;
	struct health_eval	 h;
	char			*body = NULL;
	size_t			 len = 0;
	FILE			*f;
	double			 now = now_s();

	scan(sv, &sc, 0);
	health_eval(&h, &sc, &sv->o->src, now);
	if ((f = open_memstream(&body, &len)) != NULL) {
		page_render(f, &sc, &h, &sv->o->src, now);
		if (fclose(f) == 0)
			reply(req, 200, "text/html; charset=utf-8", body, len,
			    "/");
		else
			reply(req, 500, "text/plain", NULL, 0, "/");
	} else
		reply(req, 500, "text/plain", NULL, 0, "/");
	free(body);
	scan_free(&sc);
}

static void
route(struct evhttp_request *req, void *arg)
{
	struct server		*sv = arg;
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*path = u ? evhttp_uri_get_path(u) : NULL;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	static const char	 notfound[] = "not found: try /health, /ready, "
				     "/metrics or /\n";
	static const char	 notallowed[] = "method not allowed: GET or "
				     "HEAD only\n";

	if (path == NULL || *path == '\0')
		path = "/";
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
		reply(req, 405, "text/plain", notallowed,
		    sizeof(notallowed) - 1, "other");
	else if (strcmp(path, "/health") == 0)
		health(req, sv, 0, "/health");
	else if (strcmp(path, "/ready") == 0)
		health(req, sv, 1, "/ready");
	else if (strcmp(path, "/metrics") == 0)
		metrics(req, sv);
	else if (strcmp(path, "/") == 0)
		page(req, sv);
	else
		reply(req, 404, "text/plain", notfound,
		    sizeof(notfound) - 1, "other");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server	*sv = arg;

	log_info("stopping", "signal=%d", (int)sig);
	event_base_loopbreak(sv->base);
}

/* Many concurrent clients need descriptors: take the hard limit. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
serve_parse_listen(char *buf, struct hd_opts *o)
{
	char		*colon = strrchr(buf, ':'), *host = buf;
	uint64_t	 port;

	if (colon == NULL || parse_uint(colon + 1, 0, 65535, &port) == -1)
		return -1;
	*colon = '\0';
	if (*host == '[') {
		if (colon[-1] != ']')
			return -1;
		colon[-1] = '\0';
		host++;
	}
	if (*host == '\0')
		return -1;
	o->host = host;
	o->port = (unsigned)port;
	return 0;
}

int
serve_run(const struct hd_opts *o)
{
	struct server			 sv;
	struct evhttp			*http = NULL;
	struct evhttp_bound_socket	*bs;
	struct event			*sterm = NULL, *sint = NULL;
	struct timeval			 tv;
	int				 rc = EX_SOFTWARE;

	memset(&sv, 0, sizeof(sv));
	sv.o = o;
	sv.dir_rate = (struct log_rate)LOG_RATE_INIT(1, 60);
	sv.skip_rate = (struct log_rate)LOG_RATE_INIT(5, 60);
	sv.up = metrics_gauge("ssmd_healthd_up", NULL, "1 while ssmd-healthd runs");
	sv.connected = metrics_gauge("ssmd_healthd_source_connected", NULL,
	    "1 if the source reports a connection");
	sv.ready = metrics_gauge("ssmd_healthd_ready", NULL,
	    "1 if /ready answers 200");
	sv.dups = metrics_counter("ssmd_healthd_series_dropped_total",
	    "reason=\"duplicate\"", "Series left out of /metrics, by reason");
	sv.conflicts = metrics_counter("ssmd_healthd_series_dropped_total",
	    "reason=\"type_conflict\"", "Series left out of /metrics, by reason");
	metrics_set(sv.up, 1);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if ((sv.base = event_base_new()) == NULL ||
	    (http = evhttp_new(sv.base)) == NULL)
		goto out;
	/* Every method reaches route(), which answers 405 itself: evhttp
	 * would say 501 for a method it was told to refuse. */
	evhttp_set_allowed_methods(http, 0x1ff);
	evhttp_set_max_headers_size(http, MAX_HEADERS);
	evhttp_set_max_body_size(http, MAX_BODY);
	tv.tv_sec = (time_t)o->timeout;
	tv.tv_usec = (suseconds_t)((o->timeout - (double)tv.tv_sec) * 1e6);
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_gencb(http, route, &sv);
	if ((bs = evhttp_bind_socket_with_handle(http, o->host,
	    (ev_uint16_t)o->port)) == NULL) {
		log_error("cannot listen", "addr=%s port=%u error=%s",
		    log_q(o->host), o->port, log_q(strerror(errno)));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if ((sterm = evsignal_new(sv.base, SIGTERM, on_signal, &sv)) == NULL ||
	    (sint = evsignal_new(sv.base, SIGINT, on_signal, &sv)) == NULL ||
	    evsignal_add(sterm, NULL) == -1 || evsignal_add(sint, NULL) == -1)
		goto out;
	log_info("listening", "addr=%s port=%u dir=%s source=%s feed=%s "
	    "stale_after=%.0f", log_q(o->host), o->port, log_q(o->dir),
	    log_q(o->src.prog), o->src.feed, o->src.stale_after);
	if (event_base_dispatch(sv.base) == -1)
		goto out;
	rc = EX_OK;
out:
	if (rc == EX_SOFTWARE)
		log_error("event loop failure", "");
	if (sterm != NULL)
		event_free(sterm);
	if (sint != NULL)
		event_free(sint);
	if (http != NULL)
		evhttp_free(http);
	if (sv.base != NULL)
		event_base_free(sv.base);
	return rc;
}
