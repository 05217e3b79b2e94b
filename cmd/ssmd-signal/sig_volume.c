/* volume: rolling dollar volume of trades, sum of count x YES price over
 * the trades of the last `window` (whole seconds), at or above
 * `threshold` dollars.  The original's volume-1m-30min. */
#include <math.h>
#include <stdlib.h>

#include "frame.h"
#include "num.h"
#include "ring.h"
#include "sigdef.h"
#include "state.h"
#include "wbuf.h"

enum { P_WINDOW, P_THRESHOLD };

static const struct sigdef_param params[] = {
	{ "window", SIGDEF_DURATION, 1800 * SIGDEF_US, SIGDEF_US,
	    86400.0 * SIGDEF_US, "rolling window (1m, 5m, 15m, 30m)" },
	{ "threshold", SIGDEF_DOLLARS, 1000000, 0.01, 1e12,
	    "dollar volume that fires" },
	{ NULL, 0, 0, 0, 0, NULL }
};

struct ent {
	uint32_t	 sec;
	int64_t		 micro;		/* 1e-6 $: 1/100 contract x 1/10,000 $ */
	int64_t		 count;
};

struct st {
	struct ring	 r;
	int64_t		 sum, count;
	int		 init;
};

static int64_t
win_s(const struct sigdef_cfg *c)
{
	return (int64_t)(c->p[P_WINDOW] / SIGDEF_US);
}

static void
trim(const struct sigdef_cfg *c, struct st *s, int64_t now)
{
	int64_t		 lim = now / SIGDEF_US - win_s(c);
	struct ent	*e;

	while (s->r.n > 0 && (e = ring_at(&s->r, 0))->sec <= lim) {
		s->sum -= e->micro;
		s->count -= e->count;
		ring_pop(&s->r);
	}
}

static void
update(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    const struct sigdef_ev *ev)
{
	struct st	*s = v;
	struct ent	*e, old;
	uint32_t	 sec = (uint32_t)(ev->now / SIGDEF_US);
	int64_t		 dv, t;
	int		 full;

	if (!s->init) {
		ring_init(&s->r, sizeof(struct ent), (uint32_t)win_s(c) + 2);
		s->init = 1;
	}
	trim(c, s, ev->now);
	if (ev->f->kind != FRAME_TRADE || ev->f->count <= 0 ||
	    ev->f->yes_price <= 0)
		return;
	/* Hostile sizes must not overflow the sums (a fuzzer found it):
	 * a trade whose dollar volume would is not counted. */
	if (__builtin_mul_overflow(ev->f->count, ev->f->yes_price, &dv) ||
	    __builtin_add_overflow(s->sum, dv, &t) ||
	    __builtin_add_overflow(s->count, ev->f->count, &t))
		return;
	if ((e = ring_last(&s->r)) == NULL || e->sec != sec) {
		if ((e = ring_push(&s->r, &old, &full)) == NULL)
			return;
		if (full) {
			s->sum -= old.micro;
			s->count -= old.count;
		}
		e->sec = sec;
		e->micro = e->count = 0;
	}
	e->micro += dv;
	e->count += ev->f->count;
	s->sum += dv;
	s->count += ev->f->count;
}

static int
evaluate(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    int64_t now)
{
	struct st	*s = v;

	if (!s->init)
		return 0;
	trim(c, s, now);
	return s->sum >= llround(c->p[P_THRESHOLD] * 1e6);
}

static void
payload(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    struct wbuf *w)
{
	struct st	*s = v;

	wbuf_puts(w, "\"dollar_volume\":\"");
	num_put(w, s->sum / 100, 4);
	wbuf_puts(w, "\",\"threshold\":\"");
	num_put(w, (int64_t)(c->p[P_THRESHOLD] * 10000 + 0.5), 4);
	wbuf_puts(w, "\",\"window_seconds\":");
	num_put(w, win_s(c), 0);
	wbuf_puts(w, ",\"contracts\":\"");
	num_put(w, s->count, 2);
	wbuf_putc(w, '"');
}

static void
release(void *v)
{
	ring_free(&((struct st *)v)->r);
}

const struct sigdef sig_volume = {
	.name = "volume",
	.alias = "volume-1m-30min",
	.params = params,
	.kinds = FRAME_BIT(FRAME_TRADE),
	.state_size = sizeof(struct st),
	.update = update,
	.evaluate = evaluate,
	.payload = payload,
	.release = release
};
