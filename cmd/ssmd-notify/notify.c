/* notify: the one event loop.  Input is read only while every destination
 * a fire goes to has room in its queue (backpressure: a rate-limited
 * destination slows the input down instead of growing a queue); in the
 * NATS mode the consumer's MaxAckPending bounds what is held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "dedup.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "render.h"
#include "route.h"
#include "sig.h"
#include "ts.h"

struct staged {
	size_t			 dest;
	struct deliver_job	*job;
};

struct notify {
	const struct notify_opts *o;
	const struct conf	*c;
	struct deliver		 dl;
	struct dedup		 dd;
	struct staged		*staged;	/* jobs waiting for room */
	size_t			 nstaged;
	struct deliver_fire	*staged_fire;	/* holds a reference */
	struct deliver_fire	*live;		/* fires with a NATS message */
	size_t			 nlive;
	int			 nats;
	struct nats_conn	 nc;
	natsSubscription	*subs[NOTIFY_MAX_SUBJECTS];
	int			 nextsub;
	uint64_t		 received, matched, bad, acked;
	struct metric		*m_received, *m_matched, *m_live;
	struct log_rate		 lr_bad;
};

static void
bad_line(struct notify *n, const char *reason)
{
	char		l[64];
	unsigned	sup;

	snprintf(l, sizeof(l), "reason=\"%s\"", reason);
	metrics_inc(metrics_counter("ssmd_notify_bad_lines_total", l,
	    "Input lines that are not fires, skipped."));
	n->bad++;
	if (log_rate_ok(&n->lr_bad, &sup))
		log_warn("not a fire; skipped", "reason=%s suppressed=%u",
		    reason, sup);
}

/* Every job of f ended (or it had none). */
static void
fire_done(void *arg, struct deliver_fire *f)
{
	struct notify	*n = arg;

	if (f->msg != NULL) {
		/* Acknowledged only when every destination delivered or
		 * dead-lettered it; otherwise the stream sends it again. */
		if (!f->undelivered && natsMsg_Ack(f->msg, NULL) == NATS_OK)
			n->acked++;
		natsMsg_Destroy(f->msg);
		if (f->prev != NULL)
			f->prev->next = f->next;
		else
			n->live = f->next;
		if (f->next != NULL)
			f->next->prev = f->prev;
		n->nlive--;
		metrics_set(n->m_live, (double)n->nlive);
	}
	free(f->line);
	free(f);
}

static void
unref(struct notify *n, struct deliver_fire *f)
{
	if (--f->refs == 0)
		fire_done(n, f);
}

/* Queue what has room; returns nonzero when nothing is left staged. */
static int
admit(struct notify *n, int force)
{
	size_t	i, k = 0;

	for (i = 0; i < n->nstaged; i++) {
		if (force || deliver_room(&n->dl, n->staged[i].dest))
			deliver_push(&n->dl, n->staged[i].dest, n->staged[i].job);
		else
			n->staged[k++] = n->staged[i];
	}
	n->nstaged = k;
	if (k == 0 && n->staged_fire != NULL) {
		unref(n, n->staged_fire);
		n->staged_fire = NULL;
	}
	return k == 0;
}

static struct deliver_job *
make_job(struct notify *n, const struct conf_dest *d, json_t *fire,
    struct deliver_fire *f, uint64_t key)
{
	struct deliver_job	*j = calloc(1, sizeof(*j));
	char			 hex[17];

	if (j == NULL)
		return NULL;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)key);
	if (render_fire(d, fire, f->line, f->len, hex, &j->r) == -1) {
		free(j);
		return NULL;
	}
	j->f = f;
	j->key = key;
	return j;
}

/* Route one input line; msg is its NATS message or NULL. */
static void
take(struct notify *n, const char *p, size_t len, natsMsg *msg)
{
	struct deliver_fire	*f;
	struct deliver_job	*j;
	json_t			*fire, *id;
	const char		*idp = p;
	size_t			 idlen = len, i;
	uint64_t		 key;
	int			 any = 0;

	n->received++;
	metrics_inc(n->m_received);
	fire = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
	if (fire == NULL || !json_is_object(fire) ||
	    !json_is_string(json_object_get(fire, "signalId")) ||
	    !json_is_string(json_object_get(fire, "ticker"))) {
		bad_line(n, fire == NULL ? "json" : "not_fire");
		json_decref(fire);
		if (msg != NULL) {
			/* Nothing to deliver, ever: acknowledged as handled. */
			natsMsg_Ack(msg, NULL);
			natsMsg_Destroy(msg);
		}
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->line = malloc(len + 1)) == NULL)
		log_die(EX_OSERR, "out of memory", "");
	memcpy(f->line, p, len);
	f->line[len] = '\0';
	f->len = len;
	f->refs = 1;		/* the staging reference, dropped by admit */
	f->msg = msg;
	if (msg != NULL) {
		f->next = n->live;
		if (n->live != NULL)
			n->live->prev = f;
		n->live = f;
		n->nlive++;
		metrics_set(n->m_live, (double)n->nlive);
	}
	/* The fire's id (ssmd-signal's digest), else the line itself. */
	id = json_object_get(fire, "id");
	if (json_is_string(id) && json_string_length(id) > 0) {
		idp = json_string_value(id);
		idlen = json_string_length(id);
	}
	for (i = 0; i < n->c->ndests; i++) {
		const struct conf_dest *d = &n->c->dests[i];

		if (!route_match(d, fire))
			continue;
		any = 1;
		deliver_matched(&n->dl, i);
		key = dedup_key(idp, idlen, d->name);
		switch (dedup_get(&n->dd, key)) {
		case DEDUP_DONE:
			deliver_duplicate(&n->dl, i);
			continue;
		case DEDUP_INFLIGHT:
			/* A copy is on its way; this one must not be acked
			 * before that copy is done: the stream sends it again. */
			deliver_duplicate(&n->dl, i);
			f->undelivered = 1;
			continue;
		default:
			break;
		}
		if ((j = make_job(n, d, fire, f, key)) == NULL ||
		    dedup_begin(&n->dd, key) == -1)
			log_die(EX_OSERR, "out of memory", "");
		n->staged[n->nstaged].dest = i;
		n->staged[n->nstaged++].job = j;
	}
	json_decref(fire);
	if (any) {
		n->matched++;
		metrics_inc(n->m_matched);
	}
	n->staged_fire = f;
	admit(n, 0);
}

/* stdin: take buffered lines while there is room. */
static void
read_lines(struct notify *n, struct lineio *li, int *eof)
{
	struct lineio_line	l;
	int			r = LINEIO_EMPTY;

	while (n->nstaged == 0 && (r = lineio_next(li, &l)) == LINEIO_LINE) {
		if (l.flags & LINEIO_LONG) {
			if (l.flags & LINEIO_FIRST)
				bad_line(n, "too_long");
			continue;
		}
		take(n, l.p, l.len, NULL);
	}
	if (n->nstaged == 0 && r == LINEIO_EOF)
		*eof = 1;
}

static int
setup_nats(struct notify *n)
{
	const struct notify_opts	*o = n->o;
	jsSubOptions			 so;
	jsErrCode			 jerr = 0;
	natsStatus			 st;
	char				 durable[128];
	int				 i;

	if (nats_conn_open(&n->nc, &o->conn) == -1)
		return EX_UNAVAILABLE;
	if ((st = natsConnection_JetStream(&n->nc.js, n->nc.nc, NULL)) !=
	    NATS_OK) {
		nats_conn_log("cannot get a JetStream context", st);
		return EX_UNAVAILABLE;
	}
	for (i = 0; i < o->nsubjects; i++) {
		jsSubOptions_Init(&so);
		so.Config.AckPolicy = js_AckExplicit;
		so.Config.AckWait = (int64_t)(o->ack_wait * 1e9);
		so.Config.MaxAckPending = (int64_t)o->d.queue;
		so.Config.DeliverPolicy = o->deliver_all ? js_DeliverAll :
		    js_DeliverNew;
		if (o->nsubjects == 1)
			snprintf(durable, sizeof(durable), "%s", o->durable);
		else
			snprintf(durable, sizeof(durable), "%s-%d", o->durable, i);
		st = js_PullSubscribe(&n->subs[i], n->nc.js, o->subjects[i],
		    durable, NULL, &so, &jerr);
		if (st == NATS_ERR && jerr == 0) {
			/* The durable exists with other settings (say --deliver):
			 * it keeps them, and its position. */
			log_info("continuing with the existing durable consumer "
			    "and its settings", "durable=%s detail=%s",
			    log_q(durable), log_q(nats_GetLastError(NULL)));
			jsSubOptions_Init(&so);
			so.Config.AckPolicy = js_AckExplicit;
			st = js_PullSubscribe(&n->subs[i], n->nc.js,
			    o->subjects[i], durable, NULL, &so, &jerr);
		}
		if (st != NATS_OK) {
			nats_conn_log("cannot create the consumer (is there a "
			    "stream for the subject?)", st);
			log_error("no consumer", "subject=%s durable=%s jserr=%d",
			    log_q(o->subjects[i]), log_q(durable), (int)jerr);
			return jerr != 0 ? EX_CONFIG : EX_UNAVAILABLE;
		}
		log_info("consuming", "subject=%s durable=%s",
		    log_q(o->subjects[i]), log_q(durable));
	}
	return -1;
}

/* NATS: fetch what fits; returns an exit code or -1. */
static int
fetch(struct notify *n, int timeout_ms)
{
	natsMsgList	 list = { NULL, 0 };
	natsStatus	 st;
	natsSubscription *sub = n->subs[n->nextsub];
	size_t		 room = n->o->d.queue > n->nlive ?
	    n->o->d.queue - n->nlive : 0;
	int		 i, batch = room > 64 ? 64 : (int)room;
	unsigned	 sup;
	static struct log_rate lr = LOG_RATE_INIT(3, 60);

	n->nextsub = (n->nextsub + 1) % n->o->nsubjects;
	if (batch == 0)
		return -1;
	st = natsSubscription_Fetch(&list, sub, batch, timeout_ms < 10 ? 10 :
	    timeout_ms, NULL);
	for (i = 0; i < list.Count; i++) {
		natsMsg	*m = list.Msgs[i];

		list.Msgs[i] = NULL;
		take(n, natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
		    (size_t)natsMsg_GetDataLength(m), m);
		if (n->nstaged > 0 && i + 1 < list.Count) {
			/* No room for the rest: back to the stream at once. */
			for (i++; i < list.Count; i++) {
				natsMsg_Nak(list.Msgs[i], NULL);
				natsMsg_Destroy(list.Msgs[i]);
				list.Msgs[i] = NULL;
			}
			break;
		}
	}
	natsMsgList_Destroy(&list);
	if (st == NATS_CONNECTION_CLOSED || st == NATS_INVALID_SUBSCRIPTION) {
		log_error("NATS connection closed", "");
		return EX_TEMPFAIL;
	}
	if (st != NATS_OK && st != NATS_TIMEOUT && log_rate_ok(&lr, &sup))
		log_warn("fetching failed; going on", "status=%s suppressed=%u",
		    log_q(natsStatus_GetText(st)), sup);
	return -1;
}

/* Tell the server the fires we hold are still being worked on, so a long
 * retry never makes it redeliver them to us. */
static void
keep_alive(struct notify *n)
{
	struct deliver_fire	*f;

	for (f = n->live; f != NULL; f = f->next)
		natsMsg_InProgress(f->msg, NULL);
}

static void
setup_metrics(struct notify *n)
{
	n->m_received = metrics_counter("ssmd_notify_fires_received_total",
	    NULL, "Input lines read (fires and others).");
	n->m_matched = metrics_counter("ssmd_notify_fires_matched_total", NULL,
	    "Fires that matched at least one destination.");
	n->m_live = metrics_gauge("ssmd_notify_fires_unacked", NULL,
	    "Fires held from the stream, not yet acknowledged.");
}

static int
loop(struct notify *n)
{
	struct lineio		 li;
	struct curl_waitfd	 wfd;
	double			 now, wait, deadline = 0, alive = ts_mono();
	int			 eof = 0, stopping = 0, rc = -1, ms, ready;

	if (lineio_init(&li, STDIN_FILENO, n->o->max_line) == -1)
		log_die(EX_OSERR, "out of memory", "");
	while (rc == -1) {
		now = ts_mono();
		if (n->nstaged > 0)
			admit(n, 0);
		if (sig_stop && !stopping) {
			stopping = 1;
			deadline = now + n->o->drain;
			log_info("stopping: draining sends", "queued=%zu "
			    "timeout=%.3f", n->dl.jobs + n->nstaged, n->o->drain);
		}
		if ((eof || stopping) && n->dl.jobs == 0 && n->nstaged == 0)
			break;
		if (stopping && now >= deadline)
			break;
		if (n->nats && now - alive >= n->o->ack_wait / 3) {
			keep_alive(n);
			alive = now;
		}
		wait = deliver_kick(&n->dl, now);
		if (stopping && deadline - now < wait)
			wait = deadline - now;
		ms = (int)(wait * 1000) + 1;
		if (!eof && !stopping && n->nstaged == 0 && !n->nats) {
			read_lines(n, &li, &eof);
			if (eof || n->nstaged > 0)
				continue;
			wfd.fd = STDIN_FILENO;
			wfd.events = CURL_WAIT_POLLIN;
			ready = deliver_poll(&n->dl, &wfd, 1, ms);
			if (ready && lineio_fill(&li, 0) == LINEIO_ERROR) {
				log_error("cannot read standard input", "error=%s",
				    log_q(strerror(errno)));
				rc = EX_IOERR;
			}
		} else if (!stopping && n->nstaged == 0 && n->nats) {
			/* Fetch blocks: briefly while transfers run. */
			rc = fetch(n, n->dl.jobs > 0 ? 20 : (ms < 250 ? ms : 250));
			deliver_poll(&n->dl, NULL, 0, 0);
		} else
			deliver_poll(&n->dl, NULL, 0, ms);
		metrics_tick();
	}
	lineio_free(&li);
	return rc;
}

int
notify_run(const struct notify_opts *o, const struct conf *c)
{
	struct notify	 n;
	size_t		 left;
	int		 rc;

	memset(&n, 0, sizeof(n));
	n.o = o;
	n.c = c;
	n.nats = o->nsubjects > 0;
	n.lr_bad = (struct log_rate)LOG_RATE_INIT(10, 60);
	if ((n.staged = calloc(c->ndests, sizeof(*n.staged))) == NULL)
		return EX_OSERR;
	if (dedup_open(&n.dd, o->state_dir, o->dedup_window) == -1) {
		log_error("cannot open the de-duplication state", "dir=%s "
		    "error=%s", log_q(o->state_dir), log_q(strerror(errno)));
		return EX_CANTCREAT;
	}
	setup_metrics(&n);
	if (deliver_init(&n.dl, c, &o->d, &n.dd, fire_done, &n) != DELIVER_OK) {
		log_error("cannot start delivery (dead-letter file?)", "file=%s "
		    "error=%s", log_q(o->d.dead_letter), log_q(strerror(errno)));
		return EX_CANTCREAT;
	}
	if (n.nats && (rc = setup_nats(&n)) != -1)
		goto out;
	rc = loop(&n);
	admit(&n, 1);
	left = n.dl.jobs;
	/* From stdin nothing may be lost: what is left goes to the dead
	 * letters; from the stream it stays unacknowledged, to come again. */
	deliver_abandon(&n.dl, !n.nats);
	if (left > 0)
		log_warn("stopped with fires undelivered", "jobs=%zu to=%s", left,
		    n.nats ? "stream (unacknowledged)" : "dead-letter file");
	log_info("done", "received=%llu matched=%llu bad=%llu dead_lettered=%llu "
	    "acked=%llu undelivered=%zu", (unsigned long long)n.received,
	    (unsigned long long)n.matched, (unsigned long long)n.bad,
	    (unsigned long long)n.dl.dead, (unsigned long long)n.acked, left);
	if (rc == -1)
		rc = EX_OK;
out:
	deliver_free(&n.dl);
	if (n.nats) {
		for (int i = 0; i < o->nsubjects; i++)
			if (n.subs[i] != NULL)
				natsSubscription_Destroy(n.subs[i]);
		nats_conn_close(&n.nc);
	}
	dedup_close(&n.dd);
	free(n.staged);
	metrics_flush();
	return rc;
}
