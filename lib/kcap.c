#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>

#include "json.h"
#include "kauth.h"
#include "kcap.h"
#include "kcap_cmd.h"
#include "kcap_frame.h"
#include "kcap_out.h"
#include "log.h"
#include "metrics.h"
#include "sig.h"
#include "ts.h"
#include "wbuf.h"
#include "ws.h"

enum { KP_SUB, KP_UPDATE, KP_UNSUB };

struct kpend {
	unsigned	 id;
	int		 kind;
	double		 deadline;
	char		 channel[32];
};

struct kcap;

struct kconn {
	struct kcap	*k;
	unsigned	 idx;
	struct ws_conn	*ws;
	char *const	*tickers;
	size_t		 n;
	int		 open, ever_open, closing;
	int		 seen;		/* a frame since the last tick */
	unsigned	 next_id, nsubs, attempt;
	struct kpend	*pend;
	size_t		 npend, cappend;
	struct kseq	 seq;
	double		 last_frame, last_ping, down_at;
	char		 why[128];	/* why we are ending this connection */
	int		 why_rc;
	struct event	*retry;
	struct metric	*m_conn;
	char		 hdr[3][KAUTH_SIG_MAX + 64];
	const char	*hdrv[4];
};

/* Frame types counted by name; anything else is "other". */
#define FT(s)	{ s, sizeof(s) - 1 }
static const struct ftype {
	const char	*name;
	size_t		 len;
} ftypes[] = {
	FT("ticker"), FT("ticker_v2"), FT("trade"), FT("orderbook_snapshot"),
	FT("orderbook_delta"), FT("market_lifecycle_v2"),
	FT("event_lifecycle"), FT("subscribed"), FT("ok"),
	FT("unsubscribed"), FT("error"), FT("other"), FT("invalid"),
};
#define FT_SUBSCRIBED	7
#define FT_ERROR	10
#define NFTYPES		(sizeof(ftypes) / sizeof(ftypes[0]))
#define FT_OTHER	(NFTYPES - 2)
#define FT_INVALID	(NFTYPES - 1)

struct kcap {
	const struct kcap_opts	*o;
	struct event_base	*base;
	struct evdns_base	*dns;
	struct kconn		*c;
	size_t			 nconn;
	struct kout		 out;
	struct event		*tick, *sigs[2], *stop_timer;
	int			 stopping, rc, paused;
	int			 data_seen;	/* a data frame since the tick */
	double			 tick_s;
	char			 path[1024];	/* signed: URL path, no query */
	struct log_rate		 rate;
	uint64_t		 lines_seen, lost_seen, comp_seen;
	struct metric		*m_frames[NFTYPES], *m_bytes, *m_last, *m_markets;
	struct metric		*m_gaps, *m_reconn, *m_invalid, *m_comp;
	struct metric		*m_errors, *m_lines, *m_lost, *m_pending;
};

static void	conn_start(struct kconn *);
static void	stop(struct kcap *, int rc, const char *why);

static void
setup_metrics(struct kcap *k)
{
	char	l[160];
	size_t	i;

	for (i = 0; i < NFTYPES; i++) {
		snprintf(l, sizeof(l), "feed=\"%s\",type=\"%s\"", k->o->feed,
		    ftypes[i].name);
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

static double
now(void)
{
	return ts_mono();
}

static void
update_markets(struct kcap *k)
{
	size_t	i, m = 0;

	for (i = 0; i < k->nconn; i++)
		if (k->c[i].open && k->c[i].nsubs > 0)
			m += k->c[i].n;
	metric_set(k->m_markets, m);
}

/* An ssmd marker line, built in the output buffer:
 * {"type":TYPE,"feed":FEED,"ts":NOW, <fmt's members>} */
static void
marker(struct kcap *k, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
marker(struct kcap *k, const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*d, ts[TS_LEN + 1];
	int	 n, m;

	if ((d = kout_reserve(&k->out, 640)) == NULL)
		return;
	n = snprintf(d, 640, "{\"type\":\"%s\",\"feed\":\"%s\",\"ts\":\"%s\",",
	    type, k->o->feed, ts_now(ts));
	va_start(ap, fmt);
	m = vsnprintf(d + n, 640 - n, fmt, ap);
	va_end(ap);
	if (m < 0 || n + m + 1 >= 640)
		return;
	d[n + m] = '}';
	kout_commit(&k->out, n + m + 1);
}

/* A reason from the peer or the system, made safe inside JSON quotes. */
static const char *
plain(const char *s, char *out, size_t cap)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < cap; i++)
		out[i] = s[i] == '"' ? '\'' : s[i] == '\\' ? '/' :
		    (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	out[i] = '\0';
	return out;
}

/* ---- commands ---- */

static struct kpend *
pend_add(struct kconn *c, int kind, const char *channel)
{
	struct kpend	*p;

	if (kgrow(&c->pend, &c->cappend, c->npend, sizeof(*c->pend)) == -1)
		return NULL;
	p = &c->pend[c->npend++];
	p->id = c->next_id++;
	p->kind = kind;
	p->deadline = now() + c->k->o->ack_timeout;
	snprintf(p->channel, sizeof(p->channel), "%s", channel ? channel : "");
	return p;
}

static int
pend_take(struct kconn *c, int64_t id, struct kpend *out)
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

static void
subscribe(struct kconn *c, const char *channel)
{
	struct kpend	*p;
	size_t		 cap = kcmd_size(c->tickers, c->n);
	char		*b;

	if ((p = pend_add(c, KP_SUB, channel)) == NULL ||
	    (b = malloc(cap)) == NULL) {
		stop(c->k, EX_OSERR, "out of memory");
		return;
	}
	send_cmd(c, b, kcmd_subscribe(b, cap, p->id, channel, c->tickers,
	    c->n));
	free(b);
}

static void
unsubscribe(struct kconn *c, int64_t sid)
{
	struct kpend	*p;
	char		 b[128];

	if ((p = pend_add(c, KP_UNSUB, NULL)) == NULL) {
		stop(c->k, EX_OSERR, "out of memory");
		return;
	}
	send_cmd(c, b, kcmd_unsubscribe(b, sizeof(b), p->id, &sid, 1));
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
	c->last_frame = c->last_ping = now();
	metric_set(c->m_conn, 1);
	if (k->paused)
		ws_pause(ws, 1);
	if (c->attempt > 0) {
		metric_inc(k->m_reconn);
		marker(k, "ssmd_reconnect", "\"conn\":%u,\"attempt\":%u,"
		    "\"down_seconds\":%.3f,\"reason\":\"%s\"", c->idx,
		    c->attempt, now() - c->down_at,
		    plain(c->why, why, sizeof(why)));
		log_info("reconnected", "conn=%u attempt=%u", c->idx,
		    c->attempt);
	} else
		log_info("connected", "conn=%u peer=%s markets=%zu", c->idx,
		    ws_peer(ws), c->n);
	for (i = 0; i < k->o->nchannels; i++)
		subscribe(c, k->o->channels[i]);
}

static void
on_frame(struct ws_conn *ws, int opcode, void *arg)
{
	struct kconn	*c = arg;

	/* No clock per frame: the tick stamps what it finds seen. */
	c->seen = 1;
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

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_start(arg);
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
	kseq_clear(&c->seq);
	metric_set(c->m_conn, 0);
	update_markets(k);
	if (k->stopping) {
		for (i = 0; i < k->nconn; i++)
			if (k->c[i].ws != NULL)
				return;
		event_base_loopbreak(k->base);
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
	log_msg(k->o->reconnect && rc == EX_TEMPFAIL ? LOG_WARN : LOG_ERROR,
	    was_open ? "connection lost" : "cannot connect",
	    "conn=%u code=%d reason=%s", c->idx, code, log_q(c->why));
	if (rc == EX_NOPERM || !k->o->reconnect || !c->ever_open) {
		stop(k, rc, c->why);
		return;
	}
	if (was_open || c->attempt == 0)
		c->down_at = now();
	schedule_retry(c);
}

/* End one connection for a reason of ours (stale, no ack, gap). */
static void
conn_fail(struct kconn *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
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
		stop(c->k, rc, c->why);
		return;
	}
	c->closing = 1;
	c->why_rc = rc;
	ws_close(c->ws, 1001, "going away");
}

static void ssmd_text(struct ws_conn *, const char *, size_t, void *);

static const struct ws_cbs cbs = {
	.on_open = on_open,
	.on_text = ssmd_text,
	.on_frame = on_frame,
	.on_close = on_close,
};

static void
conn_start(struct kconn *c)
{
	struct kcap		*k = c->k;
	struct ws_client_opts	 wo;
	char			 ts[21], sig[KAUTH_SIG_MAX];

	/* A fresh signature for every connection: Kalshi checks the
	 * timestamp's age. */
	kauth_now_ms(ts);
	if (kauth_sign(k->o->key, ts, "GET", k->path, sig, sizeof(sig)) == -1) {
		stop(k, EX_SOFTWARE, "cannot sign the request");
		return;
	}
	snprintf(c->hdr[0], sizeof(c->hdr[0]), "KALSHI-ACCESS-KEY: %s",
	    k->o->key_id);
	snprintf(c->hdr[1], sizeof(c->hdr[1]), "KALSHI-ACCESS-SIGNATURE: %s",
	    sig);
	snprintf(c->hdr[2], sizeof(c->hdr[2]), "KALSHI-ACCESS-TIMESTAMP: %s",
	    ts);
	c->hdrv[0] = c->hdr[0];
	c->hdrv[1] = c->hdr[1];
	c->hdrv[2] = c->hdr[2];
	c->hdrv[3] = NULL;
	memset(&wo, 0, sizeof(wo));
	wo.url = k->o->url;
	wo.ssl = k->o->ssl;
	wo.headers = c->hdrv;
	wo.max_message = k->o->max_frame;
	wo.timeout_ms = (int)(k->o->connect_timeout * 1000);
	c->next_id = 1;
	c->closing = 0;
	if ((c->ws = ws_connect(k->base, k->dns, &wo, &cbs, c)) == NULL)
		stop(k, EX_CONFIG, "cannot connect: bad URL");
}

/* ---- frames ---- */

/* The index of f's type in ftypes, FT_OTHER if none. */
static size_t
ftype(const struct kframe *f)
{
	size_t	i;

	if (!(f->has & KF_TYPE))
		return FT_OTHER;
	for (i = 0; i < FT_OTHER; i++)
		if (f->typelen == ftypes[i].len &&
		    memcmp(f->type, ftypes[i].name, f->typelen) == 0)
			return i;
	return FT_OTHER;
}

static void
invalid(struct kconn *c, const char *p, size_t n, enum json_err e)
{
	struct kcap	*k = c->k;
	struct wb	 w;
	unsigned	 sup;

	metric_inc(k->m_invalid);
	metric_inc(k->m_frames[FT_INVALID]);
	if (log_rate_ok(&k->rate, &sup))
		log_warn("frame is not JSON: kept as ssmd_invalid",
		    "conn=%u reason=%s bytes=%zu suppressed=%u", c->idx,
		    json_reason(e), n, sup);
	/* The text is valid UTF-8 (the WebSocket layer checked it), so it
	 * can be kept, escaped, in a JSON string. */
	if (wb_init(&w, -1, n * 6 + 256) == -1) {
		stop(k, EX_OSERR, "out of memory");
		return;
	}
	wb_puts(&w, "{\"type\":\"ssmd_invalid\",\"feed\":\"");
	wb_put(&w, k->o->feed, strlen(k->o->feed));
	wb_puts(&w, "\",\"conn\":");
	{
		char	num[16];

		wb_put(&w, num, snprintf(num, sizeof(num), "%u", c->idx));
	}
	wb_puts(&w, ",\"reason\":\"");
	wb_put(&w, json_reason(e), strlen(json_reason(e)));
	wb_puts(&w, "\",\"raw\":\"");
	json_escape(&w, p, n);
	wb_puts(&w, "\"}");
	kout_line(&k->out, w.buf, w.len);
	wb_free(&w);
}

static void
control(struct kconn *c, const char *p, size_t n, const struct kframe *f)
{
	struct kcap	*k = c->k;
	struct kpend	 pd;
	int64_t		 sid = f->sid, code = 0;
	int		 known;
	char		 chan[32] = "";

	known = (f->has & KF_ID) && pend_take(c, f->id, &pd) == 0;
	if (kframe_is(f, "error")) {
		metric_inc(k->m_errors);
		if (f->has & KF_MSG)
			kframe_int(f->msg, f->msglen, "code", &code);
		log_error("exchange error", "conn=%u id=%lld code=%lld "
		    "frame=%s", c->idx, (long long)f->id, (long long)code,
		    log_q(n < 400 ? p : "(long)"));
	} else if (kframe_is(f, "subscribed")) {
		struct json_span	s;

		if ((f->has & KF_MSG) && json_get_str(f->msg, f->msglen,
		    "channel", &s) == 0 && s.len < sizeof(chan)) {
			memcpy(chan, s.p, s.len);
			chan[s.len] = '\0';
		} else if (known)
			snprintf(chan, sizeof(chan), "%s", pd.channel);
		if (f->has & KF_MSG)
			kframe_int(f->msg, f->msglen, "sid", &sid);
		if ((f->has & KF_MSG) || (f->has & KF_SID))
			kseq_add(&c->seq, sid, chan);
		c->nsubs++;
		update_markets(k);
		log_info("subscribed", "conn=%u channel=%s sid=%lld", c->idx,
		    chan, (long long)sid);
	} else if (kframe_is(f, "unsubscribed")) {
		if (f->has & KF_SID)
			kseq_del(&c->seq, f->sid);
		log_info("unsubscribed", "conn=%u sid=%lld", c->idx,
		    (long long)f->sid);
	}
	if (!known && (f->has & KF_ID))
		log_warn("reply to no command of ours", "conn=%u id=%lld",
		    c->idx, (long long)f->id);
	if (k->o->emit_control)
		kout_line(&k->out, p, n);
}

static void
gap(struct kconn *c, const struct kframe *f, struct ksid *s, int64_t want)
{
	struct kcap	*k = c->k;
	int		 book = strcmp(s->channel, "orderbook_delta") == 0 ||
			    kframe_is(f, "orderbook_delta") ||
			    kframe_is(f, "orderbook_snapshot");
	const char	*act = k->o->on_gap == KGAP_EXIT ? "exit" :
			    book && !s->retired && c->n > 0 ? "resubscribe" :
			    "none";

	metric_inc(k->m_gaps);
	marker(k, "ssmd_gap", "\"conn\":%u,"
	    "\"sid\":%lld,\"channel\":\"%s\",\"expected_seq\":%lld,"
	    "\"seq\":%lld,\"action\":\"%s\"", c->idx,
	    (long long)f->sid, s->channel, (long long)want,
	    (long long)f->seq, act);
	log_warn("sequence gap", "conn=%u sid=%lld channel=%s expected=%lld "
	    "seq=%lld action=%s", c->idx, (long long)f->sid, s->channel,
	    (long long)want, (long long)f->seq, act);
	if (strcmp(act, "exit") == 0) {
		snprintf(c->why, sizeof(c->why), "sequence gap on sid %lld",
		    (long long)f->sid);
		stop(k, EX_TEMPFAIL, c->why);
	} else if (strcmp(act, "resubscribe") == 0) {
		/* Which market lost a delta is unknown: every book on the sid
		 * needs a fresh snapshot, which a new subscription brings. */
		s->retired = 1;
		unsubscribe(c, f->sid);
		subscribe(c, "orderbook_delta");
	}
}

static void
ssmd_text(struct ws_conn *ws, const char *p, size_t n, void *arg)
{
	struct kconn	*c = arg;
	struct kcap	*k = c->k;
	struct kframe	 f;
	struct ksid	*s;
	enum json_err	 e;
	int64_t		 want;
	size_t		 t;

	c->seen = 1;
	metric_add(k->m_bytes, n);
	if ((e = json_check(p, n, NULL)) != JSON_OK) {
		invalid(c, p, n, e);
		return;
	}
	if (kframe_scan(p, n, &f) == -1)
		f.has = 0;		/* JSON, but not an object */
	t = ftype(&f);
	metric_inc(k->m_frames[t]);
	/* Acks and errors answer our commands (they carry its id). */
	if (t >= FT_SUBSCRIBED && t <= FT_ERROR && (f.has & KF_ID)) {
		control(c, p, n, &f);
		return;
	}
	k->data_seen = 1;
	if (c->attempt > 0)
		c->attempt = 0;		/* data flows: the backoff starts over */
	if ((f.has & (KF_SID | KF_SEQ)) == (KF_SID | KF_SEQ) &&
	    kseq_check(&c->seq, f.sid, f.seq, &want, &s) == 1) {
		/* The marker comes before the frame that showed the gap. */
		gap(c, &f, s, want);
	}
	kout_line(&k->out, p, n);
}

/* ---- the loop ---- */

static void
on_block(void *arg, int blocked)
{
	struct kcap	*k = arg;
	size_t		 i;
	double		 t = now();

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
	    kout_pending(&k->out));
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
	metric_add(k->m_lines, k->out.lines - k->lines_seen);
	metric_add(k->m_lost, k->out.lost_lines - k->lost_seen);
	metric_add(k->m_comp, k->out.compacted - k->comp_seen);
	k->lines_seen = k->out.lines;
	k->lost_seen = k->out.lost_lines;
	k->comp_seen = k->out.compacted;
	metric_set(k->m_pending, kout_pending(&k->out));
	if (k->data_seen) {
		metric_set(k->m_last, (double)ts_now_us() / 1e6);
		k->data_seen = 0;
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kcap	*k = arg;
	double		 t = now();
	size_t		 i;

	if (k->out.state == KOUT_EPIPE)
		stop(k, 0, "the output reader went away");
	else if (k->out.state == KOUT_ERROR)
		stop(k, EX_IOERR, "cannot write the output");
	if (!k->stopping)
		for (i = 0; i < k->nconn; i++)
			check_conn(&k->c[i], t);
	sync_out_metrics(k);
	metrics_tick();
}

static void
sig_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("stopping", "signal=%d", (int)sig);
	stop(arg, 0, "signal");
}

static void
stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct kcap	*k = arg;

	log_warn("connections did not close in time", "");
	event_base_loopbreak(k->base);
}

static void
stop(struct kcap *k, int rc, const char *why)
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
	if (open == 0) {
		event_base_loopbreak(k->base);
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
	k->nconn = kplan_conns(o->ntickers, o->shard_size);
	if ((k->c = calloc(k->nconn, sizeof(*k->c))) == NULL)
		return -1;
	if (kout_init(&k->out, k->base, o->out_fd, o->out_high, on_block,
	    k) == -1)
		return -1;
	for (i = 0; i < k->nconn; i++) {
		kplan_slice(o->ntickers, k->nconn, i, &start, &cnt);
		k->c[i].k = k;
		k->c[i].idx = i;
		k->c[i].tickers = o->tickers + start;
		k->c[i].n = cnt;
		if ((k->c[i].retry = evtimer_new(k->base, retry_cb,
		    &k->c[i])) == NULL)
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
		kseq_free(&k->c[i].seq);
		metric_set(k->c[i].m_conn, 0);
	}
	free(k->c);
	if (k->tick != NULL)
		event_free(k->tick);
	for (i = 0; i < 2; i++)
		if (k->sigs[i] != NULL)
			event_free(k->sigs[i]);
	if (k->stop_timer != NULL)
		event_free(k->stop_timer);
	kout_free(&k->out);
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
kcap_run(struct event_base *base, struct evdns_base *dns,
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
	event_base_dispatch(base);
	if (kout_drain(&k.out) != KOUT_OK && k.out.state == KOUT_ERROR &&
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
