/* state: markets by ticker (open addressing, linear probing, backward
 * shift deletion), an LRU list, and the sids' sequence numbers. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "num.h"
#include "state.h"

#define SID_MAX		65536

struct sidst {
	int64_t		 sid, last_seq;
	uint32_t	 epoch;
	uint8_t		 used;
};

#define TAB_FIRST	1024	/* slots at start */

struct slot {
	uint64_t	 h;		/* the hash: no deref to compare or move */
	struct state_mkt *m;
};

struct state {
	struct slot	*tab;
	uint32_t	 mask, count, max;
	uint32_t	 cap_max;	/* the table's size at max markets */
	struct state_mkt *head, *tail;	/* LRU: head is the oldest */
	int64_t		 idle_us;
	struct sidst	*sids;
	uint32_t	 nsids;
	uint32_t	 gepoch;	/* bumped by a reconnect marker */
	void		(*release)(void *, struct state_mkt *, int);
	void		*arg;
	struct state_stats st;
};

/* Eight bytes at a time: tickers are 20 to 40 bytes. */
static uint64_t
hash(const char *p, size_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

struct state *
state_new(uint32_t max_markets, int64_t idle_us,
    void (*release)(void *, struct state_mkt *, int), void *arg)
{
	struct state	*s;
	uint32_t	 cap = 16, cap_max = 16;

	/* The table starts small and doubles as markets come (load at most
	 * one half): a day's 2,000 markets then fit in the CPU's cache,
	 * where a table sized for --max-markets would not. */
	while (cap_max < max_markets * 2u && cap_max < (1u << 30))
		cap_max *= 2;
	cap = cap_max < TAB_FIRST ? cap_max : TAB_FIRST;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->tab = calloc(cap, sizeof(*s->tab))) == NULL ||
	    (s->sids = calloc(SID_MAX, sizeof(*s->sids))) == NULL) {
		free(s->tab);
		free(s);
		return NULL;
	}
	s->mask = cap - 1;
	s->cap_max = cap_max;
	s->max = max_markets;
	s->idle_us = idle_us;
	s->release = release;
	s->arg = arg;
	return s;
}

static void
mkt_free(struct state *s, struct state_mkt *m, int why)
{
	s->release(s->arg, m, why);
	book_free(&m->book);
	free(m);
}

void
state_free(struct state *s)
{
	struct state_mkt *m, *n;

	if (s == NULL)
		return;
	for (m = s->head; m != NULL; m = n) {
		n = m->next;
		mkt_free(s, m, STATE_WHY_END);
	}
	free(s->tab);
	free(s->sids);
	free(s);
}

const struct state_stats *
state_stats(const struct state *s)
{
	return &s->st;
}

uint32_t
state_count(const struct state *s)
{
	return s->count;
}

static struct sidst *
sid_get(struct state *s, int64_t sid)
{
	uint32_t	i = (uint32_t)hash((const char *)&sid, sizeof(sid)) &
			    (SID_MAX - 1);

	while (s->sids[i].used) {
		if (s->sids[i].sid == sid)
			return &s->sids[i];
		i = (i + 1) & (SID_MAX - 1);
	}
	if (s->nsids >= SID_MAX / 2)
		return NULL;	/* no tracking past that: never a false gap */
	s->nsids++;
	s->sids[i].used = 1;
	s->sids[i].sid = sid;
	s->sids[i].last_seq = -1;
	return &s->sids[i];
}

int
state_book_ok(const struct state *s, const struct state_mkt *m)
{
	const struct sidst *sd;
	struct state	*w = (struct state *)s;

	if (m->book.state != BOOK_OK || m->book.gepoch != s->gepoch)
		return 0;
	sd = sid_get(w, m->book.sid);
	return sd == NULL || sd->epoch == m->book.epoch;
}

void
state_each(const struct state *s, void (*fn)(void *, const struct state_mkt *),
    void *arg)
{
	const struct state_mkt	*m;

	for (m = s->head; m != NULL; m = m->next)
		fn(arg, m);
}

void
state_seq(struct state *s, const struct frame *f)
{
	struct sidst	*sd;

	if (!f->has_sid || !f->has_seq || (sd = sid_get(s, f->sid)) == NULL)
		return;
	if (sd->last_seq >= 0 && f->seq > sd->last_seq + 1) {
		s->st.gaps++;
		sd->epoch++;
	}
	if (f->seq > sd->last_seq || f->kind == FRAME_SNAPSHOT)
		sd->last_seq = f->seq;
}

void
state_gap(struct state *s, const struct frame *f)
{
	struct sidst	*sd;

	s->st.gaps++;
	if (f->kind == FRAME_GAP && f->has_sid &&
	    (sd = sid_get(s, f->sid)) != NULL) {
		sd->epoch++;
		/* the frame after the marker is the first of the new run */
		sd->last_seq = -1;
		return;
	}
	s->gepoch++;
}

static void
lru_unlink(struct state *s, struct state_mkt *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		s->head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else
		s->tail = m->prev;
	m->prev = m->next = NULL;
}

static void
lru_append(struct state *s, struct state_mkt *m)
{
	m->prev = s->tail;
	m->next = NULL;
	if (s->tail != NULL)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
}

static uint32_t
slot_of(const struct state *s, const char *t, size_t n, int *found)
{
	uint64_t		 h = hash(t, n);
	uint32_t		 i = (uint32_t)h & s->mask;
	const struct state_mkt	*m;

	for (; (m = s->tab[i].m) != NULL; i = (i + 1) & s->mask) {
		if (s->tab[i].h == h && m->tlen == n &&
		    memcmp(m->ticker, t, n) == 0) {
			*found = 1;
			return i;
		}
	}
	*found = 0;
	return i;
}

/* Remove slot i and shift back the entries of its probe run. */
/* Twice the slots, every market moved to its new home. */
static int
grow(struct state *s)
{
	uint32_t	 cap = (s->mask + 1) * 2, i, j;
	struct slot	*nt;

	if ((nt = calloc(cap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i <= s->mask; i++) {
		if (s->tab[i].m == NULL)
			continue;
		for (j = (uint32_t)s->tab[i].h & (cap - 1); nt[j].m != NULL;
		    j = (j + 1) & (cap - 1))
			;
		nt[j] = s->tab[i];
	}
	free(s->tab);
	s->tab = nt;
	s->mask = cap - 1;
	return 0;
}

static void
tab_delete(struct state *s, uint32_t i)
{
	uint32_t	j = i, k;

	s->tab[i].m = NULL;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->tab[j].m == NULL)
			return;
		k = (uint32_t)s->tab[j].h & s->mask;
		/* move j to i unless its home k lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			s->tab[i] = s->tab[j];
			s->tab[j].m = NULL;
			i = j;
		}
	}
}

static void
drop(struct state *s, struct state_mkt *m, int why)
{
	int		found;
	uint32_t	i = slot_of(s, m->ticker, m->tlen, &found);

	if (found)
		tab_delete(s, i);
	lru_unlink(s, m);
	s->count--;
	mkt_free(s, m, why);
}

struct state_mkt *
state_find(struct state *s, const char *t, size_t n)
{
	int		found;
	uint32_t	i = slot_of(s, t, n, &found);

	return found ? s->tab[i].m : NULL;
}

struct state_mkt *
state_get(struct state *s, const char *t, size_t n, int64_t now)
{
	struct state_mkt	*m;
	int			 found;
	uint32_t		 i;

	if (n > UINT16_MAX)
		return NULL;
	i = slot_of(s, t, n, &found);
	if (found) {
		m = s->tab[i].m;
		m->last_us = now;
		if (m != s->tail) {
			lru_unlink(s, m);
			lru_append(s, m);
		}
		return m;
	}
	if (s->count >= s->max && s->head != NULL) {
		s->st.evicted_cap++;
		drop(s, s->head, STATE_WHY_CAP);
		i = slot_of(s, t, n, &found);
	} else if ((s->count + 1) * 2 > s->mask + 1 &&
	    s->mask + 1 < s->cap_max) {
		if (grow(s) == -1)
			return NULL;
		i = slot_of(s, t, n, &found);
	}
	if ((m = calloc(1, sizeof(*m) + n + 1)) == NULL)
		return NULL;
	memcpy(m->ticker, t, n);
	m->tlen = (uint16_t)n;
	m->last_us = now;
	m->t_bid = m->t_ask = m->t_price = m->volume = m->dollar_volume = -1;
	m->book_seq = m->trade_seq = -1;
	s->tab[i].m = m;
	s->tab[i].h = hash(t, n);
	lru_append(s, m);
	s->count++;
	s->st.markets++;
	return m;
}

void
state_release(struct state *s, struct state_mkt *m)
{
	s->st.released++;
	drop(s, m, STATE_WHY_RELEASED);
}

void
state_touch_all(struct state *s, int64_t now)
{
	struct state_mkt	*m;

	for (m = s->head; m != NULL; m = m->next)
		m->last_us = now;
}

void
state_expire(struct state *s, int64_t now)
{
	while (s->idle_us > 0 && s->head != NULL &&
	    s->head->last_us < now - s->idle_us) {
		s->st.evicted_idle++;
		drop(s, s->head, STATE_WHY_IDLE);
	}
}

static void
broken(struct state *s, struct state_mkt *m, enum book_res r)
{
	switch (r) {
	case BOOK_NEGATIVE: s->st.negative++; break;
	case BOOK_CROSSED:  s->st.crossed++; break;
	case BOOK_FULL:     s->st.full++; break;
	case BOOK_BADPRICE: s->st.badprice++; break;
	default: break;
	}
	m->book.state = BOOK_UNKNOWN;
	book_clear(&m->book);
}

static int
snapshot(struct state *s, struct state_mkt *m, const struct frame *f)
{
	const struct frame_lvls	*side[2] = { &f->yes, &f->no };
	const char		*it;
	int64_t			 px, sz;
	int			 i, r;
	enum book_res		 br;
	struct sidst		*sd;

	s->st.snapshots++;
	book_clear(&m->book);
	m->book.state = BOOK_OK;
	m->book.sid = f->sid;
	sd = f->has_sid ? sid_get(s, f->sid) : NULL;
	m->book.epoch = sd != NULL ? sd->epoch : 0;
	m->book.gepoch = s->gepoch;
	m->book_seq = f->has_seq ? f->seq : -1;
	for (i = 0; i < 2; i++) {
		if (side[i]->form == FRAME_LVL_NONE)
			continue;	/* an absent side is an empty one */
		it = side[i]->p;
		while ((r = frame_lvl_next(side[i], &it, &px, &sz)) ==
		    FRAME_LVL_LEVEL) {
			if ((br = book_add(&m->book, i == 0, px, sz)) != BOOK_APPLIED) {
				broken(s, m, br);
				return STATE_BOOK_BROKEN;
			}
		}
		if (r == FRAME_LVL_MALFORMED) {
			broken(s, m, BOOK_BADPRICE);
			return STATE_BOOK_BROKEN;
		}
	}
	if ((br = book_check(&m->book)) != BOOK_APPLIED) {
		broken(s, m, br);
		return STATE_BOOK_BROKEN;
	}
	return STATE_BOOK_APPLIED;
}

static int
delta(struct state *s, struct state_mkt *m, const struct frame *f)
{
	enum book_res	br;

	s->st.deltas++;
	if (!state_book_ok(s, m) || f->side == FRAME_SIDE_NONE ||
	    f->dprice < 0 || f->delta == INT64_MIN || (f->has_sid && f->sid != m->book.sid)) {
		s->st.deltas_unknown++;
		return STATE_BOOK_IGNORED;
	}
	if (f->has_seq && m->book_seq >= 0 && f->seq <= m->book_seq) {
		s->st.stale++;
		return STATE_BOOK_STALE;
	}
	if (f->has_seq)
		m->book_seq = f->seq;
	br = book_add(&m->book, f->side == FRAME_SIDE_YES, f->dprice, f->delta);
	if (br == BOOK_APPLIED)
		br = book_check(&m->book);
	if (br != BOOK_APPLIED) {
		broken(s, m, br);
		return STATE_BOOK_BROKEN;
	}
	return STATE_BOOK_APPLIED;
}

static void
quote(const struct state *s, struct state_mkt *m)
{
	int32_t	y, n;

	if (state_book_ok(s, m) && book_best(&m->book, 1, &y, NULL) &&
	    book_best(&m->book, 0, &n, NULL)) {
		m->bid = y;
		m->ask = NUM_PRICE_SCALE - n;
		m->quote_ok = m->quote_book = 1;
		return;
	}
	m->quote_book = 0;
	if (m->t_bid > 0 && m->t_ask > m->t_bid && m->t_ask < NUM_PRICE_SCALE) {
		m->bid = (int32_t)m->t_bid;
		m->ask = (int32_t)m->t_ask;
		m->quote_ok = 1;
	} else
		m->quote_ok = 0;
}

int
state_apply(struct state *s, struct state_mkt *m, const struct frame *f)
{
	int	r = STATE_BOOK_NONE;

	switch (f->kind) {
	case FRAME_SNAPSHOT:
		r = snapshot(s, m, f);
		break;
	case FRAME_DELTA:
		r = delta(s, m, f);
		break;
	case FRAME_TRADE:
		if (f->has_seq && m->trade_seq >= 0 && f->seq <= m->trade_seq) {
			s->st.stale++;
			return STATE_BOOK_STALE;
		}
		if (f->has_seq)
			m->trade_seq = f->seq;
		break;
	case FRAME_TICKER:
		if (f->bid >= 0)
			m->t_bid = f->bid;
		if (f->ask >= 0)
			m->t_ask = f->ask;
		if (f->price > 0)
			m->t_price = f->price;
		if (f->volume >= 0)
			m->volume = f->volume;
		if (f->dollar_volume >= 0)
			m->dollar_volume = f->dollar_volume;
		break;
	case FRAME_LIFECYCLE:
		/* activation after a pause cancels every resting order */
		if (f->life == FRAME_LIFE_ACTIVATED ||
		    f->life == FRAME_LIFE_DEACTIVATED)
			book_clear(&m->book);
		if (f->life == FRAME_LIFE_DETERMINED ||
		    f->life == FRAME_LIFE_SETTLED)
			m->closed = 1;
		break;
	default:
		break;
	}
	quote(s, m);
	return r;
}
