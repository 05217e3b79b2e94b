/* momentum: the YES mid's move over a short and a long window.  The mid
 * at a time is the last quote seen at or before its second.  Fires when
 * both moves have the same sign, |long move| >= min_move, and the short
 * window's rate is at least the long one's: |short|/short_window >=
 * |long|/long_window (acceleration), compared in integers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "frame.h"
#include "num.h"
#include "ring.h"
#include "sigdef.h"
#include "state.h"
#include "wbuf.h"

enum { P_SHORT, P_LONG, P_MOVE };

static const struct sigdef_param params[] = {
	{ "short_window", SIGDEF_DURATION, 60 * SIGDEF_US, SIGDEF_US,
	    3600.0 * SIGDEF_US, "short window" },
	{ "long_window", SIGDEF_DURATION, 300 * SIGDEF_US, SIGDEF_US,
	    86400.0 * SIGDEF_US, "long window" },
	{ "min_move", SIGDEF_DOLLARS, 0.05, 0.0001, 1,
	    "least long-window move of the mid, dollars" },
	{ NULL, 0, 0, 0, 0, NULL }
};

struct ment {			/* a change of the mid */
	uint32_t	 sec;
	int32_t		 mid2;		/* bid + ask: twice the mid */
};

struct fent {			/* trade flow in one second */
	uint32_t	 sec;
	int64_t		 yes, no;
};

struct st {
	struct ring	 mid, flow;
	uint64_t	 first, sh;	/* running indices: oldest, short anchor */
	int		 init;
	int32_t		 ds2, dl2;	/* moves, twice */
};

static int64_t
sec_of(const struct sigdef_cfg *c, int i)
{
	return (int64_t)(c->p[i] / SIGDEF_US);
}

/* Keep one entry at or before now - long (the long anchor) and the
 * short anchor on the last entry at or before now - short. */
static void
advance(const struct sigdef_cfg *c, struct st *s, int64_t now)
{
	int64_t		 now_s = now / SIGDEF_US;
	struct ment	*e;
	struct fent	*f;

	while (s->mid.n >= 2 &&
	    ((struct ment *)ring_at(&s->mid, 1))->sec <= now_s - sec_of(c, P_LONG)) {
		ring_pop(&s->mid);
		s->first++;
	}
	if (s->sh < s->first)
		s->sh = s->first;
	while (s->sh + 1 < s->first + s->mid.n &&
	    (e = ring_at(&s->mid, (uint32_t)(s->sh + 1 - s->first)))->sec <=
	    now_s - sec_of(c, P_SHORT))
		s->sh++;
	while (s->flow.n > 0 && (f = ring_at(&s->flow, 0))->sec <=
	    now_s - sec_of(c, P_SHORT))
		ring_pop(&s->flow);
}

static void
flow(struct st *s, const struct frame *f, uint32_t sec)
{
	struct fent	*e;

	if (f->count <= 0 || f->taker == FRAME_SIDE_NONE)
		return;
	if ((e = ring_last(&s->flow)) == NULL || e->sec != sec) {
		if ((e = ring_push(&s->flow, NULL, NULL)) == NULL)
			return;
		e->sec = sec;
		e->yes = e->no = 0;
	}
	/* Sums of hostile sizes saturate rather than overflow. */
	if (f->taker == FRAME_SIDE_YES) {
		if (__builtin_add_overflow(e->yes, f->count, &e->yes))
			e->yes = INT64_MAX;
	} else if (__builtin_add_overflow(e->no, f->count, &e->no))
		e->no = INT64_MAX;
}

static void
update(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    const struct sigdef_ev *ev)
{
	struct st	*s = v;
	struct ment	*e;
	uint32_t	 sec = (uint32_t)(ev->now / SIGDEF_US);
	int32_t		 mid2;
	int		 full;

	if (!s->init) {
		ring_init(&s->mid, sizeof(struct ment),
		    (uint32_t)sec_of(c, P_LONG) + 2);
		ring_init(&s->flow, sizeof(struct fent),
		    (uint32_t)sec_of(c, P_SHORT) + 2);
		s->init = 1;
	}
	advance(c, s, ev->now);
	if (ev->f->kind == FRAME_TRADE)
		flow(s, ev->f, sec);
	if (!m->quote_ok)
		return;
	mid2 = m->bid + m->ask;
	if ((e = ring_last(&s->mid)) != NULL) {
		if (e->mid2 == mid2)
			return;		/* no change: the step goes on */
		if (e->sec == sec && s->first + s->mid.n - 1 > s->sh) {
			e->mid2 = mid2;	/* the last quote of a second counts */
			return;
		}
	}
	if ((e = ring_push(&s->mid, NULL, &full)) == NULL)
		return;
	if (full)
		s->first++;
	e->sec = sec;
	e->mid2 = mid2;
}

static int
evaluate(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    int64_t now)
{
	struct st	*s = v;
	struct ment	*l, *sh, *cur;
	int64_t		 now_s = now / SIGDEF_US, as, al;

	if (!s->init || !m->quote_ok)
		return 0;
	advance(c, s, now);
	if (s->mid.n < 2)
		return 0;
	l = ring_at(&s->mid, 0);
	if (l->sec > now_s - sec_of(c, P_LONG))
		return 0;	/* not enough history yet */
	sh = ring_at(&s->mid, (uint32_t)(s->sh - s->first));
	cur = ring_last(&s->mid);
	s->ds2 = cur->mid2 - sh->mid2;
	s->dl2 = cur->mid2 - l->mid2;
	as = s->ds2 < 0 ? -s->ds2 : s->ds2;
	al = s->dl2 < 0 ? -s->dl2 : s->dl2;
	return ((s->ds2 > 0 && s->dl2 > 0) || (s->ds2 < 0 && s->dl2 < 0)) &&
	    al >= 2 * llround(c->p[P_MOVE] * NUM_PRICE_SCALE) &&
	    as * sec_of(c, P_LONG) >= al * sec_of(c, P_SHORT);
}

/* A move given twice, in dollars with 4 places (halves away from 0). */
static void
put_half(struct wbuf *w, int32_t v2)
{
	num_put(w, v2 >= 0 ? (v2 + 1) / 2 : -((-v2 + 1) / 2), 4);
}

static void
payload(const struct sigdef_cfg *c, void *v, const struct state_mkt *m,
    struct wbuf *w)
{
	struct st	*s = v;
	struct fent	*f;
	int64_t		 yes = 0, no = 0;
	uint32_t	 i;

	for (i = 0; i < s->flow.n; i++) {
		f = ring_at(&s->flow, i);
		if (__builtin_add_overflow(yes, f->yes, &yes))
			yes = INT64_MAX;
		if (__builtin_add_overflow(no, f->no, &no))
			no = INT64_MAX;
	}
	wbuf_puts(w, "\"direction\":\"");
	if (s->dl2 > 0)
		wbuf_puts(w, "up");
	else
		wbuf_puts(w, "down");
	wbuf_puts(w, "\",\"mid\":\"");
	put_half(w, m->bid + m->ask);
	wbuf_puts(w, "\",\"move_short\":\"");
	put_half(w, s->ds2);
	wbuf_puts(w, "\",\"move_long\":\"");
	put_half(w, s->dl2);
	/* cents per minute: (v2 / 2) units of 1/100 cent over the window */
	wbuf_puts(w, "\",\"rate_short\":");
	num_put_double(w, s->ds2 / 200.0 / (sec_of(c, P_SHORT) / 60.0), 4);
	wbuf_puts(w, ",\"rate_long\":");
	num_put_double(w, s->dl2 / 200.0 / (sec_of(c, P_LONG) / 60.0), 4);
	wbuf_puts(w, ",\"yes_taker_contracts\":\"");
	num_put(w, yes, 2);
	wbuf_puts(w, "\",\"no_taker_contracts\":\"");
	num_put(w, no, 2);
	wbuf_puts(w, "\",\"source\":\"");
	if (m->quote_book)
		wbuf_puts(w, "book\"");
	else
		wbuf_puts(w, "ticker\"");
}

static void
release(void *v)
{
	struct st	*s = v;

	ring_free(&s->mid);
	ring_free(&s->flow);
}

const struct sigdef sig_momentum = {
	.name = "momentum",
	.alias = NULL,
	.params = params,
	.kinds = SIGDEF_QUOTES | FRAME_BIT(FRAME_TRADE),
	.state_size = sizeof(struct st),
	.update = update,
	.evaluate = evaluate,
	.payload = payload,
	.release = release
};
