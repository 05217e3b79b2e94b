/* spread-tracker: the YES spread (ask - bid), one sample per second (the
 * last quote seen in it).  recent = mean of the samples of the last
 * recent_window, baseline = mean of those of the baseline_window before
 * it; with at least min_samples baseline samples, fires when
 * recent/baseline <= tighten or >= widen. */
#include <math.h>
#include <stdlib.h>

#include "num.h"
#include "ring.h"
#include "sigdef.h"
#include "state.h"
#include "wbuf.h"

enum { P_RECENT, P_BASELINE, P_TIGHTEN, P_WIDEN, P_MIN };

static const struct sigdef_param params[] = {
	{ "recent_window", SIGDEF_DURATION, 60 * SIGDEF_US, SIGDEF_US,
	    3600.0 * SIGDEF_US, "window of the recent mean" },
	{ "baseline_window", SIGDEF_DURATION, 300 * SIGDEF_US, SIGDEF_US,
	    86400.0 * SIGDEF_US, "window of the baseline mean, before it" },
	{ "tighten", SIGDEF_NUMBER, 0.5, 0, 1, "ratio at or below: tightening" },
	{ "widen", SIGDEF_NUMBER, 2.0, 1, 1e6, "ratio at or above: widening" },
	{ "min_samples", SIGDEF_NUMBER, 5, 1, 1e6, "baseline samples needed" },
	{ NULL, 0, 0, 0, 0, NULL }
};

struct ent {
	uint32_t	 sec;
	int32_t		 v;
};

struct st {
	struct ring	 r;
	uint64_t	 first;		/* running index of the oldest entry */
	uint64_t	 rec;		/* running index of the first recent one */
	int64_t		 sum_b, sum_r;
	uint32_t	 n_b, n_r;
	int		 init;
	double		 recent, baseline, ratio;
};

static int64_t
sec_of(const struct sigdef_cfg *c, int i)
{
	return (int64_t)(c->p[i] / SIGDEF_US);
}

/* Move samples from recent to baseline to gone as time passes. */
static void
advance(const struct sigdef_cfg *c, struct st *s, int64_t now)
{
	int64_t		 now_s = now / SIGDEF_US;
	int64_t		 rlim = now_s - sec_of(c, P_RECENT);
	int64_t		 blim = rlim - sec_of(c, P_BASELINE);
	struct ent	*e;

	while (s->rec < s->first + s->r.n &&
	    (e = ring_at(&s->r, (uint32_t)(s->rec - s->first)))->sec <= rlim) {
		s->sum_r -= e->v;
		s->n_r--;
		s->sum_b += e->v;
		s->n_b++;
		s->rec++;
	}
	while (s->r.n > 0 && (e = ring_at(&s->r, 0))->sec <= blim) {
		if (s->first < s->rec) {
			s->sum_b -= e->v;
			s->n_b--;
		} else {
			s->sum_r -= e->v;
			s->n_r--;
			s->rec++;
		}
		ring_pop(&s->r);
		s->first++;
	}
}

static void
update(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    const struct sigdef_ev *ev)
{
	struct st	*s = v;
	struct ent	*e, old;
	uint32_t	 sec = (uint32_t)(ev->now / SIGDEF_US);
	int32_t		 sp;
	int		 full;

	if (!s->init) {
		ring_init(&s->r, sizeof(struct ent), (uint32_t)(sec_of(c,
		    P_RECENT) + sec_of(c, P_BASELINE) + 2));
		s->init = 1;
	}
	advance(c, s, ev->now);
	if (!m->quote_ok)
		return;
	sp = m->ask - m->bid;
	if ((e = ring_last(&s->r)) != NULL && e->sec == sec &&
	    s->rec < s->first + s->r.n) {
		s->sum_r += sp - e->v;	/* the last quote of a second counts */
		e->v = sp;
		return;
	}
	if ((e = ring_push(&s->r, &old, &full)) == NULL)
		return;
	if (full) {
		if (s->first < s->rec) {
			s->sum_b -= old.v;
			s->n_b--;
		} else {
			s->sum_r -= old.v;
			s->n_r--;
			s->rec++;
		}
		s->first++;
	}
	e->sec = sec;
	e->v = sp;
	s->sum_r += sp;
	s->n_r++;
}

static int
evaluate(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    int64_t now)
{
	struct st	*s = v;

	if (!s->init)
		return 0;
	advance(c, s, now);
	if (s->n_r == 0 || s->n_b < c->p[P_MIN] || s->sum_b <= 0)
		return 0;
	s->recent = (double)s->sum_r / s->n_r;
	s->baseline = (double)s->sum_b / s->n_b;
	s->ratio = s->recent / s->baseline;
	return s->ratio <= c->p[P_TIGHTEN] || s->ratio >= c->p[P_WIDEN];
}

static void
payload(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    struct wbuf *w)
{
	struct st	*s = v;

	wbuf_puts(w, "\"spread\":\"");
	num_put(w, llround(s->recent), 4);
	wbuf_puts(w, "\",\"baseline\":\"");
	num_put(w, llround(s->baseline), 4);
	wbuf_puts(w, "\",\"ratio\":");
	num_put_double(w, s->ratio, 4);
	wbuf_puts(w, ",\"bid\":\"");
	num_put(w, m->bid, 4);
	wbuf_puts(w, "\",\"ask\":\"");
	num_put(w, m->ask, 4);
	wbuf_puts(w, "\",\"source\":\"");
	if (m->quote_book)
		wbuf_puts(w, "book");
	else
		wbuf_puts(w, "ticker");
	wbuf_puts(w, "\",\"recent_samples\":");
	num_put(w, s->n_r, 0);
	wbuf_puts(w, ",\"baseline_samples\":");
	num_put(w, s->n_b, 0);
	wbuf_puts(w, ",\"direction\":\"");
	if (s->ratio <= c->p[P_TIGHTEN])
		wbuf_puts(w, "tightening\"");
	else
		wbuf_puts(w, "widening\"");
}

static void
release(void *v)
{
	ring_free(&((struct st *)v)->r);
}

const struct sigdef sig_spread = {
	.name = "spread-tracker",
	.alias = NULL,
	.params = params,
	.kinds = SIGDEF_QUOTES,
	.state_size = sizeof(struct st),
	.update = update,
	.evaluate = evaluate,
	.payload = payload,
	.release = release
};
