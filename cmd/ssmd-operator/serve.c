/* serve: the hook server (see serve.h). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cr.h"
#include "log.h"
#include "obj.h"
#include "reconcile.h"
#include "serve.h"

#define SERVE_MAX_BODY	(32u << 20)

enum { H_SYNC, H_FINALIZE, H_CUSTOMIZE, H_N };
static const char *const hook_names[H_N] = { "sync", "finalize", "customize" };

struct stats {
	unsigned long long	 req[H_N][3];	/* by result: 200, 400, 500 */
	unsigned long long	 busy;		/* 429s */
	unsigned long long	 scrape_ok, scrape_fail;
	double			 seconds[H_N];	/* total time answering */
	unsigned long long	 answered[H_N];
};

struct server {
	const struct serve_opts	*o;
	struct event_base	*base;
	struct evhttp		*http;
	struct stats		 st;
	unsigned		 pending;
};

/* A hook call waiting for its pods' /metrics. */
struct call {
	struct server		*s;
	struct evhttp_request	*req;
	struct reconcile_in	 in;
	json_t			*body, *scraped;
	unsigned		 left;
	int			 hook;
	double			 t0;
};

struct scrape {
	struct call			*call;
	struct evhttp_connection	*conn;
	char				*pod;
};

static double
now_mono(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	if (b != NULL)
		evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
reply_error(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	json_t	*e = obj_kv("error", json_string(msg), OBJ_END);
	char	*s = json_dumps(e, JSON_COMPACT);

	reply(req, code, reason, "application/json", s ? s : "{}");
	free(s);
	json_decref(e);
}

static void
count(struct server *s, int hook, int code, double t0)
{
	int	i = code == 200 ? 0 : code == 400 ? 1 : 2;

	s->st.req[hook][i]++;
	s->st.seconds[hook] += now_mono() - t0;
	s->st.answered[hook]++;
}

/* Run the pure function and answer. */
static void
answer(struct server *s, struct evhttp_request *req, struct reconcile_in *in,
    int hook, double t0)
{
	json_t			*resp = NULL;
	char			 err[256] = "", *body;
	enum reconcile_rc	 rc;

	in->now = time(NULL);
	rc = reconcile_run(in, &resp, err, sizeof(err));
	if (rc == RECONCILE_BAD_REQUEST) {
		log_warn("bad hook request", "hook=%s error=%s",
		    hook_names[hook], log_q(err));
		reply_error(req, 400, "Bad Request", err);
		count(s, hook, 400, t0);
		return;
	}
	body = rc == RECONCILE_OK ? json_dumps(resp, JSON_COMPACT) : NULL;
	json_decref(resp);
	if (body == NULL) {
		/* Never a 200 without the children: Metacontroller would
		 * delete every child left out. */
		log_error("hook failed", "hook=%s error=%s", hook_names[hook],
		    log_q(err[0] ? err : "out of memory"));
		reply_error(req, 500, "Internal Server Error",
		    err[0] ? err : "internal error");
		count(s, hook, 500, t0);
		return;
	}
	reply(req, 200, "OK", "application/json", body);
	free(body);
	count(s, hook, 200, t0);
}

static void
call_done(struct call *c)
{
	c->in.scraped = c->scraped;
	answer(c->s, c->req, &c->in, c->hook, c->t0);
	c->s->pending--;
	json_decref(c->body);
	json_decref(c->scraped);
	free(c);
}

static void
free_conn(evutil_socket_t fd, short ev, void *arg)
{
	evhttp_connection_free(arg);
}

static void
scraped(struct evhttp_request *r, void *arg)
{
	struct scrape	*sc = arg;
	struct call	*c = sc->call;
	struct evbuffer	*b;
	json_t		*v = json_null();
	size_t		 n;
	char		*text;

	if (r != NULL && evhttp_request_get_response_code(r) == 200 &&
	    (b = evhttp_request_get_input_buffer(r)) != NULL &&
	    (n = evbuffer_get_length(b)) < (8u << 20) &&
	    (text = malloc(n + 1)) != NULL) {
		evbuffer_remove(b, text, n);
		text[n] = '\0';
		v = json_string(text);	/* NULL if not UTF-8 */
		free(text);
		if (v == NULL)
			v = json_null();
	}
	if (json_is_string(v))
		c->s->st.scrape_ok++;
	else {
		c->s->st.scrape_fail++;
		log_info("pod metrics unavailable", "pod=%s", log_q(sc->pod));
	}
	json_object_set_new(c->scraped, sc->pod, v);
	/* The connection cannot be freed inside its own callback. */
	event_base_once(c->s->base, -1, EV_TIMEOUT, free_conn, sc->conn, NULL);
	free(sc->pod);
	free(sc);
	if (--c->left == 0)
		call_done(c);
}

/* Start one GET /metrics per target; 0 if none could start. */
static unsigned
start_scrapes(struct call *c, json_t *targets)
{
	const char		*pod;
	json_t			*ip;
	struct scrape		*sc;
	struct evhttp_request	*r;
	struct timeval		 tv;
	unsigned		 started = 0;

	tv.tv_sec = (time_t)c->s->o->scrape_timeout;
	tv.tv_usec = (suseconds_t)((c->s->o->scrape_timeout -
	    (double)tv.tv_sec) * 1e6);
	c->left = (unsigned)json_object_size(targets) + 1;	/* +1: guard */
	json_object_foreach(targets, pod, ip) {
		if ((sc = calloc(1, sizeof(*sc))) == NULL ||
		    (sc->pod = strdup(pod)) == NULL ||
		    (sc->conn = evhttp_connection_base_new(c->s->base, NULL,
		    json_string_value(ip), (ev_uint16_t)c->s->o->scrape_port))
		    == NULL ||
		    (r = evhttp_request_new(scraped, sc)) == NULL) {
			if (sc != NULL) {
				if (sc->conn)
					evhttp_connection_free(sc->conn);
				free(sc->pod);
			}
			free(sc);
			json_object_set_new(c->scraped, pod, json_null());
			c->left--;
			continue;
		}
		sc->call = c;
		evhttp_connection_set_timeout_tv(sc->conn, &tv);
		evhttp_connection_set_retries(sc->conn, 0);
		evhttp_add_header(evhttp_request_get_output_headers(r), "Host",
		    json_string_value(ip));
		if (evhttp_make_request(sc->conn, r, EVHTTP_REQ_GET,
		    "/metrics") == -1) {
			json_object_set_new(c->scraped, pod, json_null());
			evhttp_connection_free(sc->conn);
			free(sc->pod);
			free(sc);
			c->left--;
			continue;
		}
		started++;
	}
	return started;
}

static json_t *
read_body(struct evhttp_request *req)
{
	struct evbuffer	*b = evhttp_request_get_input_buffer(req);
	size_t		 n = b ? evbuffer_get_length(b) : 0;
	unsigned char	*p = n ? evbuffer_pullup(b, (ev_ssize_t)n) : NULL;
	json_error_t	 e;

	if (p == NULL)
		return NULL;
	return json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &e);
}

static void
hook(struct server *s, struct evhttp_request *req, int hk, int kind)
{
	struct reconcile_in	 in = { 0 };
	struct call		*c;
	json_t			*body, *targets;
	double			 t0 = now_mono();

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(req, 405, "Method Not Allowed", "POST only");
		return;
	}
	if ((body = read_body(req)) == NULL) {
		reply_error(req, 400, "Bad Request", "the body is not JSON");
		count(s, hk, 400, t0);
		return;
	}
	in.hook = (enum reconcile_hook)hk;
	in.kind = kind;
	in.req = body;
	in.image = s->o->image;
	targets = hk == H_CUSTOMIZE ? NULL : reconcile_targets(&in);
	if (targets == NULL) {
		answer(s, req, &in, hk, t0);
		json_decref(body);
		return;
	}
	if (s->pending >= s->o->max_pending) {
		/* Metacontroller honours 429 + Retry-After. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		reply_error(req, 429, "Too Many Requests", "busy");
		s->st.busy++;
		json_decref(targets);
		json_decref(body);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reply_error(req, 500, "Internal Server Error", "out of memory");
		count(s, hk, 500, t0);
		json_decref(targets);
		json_decref(body);
		return;
	}
	*c = (struct call){ s, req, in, body, json_object(), 0, hk, t0 };
	s->pending++;
	start_scrapes(c, targets);
	json_decref(targets);
	if (--c->left == 0)	/* the guard: none started, or all done */
		call_done(c);
}

static void
metrics(struct server *s, struct evhttp_request *req)
{
	static const char *const codes[3] = { "200", "400", "500" };
	char	*out = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&out, &n);
	int	 h, i;

	if (f == NULL) {
		reply_error(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	fprintf(f, "# HELP ssmd_operator_hook_requests_total Hook requests "
	    "answered, by hook and status code.\n"
	    "# TYPE ssmd_operator_hook_requests_total counter\n");
	for (h = 0; h < H_N; h++)
		for (i = 0; i < 3; i++)
			fprintf(f, "ssmd_operator_hook_requests_total{hook=\"%s\","
			    "code=\"%s\"} %llu\n", hook_names[h], codes[i],
			    s->st.req[h][i]);
	fprintf(f, "# HELP ssmd_operator_hook_seconds_total Time spent "
	    "answering hooks.\n# TYPE ssmd_operator_hook_seconds_total "
	    "counter\n");
	for (h = 0; h < H_N; h++)
		fprintf(f, "ssmd_operator_hook_seconds_total{hook=\"%s\"} %.6f\n",
		    hook_names[h], s->st.seconds[h]);
	fprintf(f, "# HELP ssmd_operator_busy_total Hook requests refused "
	    "with 429 (too many waiting on pod metrics).\n"
	    "# TYPE ssmd_operator_busy_total counter\n"
	    "ssmd_operator_busy_total %llu\n"
	    "# HELP ssmd_operator_scrapes_total Pod /metrics reads, by "
	    "result.\n# TYPE ssmd_operator_scrapes_total counter\n"
	    "ssmd_operator_scrapes_total{result=\"ok\"} %llu\n"
	    "ssmd_operator_scrapes_total{result=\"failed\"} %llu\n"
	    "# HELP ssmd_operator_pending_hooks Hook requests waiting on pod "
	    "metrics.\n# TYPE ssmd_operator_pending_hooks gauge\n"
	    "ssmd_operator_pending_hooks %u\n",
	    s->st.busy, s->st.scrape_ok, s->st.scrape_fail, s->pending);
	fclose(f);
	reply(req, 200, "OK", "text/plain; version=0.0.4", out ? out : "");
	free(out);
}

static int
hook_of(const char *w, size_t n)
{
	int	i;

	for (i = 0; i < H_N; i++)
		if (strlen(hook_names[i]) == n && memcmp(w, hook_names[i], n) == 0)
			return i;
	return -1;
}

static void
route(struct evhttp_request *req, void *arg)
{
	struct server	*s = arg;
	const char	*uri = evhttp_request_get_uri(req), *p, *q;
	char		 path[256];
	int		 hk, kind;

	snprintf(path, sizeof(path), "%s", uri ? uri : "/");
	if ((q = strchr(path, '?')) != NULL)
		path[q - path] = '\0';
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0) {
		reply(req, 200, "OK", "text/plain", "ok\n");
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics(s, req);
		return;
	}
	p = strrchr(path, '/');
	hk = hook_of(p + 1, strlen(p + 1));
	if (hk >= 0 && p == path)
		kind = -1;
	else if (hk >= 0 && path[0] == '/' && strchr(path + 1, '/') == p)
		kind = cr_kind_of_comp(path + 1, (size_t)(p - path - 1));
	else
		kind = -2;
	if (hk < 0 || kind == -2 || (kind < 0 && p != path)) {
		reply_error(req, 404, "Not Found", "no such hook");
		return;
	}
	hook(s, req, hk, kind);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct server	*s = arg;

	log_info("stopping", "signal=%d", (int)sig);
	event_base_loopexit(s->base, NULL);
}

int
serve_run(const struct serve_opts *o)
{
	struct server	 s = { .o = o };
	struct event	*sigs[2] = { NULL, NULL };
	char		 host[256];
	const char	*colon = strrchr(o->listen, ':');
	long		 port;
	int		 rc = EX_OK;

	if (colon == NULL || (size_t)(colon - o->listen) >= sizeof(host))
		return EX_USAGE;
	memcpy(host, o->listen, (size_t)(colon - o->listen));
	host[colon - o->listen] = '\0';
	port = strtol(colon + 1, NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	if ((s.base = event_base_new()) == NULL ||
	    (s.http = evhttp_new(s.base)) == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	evhttp_set_max_body_size(s.http, SERVE_MAX_BODY);
	evhttp_set_timeout(s.http, 30);
	evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s.http, route, &s);
	if (evhttp_bind_socket(s.http, host[0] ? host : "0.0.0.0",
	    (ev_uint16_t)port) != 0) {
		log_error("cannot listen", "listen=%s error=%s",
		    log_q(o->listen), log_q(strerror(errno)));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	sigs[0] = evsignal_new(s.base, SIGTERM, on_signal, &s);
	sigs[1] = evsignal_new(s.base, SIGINT, on_signal, &s);
	if (sigs[0] == NULL || sigs[1] == NULL || evsignal_add(sigs[0], NULL) ||
	    evsignal_add(sigs[1], NULL)) {
		rc = EX_OSERR;
		goto out;
	}
	log_info("serving", "listen=%s image=%s", log_q(o->listen),
	    log_q(o->image));
	event_base_dispatch(s.base);
out:
	if (sigs[0])
		event_free(sigs[0]);
	if (sigs[1])
		event_free(sigs[1]);
	if (s.http)
		evhttp_free(s.http);
	if (s.base)
		event_base_free(s.base);
	return rc;
}
