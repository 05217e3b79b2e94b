/* conn: connections: signed connects, subscriptions and their acks,
 * closes, reconnects with backoff. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>

#include "commands.h"
#include "capture_int.h"
#include "metrics.h"
#include "ws.h"

void
conn_update_markets(struct kcap *k)
{
	size_t	i, m = 0;

	for (i = 0; i < k->nconn; i++)
		if (k->c[i].open && k->c[i].nsubs > 0)
			m += k->c[i].n;
	metrics_set(k->m_markets, m);
}

/* ---- commands ---- */

static struct kpend *
pend_add(struct kconn *c, int kind, const char *channel)
{
	struct kpend	*p;

	if (frames_grow(&c->pend, &c->cappend, c->npend, sizeof(*c->pend)) == -1)
		return NULL;
	p = &c->pend[c->npend++];
	p->id = c->next_id++;
	p->kind = kind;
	p->deadline = capture_now() + c->k->o->ack_timeout;
	snprintf(p->channel, sizeof(p->channel), "%s", channel ? channel : "");
	return p;
}

int
conn_pend_take(struct kconn *c, int64_t id, struct kpend *out)
{
	size_t	i;

	for (i = 0; i < c->npend; i++)
		if (c->pend[i].id == id) {
			*out = c->pend[i];
			c->pend[i] = c->pend[--c->npend];
			return 0;
		}
	return -1;
}

static void
send_cmd(struct kconn *c, const char *s, int n)
{
	if (n < 0 || ws_send_text(c->ws, s, n) == -1) {
		log_error("cannot send a command", "conn=%u", c->idx);
		return;
	}
	log_debug("sent", "conn=%u cmd=%s", c->idx, log_q(s));
}

void
conn_subscribe(struct kconn *c, const char *channel)
{
	struct kpend	*p;
	size_t		 cap = commands_size(c->tickers, c->n);
	char		*b;

	if ((p = pend_add(c, KP_SUB, channel)) == NULL ||
	    (b = malloc(cap)) == NULL) {
		capture_stop(c->k, EX_OSERR, "out of memory");
		return;
	}
	send_cmd(c, b, commands_subscribe(b, cap, p->id, channel, c->tickers,
	    c->n));
	free(b);
}

void
conn_unsubscribe(struct kconn *c, int64_t sid)
{
	struct kpend	*p;
	char		 b[128];

	if ((p = pend_add(c, KP_UNSUB, NULL)) == NULL) {
		capture_stop(c->k, EX_OSERR, "out of memory");
		return;
	}
	send_cmd(c, b, commands_unsubscribe(b, sizeof(b), p->id, &sid, 1));
}

/* ---- connection lifecycle ---- */

static void
on_open(struct ws_conn *ws, void *arg)
{
	struct kconn	*c = arg;
	struct kcap	*k = c->k;
	size_t		 i;
	char		 why[sizeof(c->why)];

	c->open = c->ever_open = 1;
	c->last_frame = c->last_ping = capture_now();
	metrics_set(c->m_conn, 1);
	if (k->paused)
		ws_pause(ws, 1);
	if (c->attempt > 0) {
		metrics_inc(k->m_reconn);
		messages_marker(k, "ssmd_reconnect", "\"conn\":%u,\"attempt\":%u,"
		    "\"down_seconds\":%.3f,\"reason\":\"%s\"", c->idx,
		    c->attempt, capture_now() - c->down_at,
		    messages_plain(c->why, why, sizeof(why)));
		log_info("reconnected", "conn=%u attempt=%u", c->idx,
		    c->attempt);
	} else
		log_info("connected", "conn=%u peer=%s markets=%zu", c->idx,
		    ws_peer(ws), c->n);
	for (i = 0; i < k->o->nchannels; i++)
		conn_subscribe(c, k->o->channels[i]);
}

static void
on_frame(struct ws_conn *ws, int opcode, void *arg)
{
	struct kconn	*c = arg;

	/* No clock per frame: the tick stamps what it finds seen. */
	c->seen = 1;
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_start(arg);
}

int
conn_init(struct kconn *c)
{
	c->retry = evtimer_new(c->k->base, retry_cb, c);
	return c->retry == NULL ? -1 : 0;
}

static void
schedule_retry(struct kconn *c)
{
	struct timeval	tv;
	double		d;

	c->attempt++;
	d = 0.5 * pow(2, c->attempt < 16 ? c->attempt - 1 : 15);
	if (d > c->k->o->backoff_max)
		d = c->k->o->backoff_max;
	/* Full jitter over the upper half: many connections that dropped
	 * together do not come back together. */
	d *= 0.5 + 0.5 * ((double)arc4random() / UINT32_MAX);
	tv.tv_sec = (time_t)d;
	tv.tv_usec = (suseconds_t)((d - tv.tv_sec) * 1e6);
	log_warn("reconnecting", "conn=%u attempt=%u in=%.3fs reason=%s",
	    c->idx, c->attempt, d, log_q(c->why));
	evtimer_add(c->retry, &tv);
}

static const char *
fail_name(int code)
{
	switch (code) {
	case WS_E_DNS: return "dns";
	case WS_E_CONNECT: return "connect";
	case WS_E_TLS: return "tls";
	case WS_E_HTTP: return "http";
	case WS_E_PROTO: return "protocol";
	case WS_E_TOOBIG: return "too_big";
	case WS_E_UTF8: return "utf8";
	case WS_E_EOF: return "eof";
	case WS_E_TIMEOUT: return "timeout";
	}
	return "close";
}

static void
on_close(struct ws_conn *ws, int code, const char *reason, void *arg)
{
	struct kconn	*c = arg;
	struct kcap	*k = c->k;
	int		 st = ws_http_status(ws), rc, was_open = c->open;
	size_t		 i;

	ws_free(ws);
	c->ws = NULL;
	c->open = 0;
	c->nsubs = 0;
	c->npend = 0;
	frames_seq_clear(&c->seq);
	metrics_set(c->m_conn, 0);
	conn_update_markets(k);
	if (k->stopping) {
		for (i = 0; i < k->nconn; i++)
			if (k->c[i].ws != NULL)
				return;
		event_base_loopexit(k->base, NULL);
		return;
	}
	if (c->closing) {
		rc = c->why_rc;
	} else if (code == WS_E_HTTP && (st == 401 || st == 403)) {
		rc = EX_NOPERM;
		snprintf(c->why, sizeof(c->why), "the exchange refused the "
		    "credentials (HTTP %d)", st);
	} else {
		rc = c->ever_open ? EX_TEMPFAIL : EX_UNAVAILABLE;
		if (code == WS_E_HTTP)
			snprintf(c->why, sizeof(c->why), "upgrade failed: "
			    "HTTP %d: %s", st, reason ? reason : "");
		else if (code < 0)
			snprintf(c->why, sizeof(c->why), "%s: %s",
			    fail_name(code), reason ? reason : "");
		else
			snprintf(c->why, sizeof(c->why), "closed by the "
			    "exchange: %d %s", code, reason ? reason : "");
	}
	c->closing = 0;
	/* With --reconnect an exchange that is down (69) or dropped us (75)
	 * is tried again, with capped backoff, from the first attempt on:
	 * an always-on capture outlives an outage.  Refused credentials
	 * (77) are not something a retry can fix. */
	log_msg(k->o->reconnect && rc != EX_NOPERM ? LOG_WARN : LOG_ERROR,
	    was_open ? "connection lost" : "cannot connect",
	    "conn=%u code=%d reason=%s", c->idx, code, log_q(c->why));
	if (rc == EX_NOPERM || !k->o->reconnect) {
		capture_stop(k, rc, c->why);
		return;
	}
	metrics_inc(k->m_retries);
	if (was_open || c->attempt == 0)
		c->down_at = capture_now();
	schedule_retry(c);
}

/* End one connection for a reason of ours (stale, no ack, gap). */
void
conn_fail(struct kconn *c, int rc, const char *fmt, ...)
{
	va_list	ap;

	if (c->closing || c->ws == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	if (!c->k->o->reconnect) {
		log_error("connection failed", "conn=%u reason=%s", c->idx,
		    log_q(c->why));
		capture_stop(c->k, rc, c->why);
		return;
	}
	c->closing = 1;
	c->why_rc = rc;
	ws_close(c->ws, 1001, "going away");
}

static const struct ws_cbs cbs = {
	.on_open = on_open,
	.on_text = messages_text,
	.on_frame = on_frame,
	.on_close = on_close,
};

void
conn_start(struct kconn *c)
{
	struct kcap		*k = c->k;
	struct ws_client_opts	 wo;
	char			 ts[21], sig[KAUTH_SIG_MAX];

	/* A fresh signature for every connection: Kalshi checks the
	 * timestamp's age. */
	kauth_now_ms(ts);
	c->hdrv[0] = NULL;	/* no key (auth_method none): no headers */
	if (k->o->key != NULL) {
		if (kauth_sign(k->o->key, ts, "GET", k->path, sig,
		    sizeof(sig)) == -1) {
			capture_stop(k, EX_SOFTWARE, "cannot sign the request");
			return;
		}
		snprintf(c->hdr[0], sizeof(c->hdr[0]), "KALSHI-ACCESS-KEY: %s",
		    k->o->key_id);
		snprintf(c->hdr[1], sizeof(c->hdr[1]),
		    "KALSHI-ACCESS-SIGNATURE: %s", sig);
		snprintf(c->hdr[2], sizeof(c->hdr[2]),
		    "KALSHI-ACCESS-TIMESTAMP: %s", ts);
		c->hdrv[0] = c->hdr[0];
		c->hdrv[1] = c->hdr[1];
		c->hdrv[2] = c->hdr[2];
		c->hdrv[3] = NULL;
	}
	memset(&wo, 0, sizeof(wo));
	wo.url = k->o->url;
	wo.ssl = k->o->ssl;
	wo.headers = c->hdrv;
	wo.max_message = k->o->max_frame;
	wo.timeout_ms = (int)(k->o->connect_timeout * 1000);
	c->next_id = 1;
	c->closing = 0;
	if ((c->ws = ws_connect(k->base, k->dns, &wo, &cbs, c)) == NULL)
		capture_stop(k, EX_CONFIG, "cannot connect: bad URL");
}
