/* volatility: realized volatility of the YES mid in logit space.  At
 * every interval boundary the mid then in force, p clamped to
 * [0.01, 0.99], gives x = ln(p / (1 - p)); returns r = x_k - x_(k-1).
 * vol(n) = sqrt(sum of the last n r^2 / n).  Fires when the recent
 * window's vol >= ratio x the whole window's (expansion).  A boundary
 * without a two-sided quote starts the series again. */
#include <math.h>
#include <stdlib.h>

#include "num.h"
#include "ring.h"
#include "sigdef.h"
#include "state.h"
#include "wbuf.h"

enum { P_INTERVAL, P_WINDOW, P_RECENT, P_RATIO };

static const struct sigdef_param params[] = {
	{ "interval", SIGDEF_DURATION, 60 * SIGDEF_US, SIGDEF_US,
	    3600.0 * SIGDEF_US, "length of one return" },
	{ "window", SIGDEF_DURATION, 1800 * SIGDEF_US, SIGDEF_US,
	    86400.0 * SIGDEF_US, "window of the baseline volatility" },
	{ "recent_window", SIGDEF_DURATION, 300 * SIGDEF_US, SIGDEF_US,
	    86400.0 * SIGDEF_US, "window of the recent volatility" },
	{ "ratio", SIGDEF_NUMBER, 2.0, 1, 1e6, "expansion that fires" },
	{ NULL, 0, 0, 0, 0, NULL }
};

struct st {
	struct ring	 r2;		/* squared returns, the last nw */
	double		 sum_w, sum_r;	/* of the window's and the recent ones */
	double		 last_x;	/* the last boundary's logit mid */
	int64_t		 last_k;	/* the last boundary index seen */
	uint32_t	 pushes;	/* since the sums were last recomputed */
	int32_t		 mid2;		/* the quote in force: bid + ask */
	uint8_t		 init, have_mid, have_x, cond;
	double		 vol, base, ratio;
};

static uint32_t
nret(const struct sigdef_cfg *c, int i)
{
	uint32_t	n = (uint32_t)(c->p[i] / c->p[P_INTERVAL]);

	return n ? n : 1;
}

static double
logit(int32_t mid2)
{
	double	p = mid2 / (2.0 * NUM_PRICE_SCALE);

	if (p < 0.01)
		p = 0.01;
	if (p > 0.99)
		p = 0.99;
	return log(p / (1 - p));
}

static uint32_t
nrec(const struct sigdef_cfg *c)
{
	uint32_t	nw = nret(c, P_WINDOW), nr = nret(c, P_RECENT);

	return nr < nw ? nr : nw;
}

/* Sums from scratch, in order: running sums drift. */
static void
resum(const struct sigdef_cfg *c, struct st *s)
{
	uint32_t	i, nr = nrec(c);

	s->sum_w = s->sum_r = 0;
	for (i = 0; i < s->r2.n; i++) {
		s->sum_w += *(double *)ring_at(&s->r2, i);
		if (i + nr >= s->r2.n)
			s->sum_r += *(double *)ring_at(&s->r2, i);
	}
	s->pushes = 0;
}

static void
push_ret(const struct sigdef_cfg *c, struct st *s, double r)
{
	double		*slot, old = 0;
	uint32_t	 nr = nrec(c);
	int		 full;

	r *= r;
	if ((slot = ring_push(&s->r2, &old, &full)) == NULL)
		return;
	*slot = r;
	if (full)
		s->sum_w -= old;
	s->sum_w += r;
	s->sum_r += r;
	if (s->r2.n > nr)
		s->sum_r -= *(double *)ring_at(&s->r2, s->r2.n - 1 - nr);
	if (++s->pushes >= 64)
		resum(c, s);
}

static void
figures(const struct sigdef_cfg *c, struct st *s)
{
	uint32_t	nw = nret(c, P_WINDOW);

	s->cond = 0;
	if (s->r2.n < nw)
		return;
	s->base = sqrt(s->sum_w > 0 ? s->sum_w / nw : 0);
	s->vol = sqrt(s->sum_r > 0 ? s->sum_r / nrec(c) : 0);
	if (s->base <= 1e-12)
		return;
	s->ratio = s->vol / s->base;
	s->cond = s->vol >= c->p[P_RATIO] * s->base;
}

static void
update(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    const struct sigdef_ev *ev)
{
	struct st	*s = v;
	int64_t		 k = ev->now / (int64_t)c->p[P_INTERVAL], i, n;
	uint32_t	 nw = nret(c, P_WINDOW);
	double		 lx;

	if (!s->init) {
		ring_init(&s->r2, sizeof(double), nw);
		s->init = 1;
		s->last_k = k;
	} else if (k > s->last_k) {
		n = k - s->last_k;
		if (!s->have_mid) {
			while (s->r2.n)
				ring_pop(&s->r2);
			s->sum_w = s->sum_r = 0;
			s->have_x = 0;
		} else {
			/* every boundary passed saw the mid then in force */
			lx = logit(s->mid2);
			if (s->have_x)
				push_ret(c, s, lx - s->last_x);
			else
				n--;
			if (n - 1 >= nw) {	/* a flat window */
				while (s->r2.n)
					ring_pop(&s->r2);
				n = nw + 1;
			}
			for (i = 1; i < n; i++)
				push_ret(c, s, 0);
			s->last_x = lx;
			s->have_x = 1;
		}
		s->last_k = k;
		figures(c, s);
	}
	s->have_mid = m->quote_ok;
	if (m->quote_ok)
		s->mid2 = m->bid + m->ask;
}

static int
evaluate(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    int64_t now)
{
	return ((struct st *)v)->cond;
}

static void
payload(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    struct wbuf *w)
{
	struct st	*s = v;

	wbuf_puts(w, "\"volatility\":");
	num_put_double(w, s->vol, 6);
	wbuf_puts(w, ",\"baseline_volatility\":");
	num_put_double(w, s->base, 6);
	wbuf_puts(w, ",\"ratio\":");
	num_put_double(w, s->ratio, 4);
	wbuf_puts(w, ",\"mid\":\"");
	num_put(w, (s->mid2 + 1) / 2, 4);
	wbuf_puts(w, "\",\"returns\":");
	num_put(w, nret(c, P_WINDOW), 0);
	wbuf_puts(w, ",\"direction\":\"expansion\"");
}

static void
release(void *v)
{
	ring_free(&((struct st *)v)->r2);
}

const struct sigdef sig_volatility = {
	.name = "volatility",
	.alias = NULL,
	.params = params,
	.kinds = SIGDEF_QUOTES,
	.state_size = sizeof(struct st),
	.update = update,
	.evaluate = evaluate,
	.payload = payload,
	.release = release
};
