/* deliver: the delivery engine.
 *
 * Each destination has a bounded FIFO; its head is the one job it works
 * on (one request at a time per destination, so order holds and a 429
 * pauses exactly what it should).  A request starts when the destination
 * is idle, the head's retry time has come, no 429 pause is running and
 * the token bucket holds a token.  Everything runs on one curl multi
 * handle driven by the caller's loop: a destination that hangs holds its
 * own queue only, until the request timeout. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "deliver.h"
#include "log.h"
#include "metrics.h"
#include "ts.h"

#define RESP_MAX	4096

enum outcome { OUT_SENT, OUT_RETRY, OUT_LIMITED, OUT_PERMANENT };

struct deliver_dest {
	const struct conf_dest	*c;
	char			*post_url;	/* secret */
	struct deliver_job	**q;
	size_t			 head, n;
	double			 tokens, refilled;
	double			 paused_until;
	CURL			*easy;		/* the request in flight */
	struct curl_slist	*hdrs, *rcpt;
	char			 resp[RESP_MAX];
	size_t			 resplen, upoff;
	struct metric		*m_sent, *m_failed, *m_retried, *m_limited;
	struct metric		*m_dead, *m_depth, *m_lasterr, *m_lastsent;
	struct metric		*m_matched, *m_dup, *m_errinfo;
	struct log_rate		 lr;
};

static void
dest_metrics(struct deliver_dest *d)
{
	char	l[256];

	snprintf(l, sizeof(l), "destination=\"%s\",type=\"%s\"", d->c->name,
	    conf_type_name(d->c->type));
	d->m_sent = metrics_counter("ssmd_notify_sent_total", l,
	    "Fires delivered to the destination.");
	d->m_failed = metrics_counter("ssmd_notify_failed_total", l,
	    "Attempts that failed (any reason).");
	d->m_retried = metrics_counter("ssmd_notify_retried_total", l,
	    "Attempts scheduled again after a failure.");
	d->m_limited = metrics_counter("ssmd_notify_rate_limited_total", l,
	    "HTTP 429 answers (waited out as the server said).");
	d->m_dead = metrics_counter("ssmd_notify_dead_lettered_total", l,
	    "Fires written to the dead-letter file.");
	d->m_matched = metrics_counter("ssmd_notify_matched_total", l,
	    "Fires whose match rules held for the destination.");
	d->m_dup = metrics_counter("ssmd_notify_duplicates_total", l,
	    "Fires skipped: already handled within the window.");
	d->m_depth = metrics_gauge("ssmd_notify_queue_depth", l,
	    "Fires queued or in flight.");
	d->m_lasterr = metrics_gauge("ssmd_notify_last_error_time_seconds", l,
	    "Unix time of the last failed attempt.");
	d->m_lastsent = metrics_gauge("ssmd_notify_last_sent_time_seconds", l,
	    "Unix time of the last delivery.");
	d->m_errinfo = NULL;	/* made at the first error */
}

/* The last error's class as a label of ssmd_notify_last_error_info (the
 * operator's lastError): fixed words only ("HTTP 503", libcurl's message,
 * "SMTP 535"), never the server's body, so the series' label cannot carry
 * a secret or grow without bound. */
static void
error_info(struct deliver_dest *d, long code, CURLcode rc)
{
	char		 what[96], l[400];
	const char	*k = d->c->type == CONF_EMAIL ? "SMTP" : "HTTP";
	size_t		 i;

	if (code > 0 && (rc == CURLE_OK || d->c->type == CONF_EMAIL))
		snprintf(what, sizeof(what), "%s %ld", k, code);
	else
		snprintf(what, sizeof(what), "%s", curl_easy_strerror(rc));
	for (i = 0; what[i] != '\0'; i++)
		if (what[i] == '"' || what[i] == '\\' || what[i] < 0x20 ||
		    what[i] > 0x7e)
			what[i] = ' ';
	snprintf(l, sizeof(l), "destination=\"%s\",type=\"%s\",error=\"%s\"",
	    d->c->name, conf_type_name(d->c->type), what);
	if (d->m_errinfo == NULL)
		d->m_errinfo = metrics_gauge("ssmd_notify_last_error_info", l,
		    "1, its error label the class of the last failed attempt.");
	else
		(void)metrics_relabel(d->m_errinfo, l);
	metrics_set(d->m_errinfo, 1);
}

enum deliver_result
deliver_init(struct deliver *dl, const struct conf *c,
    const struct deliver_opts *o, struct dedup *dd, deliver_done_fn *done,
    void *arg)
{
	struct deliver_dest	*d;
	size_t			 i;

	memset(dl, 0, sizeof(*dl));
	dl->o = o;
	dl->dd = dd;
	dl->done = done;
	dl->arg = arg;
	dl->dlfd = -1;
	dl->ndests = c->ndests;
	if ((dl->multi = curl_multi_init()) == NULL ||
	    (dl->dests = calloc(c->ndests, sizeof(*dl->dests))) == NULL)
		return DELIVER_ERR;
	for (i = 0; i < c->ndests; i++) {
		d = &dl->dests[i];
		d->c = &c->dests[i];
		if ((d->q = calloc(o->queue + 1, sizeof(*d->q))) == NULL)
			return DELIVER_ERR;
		d->tokens = d->c->burst;
		d->refilled = ts_mono();
		d->lr = (struct log_rate)LOG_RATE_INIT(5, 60);
		if (d->c->type == CONF_DISCORD) {
			/* wait=true: Discord confirms the message was saved */
			if (asprintf(&d->post_url, "%s%swait=true", d->c->url,
			    strchr(d->c->url, '?') ? "&" : "?") == -1)
				return DELIVER_ERR;
		} else if ((d->post_url = strdup(d->c->url)) == NULL)
			return DELIVER_ERR;
		dest_metrics(d);
	}
	dl->dlfd = open(o->dead_letter, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	return dl->dlfd == -1 ? DELIVER_ERR : DELIVER_OK;
}

int
deliver_room(const struct deliver *dl, size_t i)
{
	return dl->dests[i].n < dl->o->queue;
}

void
deliver_matched(struct deliver *dl, size_t i)
{
	metrics_inc(dl->dests[i].m_matched);
}

void
deliver_duplicate(struct deliver *dl, size_t i)
{
	metrics_inc(dl->dests[i].m_dup);
}

void
deliver_push(struct deliver *dl, size_t i, struct deliver_job *j)
{
	struct deliver_dest	*d = &dl->dests[i];

	j->f->refs++;
	d->q[(d->head + d->n++) % (dl->o->queue + 1)] = j;
	dl->jobs++;
	metrics_set(d->m_depth, (double)d->n);
}

void
deliver_job_free(struct deliver_job *j)
{
	render_free(&j->r);
	free(j);
}

static void
dead_letter(struct deliver *dl, struct deliver_dest *d, struct deliver_job *j,
    const char *reason)
{
	char	 ts[TS_LEN + 1], *head;
	json_t	*o;
	size_t	 n;
	char	*line;

	o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "time", ts_now(ts),
	    "destination", d->c->name, "type", conf_type_name(d->c->type),
	    "reason", reason, "attempts", (json_int_t)j->attempts);
	head = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (head == NULL) {
		log_error("out of memory writing a dead letter", "");
		return;
	}
	/* {...,"fire":<the line as received>}\n in one write(2) */
	n = strlen(head) - 1;
	if ((line = malloc(n + 9 + j->f->len + 2)) != NULL) {
		memcpy(line, head, n);
		memcpy(line + n, ",\"fire\":", 8);
		memcpy(line + n + 8, j->f->line, j->f->len);
		memcpy(line + n + 8 + j->f->len, "}\n", 2);
		if (write(dl->dlfd, line, n + 10 + j->f->len) !=
		    (ssize_t)(n + 10 + j->f->len))
			log_error("cannot write the dead-letter file", "file=%s "
			    "error=%s", log_q(dl->o->dead_letter),
			    log_q(strerror(errno)));
		free(line);
	}
	free(head);
	dl->dead++;
	metrics_inc(d->m_dead);
}

/* The job at the head of d ended: delivered, dead-lettered, or (stop)
 * abandoned. */
static void
finish(struct deliver *dl, struct deliver_dest *d, int how, const char *why)
{
	struct deliver_job	*j = d->q[d->head];
	struct deliver_fire	*f = j->f;
	unsigned		 sup;

	d->head = (d->head + 1) % (dl->o->queue + 1);
	d->n--;
	dl->jobs--;
	metrics_set(d->m_depth, (double)d->n);
	if (how == OUT_SENT || how == OUT_PERMANENT) {
		if (how == OUT_PERMANENT) {
			dead_letter(dl, d, j, why);
			if (log_rate_ok(&d->lr, &sup))
				log_warn("fire dead-lettered", "destination=%s "
				    "reason=%s attempts=%u suppressed=%u",
				    log_q(d->c->name), log_q(why), j->attempts,
				    sup);
		}
		if (dedup_done(dl->dd, j->key) == -1)
			log_error("cannot write the de-duplication log", "error=%s",
			    log_q(strerror(errno)));
	} else {
		dedup_abort(dl->dd, j->key);
		f->undelivered = 1;
		dl->abandoned++;
	}
	deliver_job_free(j);
	if (--f->refs == 0)
		dl->done(dl->arg, f);
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct deliver_dest	*d = arg;
	size_t			 n = sz * nm, room = RESP_MAX - 1 - d->resplen;

	memcpy(d->resp + d->resplen, p, n < room ? n : room);
	d->resplen += n < room ? n : room;
	d->resp[d->resplen] = '\0';
	return n;
}

static size_t
on_read(char *p, size_t sz, size_t nm, void *arg)
{
	struct deliver_dest	*d = arg;
	struct deliver_job	*j = d->q[d->head];
	size_t			 n = sz * nm;

	if (n > j->r.len - d->upoff)
		n = j->r.len - d->upoff;
	memcpy(p, j->r.body + d->upoff, n);
	d->upoff += n;
	return n;
}

/* Header text that came from config or a fire: printable ASCII only. */
static void
add_header(struct deliver_dest *d, const char *name, const char *value)
{
	char	*h;
	size_t	 i, n;

	if (asprintf(&h, "%s: %s", name, value) == -1)
		return;
	for (i = strlen(name) + 2, n = strlen(h); i < n; i++)
		if ((unsigned char)h[i] < 0x20 || (unsigned char)h[i] > 0x7e)
			h[i] = ' ';
	d->hdrs = curl_slist_append(d->hdrs, h);
	free(h);
}

static void
ntfy_headers(struct deliver_dest *d, struct deliver_job *j)
{
	const char	*tags = d->c->tags;
	char		*t, *p;

	add_header(d, "Content-Type", "text/plain; charset=utf-8");
	add_header(d, "Title", j->r.title);
	if (d->c->priority != NULL)
		add_header(d, "Priority", d->c->priority);
	/* The signal's name as a tag unless config names tags. */
	if (tags == NULL) {
		json_t *fire = json_loadb(j->f->line, j->f->len, 0, NULL);
		json_t *sid = json_object_get(fire, "signalId");

		t = json_is_string(sid) ? strdup(json_string_value(sid)) : NULL;
		json_decref(fire);
	} else
		t = strdup(tags);
	if (t != NULL) {
		for (p = t; *p != '\0'; p++)
			if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			    "TUVWXYZ0123456789_-+,", *p) == NULL)
				*p = '_';
		if (*t != '\0')
			add_header(d, "Tags", t);
		free(t);
	}
	if (d->c->token != NULL) {
		if (asprintf(&t, "Bearer %s", d->c->token) != -1) {
			add_header(d, "Authorization", t);
			memset(t, 0, strlen(t));
			free(t);
		}
	}
}

static void
email_setup(struct deliver_dest *d, CURL *e)
{
	char	*to = strdup(d->c->to), *p, *tok, *save = NULL;

	for (tok = to ? strtok_r(to, ",", &save) : NULL; tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (p = tok + strlen(tok); p > tok && p[-1] == ' '; p--)
			*(p - 1) = '\0';
		if (*tok != '\0')
			d->rcpt = curl_slist_append(d->rcpt, tok);
	}
	free(to);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, d->c->from_addr);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, d->rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_READDATA, d);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)d->q[d->head]->r.len);
	if (d->c->password != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, d->c->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, d->c->password);
	}
}

static int
start(struct deliver *dl, struct deliver_dest *d, double now)
{
	struct deliver_job	*j = d->q[d->head];
	CURL			*e;
	long			 ms = (long)(dl->o->timeout * 1000);

	if ((e = curl_easy_init()) == NULL)
		return -1;
	d->resplen = d->upoff = 0;
	d->resp[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, d->post_url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, d);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms < 10000 ? ms : 10000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ssmd-notify/" SSMD_VERSION);
	if (dl->o->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, dl->o->ca_file);
	if (d->c->type == CONF_EMAIL)
		email_setup(d, e);
	else {
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->r.body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)j->r.len);
		add_header(d, "Expect", "");
		if (d->c->type == CONF_NTFY)
			ntfy_headers(d, j);
		else
			add_header(d, "Content-Type", "application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->hdrs);
	}
	if (curl_multi_add_handle(dl->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return -1;
	}
	d->easy = e;
	d->tokens -= 1;
	j->attempts++;
	if (j->attempts == 1)
		j->first = now;
	return 0;
}

static void
refill(struct deliver_dest *d, double now)
{
	d->tokens += (now - d->refilled) * d->c->rate;
	if (d->tokens > d->c->burst)
		d->tokens = d->c->burst;
	d->refilled = now;
}

double
deliver_kick(struct deliver *dl, double now)
{
	struct deliver_dest	*d;
	struct deliver_job	*j;
	double			 wait = 1.0, w;
	size_t			 i;

	for (i = 0; i < dl->ndests; i++) {
		d = &dl->dests[i];
		refill(d, now);
		if (d->easy != NULL || d->n == 0)
			continue;
		j = d->q[d->head];
		w = j->next - now;
		if (d->paused_until - now > w)
			w = d->paused_until - now;
		if ((1 - d->tokens) / d->c->rate > w)
			w = (1 - d->tokens) / d->c->rate;
		if (w <= 0) {
			if (start(dl, d, now) == -1)
				w = 0.1;	/* out of memory: try again soon */
			else
				continue;
		}
		if (w < wait)
			wait = w;
	}
	return wait;
}

/* Seconds of a 429's Retry-After header, or Discord's retry_after body. */
static double
retry_after(struct deliver_dest *d, CURL *e)
{
	curl_off_t	 ra = 0;
	json_t		*b, *v;
	double		 s = 0;

	if (d->c->type == CONF_DISCORD || d->c->type == CONF_SLACK) {
		b = json_loadb(d->resp, d->resplen, 0, NULL);
		v = json_object_get(b, "retry_after");
		if (json_is_number(v) && json_number_value(v) > 0 &&
		    json_number_value(v) < 86400)
			s = json_number_value(v);
		json_decref(b);
	}
	if (s == 0 && curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) ==
	    CURLE_OK && ra > 0)
		s = ra < 86400 ? (double)ra : 86400;
	return s;
}

/* A short printable piece of a response body for a reason. */
static void
snippet(const struct deliver_dest *d, char *out, size_t n)
{
	size_t	i;

	for (i = 0; i < d->resplen && i < 80 && i + 1 < n; i++)
		out[i] = d->resp[i] >= 0x20 && d->resp[i] < 0x7f ? d->resp[i] :
		    ' ';
	out[i] = '\0';
}

static enum outcome
classify(struct deliver_dest *d, CURL *e, long code, CURLcode rc, char *why,
    size_t n, double *wait)
{
	char	body[96];

	snippet(d, body, sizeof(body));
	if (d->c->type == CONF_EMAIL) {
		if (rc == CURLE_OK)
			return OUT_SENT;
		snprintf(why, n, "SMTP %ld: %s", code, curl_easy_strerror(rc));
		if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED ||
		    rc == CURLE_URL_MALFORMAT || code >= 500)
			return OUT_PERMANENT;
		return OUT_RETRY;
	}
	if (rc != CURLE_OK) {
		/* The URL was checked at start: an "unsupported protocol"
		 * now is an answer that is not HTTP, garbage to retry. */
		snprintf(why, n, "%s", curl_easy_strerror(rc));
		return rc == CURLE_URL_MALFORMAT ? OUT_PERMANENT : OUT_RETRY;
	}
	if (code >= 200 && code < 300) {
		/* An incoming webhook says "ok"; anything else is garbage. */
		if (d->c->type == CONF_SLACK && strcmp(body, "ok") != 0) {
			snprintf(why, n, "HTTP %ld with body \"%s\", not \"ok\"",
			    code, body);
			return OUT_RETRY;
		}
		return OUT_SENT;
	}
	snprintf(why, n, "HTTP %ld%s%s", code, *body ? ": " : "", body);
	if (code == 429) {
		*wait = retry_after(d, e);
		return OUT_LIMITED;
	}
	if (code >= 500 || code == 408)
		return OUT_RETRY;
	return OUT_PERMANENT;
}

/* Discord says how much of its bucket is left: when nothing is, wait for
 * the reset it names instead of running into a 429. */
static void
discord_bucket(struct deliver_dest *d, CURL *e, double now)
{
	struct curl_header	*h;
	double			 after;
	char			*end;

	if (d->c->type != CONF_DISCORD ||
	    curl_easy_header(e, "X-RateLimit-Remaining", 0, CURLH_HEADER, -1,
	    &h) != CURLHE_OK || strtol(h->value, &end, 10) != 0 ||
	    end == h->value)
		return;
	if (curl_easy_header(e, "X-RateLimit-Reset-After", 0, CURLH_HEADER, -1,
	    &h) != CURLHE_OK)
		return;
	after = strtod(h->value, &end);
	if (end != h->value && after > 0 && after < 3600 &&
	    now + after > d->paused_until)
		d->paused_until = now + after;
}

static double
backoff(const struct deliver *dl, unsigned attempts)
{
	double	b = dl->o->backoff_min * pow(2, attempts > 30 ? 30 : attempts - 1);

	if (b > dl->o->backoff_max)
		b = dl->o->backoff_max;
	/* ±25 % jitter, so destinations that failed together spread out. */
	return b * (0.75 + 0.5 * drand48());
}

static void
ended(struct deliver *dl, CURL *e, CURLcode rc)
{
	struct deliver_dest	*d = NULL;
	struct deliver_job	*j;
	enum outcome		 out;
	double			 now = ts_mono(), wait = 0;
	char			 why[200], reason[260];
	unsigned		 sup;
	long			 code = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&d);
	curl_multi_remove_handle(dl->multi, e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	out = classify(d, e, code, rc, why, sizeof(why), &wait);
	if (out != OUT_SENT)
		error_info(d, code, rc);
	discord_bucket(d, e, now);
	curl_easy_cleanup(e);
	curl_slist_free_all(d->hdrs);
	curl_slist_free_all(d->rcpt);
	d->hdrs = d->rcpt = NULL;
	d->easy = NULL;
	j = d->q[d->head];
	if (out == OUT_SENT) {
		metrics_inc(d->m_sent);
		metrics_set(d->m_lastsent, (double)ts_now_us() / 1e6);
		finish(dl, d, OUT_SENT, NULL);
		return;
	}
	metrics_inc(d->m_failed);
	metrics_set(d->m_lasterr, (double)ts_now_us() / 1e6);
	snprintf(j->err, sizeof(j->err), "%s", why);
	if (out == OUT_PERMANENT) {
		snprintf(reason, sizeof(reason), "permanent error: %s", why);
		finish(dl, d, OUT_PERMANENT, reason);
		return;
	}
	if (out == OUT_LIMITED) {
		metrics_inc(d->m_limited);
		if (wait > 0)	/* exactly what the server asked for */
			d->paused_until = now + wait;
		else
			wait = backoff(dl, j->attempts);
	} else
		wait = backoff(dl, j->attempts);
	if (now + wait - j->first > dl->o->budget) {
		snprintf(reason, sizeof(reason), "retry budget spent after %u "
		    "attempts: %s", j->attempts, why);
		finish(dl, d, OUT_PERMANENT, reason);
		return;
	}
	j->next = now + wait;
	metrics_inc(d->m_retried);
	if (log_rate_ok(&d->lr, &sup))
		log_warn("send failed; will retry", "destination=%s url=%s "
		    "error=%s attempt=%u retry_in=%.3f suppressed=%u",
		    log_q(d->c->name), log_q(d->c->redacted), log_q(why),
		    j->attempts, wait, sup);
}

int
deliver_poll(struct deliver *dl, struct curl_waitfd *extra, unsigned nextra,
    int timeout_ms)
{
	CURLMsg	*m;
	int	 running, left, ready = 0;
	unsigned i;

	if (timeout_ms < 0)
		timeout_ms = 0;
	for (i = 0; i < nextra; i++)
		extra[i].revents = 0;
	curl_multi_poll(dl->multi, extra, nextra, timeout_ms, NULL);
	for (i = 0; i < nextra; i++)
		ready += extra[i].revents != 0;
	curl_multi_perform(dl->multi, &running);
	while ((m = curl_multi_info_read(dl->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			ended(dl, m->easy_handle, m->data.result);
	return ready;
}

void
deliver_abandon(struct deliver *dl, int dead)
{
	struct deliver_dest	*d;
	size_t			 i;

	for (i = 0; i < dl->ndests; i++) {
		d = &dl->dests[i];
		if (d->easy != NULL) {
			curl_multi_remove_handle(dl->multi, d->easy);
			curl_easy_cleanup(d->easy);
			curl_slist_free_all(d->hdrs);
			curl_slist_free_all(d->rcpt);
			d->hdrs = d->rcpt = NULL;
			d->easy = NULL;
		}
		while (d->n > 0) {
			if (dead)
				finish(dl, d, OUT_PERMANENT, "undelivered at stop");
			else
				finish(dl, d, OUT_RETRY, NULL);
		}
	}
}

void
deliver_free(struct deliver *dl)
{
	size_t	i;

	deliver_abandon(dl, 0);
	for (i = 0; dl->dests != NULL && i < dl->ndests; i++) {
		free(dl->dests[i].q);
		free(dl->dests[i].post_url);
	}
	free(dl->dests);
	if (dl->multi != NULL)
		curl_multi_cleanup(dl->multi);
	if (dl->dlfd != -1)
		close(dl->dlfd);
	memset(dl, 0, sizeof(*dl));
	dl->dlfd = -1;
}
