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
	struct ring	 x;		/* logit mids at boundaries */
	int64_t		 last_k;	/* the last boundary index seen */
	int32_t		 mid2;		/* the quote in force: bid + ask */
	uint8_t		 init, have_mid, cond;
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

static double
rms(const struct st *s, uint32_t n)
{
	double		 sum = 0, r;
	uint32_t	 i;

	for (i = s->x.n - n; i < s->x.n; i++) {
		r = *(double *)ring_at(&s->x, i) - *(double *)ring_at(&s->x, i - 1);
		sum += r * r;
	}
	return sqrt(sum / n);
}

static void
figures(const struct sigdef_cfg *c, struct st *s)
{
	uint32_t	nw = nret(c, P_WINDOW), nr = nret(c, P_RECENT);

	s->cond = 0;
	if (nr > nw)
		nr = nw;
	if (s->x.n < nw + 1)
		return;
	s->base = rms(s, nw);
	s->vol = rms(s, nr);
	if (s->base <= 0)
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
	double		*x, lx;

	if (!s->init) {
		ring_init(&s->x, sizeof(double), nret(c, P_WINDOW) + 1);
		s->init = 1;
		s->last_k = k;
	} else if (k > s->last_k) {
		n = k - s->last_k;
		if (n > nret(c, P_WINDOW) + 1)
			n = nret(c, P_WINDOW) + 1;
		if (!s->have_mid) {
			while (s->x.n)
				ring_pop(&s->x);
		} else {
			lx = logit(s->mid2);
			for (i = 0; i < n; i++)
				if ((x = ring_push(&s->x, NULL, NULL)) != NULL)
					*x = lx;
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
	ring_free(&((struct st *)v)->x);
}

const struct sigdef sig_volatility = {
	"volatility", NULL, params, sizeof(struct st),
	update, evaluate, payload, release
};
