/* messages: frames to lines: data as received, acks and errors to the log,
 * sequence gaps, ssmd markers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "json.h"
#include "capture_int.h"
#include "metrics.h"
#include "ts.h"
#include "wbuf.h"
#include "ws.h"

#define FT(s)	{ s, sizeof(s) - 1 }
const struct kftype messages_ftypes[KFT_N] = {
	[FT_TICKER] = FT("ticker"),
	[FT_TICKER_V2] = FT("ticker_v2"),
	[FT_TRADE] = FT("trade"),
	[FT_SNAPSHOT] = FT("orderbook_snapshot"),
	[FT_DELTA] = FT("orderbook_delta"),
	[FT_LIFECYCLE] = FT("market_lifecycle_v2"),
	[FT_EVENT_LIFECYCLE] = FT("event_lifecycle"),
	[FT_SUBSCRIBED] = FT("subscribed"),
	[FT_OK] = FT("ok"),
	[FT_UNSUBSCRIBED] = FT("unsubscribed"),
	[FT_ERROR] = FT("error"),
	[FT_OTHER] = FT("other"),
	[FT_INVALID] = FT("invalid"),
};

/* An ssmd marker line, built in the output buffer:
 * {"type":TYPE,"feed":FEED,"ts":NOW, <fmt's members>} */
void
messages_marker(struct kcap *k, const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*d, ts[TS_LEN + 1];
	int	 n, m;

	if ((d = output_reserve(&k->out, 640)) == NULL)
		return;
	n = snprintf(d, 640, "{\"type\":\"%s\",\"feed\":\"%s\",\"ts\":\"%s\",",
	    type, k->o->feed, ts_now(ts));
	va_start(ap, fmt);
	m = vsnprintf(d + n, 640 - n, fmt, ap);
	va_end(ap);
	if (m < 0 || n + m + 1 >= 640)
		return;
	d[n + m] = '}';
	output_commit(&k->out, n + m + 1);
}

/* A reason from the peer or the system, made safe inside JSON quotes. */
const char *
messages_plain(const char *s, char *out, size_t cap)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < cap; i++)
		out[i] = s[i] == '"' ? '\'' : s[i] == '\\' ? '/' :
		    (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	out[i] = '\0';
	return out;
}

/* ---- frames ---- */

/* The index of f's type in messages_ftypes, FT_OTHER if none. */
static size_t
ftype(const struct kframe *f)
{
	size_t	i;

	if (!(f->has & KF_TYPE))
		return FT_OTHER;
	for (i = 0; i < FT_OTHER; i++)
		if (f->typelen == messages_ftypes[i].len &&
		    memcmp(f->type, messages_ftypes[i].name, f->typelen) == 0)
			return i;
	return FT_OTHER;
}

static void
invalid(struct kconn *c, const char *p, size_t n, enum json_err e)
{
	struct kcap	*k = c->k;
	struct wbuf	 w;
	unsigned	 sup;

	metrics_inc(k->m_invalid);
	metrics_inc(k->m_frames[FT_INVALID]);
	if (log_rate_ok(&k->rate, &sup))
		log_warn("frame is not JSON: kept as ssmd_invalid",
		    "conn=%u reason=%s bytes=%zu suppressed=%u", c->idx,
		    json_reason(e), n, sup);
	/* The text is valid UTF-8 (the WebSocket layer checked it), so it
	 * can be kept, escaped, in a JSON string. */
	if (wbuf_init(&w, -1, n * 6 + 256) == -1) {
		capture_stop(k, EX_OSERR, "out of memory");
		return;
	}
	wbuf_puts(&w, "{\"type\":\"ssmd_invalid\",\"feed\":\"");
	wbuf_put(&w, k->o->feed, strlen(k->o->feed));
	wbuf_puts(&w, "\",\"conn\":");
	{
		char	num[16];

		wbuf_put(&w, num, snprintf(num, sizeof(num), "%u", c->idx));
	}
	wbuf_puts(&w, ",\"reason\":\"");
	wbuf_put(&w, json_reason(e), strlen(json_reason(e)));
	wbuf_puts(&w, "\",\"raw\":\"");
	json_escape(&w, p, n);
	wbuf_puts(&w, "\"}");
	output_line(&k->out, w.buf, w.len);
	wbuf_free(&w);
}

static void
control(struct kconn *c, const char *p, size_t n, const struct kframe *f)
{
	struct kcap	*k = c->k;
	struct kpend	 pd;
	int64_t		 sid = f->sid, code = 0;
	int		 known;
	char		 chan[32] = "";

	known = (f->has & KF_ID) && conn_pend_take(c, f->id, &pd) == 0;
	if (frames_is(f, "error")) {
		metrics_inc(k->m_errors);
		if (f->has & KF_MSG)
			frames_int(f->msg, f->msglen, "code", &code);
		log_error("exchange error", "conn=%u id=%lld code=%lld "
		    "frame=%s", c->idx, (long long)f->id, (long long)code,
		    log_q(n < 400 ? p : "(long)"));
	} else if (frames_is(f, "subscribed")) {
		struct json_span	s;

		if ((f->has & KF_MSG) && json_get_str(f->msg, f->msglen,
		    "channel", &s) == 0 && s.len < sizeof(chan)) {
			memcpy(chan, s.p, s.len);
			chan[s.len] = '\0';
		} else if (known)
			snprintf(chan, sizeof(chan), "%s", pd.channel);
		if (f->has & KF_MSG)
			frames_int(f->msg, f->msglen, "sid", &sid);
		if ((f->has & KF_MSG) || (f->has & KF_SID))
			frames_seq_add(&c->seq, sid, chan);
		c->nsubs++;
		conn_update_markets(k);
		log_info("subscribed", "conn=%u channel=%s sid=%lld", c->idx,
		    chan, (long long)sid);
	} else if (frames_is(f, "unsubscribed")) {
		if (f->has & KF_SID)
			frames_seq_del(&c->seq, f->sid);
		log_info("unsubscribed", "conn=%u sid=%lld", c->idx,
		    (long long)f->sid);
	} else
		log_info("command acknowledged", "conn=%u id=%lld", c->idx,
		    (long long)f->id);
	if (!known && (f->has & KF_ID))
		log_warn("reply to no command of ours", "conn=%u id=%lld",
		    c->idx, (long long)f->id);
	if (k->o->emit_control)
		output_line(&k->out, p, n);
}

static void
gap(struct kconn *c, const struct kframe *f, struct ksid *s, int64_t want)
{
	struct kcap	*k = c->k;
	int		 book = strcmp(s->channel, "orderbook_delta") == 0 ||
			    frames_is(f, "orderbook_delta") ||
			    frames_is(f, "orderbook_snapshot");
	const char	*act = k->o->on_gap == KGAP_EXIT ? "exit" :
			    book && !s->retired && c->n > 0 ? "resubscribe" :
			    "none";

	metrics_inc(k->m_gaps);
	messages_marker(k, "ssmd_gap", "\"conn\":%u,"
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
		capture_stop(k, EX_TEMPFAIL, c->why);
	} else if (strcmp(act, "resubscribe") == 0) {
		/* Which market lost a delta is unknown: every book on the sid
		 * needs a fresh snapshot, which a new subscription brings. */
		s->retired = 1;
		conn_unsubscribe(c, f->sid);
		conn_subscribe(c, "orderbook_delta");
	}
}

void
messages_text(struct ws_conn *ws, const char *p, size_t n, void *arg)
{
	struct kconn	*c = arg;
	struct kcap	*k = c->k;
	struct kframe	 f;
	struct ksid	*s;
	enum json_err	 e;
	int64_t		 want;
	size_t		 t;

	c->seen = 1;
	metrics_add(k->m_bytes, n);
	if ((e = json_check(p, n, NULL)) != JSON_OK) {
		invalid(c, p, n, e);
		return;
	}
	if (frames_scan(p, n, &f) == -1)
		f.has = 0;		/* JSON, but not an object */
	t = ftype(&f);
	metrics_inc(k->m_frames[t]);
	/* Acks and errors answer our commands (they carry its id). */
	if (t >= FT_SUBSCRIBED && t <= FT_ERROR && (f.has & KF_ID)) {
		control(c, p, n, &f);
		return;
	}
	k->data_seen = 1;
	if (c->attempt > 0)
		c->attempt = 0;		/* data flows: the backoff starts over */
	if ((f.has & (KF_SID | KF_SEQ)) == (KF_SID | KF_SEQ) &&
	    frames_seq_check(&c->seq, f.sid, f.seq, &want, &s) == 1) {
		/* The marker comes before the frame that showed the gap. */
		gap(c, &f, s, want);
	}
	output_line(&k->out, p, n);
}
