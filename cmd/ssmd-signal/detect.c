/* detect: line -> frame -> market -> signals -> fires. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "filter.h"
#include "frame.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "num.h"
#include "state.h"
#include "ts.h"
#include "wbuf.h"

#define NREASONS	8

static const char *const reasons[NREASONS] = {
	"syntax", "trailing", "not_object", "msg", "too_long", "empty", NULL
};

struct sigmet {
	struct metric	*frames, *fires, *markets, *unknown, *evicted;
	uint64_t	 frames_n, fires_n, frames_pushed, fires_pushed;
	uint64_t	 evicted_n, evicted_pushed;
	int64_t		 markets_n, unknown_n;
};

struct detect {
	struct detect_opts	 o;
	struct state		*state;
	struct wbuf		*out;
	struct detect_stats	 st;
	struct sigmet		 sm[SIGDEF_MAX];
	uint64_t		 bad_n[NREASONS], bad_pushed[NREASONS];
	struct metric		*bad_m[NREASONS], *lines_m,
				*evict_idle_m, *evict_cap_m, *released_m,
				*gaps_m, *crossed_m, *negative_m, *stale_m,
				*last_m, *tracked_m;
	uint64_t		 lines_pushed;
	struct state_stats	 pushed;
	struct log_rate		 rate;
	EVP_MD_CTX		*md;
	unsigned		 want;		/* frame kinds to read */
	uint16_t		 filter_gen;	/* bumped when the table changes */
};

static void
release(void *arg, struct state_mkt *m, int why)
{
	struct detect	*d = arg;
	int		 i;

	for (i = 0; i < d->o.nsig; i++) {
		if (m->sig[i] == NULL)
			continue;
		if (why == STATE_WHY_IDLE || why == STATE_WHY_CAP)
			d->sm[i].evicted_n++;
		d->o.sig[i].def->release(m->sig[i]);
		free(m->sig[i]);
		m->sig[i] = NULL;
		d->sm[i].markets_n--;
	}
}

struct detect *
detect_new(const struct detect_opts *o, struct wbuf *out)
{
	struct detect	*d;
	char		 lab[96];
	int		 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->o = *o;
	d->out = out;
	/* lifecycle frames release markets whatever the signals read */
	d->want = FRAME_BIT(FRAME_LIFECYCLE);
	for (i = 0; i < o->nsig; i++)
		d->want |= o->sig[i].def->kinds;
	d->rate = (struct log_rate)LOG_RATE_INIT(10, 60);
	if ((d->state = state_new(o->max_markets, o->idle_us, release,
	    d)) == NULL || (d->md = EVP_MD_CTX_new()) == NULL) {
		detect_free(d);
		return NULL;
	}
	for (i = 0; i < o->nsig; i++) {
		snprintf(lab, sizeof(lab), "signal=\"%s\"", o->sig[i].name);
		d->sm[i].frames = metrics_counter("ssmd_signal_frames_total",
		    lab, "Frames of watched markets handed to the signal.");
		d->sm[i].fires = metrics_counter("ssmd_signal_fires_total",
		    lab, "Fires written.");
		d->sm[i].markets = metrics_gauge("ssmd_signal_markets", lab,
		    "Markets the signal keeps state for.");
		d->sm[i].unknown = metrics_gauge("ssmd_signal_books_unknown",
		    lab, "Of those, markets whose order book is not known (none "
		    "yet, gap, crossed, negative level); 0 for signals that "
		    "read no books.");
		d->sm[i].evicted = metrics_counter("ssmd_signal_evicted_total",
		    lab, "Markets whose state for the signal was evicted "
		    "(idle or over the cap).");
	}
	for (i = 0; reasons[i] != NULL; i++) {
		snprintf(lab, sizeof(lab), "reason=\"%s\"", reasons[i]);
		d->bad_m[i] = metrics_counter("ssmd_signal_invalid_lines_total",
		    lab, "Lines that are not a readable frame, skipped.");
	}
	d->lines_m = metrics_counter("ssmd_signal_lines_in_total", NULL,
	    "Lines read.");
	d->tracked_m = metrics_gauge("ssmd_signal_markets_tracked", NULL,
	    "Markets in the state table.");
	d->evict_idle_m = metrics_counter("ssmd_signal_evictions_total",
	    "reason=\"idle\"", "Markets dropped from the state table.");
	d->evict_cap_m = metrics_counter("ssmd_signal_evictions_total",
	    "reason=\"cap\"", "Markets dropped from the state table.");
	d->released_m = metrics_counter("ssmd_signal_released_total", NULL,
	    "Markets released when determined or settled.");
	d->gaps_m = metrics_counter("ssmd_signal_gaps_total", NULL,
	    "Sequence gaps and gap markers: books of the sid unknown.");
	d->crossed_m = metrics_counter("ssmd_signal_crossed_books_total",
	    NULL, "Books found crossed or locked, then unknown.");
	d->negative_m = metrics_counter("ssmd_signal_negative_levels_total",
	    NULL, "Deltas that took a level below zero, then unknown.");
	d->stale_m = metrics_counter("ssmd_signal_stale_frames_total", NULL,
	    "Frames at or before a seq already seen, skipped.");
	d->last_m = metrics_gauge("ssmd_signal_last_frame_time_seconds",
	    NULL, "Input time of the last frame.");
	return d;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	state_free(d->state);
	EVP_MD_CTX_free(d->md);
	free(d);
}

const struct detect_stats *
detect_stats(const struct detect *d)
{
	return &d->st;
}

static void
push(struct metric *m, uint64_t now, uint64_t *pushed)
{
	if (now > *pushed)
		metrics_add(m, now - *pushed);
	*pushed = now;
}

static void
count_unknown(void *arg, const struct state_mkt *m)
{
	struct detect	*d = arg;
	int		 i, ok = state_book_ok(d->state, m);

	for (i = 0; i < d->o.nsig && !ok; i++)
		if (m->sig[i] != NULL && (d->o.sig[i].def->kinds & SIGDEF_QUOTES))
			d->sm[i].unknown_n++;
}

void
detect_gauges(struct detect *d)
{
	const struct state_stats *s = state_stats(d->state);
	int			  i;

	for (i = 0; i < d->o.nsig; i++)
		d->sm[i].unknown_n = 0;
	state_each(d->state, count_unknown, d);
	for (i = 0; i < d->o.nsig; i++) {
		metrics_set(d->sm[i].unknown, (double)d->sm[i].unknown_n);
		push(d->sm[i].evicted, d->sm[i].evicted_n,
		    &d->sm[i].evicted_pushed);
		push(d->sm[i].frames, d->sm[i].frames_n, &d->sm[i].frames_pushed);
		push(d->sm[i].fires, d->sm[i].fires_n, &d->sm[i].fires_pushed);
		metrics_set(d->sm[i].markets, (double)d->sm[i].markets_n);
	}
	for (i = 0; reasons[i] != NULL; i++)
		push(d->bad_m[i], d->bad_n[i], &d->bad_pushed[i]);
	push(d->lines_m, d->st.lines, &d->lines_pushed);
	push(d->evict_idle_m, s->evicted_idle, &d->pushed.evicted_idle);
	push(d->evict_cap_m, s->evicted_cap, &d->pushed.evicted_cap);
	push(d->released_m, s->released, &d->pushed.released);
	push(d->gaps_m, s->gaps, &d->pushed.gaps);
	push(d->crossed_m, s->crossed, &d->pushed.crossed);
	push(d->negative_m, s->negative, &d->pushed.negative);
	push(d->stale_m, s->stale, &d->pushed.stale);
	metrics_set(d->tracked_m, state_count(d->state));
	metrics_set(d->last_m, d->st.now_us / 1e6);
}

void
detect_log_summary(const struct detect *d)
{
	const struct state_stats *s = state_stats(d->state);

	log_info("input done", "lines_in=%llu invalid=%llu other=%llu "
	    "skipped=%llu filtered=%llu frames=%llu fires=%llu markets=%u gaps=%llu "
	    "crossed=%llu negative=%llu stale=%llu evicted=%llu "
	    "released=%llu",
	    (unsigned long long)d->st.lines, (unsigned long long)d->st.bad,
	    (unsigned long long)d->st.other,
	    (unsigned long long)d->st.skipped,
	    (unsigned long long)d->st.filtered,
	    (unsigned long long)d->st.frames,
	    (unsigned long long)d->st.fires, state_count(d->state),
	    (unsigned long long)s->gaps, (unsigned long long)s->crossed,
	    (unsigned long long)s->negative, (unsigned long long)s->stale,
	    (unsigned long long)(s->evicted_idle + s->evicted_cap),
	    (unsigned long long)s->released);
}

static void
bad(struct detect *d, const char *why)
{
	unsigned	sup;
	int		i;

	d->st.bad++;
	for (i = 0; reasons[i] != NULL; i++)
		if (strcmp(reasons[i], why) == 0)
			d->bad_n[i]++;
	if (log_rate_ok(&d->rate, &sup))
		log_warn("invalid line skipped", "reason=%s line=%llu "
		    "suppressed=%u", why, (unsigned long long)d->st.lines, sup);
}

void
detect_too_long(struct detect *d)
{
	d->st.lines++;
	bad(d, "too_long");
}

/* The id: SHA-256 of signal, market, time and the frame's bytes, the
 * first 16 bytes in hex.  The same on every replay of the same frame. */
static void
put_id(struct detect *d, const struct sigdef_cfg *c,
    const struct state_mkt *m, const struct frame *f)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 t[32], *o;
	int		 i, tl;

	tl = snprintf(t, sizeof(t), "%lld", (long long)d->st.now_us);
	EVP_DigestInit_ex(d->md, EVP_sha256(), NULL);
	EVP_DigestUpdate(d->md, c->name, strlen(c->name) + 1);
	EVP_DigestUpdate(d->md, m->ticker, (size_t)m->tlen + 1);
	EVP_DigestUpdate(d->md, t, (size_t)tl + 1);
	EVP_DigestUpdate(d->md, f->data, f->dlen);
	EVP_DigestFinal_ex(d->md, md, &mdlen);
	if ((o = wbuf_reserve(d->out, 32)) == NULL)
		return;
	for (i = 0; i < 16; i++) {
		*o++ = hex[md[i] >> 4];
		*o++ = hex[md[i] & 15];
	}
}

static void
fire(struct detect *d, int i, struct state_mkt *m, const struct frame *f)
{
	const struct sigdef_cfg	*c = &d->o.sig[i];
	struct timespec		 tv;
	char			 tbuf[TS_LEN + 1];
	int64_t			 sec = d->st.now_us / 1000000;

	tv.tv_sec = (time_t)sec;
	tv.tv_nsec = (long)(d->st.now_us % 1000000) * 1000;
	ts_format(tbuf, &tv);
	wbuf_puts(d->out, "{\"id\":\"");
	put_id(d, c, m, f);
	wbuf_puts(d->out, "\",\"signalId\":\"");
	json_escape(d->out, c->name, strlen(c->name));
	wbuf_puts(d->out, "\",\"ts\":");
	num_put(d->out, sec, 0);
	wbuf_puts(d->out, ",\"time\":\"");
	wbuf_put(d->out, tbuf, TS_LEN);
	wbuf_puts(d->out, "\",\"ticker\":\"");
	json_escape(d->out, m->ticker, m->tlen);
	wbuf_puts(d->out, "\",\"payload\":{");
	c->def->payload(c, m->sig[i], m, d->out);
	wbuf_puts(d->out, "}}\n");
	d->st.fires++;
	d->sm[i].fires_n++;
}

/* Edge trigger with re-arm. */
static void
edge(struct detect *d, int i, struct state_mkt *m, const struct frame *f,
    int cond)
{
	struct sigdef_edge	*e = &m->edge[i];
	int64_t			 now = d->st.now_us;

	if (cond) {
		e->false_set = 0;
		if (!e->fired) {
			e->fired = 1;
			fire(d, i, m, f);
		}
		return;
	}
	if (!e->fired)
		return;
	if (!e->false_set) {
		e->false_set = 1;
		e->false_since = now;
	}
	if (now - e->false_since >= d->o.sig[i].rearm_us) {
		e->fired = 0;
		e->false_set = 0;
	}
}

static void
signals(struct detect *d, struct state_mkt *m, const struct frame *f)
{
	const struct sigdef_cfg	*c;
	struct sigdef_ev	 ev = { f, d->st.now_us };
	int			 i, cond;

	for (i = 0; i < d->o.nsig; i++) {
		c = &d->o.sig[i];
		if (!(c->def->kinds & FRAME_BIT(f->kind)))
			continue;
		if (m->sig[i] == NULL) {
			if ((m->sig[i] = calloc(1, c->def->state_size)) == NULL)
				continue;
			d->sm[i].markets_n++;
		}
		d->sm[i].frames_n++;
		c->def->update(c, m->sig[i], m, &ev);
		cond = c->def->evaluate(c, m->sig[i], m, d->st.now_us);
		edge(d, i, m, f, cond);
	}
}

void
detect_line(struct detect *d, const char *p, size_t n)
{
	struct frame		 f;
	struct state_mkt	*m;

	d->st.lines++;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0) {		/* white space alone: nothing after the trim */
		bad(d, "empty");
		return;
	}
	switch (frame_read(p, n, &f, d->want)) {
	case FRAME_BAD:
		bad(d, f.bad);
		return;
	case FRAME_SKIP:
		d->st.skipped++;
		return;
	case FRAME_OTHER:
		d->st.other++;
		return;
	case FRAME_GAP:
	case FRAME_RESET:
		state_gap(d->state, &f);
		return;
	default:
		break;
	}
	/* input time only, never going back: windows stay ordered */
	if (f.has_t && f.t_us > d->st.now_us) {
		if (d->st.now_us == 0)
			state_touch_all(d->state, f.t_us);
		d->st.now_us = f.t_us;
	}
	if (d->o.seq_check)
		state_seq(d->state, &f);
	if (f.kind == FRAME_LIFECYCLE && (f.life == FRAME_LIFE_DETERMINED ||
	    f.life == FRAME_LIFE_SETTLED)) {
		if ((m = state_find(d->state, f.ticker, f.tlen)) != NULL)
			state_release(d->state, m);
		return;
	}
	/* markets idle past the horizon go first: a look at the oldest */
	state_expire(d->state, d->st.now_us);
	if ((m = state_get(d->state, f.ticker, f.tlen, d->st.now_us)) == NULL) {
		d->st.other++;
		return;
	}
	/* Decided once per market and table: a refreshed category table
	 * decides every market anew at its next frame. */
	if (m->filter == STATE_FILTER_UNSET || m->filter_gen != d->filter_gen) {
		m->filter = d->o.filter == NULL ||
		    filter_match(d->o.filter, m->ticker) ? STATE_FILTER_IN :
		    STATE_FILTER_OUT;
		m->filter_gen = d->filter_gen;
	}
	if (m->filter == STATE_FILTER_OUT) {
		d->st.filtered++;
		return;
	}
	d->st.frames++;
	if (state_apply(d->state, m, &f) == STATE_BOOK_STALE)
		return;		/* a duplicate: the signals saw it once */
	/* windows need a clock: nothing before the input's first time */
	if (d->st.now_us > 0)
		signals(d, m, &f);
}

void
detect_filter_changed(struct detect *d)
{
	d->filter_gen++;
}
