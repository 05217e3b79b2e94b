#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "badline.h"
#include "json.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "publish.h"
#include "window.h"
#include "sig.h"
#include "subject.h"
#include "template.h"
#include "ts.h"
#include "wbuf.h"

/* Not an exit code: the step went well, keep going. */
#define GO_ON	(-1)

/* Room the header (Nats-Msg-Id) takes out of the server's maximum
 * payload. */
#define HDR_ROOM	512

enum { R_INVALID, R_TOO_LONG, R_NREASONS };
static const char *const reasons[] = { "invalid", "too_long" };

struct npub {
	const struct npub_opts	*o;
	struct nats_conn		 c;
	natsSubscription	*acks;
	char			 inbox[128];
	size_t			 inboxlen;
	struct win		 w;
	struct lineio		 lr;
	struct wbuf		 rej;
	size_t			 max_line;
	uint64_t		 acked_line;	/* this line and all before: done */
	uint64_t		 read_line;	/* last line read whole */
	uint64_t		 lines, published, dups, failed, resent;
	/* Lines not published as data: empty, not JSON (published to
	 * .invalid or rejected), too long; dropped: kept nowhere. */
	uint64_t		 empty, invalid, rejected, too_long, dropped;
	int			 hinted;	/* the encoding hint was given */
	double			 last_progress;	/* ts_mono of the last ack */
	double			 rec_t;		/* when recovery started */
	double			 next_try;	/* recovery: not before */
	double			 down_since;	/* disconnected since */
	int			 recovering;
	int			 full;		/* waiting for the window to drain */
	int			 send_failed;	/* a publish failed: recover */
	uint64_t		 reconnects;	/* nats.c's count, last seen */
	int			 probe_acked;	/* recovery: the oldest made it */
	double			 start, last_tick;
	int			 nr_seen;	/* a "no responders" arrived */
	struct log_rate		 rate;
	struct badline_stat		 st;
	struct metric		*m_pub, *m_dup, *m_fail, *m_resent;
	struct metric		*m_pending, *m_acked;
	struct metric		*m_invalid_pub, *m_rej[R_NREASONS];
};

const char *const publish_policies[] = {
	[NPUB_PUBLISH] = "publish", [NPUB_REJECT] = "reject",
	[NPUB_STOP] = "stop", NULL
};

void
publish_msgid(const char *p, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	static EVP_MD		*md;
	static EVP_MD_CTX	*ctx;
	unsigned char		 d[EVP_MAX_MD_SIZE];
	unsigned		 dl = 0;
	int			 i;

	/* One digest and context for the whole run: SHA256() would look
	 * the algorithm up again for every line. */
	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		abort();
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, d, &dl) != 1 || dl < 16)
		abort();
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[32] = '\0';
}

static void
setup_metrics(struct npub *p)
{
	char	l[160];
	int	i;

	snprintf(l, sizeof(l), "stream=\"%s\"", p->o->stream ? p->o->stream :
	    "");
	badline_stat_init(&p->st, "ssmd_nats_pub", l);
	p->m_pub = metrics_counter("ssmd_nats_pub_published_total", l,
	    "Messages the server stored (acknowledged, not duplicates); "
	    "with --core, messages sent.");
	p->m_dup = metrics_counter("ssmd_nats_pub_duplicates_total", l,
	    "Messages the server reported as duplicates of stored ones.");
	p->m_fail = metrics_counter("ssmd_nats_pub_failed_total", l,
	    "Messages the server refused with a permanent error.");
	p->m_resent = metrics_counter("ssmd_nats_pub_republished_total", l,
	    "Messages published again after a reconnect or an unanswered "
	    "publish.");
	p->m_invalid_pub = metrics_counter(
	    "ssmd_nats_pub_invalid_published_total", l,
	    "Lines that are not JSON, published to {prefix}.invalid.");
	for (i = 0; i < R_NREASONS; i++) {
		snprintf(l, sizeof(l), "stream=\"%s\",reason=\"%s\"",
		    p->o->stream ? p->o->stream : "", reasons[i]);
		p->m_rej[i] = metrics_counter(
		    "ssmd_nats_pub_rejected_lines_total", l,
		    "Lines not published, by reason.");
	}
	snprintf(l, sizeof(l), "stream=\"%s\"", p->o->stream ? p->o->stream :
	    "");
	p->m_pending = metrics_gauge("ssmd_nats_pub_pending_messages", l,
	    "Messages published and not yet acknowledged.");
	p->m_acked = metrics_gauge("ssmd_nats_pub_acked_line", l,
	    "Input line number up to which every line is done.");
}

/* Check (or create) the stream; returns GO_ON or an exit code. */
static int
check_stream(struct npub *p)
{
	const struct npub_opts	*o = p->o;
	jsStreamInfo		*si = NULL;
	jsStreamConfig		 cfg;
	jsErrCode		 jerr = 0;
	natsStatus		 s;
	char			 want[SUBJECT_MAX];
	const char		*subjs[1] = { want };
	int			 i, rc = EX_CONFIG;

	if (o->subject != NULL)
		(void)template_check(o->subject, want, sizeof(want));
	else
		snprintf(want, sizeof(want), "%s.>", o->prefix);
	if ((s = natsConnection_JetStream(&p->c.js, p->c.nc, NULL)) !=
	    NATS_OK) {
		nats_conn_log("cannot make a JetStream context", s);
		return EX_SOFTWARE;
	}
	s = js_GetStreamInfo(&si, p->c.js, o->stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		if (!o->create) {
			log_error("stream does not exist (--create-stream "
			    "makes it)", "stream=%s", log_q(o->stream));
			return EX_CONFIG;
		}
		jsStreamConfig_Init(&cfg);
		cfg.Name = o->stream;
		cfg.Subjects = subjs;
		cfg.SubjectsLen = 1;
		cfg.Storage = js_FileStorage;
		cfg.Duplicates = o->dup_window_ns;
		cfg.MaxAge = o->max_age_ns;
		if ((s = js_AddStream(&si, p->c.js, &cfg, NULL, &jerr)) !=
		    NATS_OK) {
			nats_conn_log("cannot create the stream", s);
			return EX_CONFIG;
		}
		log_info("stream created", "stream=%s subjects=%s",
		    log_q(o->stream), log_q(want));
		jsStreamInfo_Destroy(si);
		return GO_ON;
	}
	if (s != NATS_OK) {
		nats_conn_log("cannot get stream information (is JetStream "
		    "enabled? --core publishes without it)", s);
		return EX_UNAVAILABLE;
	}
	for (i = 0; i < si->Config->SubjectsLen; i++)
		if (subject_match(si->Config->Subjects[i], want, strlen(want)))
			rc = GO_ON;
	if (rc != GO_ON) {
		char	have[1024] = "";
		size_t	len = 0;

		for (i = 0; i < si->Config->SubjectsLen && len < sizeof(have);
		    i++)
			len += (size_t)snprintf(have + len, sizeof(have) - len,
			    "%s%s", i ? "," : "", si->Config->Subjects[i]);
		log_error("stream does not cover the subjects published "
		    "(--prefix or --subject must fall under one of the "
		    "stream's subjects)", "stream=%s publishes=%s "
		    "stream_subjects=%s", log_q(o->stream), log_q(want),
		    log_q(have));
	}
	jsStreamInfo_Destroy(si);
	return rc;
}

static int
setup_acks(struct npub *p)
{
	natsInbox	*ib = NULL;
	natsStatus	 s;
	char		 pat[sizeof(p->inbox) + 4];

	if ((s = natsInbox_Create(&ib)) != NATS_OK)
		goto fail;
	p->inboxlen = (size_t)snprintf(p->inbox, sizeof(p->inbox), "%s.",
	    (const char *)ib);
	natsInbox_Destroy(ib);
	snprintf(pat, sizeof(pat), "%s*", p->inbox);
	if ((s = natsConnection_SubscribeSync(&p->acks, p->c.nc, pat)) !=
	    NATS_OK)
		goto fail;
	/* The window bounds what can be in flight; never drop an ack. */
	if ((s = natsSubscription_SetPendingLimits(p->acks, -1, -1)) !=
	    NATS_OK)
		goto fail;
	return 0;
fail:
	nats_conn_log("cannot subscribe to acknowledgements", s);
	return -1;
}

static natsStatus
pub_send(struct npub *p, struct win_ent *e)
{
	natsMsg		*m = NULL;
	natsStatus	 s;
	char		 reply[sizeof(p->inbox) + 24], *r;
	uint64_t	 v = e->idx;

	/* inbox + index, without printf: this runs once per line. */
	r = reply + sizeof(reply) - 1;
	*r = '\0';
	do {
		*--r = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	r -= p->inboxlen;
	memcpy(r, p->inbox, p->inboxlen);
	/* Never hand nats.c a message while it reconnects: it would keep
	 * it and send it first on the new connection, ahead of the older
	 * ones lost with the old one.  (A publish racing with the break
	 * itself remains possible, and is why recovery starts with one.) */
	if (!nats_conn_up(&p->c)) {
		e->sent = ts_mono();
		return NATS_CONNECTION_DISCONNECTED;
	}
	/* Without a header no message object is needed (nats.c hands every
	 * destroyed message to its collector thread). */
	if (e->id[0] == '\0') {
		s = natsConnection_PublishRequest(p->c.nc, e->buf, r,
		    win_payload(e), (int)e->len);
		e->sent = ts_mono();
		return s;
	}
	s = natsMsg_Create(&m, e->buf, r, win_payload(e), (int)e->len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Nats-Msg-Id", e->id);
	if (s == NATS_OK)
		s = natsConnection_PublishMsg(p->c.nc, m);
	natsMsg_Destroy(m);
	e->sent = ts_mono();
	return s;
}

/* Publish every pending entry again, oldest first, if sent before t. */
static void
resend(struct npub *p, double t)
{
	struct win_ent	*e;
	uint64_t	 i, n = 0;

	for (i = p->w.head; i < p->w.next; i++) {
		if ((e = window_get(&p->w, i)) == NULL || e->sent > t)
			continue;
		if (pub_send(p, e) != NATS_OK)
			break;
		e->resent = 1;
		n++;
	}
	p->resent += n;
	metrics_add(p->m_resent, n);
}

/* Every line before the oldest unacknowledged one is done; with none
 * pending, every line read is. */
static void
update_acked(struct npub *p)
{
	struct win_ent	*e = window_oldest(&p->w);

	p->acked_line = e != NULL ? e->line - 1 : p->read_line;
}

static void
retire(struct npub *p, struct win_ent *e)
{
	if (p->recovering && e == window_oldest(&p->w))
		p->probe_acked = 1;
	(void)window_done(&p->w, e);
	update_acked(p);
	p->last_progress = ts_mono();
}

static void
warn_line(struct npub *p, const char *msg, uint64_t line, const char *kv)
{
	unsigned	supp;

	if (log_rate_ok(&p->rate, &supp))
		log_warn(msg, "line=%llu %s suppressed=%u",
		    (unsigned long long)line, kv, supp);
}

/* A bad line's warning; the first also says when the input seems to be
 * in the wrong encoding. */
static void
warn_bad(struct npub *p, const char *msg, uint64_t line, const char *kv,
    const struct lineio_line *l)
{
	const char	*hint = p->hinted ? NULL : badline_hint(l->p, l->len);
	char		 buf[320];

	p->hinted = 1;
	if (hint == NULL) {
		warn_line(p, msg, line, kv);
		return;
	}
	snprintf(buf, sizeof(buf), "%s%shint=%s", kv, *kv ? " " : "",
	    log_q(hint));
	log_warn(msg, "line=%llu %s", (unsigned long long)line, buf);
}

/* One PubAck: {"stream":..,"seq":N[,"duplicate":true]} or {"error":..}. */
static void
handle_ack(struct npub *p, natsMsg *m)
{
	const char		*subj = natsMsg_GetSubject(m);
	const char		*d = natsMsg_GetData(m);
	size_t			 n = (size_t)natsMsg_GetDataLength(m);
	struct json_span	 err, v;
	struct win_ent		*e;
	char			 kv[256];
	uint64_t		 idx;

	if (strncmp(subj, p->inbox, p->inboxlen) != 0)
		return;
	idx = strtoull(subj + p->inboxlen, NULL, 10);
	if ((e = window_get(&p->w, idx)) == NULL)
		return;		/* a second answer to a republished message */
	if (json_get(d, n, "error", &err) == 0) {
		if (json_get(err.p, err.len, "code", &v) == 0 &&
		    v.len == 3 && memcmp(v.p, "503", 3) == 0) {
			p->nr_seen = 1;		/* JetStream not ready yet */
			return;
		}
		json_get_str(err.p, err.len, "description", &v);
		snprintf(kv, sizeof(kv), "error=%.*s",
		    (int)(v.len > 200 ? 200 : v.len), v.p);
		warn_line(p, "server refused a message", e->line, kv);
		p->failed++;
		metrics_inc(p->m_fail);
		retire(p, e);
		return;
	}
	if (json_get(d, n, "duplicate", &v) == 0 && v.len == 4 &&
	    memcmp(v.p, "true", 4) == 0) {
		/* After a republish, "duplicate" only means the first
		 * publish made it: the line is stored once either way. */
		if (e->resent) {
			p->published++;
			metrics_inc(p->m_pub);
		} else {
			p->dups++;
			metrics_inc(p->m_dup);
		}
	} else {
		p->published++;
		metrics_inc(p->m_pub);
	}
	retire(p, e);
}

/* Take every acknowledgement that has arrived, waiting up to ms for the
 * first one. */
static void
drain_acks(struct npub *p, int64_t ms)
{
	natsMsg		*m;
	natsStatus	 s;

	for (;;) {
		s = natsSubscription_NextMsg(&m, p->acks, ms);
		if (s == NATS_NO_RESPONDERS) {
			p->nr_seen = 1;
			continue;
		}
		if (s != NATS_OK)
			return;
		handle_ack(p, m);
		natsMsg_Destroy(m);
		ms = 0;
	}
}

static void
reject(struct npub *p, int why, const struct lineio_line *l, uint64_t line)
{
	char	kv[64];

	if (!(l->flags & LINEIO_LONG) || (l->flags & LINEIO_FIRST)) {
		metrics_inc(p->m_rej[why]);
		if (why == R_TOO_LONG)
			p->too_long++;
		else
			p->rejected++;
		if (p->rej.fd == -1)
			p->dropped++;
	}
	snprintf(kv, sizeof(kv), "reason=%s bytes=%zu%s", reasons[why], l->len,
	    p->rej.fd == -1 ? " lost=1" : "");
	if (!(l->flags & LINEIO_LONG) || (l->flags & LINEIO_FIRST))
		warn_bad(p, "line not published", line, kv, l);
	if (p->rej.fd == -1)
		return;
	wbuf_put(&p->rej, l->p, l->len);
	if (!(l->flags & LINEIO_MORE))
		wbuf_putc(&p->rej, '\n');
}

static int
publish_core(struct npub *p, const char *subj, const struct lineio_line *l)
{
	natsStatus	s;
	double		t0 = ts_mono();

	while ((s = natsConnection_Publish(p->c.nc, subj, l->p,
	    (int)l->len)) != NATS_OK) {
		/* Reconnect buffer full: wait for the server, within limits. */
		if (ts_mono() - t0 > p->o->ack_timeout || sig_stop) {
			nats_conn_log("cannot publish", s);
			return EX_TEMPFAIL;
		}
		usleep(50 * 1000);
	}
	p->published++;
	metrics_inc(p->m_pub);
	p->read_line = p->acked_line = p->lr.lineno;
	return 0;
}

/* One line (or a piece of an over-long one). */
static int
handle_line(struct npub *p, const struct lineio_line *l)
{
	char		 subj[SUBJECT_MAX], id[33] = "";
	struct win_ent	*e;
	int		 invalid = 0, why;
	uint64_t	 line = p->lr.lineno;

	if ((why = badline_stat_line(&p->st, l)) == BADLINE_LONG) {
		if (l->flags & LINEIO_FIRST)
			p->lines++;
		reject(p, R_TOO_LONG, l, line + ((l->flags & LINEIO_MORE) != 0));
		if (l->flags & LINEIO_MORE)
			return 0;
		goto done;
	}
	p->lines++;
	if (why == BADLINE_EMPTY) {
		p->empty++;
		goto done;
	}
	if (why != JSON_OK) {
		p->invalid++;
		if (p->o->invalid == NPUB_STOP) {
			/* Everything before it is drained before the exit, so
			 * a rerun resumes at this very line. */
			log_error("stopping at a line that is not JSON",
			    "line=%llu resume_line=%llu",
			    (unsigned long long)line, (unsigned long long)line);
			return EX_DATAERR;
		}
		if (p->o->invalid == NPUB_REJECT) {
			reject(p, R_INVALID, l, line);
			goto done;
		}
		invalid = 1;
		metrics_inc(p->m_invalid_pub);
		if (!p->hinted)
			warn_bad(p, "line not JSON: published to .invalid", line,
			    "", l);
	}
	if (p->o->subject != NULL)
		template_render(p->o->subject, l->p, l->len, subj, sizeof(subj));
	else {
		(void)subject_for(p->o->prefix, l->p, l->len, invalid, subj,
		    sizeof(subj));
	}
	if (p->o->core)
		return publish_core(p, subj, l);
	if (p->o->msgid)
		publish_msgid(l->p, l->len, id);
	if ((e = window_add(&p->w, line, subj, strlen(subj), l->p, l->len,
	    id)) == NULL) {
		log_error("out of memory", "");
		return EX_OSERR;
	}
	metrics_set(p->m_pending, win_count(&p->w));
	p->read_line = line;
	/* A failed publish (connection lost: nothing is buffered while
	 * reconnecting) is repeated by the recovery, in order. */
	if (pub_send(p, e) != NATS_OK)
		p->send_failed = 1;
	return 0;
done:
	p->read_line = line;
	update_acked(p);
	return 0;
}

static void
progress(struct npub *p, int last)
{
	double	now = ts_mono(), el = now - p->start;
	char	buf[200];
	int	n;

	if (!p->o->progress || (!last && now - p->last_tick < 0.5))
		return;
	p->last_tick = now;
	n = snprintf(buf, sizeof(buf), "\rlines %llu  acked %llu  %.0f lines/s"
	    "  %.1f MB%s", (unsigned long long)p->lines,
	    (unsigned long long)p->acked_line, el > 0 ? p->lines / el : 0,
	    p->lr.bytes / 1e6, last ? "\n" : "   ");
	(void)wbuf_write_all(STDERR_FILENO, buf, (size_t)n);
}

static void
tick(struct npub *p)
{
	metrics_set(p->m_pending, win_count(&p->w));
	metrics_set(p->m_acked, (double)p->acked_line);
	metrics_set(p->st.bytes_in, (double)p->lr.bytes);
	if (p->rej.fd != -1)
		wbuf_flush(&p->rej);
	metrics_tick();
	progress(p, 0);
}

/* Once full, the window takes new lines again only when a quarter of it
 * is free: publishing one line per acknowledgement would cost a thread
 * wake-up each. */
static int
window_full(struct npub *p)
{
	if (!window_room(&p->w, 0))
		p->full = 1;
	else if (p->full && win_count(&p->w) <= p->w.cap - p->w.cap / 4 &&
	    p->w.bytes <= p->w.max_bytes - p->w.max_bytes / 4)
		p->full = 0;
	return p->full;
}

static int
give_up(struct npub *p, const char *why)
{
	log_error(why, "acked_line=%llu resume_line=%llu pending=%u hint=%s",
	    (unsigned long long)p->acked_line,
	    (unsigned long long)p->acked_line + 1, win_count(&p->w),
	    log_q("tail -n +resume_line resumes"));
	return EX_TEMPFAIL;
}

/* Nonzero once after each reconnect.  nats.c marks the connection up
 * before its callback runs; new lines published in between would go out
 * before the older ones lost with the old connection. */
static int
reconnected(struct npub *p)
{
	uint64_t	n = nats_conn_reconnects(&p->c);

	if (n == p->reconnects)
		return 0;
	p->reconnects = n;
	return 1;
}

/* Recovery keeps the stream in input order after a reconnect, a "no
 * responders" answer (JetStream still starting) or a message left
 * unanswered: the oldest pending message alone is published again until
 * the server acknowledges it, and only then everything that was pending,
 * in order.  The server stored a prefix of what was in flight, and the
 * Msg-Id makes it drop what it already has. */
static void
start_recovery(struct npub *p, double now, const char *why)
{
	if (!p->recovering)
		log_info("publishing unacknowledged messages again, oldest "
		    "first", "reason=%s pending=%u", why, win_count(&p->w));
	p->recovering = 1;
	p->rec_t = now;
	p->probe_acked = 0;
}

static void
recover_step(struct npub *p, double now)
{
	struct win_ent	*e = window_oldest(&p->w);

	if (e == NULL || p->probe_acked) {
		resend(p, p->rec_t);
		p->recovering = 0;
		return;
	}
	if (!nats_conn_up(&p->c) || now < p->next_try)
		return;
	if (e->sent <= p->rec_t || now - e->sent > 1.0) {
		if (pub_send(p, e) != NATS_OK)
			return;
		e->resent = 1;
		p->resent++;
		metrics_inc(p->m_resent);
	}
}

/* Keep the window moving; returns GO_ON or an exit code. */
static int
keep_window(struct npub *p)
{
	struct win_ent	*e;
	double		 now = ts_mono();

	if (p->o->core)
		return GO_ON;
	if (!nats_conn_up(&p->c)) {
		if (p->down_since == 0)
			p->down_since = now;
		else if (now - p->down_since > p->o->ack_timeout)
			return give_up(p, "NATS is unreachable");
	} else
		p->down_since = 0;
	if (p->c.reconnected || p->send_failed || reconnected(p)) {
		p->c.reconnected = 0;
		p->send_failed = 0;
		start_recovery(p, now, "reconnected");
	}
	if (p->nr_seen) {
		p->nr_seen = 0;
		p->next_try = now + 0.25;
		start_recovery(p, now, "jetstream_unavailable");
	}
	if ((e = window_oldest(&p->w)) == NULL) {
		p->last_progress = now;
		p->recovering = 0;
		return GO_ON;
	}
	if (now - p->last_progress > p->o->ack_timeout)
		return give_up(p, "NATS did not acknowledge within "
		    "--ack-timeout");
	if (!p->recovering && nats_conn_up(&p->c) && now - e->sent > p->o->retry)
		start_recovery(p, now, "unanswered");
	if (p->recovering)
		recover_step(p, now);
	return GO_ON;
}

static int
pub_loop(struct npub *p)
{
	struct lineio_line	l;
	int		r = LINEIO_EMPTY, rc, reading = 1, stop_rc = EX_OK;

	for (;;) {
		if (!p->o->core)
			drain_acks(p, 0);
		if ((rc = keep_window(p)) != GO_ON)
			return rc;
		tick(p);
		if (!reading) {
			if (win_count(&p->w) == 0)
				return stop_rc;
			drain_acks(p, 50);
			continue;
		}
		if (!p->o->core && (!nats_conn_up(&p->c) || p->recovering ||
		    window_full(p))) {
			/* Acknowledgements come in bursts: a short nap takes
			 * many at once, where waiting for the next one would
			 * wake this thread for each. */
			usleep(500);
			continue;
		}
		while ((r = lineio_next(&p->lr, &l)) == LINEIO_LINE) {
			if ((rc = handle_line(p, &l)) == EX_DATAERR) {
				/* Stop reading; what is in flight still
				 * gets acknowledged. */
				stop_rc = rc;
				reading = 0;
				break;
			}
			if (rc != 0)
				return rc;
			if (p->o->core)
				continue;
			if (p->send_failed || window_full(p))
				break;
		}
		if (r == LINEIO_LINE || !reading)
			continue;
		if (r == LINEIO_EOF || sig_stop) {
			if (sig_stop && lineio_pending(&p->lr) > 0)
				log_info("stopping inside a line; it was not "
				    "published", "bytes=%zu",
				    lineio_pending(&p->lr));
			reading = 0;
			continue;
		}
		r = lineio_fill(&p->lr, win_count(&p->w) > 0 ? 2 : 200);
		if (r == LINEIO_ERROR) {
			log_error("cannot read standard input", "error=%s",
			    log_q(strerror(errno)));
			return EX_IOERR;
		}
	}
}

static int
open_reject(struct npub *p)
{
	int	fd;

	p->rej.fd = -1;
	if (p->o->reject_path == NULL)
		return 0;
	if ((fd = open(p->o->reject_path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) == -1) {
		log_error("cannot open reject file", "path=%s error=%s",
		    log_q(p->o->reject_path), log_q(strerror(errno)));
		return -1;
	}
	if (wbuf_init(&p->rej, fd, 64 * 1024) == -1) {
		close(fd);
		return -1;
	}
	return 0;
}

static int
setup(struct npub *p, int fd)
{
	int64_t	maxpay;
	int	rc;

	if (open_reject(p) == -1)
		return EX_CANTCREAT;
	if ((rc = nats_conn_open(&p->c, &p->o->conn)) != NATS_CONN_OK)
		return rc == NATS_CONN_BADURL ? EX_CONFIG : EX_UNAVAILABLE;
	maxpay = natsConnection_GetMaxPayload(p->c.nc);
	p->max_line = p->o->max_line;
	if (maxpay > HDR_ROOM && (size_t)(maxpay - HDR_ROOM) < p->max_line)
		p->max_line = (size_t)(maxpay - HDR_ROOM);
	if (p->o->core)
		log_info("publishing with core NATS: no acknowledgements, "
		    "a disconnect can lose messages", "");
	else if ((rc = check_stream(p)) != GO_ON)
		return rc;
	else if (setup_acks(p) == -1)
		return EX_UNAVAILABLE;
	if (window_init(&p->w, p->o->max_pending, p->o->max_pending_bytes) == -1 ||
	    lineio_init(&p->lr, fd, p->max_line) == -1)
		return EX_OSERR;
	return GO_ON;
}

int
publish_run(const struct npub_opts *o, int fd)
{
	struct npub	*p;
	int		 rc;
	double		 el;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return EX_OSERR;
	p->o = o;
	p->rate = (struct log_rate)LOG_RATE_INIT(10, 60);
	setup_metrics(p);
	p->start = p->last_progress = ts_mono();
	if ((rc = setup(p, fd)) == GO_ON) {
		rc = pub_loop(p);
		if (rc == EX_OK && o->core && natsConnection_FlushTimeout(
		    p->c.nc, (int64_t)(o->ack_timeout * 1000)) != NATS_OK) {
			log_error("cannot flush to NATS", "");
			rc = EX_TEMPFAIL;
		}
		el = ts_mono() - p->start;
		progress(p, 1);
		log_info("done", "lines=%llu published=%llu duplicates=%llu "
		    "failed=%llu republished=%llu empty=%llu invalid=%llu "
		    "rejected=%llu too_long=%llu dropped=%llu acked_line=%llu "
		    "lines_per_s=%.0f signal=%d", (unsigned long long)p->lines,
		    (unsigned long long)p->published,
		    (unsigned long long)p->dups, (unsigned long long)p->failed,
		    (unsigned long long)p->resent,
		    (unsigned long long)p->empty,
		    (unsigned long long)p->invalid,
		    (unsigned long long)p->rejected,
		    (unsigned long long)p->too_long,
		    (unsigned long long)p->dropped,
		    (unsigned long long)p->acked_line,
		    el > 0 ? p->lines / el : 0.0, (int)sig_stop);
		/* Lost lines show in the status, not only in the log. */
		if (rc == EX_OK && (p->failed > 0 || p->dropped > 0))
			rc = EX_DATAERR;
	}
	if (p->rej.fd != -1) {
		if (wbuf_flush(&p->rej) != WBUF_OK && rc == EX_OK) {
			log_error("cannot write reject file", "");
			rc = EX_IOERR;
		}
		close(p->rej.fd);
		wbuf_free(&p->rej);
	}
	tick(p);
	(void)metrics_flush();
	if (p->acks != NULL)
		natsSubscription_Destroy(p->acks);
	nats_conn_close(&p->c);
	window_free(&p->w);
	lineio_free(&p->lr);
	free(p);
	return rc;
}
