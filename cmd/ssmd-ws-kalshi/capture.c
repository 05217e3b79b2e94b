/* capture: the capture loop: set-up, the once-a-tick checks (acks, staleness,
 * pings, metrics), output backpressure, stopping.  See capture_int.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>

#include "commands.h"
#include "capture_int.h"
#include "metrics.h"
#include "sig.h"
#include "ts.h"
#include "ws.h"

static void
setup_metrics(struct kcap *k)
{
	char	l[160];
	size_t	i;

	for (i = 0; i < KFT_N; i++) {
		snprintf(l, sizeof(l), "feed=\"%s\",type=\"%s\"", k->o->feed,
		    messages_ftypes[i].name);
		k->m_frames[i] = metrics_counter("ssmd_ws_kalshi_frames_total",
		    l, "WebSocket text messages received, by frame type.");
	}
	snprintf(l, sizeof(l), "feed=\"%s\"", k->o->feed);
	k->m_bytes = metrics_counter("ssmd_ws_kalshi_bytes_total", l,
	    "Bytes of text messages received.");
	k->m_last = metrics_gauge("ssmd_ws_kalshi_last_frame_timestamp_seconds",
	    l, "Time of the last data frame, epoch seconds.");
	k->m_markets = metrics_gauge("ssmd_ws_kalshi_markets_subscribed", l,
	    "Markets on connections with an acknowledged subscription.");
	k->m_gaps = metrics_counter("ssmd_ws_kalshi_gaps_total", l,
	    "Sequence gaps seen (ssmd_gap markers written).");
	k->m_reconn = metrics_counter("ssmd_ws_kalshi_reconnects_total", l,
	    "Connections re-established (ssmd_reconnect markers written).");
	k->m_retries = metrics_counter("ssmd_ws_kalshi_connect_retries_total",
	    l, "Connection attempts scheduled after a failure (--reconnect).");
	k->m_invalid = metrics_counter("ssmd_ws_kalshi_invalid_total", l,
	    "Frames that were not JSON (written as ssmd_invalid).");
	k->m_comp = metrics_counter("ssmd_ws_kalshi_compacted_total", l,
	    "Frames whose raw CR/LF bytes were turned into spaces.");
	k->m_errors = metrics_counter("ssmd_ws_kalshi_exchange_errors_total",
	    l, "Error frames from the exchange.");
	k->m_lines = metrics_counter("ssmd_ws_kalshi_lines_out_total", l,
	    "Lines written to standard output.");
	k->m_lost = metrics_counter("ssmd_ws_kalshi_lines_lost_total", l,
	    "Lines that could not be written (reader gone, write error).");
	k->m_pending = metrics_gauge("ssmd_ws_kalshi_output_pending_bytes", l,
	    "Output waiting for a slow reader.");
	for (i = 0; i < k->nconn; i++) {
		snprintf(l, sizeof(l), "feed=\"%s\",conn=\"%zu\"", k->o->feed,
		    i);
		k->c[i].m_conn = metrics_gauge("ssmd_ws_kalshi_connected", l,
		    "1 while the connection is open.");
	}
}

double
capture_now(void)
{
	return ts_mono();
}

/* Kalshi's path is the URL's, without the query: what is signed. */
static void
url_path(const char *url, char *out, size_t cap)
{
	const char	*p = strstr(url, "://"), *q;
	size_t		 n;

	p = p ? strchr(p + 3, '/') : NULL;
	if (p == NULL) {
		snprintf(out, cap, "/");
		return;
	}
	q = strchr(p, '?');
	n = q ? (size_t)(q - p) : strlen(p);
	snprintf(out, cap, "%.*s", (int)n, p);
}

/* ---- the loop ---- */

static void
on_block(void *arg, int blocked)
{
	struct kcap	*k = arg;
	size_t		 i;
	double		 t = capture_now();

	k->paused = blocked;
	for (i = 0; i < k->nconn; i++) {
		if (k->c[i].ws == NULL)
			continue;
		ws_pause(k->c[i].ws, blocked);
		/* Silence while we held the socket is not the exchange's. */
		k->c[i].last_frame = t;
	}
	log_debug(blocked ? "output blocked: pausing reads" :
	    "output drained: reading again", "pending=%zu",
	    output_pending(&k->out));
}

static void
check_conn(struct kconn *c, double t)
{
	const struct kcap_opts	*o = c->k->o;
	size_t			 i;

	if (c->seen) {
		c->last_frame = t;
		c->seen = 0;
	}
	if (!c->open || c->closing)
		return;
	for (i = 0; i < c->npend; i++)
		if (t > c->pend[i].deadline) {
			conn_fail(c, EX_TEMPFAIL, "no reply to command %u "
			    "within %.3gs", c->pend[i].id, o->ack_timeout);
			return;
		}
	if (!c->k->paused && t - c->last_frame > o->stale_after) {
		conn_fail(c, EX_TEMPFAIL, "stale: no frame for %.3gs",
		    t - c->last_frame);
		return;
	}
	if (o->ping_interval > 0 && t - c->last_ping >= o->ping_interval) {
		c->last_ping = t;
		ws_send_ping(c->ws, "ssmd", 4);
	}
}

static void
sync_out_metrics(struct kcap *k)
{
	metrics_add(k->m_lines, k->out.lines - k->lines_seen);
	metrics_add(k->m_lost, k->out.lost_lines - k->lost_seen);
	metrics_add(k->m_comp, k->out.compacted - k->comp_seen);
	k->lines_seen = k->out.lines;
	k->lost_seen = k->out.lost_lines;
	k->comp_seen = k->out.compacted;
	metrics_set(k->m_pending, output_pending(&k->out));
	if (k->data_seen) {
		metrics_set(k->m_last, (double)ts_now_us() / 1e6);
		k->data_seen = 0;
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kcap	*k = arg;
	double		 t = capture_now();
	size_t		 i;

	if (k->out.state == KOUT_EPIPE)
		capture_stop(k, 0, "the output reader went away");
	else if (k->out.state == KOUT_ERROR)
		capture_stop(k, EX_IOERR, "cannot write the output");
	if (!k->stopping)
		for (i = 0; i < k->nconn; i++)
			check_conn(&k->c[i], t);
	sync_out_metrics(k);
	metrics_tick();
}

static void
sig_cb(evutil_socket_t sig, short what, void *arg)
{
	struct kcap	*k = arg;

	log_info("stopping", "signal=%d", (int)sig);
	/* A second signal while Close handshakes are under way: end now. */
	if (k->stopping)
		event_base_loopexit(k->base, NULL);
	capture_stop(k, 0, "signal");
}

static void
stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct kcap	*k = arg;

	log_warn("connections did not close in time", "");
	event_base_loopexit(k->base, NULL);
}

void
capture_stop(struct kcap *k, int rc, const char *why)
{
	struct timeval	tv = { 3, 0 };
	size_t		i;
	int		open = 0;

	if (k->stopping)
		return;
	k->stopping = 1;
	k->rc = rc;
	if (rc != 0)
		log_error("giving up", "code=%d reason=%s", rc, log_q(why));
	for (i = 0; i < k->nconn; i++) {
		struct kconn *c = &k->c[i];

		evtimer_del(c->retry);
		if (c->ws == NULL)
			continue;
		if (!c->open) {		/* still connecting: just drop it */
			ws_free(c->ws);
			c->ws = NULL;
			continue;
		}
		/* Read on while the Close handshake completes: frames that
		 * arrive meanwhile are data too. */
		ws_pause(c->ws, 0);
		if (ws_close(c->ws, rc == 0 ? 1000 : 1001,
		    rc == 0 ? "bye" : "going away") == 0)
			open++;
		else {
			ws_free(c->ws);
			c->ws = NULL;
		}
	}
	/* loopexit, not loopbreak: a break asked for before the loop runs
	 * (a stop from conn_start, say) is forgotten when it starts. */
	if (open == 0) {
		event_base_loopexit(k->base, NULL);
		return;
	}
	k->stop_timer = evtimer_new(k->base, stop_timeout, k);
	if (k->stop_timer != NULL)
		evtimer_add(k->stop_timer, &tv);
}

static int
setup(struct kcap *k)
{
	const struct kcap_opts	*o = k->o;
	struct timeval		 tv;
	size_t			 i, start, cnt;

	url_path(o->url, k->path, sizeof(k->path));
	k->nconn = commands_plan_conns(o->ntickers, o->shard_size);
	if ((k->c = calloc(k->nconn, sizeof(*k->c))) == NULL)
		return -1;
	if (output_init(&k->out, k->base, o->out_fd, o->out_high, on_block,
	    k) == -1)
		return -1;
	for (i = 0; i < k->nconn; i++) {
		commands_plan_slice(o->ntickers, k->nconn, i, &start, &cnt);
		k->c[i].k = k;
		k->c[i].idx = i;
		k->c[i].tickers = o->tickers != NULL ? o->tickers + start : NULL;
		k->c[i].n = cnt;
		if (conn_init(&k->c[i]) == -1)
			return -1;
	}
	setup_metrics(k);
	k->tick_s = 1.0;
	if (o->stale_after / 4 < k->tick_s)
		k->tick_s = o->stale_after / 4;
	if (o->ack_timeout / 4 < k->tick_s)
		k->tick_s = o->ack_timeout / 4;
	if (k->tick_s < 0.01)
		k->tick_s = 0.01;
	tv.tv_sec = (time_t)k->tick_s;
	tv.tv_usec = (suseconds_t)((k->tick_s - tv.tv_sec) * 1e6);
	k->tick = event_new(k->base, -1, EV_PERSIST, tick_cb, k);
	k->sigs[0] = evsignal_new(k->base, SIGTERM, sig_cb, k);
	k->sigs[1] = evsignal_new(k->base, SIGINT, sig_cb, k);
	if (k->tick == NULL || k->sigs[0] == NULL || k->sigs[1] == NULL)
		return -1;
	event_add(k->tick, &tv);
	event_add(k->sigs[0], NULL);
	event_add(k->sigs[1], NULL);
	return 0;
}

static void
teardown(struct kcap *k)
{
	size_t	i;

	for (i = 0; k->c != NULL && i < k->nconn; i++) {
		if (k->c[i].ws != NULL)
			ws_free(k->c[i].ws);
		if (k->c[i].retry != NULL)
			event_free(k->c[i].retry);
		free(k->c[i].pend);
		frames_seq_free(&k->c[i].seq);
		metrics_set(k->c[i].m_conn, 0);
	}
	free(k->c);
	if (k->tick != NULL)
		event_free(k->tick);
	for (i = 0; i < 2; i++)
		if (k->sigs[i] != NULL)
			event_free(k->sigs[i]);
	if (k->stop_timer != NULL)
		event_free(k->stop_timer);
	output_free(&k->out);
}

static void
wake(evutil_socket_t fd, short what, void *arg)
{
}

/* Connections that ended still write their last bytes (a Close frame
 * with its code) in the background: run the loop until only the events
 * that were there before remain, for a second at most. */
static void
linger_out(struct event_base *base, int before)
{
	struct timeval	 tv = { 0, 50000 };
	struct event	*ev;
	double		 end = ts_mono() + 1;

	if ((ev = event_new(base, -1, EV_PERSIST, wake, NULL)) == NULL)
		return;
	event_add(ev, &tv);
	while (ts_mono() < end &&
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED) > before + 1)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
}

int
capture_run(struct event_base *base, struct evdns_base *dns,
    const struct kcap_opts *o)
{
	struct kcap	k;
	struct log_rate	r = LOG_RATE_INIT(10, 60);
	size_t		i;
	int		base_events;
	int		rc;

	memset(&k, 0, sizeof(k));
	base_events = event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED);
	k.o = o;
	k.base = base;
	k.dns = dns;
	k.rate = r;
	if (setup(&k) == -1) {
		teardown(&k);
		log_error("cannot set up", "");
		return EX_OSERR;
	}
	if (sig_stop) {		/* asked to stop before the loop could see it */
		teardown(&k);
		return EX_OK;
	}
	log_info("starting", "feed=%s connections=%zu markets=%zu "
	    "channels=%zu", o->feed, k.nconn, o->ntickers, o->nchannels);
	for (i = 0; i < k.nconn && !k.stopping; i++)
		conn_start(&k.c[i]);
	if (!k.stopping)
		event_base_dispatch(base);
	if (output_drain(&k.out) != KOUT_OK && k.out.state == KOUT_ERROR &&
	    k.rc == 0)
		k.rc = EX_IOERR;
	sync_out_metrics(&k);
	rc = k.rc;
	log_info("stopped", "code=%d lines=%llu lost_lines=%llu", rc,
	    (unsigned long long)k.out.lines,
	    (unsigned long long)k.out.lost_lines);
	teardown(&k);
	linger_out(base, base_events);
	metrics_flush();
	return rc;
}
