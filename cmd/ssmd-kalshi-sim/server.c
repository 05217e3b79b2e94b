/* server: the simulator's event loop: listener, authentication, per
 * connection traffic with backpressure, heartbeats, faults, REST, control
 * endpoint, command log, shutdown. */
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "json.h"
#include "kauth.h"
#include "log.h"
#include "sim.h"
#include "tls.h"
#include "ts.h"

#define GEN_BATCH	256	/* frames per turn before yielding */
#define RATE_TICK_MS	10
#define WS_PATH		"/trade-api/ws/v2"
#define REST_PREFIX	"/trade-api/v2"

static void		 gen_cb(evutil_socket_t, short, void *);

/* Faults */

static const char *const fault_names[] = {
	"gap", "close", "reset", "silence", "malformed", "unknown",
	"fragment", "oversized", "slowread", "rest429"
};

int
server_fault_parse(const char *spec, struct sim_fault *f, char *err,
    size_t errlen)
{
	char		 name[16], *end;
	const char	*p;
	size_t		 k, i;

	memset(f, 0, sizeof *f);
	k = strcspn(spec, ":");
	snprintf(name, sizeof name, "%.*s", (int)(k < 15 ? k : 15), spec);
	for (i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++)
		if (strcmp(name, fault_names[i]) == 0)
			break;
	if (i == sizeof fault_names / sizeof fault_names[0]) {
		snprintf(err, errlen, "unknown fault %s", name);
		return -1;
	}
	f->kind = (int)i;
	/* Defaults for the optional argument. */
	f->arg = f->kind == SIM_F_CLOSE ? 1011 : f->kind == SIM_F_FRAGMENT ?
	    16 : f->kind == SIM_F_OVERSIZED ? (17u << 20) :
	    f->kind == SIM_F_SLOWREAD ? 64 : 1;
	p = spec + k;
	if (*p == ':') {
		f->after = strtoull(p + 1, &end, 10);
		if (end == p + 1 || (*end != '\0' && *end != ':'))
			goto bad;
		p = end;
	}
	if (*p == ':') {
		f->arg = strtoull(p + 1, &end, 10);
		if (end == p + 1 || *end != '\0')
			goto bad;
	} else if (*p != '\0')
		goto bad;
	if ((f->kind == SIM_F_CLOSE && (f->arg < 1000 || f->arg > 4999)) ||
	    (f->kind == SIM_F_FRAGMENT && f->arg == 0) ||
	    (f->kind == SIM_F_OVERSIZED && (f->arg < 64 || f->arg > (1u << 30))))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad fault spec %s: want KIND[:AFTER[:ARG]]", spec);
	return -1;
}

/* Sending */

int64_t
server_now_ms(struct sim_conn *c)
{
	if (c->s->o->start_time == 0)
		return ts_now_us() / 1000;
	/* A simulated clock: 10 ms per frame, the same every run. */
	c->clock_ms += 10;
	return c->clock_ms;
}

int
server_send(struct sim_conn *c, const char *p, size_t n)
{
	int	 rc;

	if (c->ws == NULL || c->ending)
		return -1;
	if (c->frag_next > 0) {
		rc = ws_send_fragmented(c->ws, p, n, c->frag_next);
		c->frag_next = 0;
	} else
		rc = ws_send_text(c->ws, p, n);
	if (rc == 0) {
		metrics_inc(c->s->m_frames);
		metrics_add(c->s->m_bytes, n);
	}
	return rc;
}

static void
send_oversized(struct sim_conn *c, size_t size)
{
	static const char head[] = "{\"type\":\"ticker\",\"sid\":1,\"msg\":"
	    "{\"pad\":\"";
	char	*b;

	if ((b = malloc(size)) == NULL)
		return;
	memcpy(b, head, sizeof head - 1);
	memset(b + sizeof head - 1, 'x', size - (sizeof head - 1) - 3);
	memcpy(b + size - 3, "\"}}", 3);
	server_send(c, b, size);
	free(b);
}

static void
reset_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_conn	*c = arg;

	if (c->ws != NULL)
		ws_abort(c->ws);
}

/* Fire the faults due at this frame count.  Returns 0 to go on, -1 if
 * the connection stops sending (closed, reset, silent). */
static int
faults_due(struct sim_conn *c)
{
	static const char malformed[] = "{\"type\":\"ticker\",\"sid\":1,"
	    "\"msg\":{\"market_ticker\":\"KX";
	static const char unknown[] = "{\"type\":\"market_fanout_v3\",\"sid\":"
	    "1,\"msg\":{\"note\":\"a type this client has never seen\"}}";
	struct sim_fault *f;

	for (int i = 0; i < c->nfaults; i++) {
		f = &c->faults[i];
		if (f->fired || f->after > c->frames)
			continue;
		f->fired = 1;
		metrics_inc(c->s->m_faults);
		log_info("fault", "conn=%u fault=%s frames=%llu", c->id,
		    fault_names[f->kind], (unsigned long long)c->frames);
		switch (f->kind) {
		case SIM_F_GAP:
			c->gap_pending = 1;
			break;
		case SIM_F_CLOSE:
			ws_close(c->ws, (int)f->arg, "ssmd-kalshi-sim fault");
			c->ending = 1;
			return -1;
		case SIM_F_RESET: {
			/* What was sent before the reset should arrive: give
			 * the socket a moment to take it. */
			struct timeval tv = { 0, 100000 };
			c->ending = 1;
			c->reset = evtimer_new(c->s->base, reset_cb, c);
			if (c->reset != NULL)
				evtimer_add(c->reset, &tv);
			return -1;
		}
		case SIM_F_SILENCE:
			c->silent = 1;
			ws_pause(c->ws, 1);
			return -1;
		case SIM_F_MALFORMED:
			server_send(c, malformed, sizeof malformed - 1);
			break;
		case SIM_F_UNKNOWN:
			server_send(c, unknown, sizeof unknown - 1);
			break;
		case SIM_F_FRAGMENT:
			c->frag_next = (size_t)f->arg;
			break;
		case SIM_F_OVERSIZED:
			send_oversized(c, (size_t)f->arg);
			break;
		case SIM_F_SLOWREAD:
			ws_set_read_rate(c->ws, (size_t)f->arg);
			break;
		}
	}
	return 0;
}

/* Traffic */

static int
generating(const struct sim_sub *u)
{
	return u->ch != CH_FILL && u->ch != CH_POSITIONS && (u->all || u->n > 0);
}

/* One generated data frame into s->frame; its length, or 0 if there is
 * nothing to send. */
static size_t
gen_one(struct sim_conn *c)
{
	struct sim	*s = c->s;
	struct sim_sub	*u = NULL;
	size_t		 i, k = 0, mi;
	uint32_t	 m, pick;
	int64_t		 seq, now;
	int		 used = 1;
	size_t		 n;

	for (i = 0; i < c->nsubs; i++)
		k += generating(&c->subs[i]);
	if (k == 0)
		return 0;
	pick = traffic_below(&c->rng, (uint32_t)k);
	for (i = 0; i < c->nsubs; i++)
		if (generating(&c->subs[i]) && pick-- == 0) {
			u = &c->subs[i];
			break;
		}
	if (u->all) {
		if (s->uni.nopen == 0)
			return 0;
		mi = 0;
		m = s->uni.open[traffic_below(&c->rng, (uint32_t)s->uni.nopen)];
	} else {
		mi = traffic_below(&c->rng, (uint32_t)u->n);
		m = u->mk[mi];
	}
	if (c->tick == NULL &&
	    (c->tick = calloc(s->uni.n, sizeof *c->tick)) == NULL)
		return 0;
	now = server_now_ms(c);
	seq = u->seq + 1 + c->gap_pending;
	switch (u->ch) {
	case CH_TICKER:
		used = 0;
		n = traffic_ticker(s->frame, sizeof s->frame, u->sid, &s->uni.m[m],
		    &c->tick[m], &c->rng, now);
		break;
	case CH_TICKER_V2:
		n = traffic_ticker_v2(s->frame, sizeof s->frame, u->sid, seq,
		    &s->uni.m[m], &c->tick[m], &c->rng, now);
		break;
	case CH_TRADE:
		n = traffic_trade(s->frame, sizeof s->frame, u->sid, seq,
		    &s->uni.m[m], &c->tick[m], &c->rng, now);
		break;
	case CH_BOOK:
		n = traffic_delta(s->frame, sizeof s->frame, u->sid, seq,
		    &s->uni.m[m], &u->bk[mi], &c->rng, now);
		break;
	default:
		n = traffic_lifecycle(s->frame, sizeof s->frame, u->sid, seq,
		    &s->uni.m[m], &c->rng, now, &used);
	}
	if (used) {
		u->seq = seq;
		c->gap_pending = 0;
	}
	return n;
}

/* The next replay line, unwrapped from an ssmd envelope if it is one;
 * NULL at end of file. */
static const char *
replay_one(struct sim_conn *c, size_t *len)
{
	struct json_span sp;
	ssize_t		 n;

	while ((n = getline(&c->line, &c->linecap, c->replay)) != -1) {
		while (n > 0 && (c->line[n - 1] == '\n' || c->line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (json_get(c->line, (size_t)n, "feed", &sp) == 0 &&
		    json_get(c->line, (size_t)n, "data", &sp) == 0) {
			*len = sp.len;
			return sp.p;
		}
		*len = (size_t)n;
		return c->line;
	}
	return NULL;
}

/* Send up to max frames; stop early when the socket backs up.  Returns
 * 0 to go on, 1 if there is nothing to send until the subscriptions
 * change, -1 if the connection stopped sending for good. */
static int
gen_some(struct sim_conn *c, unsigned max)
{
	const struct sim_opts *o = c->s->o;
	const char	*p;
	size_t		 n;

	while (max-- > 0) {
		if (c->ws == NULL || c->ending || c->silent)
			return -1;
		if (ws_out_pending(c->ws) >= WS_OUT_HIGH)
			return 0;
		if (o->max_frames > 0 && c->frames >= o->max_frames)
			return -1;
		if (faults_due(c) == -1)
			return -1;
		if (c->replay != NULL) {
			if ((p = replay_one(c, &n)) == NULL)
				return -1;
		} else if ((n = gen_one(c)) == 0)
			return 1;
		else
			p = c->s->frame;
		if (server_send(c, p, n) == -1)
			return -1;
		c->frames++;
	}
	return 0;
}

static void
gen_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_conn	*c = arg;
	double		 now, want;

	if (c->ws == NULL)
		return;
	if (c->s->o->rate <= 0) {
		/* Yield after a batch so other connections get their turn;
		 * a full socket resumes us through on_writable. */
		if (gen_some(c, GEN_BATCH) == 0 && c->ws != NULL &&
		    ws_out_pending(c->ws) < WS_OUT_HIGH)
			event_active(c->gen, 0, 0);
		return;
	}
	now = ts_mono();
	c->budget += (now - c->last) * c->s->o->rate;
	c->last = now;
	/* A client that cannot keep up loses the backlog rather than being
	 * buried under it later. */
	want = c->budget < 1e6 ? c->budget : 1e6;
	if (want >= 1) {
		unsigned k = (unsigned)want;
		c->budget -= k;
		gen_some(c, k);
	}
	if (c->ws != NULL && ws_out_pending(c->ws) >= WS_OUT_HIGH)
		c->budget = 0;
}

void
server_kick(struct sim_conn *c)
{
	struct timeval	 tv = { 0, RATE_TICK_MS * 1000 };

	if (c->ws == NULL || c->nsubs == 0)
		return;
	if (c->started) {
		/* New subscriptions may end an idle spell. */
		if (c->gen != NULL && c->s->o->rate <= 0)
			event_active(c->gen, 0, 0);
		return;
	}
	c->started = 1;
	if (c->s->o->replay != NULL &&
	    (c->replay = fopen(c->s->o->replay, "r")) == NULL)
		log_error("cannot open replay file", "file=%s err=%s",
		    log_q(c->s->o->replay), log_q(strerror(errno)));
	if (c->s->o->rate > 0) {
		c->gen = event_new(c->s->base, -1, EV_PERSIST, gen_cb, c);
		c->last = ts_mono();
		if (c->gen != NULL)
			evtimer_add(c->gen, &tv);
	} else if ((c->gen = event_new(c->s->base, -1, 0, gen_cb, c)) != NULL)
		event_active(c->gen, 0, 0);
}

/* Command log: one JSON line per client frame and per connection event.
 * A frame that is not valid JSON is logged as an escaped string "text". */
static void
log_head(struct sim *s, struct sim_conn *c)
{
	char	 ts[TS_LEN + 1], head[400];
	int	 k;

	k = snprintf(head, sizeof head, "{\"ts\":\"%s\",\"conn\":%u,\"peer\":"
	    "\"%s\",", ts_now(ts), c->id, c->ws ? ws_peer(c->ws) : "");
	wbuf_put(&s->log, head, (size_t)k);
}

static void
log_frame(struct sim *s, struct sim_conn *c, const char *p, size_t n)
{
	if (!s->logging)
		return;
	log_head(s, c);
	if (json_check(p, n, NULL) == JSON_OK) {
		wbuf_puts(&s->log, "\"frame\":");
		wbuf_put(&s->log, p, n);
	} else {
		wbuf_puts(&s->log, "\"text\":\"");
		json_escape(&s->log, p, n);
		wbuf_put(&s->log, "\"", 1);
	}
	wbuf_puts(&s->log, "}\n");
	wbuf_flush(&s->log);
}

/* ev is the rest of the object, already JSON: "event":"open",... */
static void
log_event(struct sim *s, struct sim_conn *c, const char *ev, const char *why)
{
	if (!s->logging)
		return;
	log_head(s, c);
	wbuf_put(&s->log, ev, strlen(ev));
	if (why != NULL) {
		wbuf_puts(&s->log, ",\"reason\":\"");
		json_escape(&s->log, why, strlen(why));
		wbuf_put(&s->log, "\"", 1);
	}
	wbuf_puts(&s->log, "}\n");
	wbuf_flush(&s->log);
}

/* Connections */

static void
conn_free(struct sim_conn *c)
{
	struct sim	*s = c->s;

	for (size_t i = 0; i < c->nsubs; i++)
		commands_sub_free(&c->subs[i]);
	free(c->subs);
	free(c->tick);
	free(c->line);
	if (c->replay != NULL)
		fclose(c->replay);
	if (c->gen != NULL)
		event_free(c->gen);
	if (c->reset != NULL)
		event_free(c->reset);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	metrics_set(s->m_conns, s->nconns);
	free(c);
	if (s->shutting && s->nconns == 0)
		event_base_loopbreak(s->base);
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_free(arg);
}

static void
on_open(struct ws_conn *ws, void *arg)
{
	struct sim_conn	*c = arg;
	char		 ev[96];

	c->ws = ws;
	log_info("client connected", "conn=%u peer=%s", c->id, ws_peer(ws));
	snprintf(ev, sizeof ev, "\"event\":\"open\",\"auth_ts\":\"%s\"",
	    c->auth_ts);
	log_event(c->s, c, ev, NULL);
	/* slowread applies from the start. */
	for (int i = 0; i < c->nfaults; i++)
		if (c->faults[i].kind == SIM_F_SLOWREAD && c->faults[i].after == 0)
			faults_due(c);
}

static void
on_text(struct ws_conn *ws, const char *p, size_t n, void *arg)
{
	struct sim_conn	*c = arg;

	log_frame(c->s, c, p, n);
	if (!c->ending && !c->silent)
		commands_handle(c, p, n);
}

static void
on_close(struct ws_conn *ws, int code, const char *reason, void *arg)
{
	struct sim_conn	*c = arg;
	char		 ev[64];

	snprintf(ev, sizeof ev, "\"event\":\"close\",\"code\":%d", code);
	log_event(c->s, c, ev, reason);
	log_info("client gone", "conn=%u code=%d reason=%s frames=%llu", c->id,
	    code, log_q(reason), (unsigned long long)c->frames);
	ws_free(ws);
	c->ws = NULL;
	/* Free later: this may run inside one of c's own callbacks. */
	event_base_once(c->s->base, -1, EV_TIMEOUT, reap_cb, c, NULL);
}

static void
on_writable(struct ws_conn *ws, void *arg)
{
	struct sim_conn	*c = arg;

	if (c->gen != NULL && c->s->o->rate <= 0 && !c->ending && !c->silent)
		event_active(c->gen, 0, 0);
}

static const struct ws_cbs conn_cbs = {
	on_open, on_text, NULL, on_close, on_writable
};

/* Authentication, exactly as Kalshi: three headers, a timestamp window,
 * RSA-PSS over timestamp + "GET" + path. */
static const char *
auth_check(struct sim *s, const struct ws_http_req *r, char ts_out[24])
{
	const char	*key = ws_http_header(r, "KALSHI-ACCESS-KEY");
	const char	*ts = ws_http_header(r, "KALSHI-ACCESS-TIMESTAMP");
	const char	*sig = ws_http_header(r, "KALSHI-ACCESS-SIGNATURE");
	long long	 t, now = ts_now_us() / 1000;
	char		*end;

	if (key == NULL || ts == NULL || sig == NULL || !*key || !*ts || !*sig)
		return "missing";
	if (s->o->api_key != NULL && strcmp(key, s->o->api_key) != 0)
		return "unknown_key";
	t = strtoll(ts, &end, 10);
	if (*end != '\0' || end - ts > 15 || t <= 0)
		return "bad_timestamp";
	if ((double)llabs(now - t) > s->o->auth_window * 1000)
		return "stale_timestamp";
	if (kauth_verify(s->pub, ts, "GET", r->path, sig) != 1)
		return "bad_signature";
	snprintf(ts_out, 24, "%s", ts);
	return NULL;
}

static int
on_upgrade(const struct ws_http_req *r, struct ws_http_resp *resp,
    const struct ws_cbs **cbs, void **carg, void *arg)
{
	struct sim	*s = arg;
	struct sim_conn	*c;
	const char	*why = NULL;
	char		 ts[24] = "";

	if (strcmp(r->path, WS_PATH) != 0) {
		evbuffer_add_printf(resp->body, "{\"error\":{\"code\":"
		    "\"not_found\",\"message\":\"no WebSocket here\"}}");
		return 404;
	}
	if (s->shutting)
		return 503;
	if (!s->o->no_auth && (why = auth_check(s, r, ts)) != NULL) {
		struct metric *m = metrics_counter(
		    "ssmd_kalshi_sim_auth_failures_total",
		    strcmp(why, "missing") == 0 ? "reason=\"missing\"" :
		    strcmp(why, "unknown_key") == 0 ? "reason=\"unknown_key\"" :
		    strcmp(why, "bad_signature") == 0 ?
		    "reason=\"bad_signature\"" : "reason=\"timestamp\"",
		    "Upgrades refused with 401, by reason");
		metrics_inc(m);
		log_warn("upgrade refused", "peer=%s reason=%s", r->peer, why);
		evbuffer_add_printf(resp->body, "{\"error\":{\"code\":"
		    "\"authentication_error\",\"message\":\"%s\"}}", why);
		return 401;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return 500;
	c->s = s;
	c->id = ++s->next_id;
	/* Every connection gets the same stream: what it receives depends on
	 * its commands, not on how many came before it. */
	traffic_rng_seed(&c->rng, s->o->seed);
	c->clock_ms = s->o->start_time * 1000;
	memcpy(c->faults, s->o->faults, sizeof c->faults);
	c->nfaults = s->o->nfaults;
	snprintf(c->auth_ts, sizeof c->auth_ts, "%s", ts);
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	metrics_set(s->m_conns, s->nconns);
	metrics_inc(s->m_conns_total);
	*cbs = &conn_cbs;
	*carg = c;
	return 101;
}

/* REST and control */

static void
control(struct sim *s, const struct ws_http_req *r, struct ws_http_resp *resp)
{
	struct sim_fault f;
	struct sim_conn	*c;
	char		 err[128], spec[128];
	unsigned	 k = 0;

	resp->status = 400;
	if (strcmp(r->path, "/_sim/stats") == 0) {
		resp->status = 200;
		evbuffer_add_printf(resp->body, "{\"connections\":%u,"
		    "\"connections_total\":%u,\"rest_requests\":%llu}\n",
		    s->nconns, s->next_id, (unsigned long long)s->rest_n);
		return;
	}
	if (strcmp(r->path, "/_sim/fault") != 0 ||
	    strncmp(r->query, "spec=", 5) != 0) {
		evbuffer_add_printf(resp->body, "{\"error\":\"want "
		    "/_sim/fault?spec=KIND[:AFTER[:ARG]] or /_sim/stats\"}\n");
		return;
	}
	snprintf(spec, sizeof spec, "%s", r->query + 5);
	if (server_fault_parse(spec, &f, err, sizeof err) == -1) {
		evbuffer_add_printf(resp->body, "{\"error\":\"%s\"}\n", err);
		return;
	}
	if (f.kind == SIM_F_REST429) {
		s->rest_429_left += f.arg;
		k = 1;
	} else {
		/* AFTER counts from now on each open connection. */
		for (c = s->conns; c != NULL; c = c->next) {
			if (c->ws == NULL || c->nfaults == SIM_MAX_FAULTS)
				continue;
			c->faults[c->nfaults] = f;
			c->faults[c->nfaults++].after += c->frames;
			k++;
			if (f.kind == SIM_F_SLOWREAD)
				faults_due(c);
			else if (c->gen != NULL && s->o->rate <= 0)
				event_active(c->gen, 0, 0);
		}
	}
	log_info("control fault", "spec=%s connections=%u", log_q(spec), k);
	resp->status = 200;
	evbuffer_add_printf(resp->body, "{\"applied\":%u}\n", k);
}

static void
on_request(const struct ws_http_req *r, struct ws_http_resp *resp, void *arg)
{
	struct sim	*s = arg;
	size_t		 pl = strlen(REST_PREFIX);

	if (strncmp(r->path, "/_sim/", 6) == 0) {
		control(s, r, resp);
		return;
	}
	if (strncmp(r->path, REST_PREFIX, pl) != 0 ||
	    (r->path[pl] != '/' && r->path[pl] != '\0')) {
		resp->status = 404;
		evbuffer_add_printf(resp->body, "{\"error\":{\"code\":"
		    "\"not_found\",\"message\":\"not found\"}}");
		return;
	}
	s->rest_n++;
	metrics_inc(s->m_rest);
	if (strcmp(r->method, "GET") != 0) {
		resp->status = 405;
		return;
	}
	if (s->rest_429_left > 0 || (s->o->rest_429_every > 0 &&
	    s->rest_n % s->o->rest_429_every == 0)) {
		if (s->rest_429_left > 0)
			s->rest_429_left--;
		metrics_inc(s->m_rest_429);
		resp->status = 429;
		snprintf(resp->headers, sizeof resp->headers,
		    "Retry-After: %u\r\n", s->o->retry_after);
		evbuffer_add_printf(resp->body, "{\"error\":{\"code\":"
		    "\"too_many_requests\",\"message\":\"too many requests\"}}");
		return;
	}
	resp->status = markets_rest(&s->uni, r->path + pl, r->query,
	    resp->body);
}

/* Heartbeats, metrics, shutdown */

static void
ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*s = arg;

	for (struct sim_conn *c = s->conns; c != NULL; c = c->next)
		if (c->ws != NULL && !c->silent && !c->ending)
			ws_send_ping(c->ws, "heartbeat", 9);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	metrics_tick();
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sim	*s = arg;
	struct timeval	 tv = { 2, 0 };

	if (s->shutting)
		return;
	log_info("stopping", "signal=%d connections=%u", (int)sig, s->nconns);
	s->shutting = 1;
	ws_server_free(s->srv);
	s->srv = NULL;
	for (struct sim_conn *c = s->conns; c != NULL; c = c->next)
		if (c->ws != NULL && !c->ending) {
			c->ending = 1;
			ws_close(c->ws, 1001, "server shutting down");
		}
	if (s->nconns == 0)
		event_base_loopbreak(s->base);
	else
		event_base_loopexit(s->base, &tv);
}

static int
write_port_file(const char *path, int port)
{
	char	 tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
register_metrics(struct sim *s)
{
	s->m_conns = metrics_gauge("ssmd_kalshi_sim_connections", NULL,
	    "Open WebSocket connections");
	s->m_conns_total = metrics_counter("ssmd_kalshi_sim_connections_total",
	    NULL, "WebSocket connections accepted");
	s->m_frames = metrics_counter("ssmd_kalshi_sim_frames_sent_total",
	    NULL, "Text frames sent (data, acks, errors, faults)");
	s->m_bytes = metrics_counter("ssmd_kalshi_sim_bytes_sent_total", NULL,
	    "Payload bytes of the text frames sent");
	s->m_cmds = metrics_counter("ssmd_kalshi_sim_commands_total", NULL,
	    "Client text frames received");
	s->m_cmd_err = metrics_counter("ssmd_kalshi_sim_command_errors_total",
	    NULL, "Error frames sent in answer to commands");
	s->m_rest = metrics_counter("ssmd_kalshi_sim_rest_requests_total",
	    NULL, "REST requests under /trade-api/v2");
	s->m_rest_429 = metrics_counter("ssmd_kalshi_sim_rest_throttled_total",
	    NULL, "REST requests answered with 429");
	s->m_faults = metrics_counter("ssmd_kalshi_sim_faults_total", NULL,
	    "Faults injected");
}

static int
setup(struct sim *s, SSL_CTX **ssl)
{
	const struct sim_opts *o = s->o;
	char	 err[512];
	int	 fd;

	*ssl = NULL;
	if (o->cert != NULL &&
	    (*ssl = tls_server_ctx(o->cert, o->key, err, sizeof err)) == NULL) {
		log_error("TLS setup failed", "err=%s", log_q(err));
		return EX_CONFIG;
	}
	if (!o->no_auth &&
	    (s->pub = kauth_load_pubkey(o->pubkey, err, sizeof err)) == NULL) {
		log_error("cannot load public key", "file=%s err=%s",
		    log_q(o->pubkey), log_q(err));
		return EX_CONFIG;
	}
	if (o->tickers_file != NULL) {
		if (markets_load(&s->uni, o->tickers_file, o->start_time ?
		    o->start_time : 1770897600, err, sizeof err) == -1) {
			log_error("cannot load tickers", "err=%s", log_q(err));
			return EX_CONFIG;
		}
	} else if (markets_make(&s->uni, o->markets, o->per_event,
	    o->start_time ? o->start_time : 1770897600) == -1)
		return EX_OSERR;
	if (o->command_log != NULL) {
		fd = strcmp(o->command_log, "-") == 0 ? dup(STDERR_FILENO) :
		    open(o->command_log, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0644);
		if (fd == -1 || wbuf_init(&s->log, fd, 1 << 16) == -1) {
			log_error("cannot open command log", "file=%s err=%s",
			    log_q(o->command_log), log_q(strerror(errno)));
			return EX_CANTCREAT;
		}
		s->logging = 1;
	}
	register_metrics(s);
	return 0;
}

static int
serve(struct sim *s, SSL_CTX *ssl)
{
	struct ws_server_opts so = { s->o->addr, s->o->port, ssl,
		s->o->max_message };
	struct ws_server_cbs sc = { on_request, on_upgrade };
	struct event	*ev[4] = { NULL, NULL, NULL, NULL };
	struct timeval	 ping, one = { 1, 0 };
	char		 err[256];
	int		 rc = 0, i;

	if ((s->srv = ws_server_new(s->base, &so, &sc, s, err,
	    sizeof err)) == NULL) {
		log_error("cannot listen", "err=%s", log_q(err));
		return EX_UNAVAILABLE;
	}
	if (s->o->port_file != NULL &&
	    write_port_file(s->o->port_file, ws_server_port(s->srv)) == -1) {
		log_error("cannot write port file", "file=%s",
		    log_q(s->o->port_file));
		return EX_CANTCREAT;
	}
	log_info("listening", "addr=%s port=%d tls=%s auth=%s markets=%zu",
	    s->o->addr, ws_server_port(s->srv), ssl ? "yes" : "no",
	    s->o->no_auth ? "off" : "on", s->uni.n);
	ev[0] = evsignal_new(s->base, SIGTERM, stop_cb, s);
	ev[1] = evsignal_new(s->base, SIGINT, stop_cb, s);
	ev[2] = event_new(s->base, -1, EV_PERSIST, tick_cb, s);
	ev[3] = event_new(s->base, -1, EV_PERSIST, ping_cb, s);
	for (i = 0; i < 4; i++)
		if (ev[i] == NULL)
			rc = EX_OSERR;
	if (rc == 0) {
		event_add(ev[0], NULL);
		event_add(ev[1], NULL);
		event_add(ev[2], &one);
		if (s->o->ping_interval > 0) {
			ping.tv_sec = (time_t)s->o->ping_interval;
			ping.tv_usec = (suseconds_t)((s->o->ping_interval -
			    (double)ping.tv_sec) * 1e6);
			event_add(ev[3], &ping);
		}
		event_base_dispatch(s->base);
	}
	for (i = 0; i < 4; i++)
		if (ev[i] != NULL)
			event_free(ev[i]);
	return rc;
}

int
server_run(const struct sim_opts *o)
{
	struct sim	*s;
	SSL_CTX		*ssl = NULL;
	int		 rc;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return EX_OSERR;
	s->o = o;
	if ((s->base = event_base_new()) == NULL) {
		free(s);
		return EX_OSERR;
	}
	if ((rc = setup(s, &ssl)) == 0)
		rc = serve(s, ssl);
	while (s->conns != NULL) {
		if (s->conns->ws != NULL)
			ws_free(s->conns->ws);
		s->conns->ws = NULL;
		conn_free(s->conns);
	}
	ws_server_free(s->srv);
	if (s->logging) {
		wbuf_flush(&s->log);
		close(s->log.fd);
		wbuf_free(&s->log);
	}
	metrics_flush();
	event_base_free(s->base);
	markets_free(&s->uni);
	EVP_PKEY_free(s->pub);
	SSL_CTX_free(ssl);
	free(s);
	return rc;
}
