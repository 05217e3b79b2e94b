#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "log.h"
#include "metrics.h"
#include "meta.h"
#include "output.h"
#include "resume.h"
#include "subscribe.h"
#include "parse.h"
#include "sig.h"
#include "subject.h"
#include "ts.h"
#include "wbuf.h"

struct nsub {
	const struct nsub_opts	*o;
	struct nats_conn		 c;
	natsSubscription	*sub;
	struct wbuf		 out;
	const char		*filter;	/* the server's filter */
	int			 client_filter;	/* match o->filters here */
	int			 gapcheck;	/* every sequence reaches us */
	uint64_t		 expected;	/* next stream sequence, 0: any */
	uint64_t		 pending;	/* after the last message */
	uint64_t		 msgs, gaps, missing, bad, skipped;
	natsMsg			**held;		/* to acknowledge after writing */
	int			 nheld;
	struct metric		*m_msgs, *m_bytes, *m_gaps, *m_missing;
	struct metric		*m_bad, *m_seq, *m_pending;
};

int
subscribe_parse_start(const char *s, struct nsub_opts *o)
{
	int64_t		us;
	uint64_t	seq;

	if (strcmp(s, "new") == 0)
		o->start = NSUB_NEW;
	else if (strcmp(s, "all") == 0)
		o->start = NSUB_ALL;
	else if (parse_uint(s, 1, UINT64_MAX, &seq) == 0) {
		o->start = NSUB_SEQ;
		o->start_seq = seq;
	} else if (ts_parse(s, strlen(s), &us) == 0) {
		o->start = NSUB_TIME;
		o->start_ns = us * 1000;
	} else
		return -1;
	return 0;
}

static void
setup_metrics(struct nsub *s)
{
	char	l[128];

	snprintf(l, sizeof(l), "stream=\"%s\"", s->o->stream);
	s->m_msgs = metrics_counter("ssmd_nats_sub_messages_total", l,
	    "Messages written as lines.");
	s->m_bytes = metrics_counter("ssmd_nats_sub_bytes_out_total", l,
	    "Bytes written to standard output.");
	s->m_gaps = metrics_counter("ssmd_nats_sub_stream_gaps_total", l,
	    "Stream sequence gaps seen (ssmd_stream_gap markers written).");
	s->m_missing = metrics_counter("ssmd_nats_sub_missing_messages_total",
	    l, "Stream sequences skipped by gaps.");
	s->m_bad = metrics_counter("ssmd_nats_sub_bad_payloads_total", l,
	    "Payloads written as ssmd_nats_bad_payload markers.");
	s->m_seq = metrics_gauge("ssmd_nats_sub_last_seq", l,
	    "Stream sequence of the last message written.");
	s->m_pending = metrics_gauge("ssmd_nats_sub_pending_messages", l,
	    "Messages in the stream after the last one received.");
}

/* Where to start when resuming from an archive; -1 to go on, or an
 * exit code. */
static int
resume(struct nsub *s, jsConsumerConfig *cc)
{
	struct nresume	r;
	struct stat	st;

	if (stat(s->o->resume_from, &st) == -1 && errno == ENOENT) {
		log_info("archive directory does not exist yet; nothing to "
		    "resume", "dir=%s", log_q(s->o->resume_from));
		return -1;
	}
	if (resume_scan(s->o->resume_from, &r) == -1) {
		log_error("cannot read the archive", "dir=%s error=%s",
		    log_q(s->o->resume_from), log_q(strerror(errno)));
		return EX_IOERR;
	}
	log_info("read the archive", "dir=%s files=%llu lines=%llu "
	    "last_seq=%llu half_line_bytes=%llu", log_q(s->o->resume_from),
	    (unsigned long long)r.files, (unsigned long long)r.lines,
	    (unsigned long long)r.seq, (unsigned long long)r.cut_bytes);
	if (r.seq == 0)
		return -1;
	cc->DeliverPolicy = js_DeliverByStartSequence;
	cc->OptStartSeq = r.seq + 1;
	s->expected = r.seq + 1;
	return -1;
}

/* Check the stream and choose the server's filter; -1 or an exit code. */
static int
plan(struct nsub *s)
{
	const struct nsub_opts	*o = s->o;
	jsStreamInfo		*si = NULL;
	jsErrCode		 jerr = 0;
	natsStatus		 st;
	int			 i, all = 1;

	st = js_GetStreamInfo(&si, s->c.js, o->stream, NULL, &jerr);
	if (st == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		log_error("stream does not exist", "stream=%s",
		    log_q(o->stream));
		return EX_CONFIG;
	}
	if (st != NATS_OK) {
		nats_conn_log("cannot get stream information (is JetStream "
		    "enabled?)", st);
		return EX_UNAVAILABLE;
	}
	if (o->nfilters == 1) {
		/* One filter is the server's; gaps are only visible when it
		 * lets every subject of the stream through. */
		s->filter = o->filters[0];
		for (i = 0; i < si->Config->SubjectsLen; i++)
			if (!subject_match(s->filter, si->Config->Subjects[i],
			    strlen(si->Config->Subjects[i])))
				all = 0;
	} else {
		s->filter = si->Config->SubjectsLen == 1 ?
		    strdup(si->Config->Subjects[0]) : strdup(">");
		s->client_filter = o->nfilters > 1;
	}
	s->gapcheck = all && si->Config->SubjectsLen > 0;
	jsStreamInfo_Destroy(si);
	return s->filter == NULL ? EX_OSERR : -1;
}

/* An existing durable consumer keeps its own position and settings: bind
 * to it.  Returns 0 if it exists. */
static int
bind_durable(struct nsub *s, jsSubOptions *so)
{
	jsConsumerInfo	*ci = NULL;

	if (js_GetConsumerInfo(&ci, s->c.js, s->o->stream, s->o->durable, NULL,
	    NULL) != NATS_OK)
		return -1;
	jsSubOptions_Init(so);
	so->Stream = s->o->stream;
	so->Consumer = s->o->durable;
	log_info("continuing with the existing durable consumer; --start "
	    "does not apply", "consumer=%s pending=%llu",
	    log_q(s->o->durable), (unsigned long long)ci->NumPending);
	jsConsumerInfo_Destroy(ci);
	s->expected = 0;
	return 0;
}

static int
subscribe(struct nsub *s)
{
	const struct nsub_opts	*o = s->o;
	jsSubOptions		 so;
	jsErrCode		 jerr = 0;
	natsStatus		 st;
	int			 rc;

	jsSubOptions_Init(&so);
	so.Stream = o->stream;
	switch (o->start) {
	case NSUB_ALL:
		so.Config.DeliverPolicy = js_DeliverAll;
		break;
	case NSUB_SEQ:
		so.Config.DeliverPolicy = js_DeliverByStartSequence;
		so.Config.OptStartSeq = o->start_seq;
		s->expected = o->start_seq;
		break;
	case NSUB_TIME:
		so.Config.DeliverPolicy = js_DeliverByStartTime;
		so.Config.OptStartTime = o->start_ns;
		break;
	default:
		so.Config.DeliverPolicy = js_DeliverNew;
	}
	if (o->resume_from != NULL && (rc = resume(s, &so.Config)) != -1)
		return rc;
	if (o->durable != NULL && bind_durable(s, &so) == 0) {
		st = js_PullSubscribe(&s->sub, s->c.js, s->filter, o->durable,
		    NULL, &so, &jerr);
	} else if (o->durable != NULL) {
		so.Config.AckPolicy = js_AckExplicit;
		so.Config.MaxAckPending = (int64_t)o->batch * 4;
		st = js_PullSubscribe(&s->sub, s->c.js, s->filter, o->durable,
		    NULL, &so, &jerr);
	} else {
		so.Ordered = true;
		st = js_SubscribeSync(&s->sub, s->c.js, s->filter, NULL, &so,
		    &jerr);
	}
	if (st != NATS_OK) {
		nats_conn_log("cannot create the consumer", st);
		return jerr != 0 ? EX_CONFIG : EX_UNAVAILABLE;
	}
	log_info("consuming", "stream=%s filter=%s consumer=%s start_seq=%llu",
	    log_q(o->stream), log_q(s->filter),
	    o->durable ? log_q(o->durable) : "ordered",
	    (unsigned long long)so.Config.OptStartSeq);
	return -1;
}

static int
wanted(struct nsub *s, const char *subj)
{
	int	i;

	if (!s->client_filter)
		return 1;
	for (i = 0; i < s->o->nfilters; i++)
		if (subject_match(s->o->filters[i], subj, strlen(subj)))
			return 1;
	return 0;
}

static void
one(struct nsub *s, natsMsg *m, int64_t now)
{
	struct nmeta	meta = { 0, 0, 0, 0 };
	struct output_msg	om;

	if (meta_parse(natsMsg_GetReply(m), &meta) == -1)
		return;		/* not a stream message (status, heartbeat) */
	s->pending = meta.pending;
	if (s->gapcheck && s->expected != 0 && meta.sseq > s->expected) {
		if (s->out.cap - s->out.len < 512)
			(void)output_flush(&s->out);
		output_gap(&s->out, s->o->stream, s->expected, meta.sseq, now);
		log_warn("stream sequence gap", "expected_seq=%llu seq=%llu",
		    (unsigned long long)s->expected,
		    (unsigned long long)meta.sseq);
		s->gaps++;
		s->missing += meta.sseq - s->expected;
		metrics_inc(s->m_gaps);
		metrics_add(s->m_missing, meta.sseq - s->expected);
	}
	if (meta.sseq >= s->expected)
		s->expected = meta.sseq + 1;
	if (!wanted(s, natsMsg_GetSubject(m))) {
		s->skipped++;
		return;
	}
	om.p = natsMsg_GetData(m);
	om.len = (size_t)natsMsg_GetDataLength(m);
	om.subject = natsMsg_GetSubject(m);
	om.seq = meta.sseq;
	om.recv_us = now;
	if (om.p == NULL)
		om.p = "";
	/* Lines are only ever flushed whole (see output_flush). */
	if (s->out.cap - s->out.len < output_bound(om.len, om.subject))
		(void)output_flush(&s->out);
	if (output_msg(&s->out, &om, s->o->annotate)) {
		s->bad++;
		metrics_inc(s->m_bad);
	}
	s->msgs++;
	metrics_inc(s->m_msgs);
	metrics_set(s->m_seq, (double)meta.sseq);
}

/* Receive up to a batch into s->held; returns a nats status. */
static natsStatus
receive(struct nsub *s, int64_t ms)
{
	natsMsgList	list = { NULL, 0 };
	natsMsg		*m;
	natsStatus	 st;
	int		 i;

	if (s->o->durable != NULL) {
		st = natsSubscription_Fetch(&list, s->sub, s->o->batch, ms,
		    NULL);
		for (i = 0; i < list.Count; i++) {
			s->held[s->nheld++] = list.Msgs[i];
			list.Msgs[i] = NULL;
		}
		natsMsgList_Destroy(&list);
		return s->nheld > 0 ? NATS_OK : st;
	}
	while (s->nheld < s->o->batch) {
		st = natsSubscription_NextMsg(&m, s->sub, s->nheld ? 0 : ms);
		if (st != NATS_OK)
			return s->nheld > 0 ? NATS_OK : st;
		s->held[s->nheld++] = m;
	}
	return NATS_OK;
}

/* Free the messages of a batch; with a durable consumer, acknowledge
 * them once written, or give them back at once if they were not. */
static void
release(struct nsub *s, int written)
{
	int	i;

	for (i = 0; i < s->nheld; i++) {
		if (s->o->durable != NULL && s->sub != NULL)
			(void)(written ? natsMsg_Ack(s->held[i], NULL) :
			    natsMsg_Nak(s->held[i], NULL));
		natsMsg_Destroy(s->held[i]);
	}
	s->nheld = 0;
}

static int
flush_out(struct nsub *s)
{
	output_flush(&s->out);
	metrics_set(s->m_bytes, (double)s->out.bytes);
	if (s->out.state == WBUF_EPIPE) {
		log_info("standard output closed by its reader; stopping",
		    "lines_unwritten=%llu",
		    (unsigned long long)s->out.lost_lines);
		return EX_OK;
	}
	if (s->out.state == WBUF_ERROR) {
		log_error("cannot write standard output", "error=%s",
		    log_q(strerror(s->out.err)));
		return EX_IOERR;
	}
	return -1;
}

/* With --exit-at-end and nothing received: is the consumer caught up? */
static int
at_end(struct nsub *s)
{
	jsConsumerInfo	*ci = NULL;
	int		 end;

	natsStatus	 st;

	/* A subscription bound to an existing consumer cannot tell its
	 * info; ask by name. */
	st = s->o->durable != NULL ?
	    js_GetConsumerInfo(&ci, s->c.js, s->o->stream, s->o->durable,
	    NULL, NULL) :
	    natsSubscription_GetConsumerInfo(&ci, s->sub, NULL, NULL);
	if (st != NATS_OK)
		return 0;
	end = ci->NumPending == 0 && ci->NumAckPending == 0;
	jsConsumerInfo_Destroy(ci);
	return end;
}

static int
sub_loop(struct nsub *s)
{
	natsStatus	st;
	int		i, rc;
	int64_t		now;

	while (!sig_stop) {
		st = receive(s, 500);
		metrics_tick();
		if (st == NATS_TIMEOUT) {
			if (output_reader_gone(&s->out)) {
				log_info("standard output closed by its "
				    "reader; stopping", "");
				return EX_OK;
			}
			if (s->o->exit_at_end && at_end(s))
				return EX_OK;
			continue;
		}
		if (st == NATS_CONNECTION_CLOSED || st == NATS_INVALID_SUBSCRIPTION) {
			log_error("NATS connection closed", "");
			return EX_TEMPFAIL;
		}
		if (st != NATS_OK) {
			log_warn("receiving failed; going on", "status=%s",
			    log_q(natsStatus_GetText(st)));
			continue;
		}
		now = ts_now_us();
		for (i = 0; i < s->nheld; i++)
			one(s, s->held[i], now);
		if ((rc = flush_out(s)) != -1) {
			release(s, 0);
			return rc;
		}
		release(s, 1);
		metrics_set(s->m_pending, (double)s->pending);
		if (s->o->exit_at_end && s->pending == 0 && at_end(s))
			return EX_OK;
	}
	return EX_OK;
}

int
subscribe_run(const struct nsub_opts *o, int out)
{
	struct nsub	 s;
	natsStatus	 st;
	int		 rc = EX_OSERR;

	memset(&s, 0, sizeof(s));
	s.o = o;
	setup_metrics(&s);
	if (wbuf_init(&s.out, out, 8 << 20) == -1 ||
	    (s.held = calloc((size_t)o->batch, sizeof(*s.held))) == NULL)
		goto done;
	if ((rc = nats_conn_open(&s.c, &o->conn)) != NATS_CONN_OK) {
		rc = rc == NATS_CONN_BADURL ? EX_CONFIG : EX_UNAVAILABLE;
		goto done;
	}
	if ((st = natsConnection_JetStream(&s.c.js, s.c.nc, NULL)) !=
	    NATS_OK) {
		nats_conn_log("cannot make a JetStream context", st);
		rc = EX_SOFTWARE;
		goto done;
	}
	if ((rc = plan(&s)) != -1 || (rc = subscribe(&s)) != -1)
		goto done;
	rc = sub_loop(&s);
	log_info("done", "messages=%llu gaps=%llu missing=%llu "
	    "bad_payloads=%llu filtered_out=%llu last_seq=%llu signal=%d",
	    (unsigned long long)s.msgs, (unsigned long long)s.gaps,
	    (unsigned long long)s.missing, (unsigned long long)s.bad,
	    (unsigned long long)s.skipped,
	    (unsigned long long)(s.expected ? s.expected - 1 : 0),
	    (int)sig_stop);
done:
	release(&s, 0);
	(void)metrics_flush();
	if (s.sub != NULL)
		natsSubscription_Destroy(s.sub);
	nats_conn_close(&s.c);
	if (o->nfilters != 1)
		free((char *)s.filter);
	free(s.held);
	wbuf_free(&s.out);
	return rc;
}
