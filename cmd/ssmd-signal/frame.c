/* frame: read the members that matter, skip the rest. */
#include <string.h>

#include "frame.h"
#include "json.h"
#include "num.h"
#include "ts.h"

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* One member of an object: key (without quotes) and value span. */
struct mem {
	const char	*k, *v;
	size_t		 kl, vl;
};

/* *pp is just inside '{' or just past a member.  Returns 1 with the key
 * and the start of its value in m (m->vl unset: the caller skips or reads
 * the value and moves *pp past it), 0 at the closing brace (*pp just past
 * it), -1 if malformed. */
static int
next_key(const char **pp, const char *end, struct mem *m)
{
	const char	*p = ws(*pp, end), *e;

	if (p < end && *p == ',')
		p = ws(p + 1, end);
	if (p < end && *p == '}') {
		*pp = p + 1;
		return 0;
	}
	if (p == end || *p != '"' || (e = json_skip_string(p, end)) == NULL)
		return -1;
	m->k = p + 1;
	m->kl = (size_t)(e - p - 2);
	p = ws(e, end);
	if (p == end || *p != ':')
		return -1;
	p = ws(p + 1, end);
	if (p == end)
		return -1;
	m->v = p;
	*pp = p;
	return 1;
}

/* The same, with the value skipped and spanned. */
static int
next_member(const char **pp, const char *end, struct mem *m)
{
	const char	*e;
	int		 r;

	if ((r = next_key(pp, end, m)) != 1)
		return r;
	/* strings are most values: skip them without the general scan */
	if (*m->v == '"')
		e = json_skip_string(m->v, end);
	else
		e = json_skip(m->v, end);
	if (e == NULL)
		return -1;
	m->vl = (size_t)(e - m->v);
	*pp = e;
	return 1;
}

#define KEY(m, s)	((m)->kl == sizeof(s) - 1 && memcmp((m)->k, s, sizeof(s) - 1) == 0)
#define VAL(m, s)	((m)->vl == sizeof(s) + 1 && memcmp((m)->v + 1, s, sizeof(s) - 1) == 0 && (m)->v[0] == '"')

static int
int_val(const struct mem *m, int64_t *out)
{
	return num_dec(m->v, m->vl, 0, out) == NUM_OK;
}

/* An RFC 3339 time; the date and time to the second are parsed once and
 * reused while they stay the same (consecutive envelopes share them). */
static int
time_val(const char *p, size_t n, int64_t *us)
{
	static char	 last[20];
	static int64_t	 last_base;
	int64_t		 frac = 0;
	size_t		 i;

	if (n == TS_LEN && p[19] == '.' && p[26] == 'Z' &&
	    memcmp(p, last, 19) == 0) {
		for (i = 20; i < 26; i++) {
			if (p[i] < '0' || p[i] > '9')
				goto slow;
			frac = frac * 10 + (p[i] - '0');
		}
		*us = last_base + frac;
		return 1;
	}
slow:
	if (ts_parse(p, n, us) == -1)
		return 0;
	if (n == TS_LEN && p[19] == '.' && p[26] == 'Z') {
		memcpy(last, p, 19);
		last_base = *us - *us % 1000000;
	}
	return 1;
}

/* ts in a frame: integer seconds, or an RFC 3339 string. */
static int
ts_member(const struct mem *m, int64_t *us)
{
	int64_t	v;

	if (m->vl >= 2 && m->v[0] == '"')
		return time_val(m->v + 1, m->vl - 2, us);
	if (!int_val(m, &v) || v < 0 || v > INT64_MAX / 1000000)
		return 0;
	*us = v * 1000000;
	return 1;
}

static int
side_val(const struct mem *m)
{
	if (VAL(m, "yes"))
		return FRAME_SIDE_YES;
	if (VAL(m, "no"))
		return FRAME_SIDE_NO;
	return FRAME_SIDE_NONE;
}

/* A price field: dollars (preferred) or cents. */
static void
price(const struct mem *m, int dollars, int64_t *out, int *rank)
{
	int64_t	v;

	if (*rank > dollars)
		return;
	if (num_dec(m->v, m->vl, dollars ? 4 : 0, &v) != NUM_OK)
		return;
	*out = dollars ? v : v * NUM_CENT;
	*rank = dollars;
}

/* A size field: _fp string (preferred) or whole contracts; num_dec with
 * two places reads both. */
static void
size(const struct mem *m, int fp, int64_t *out, int *rank)
{
	int64_t	v;

	if (*rank > fp)
		return;
	if (num_dec(m->v, m->vl, 2, &v) != NUM_OK)
		return;
	*out = v;
	*rank = fp;
}

static void
lvls(const struct mem *m, int form, struct frame_lvls *lv)
{
	if (form < lv->form || m->vl < 2 || m->v[0] != '[')
		return;
	lv->form = form;
	lv->p = m->v;
	lv->n = m->vl;
}

static int
life_val(const struct mem *m)
{
	if (VAL(m, "determined"))
		return FRAME_LIFE_DETERMINED;
	if (VAL(m, "settled"))
		return FRAME_LIFE_SETTLED;
	if (VAL(m, "activated"))
		return FRAME_LIFE_ACTIVATED;
	if (VAL(m, "deactivated"))
		return FRAME_LIFE_DEACTIVATED;
	return FRAME_LIFE_OTHER;
}

/* The members of msg.  Ranks: a dollar/fp form outranks the cent/integer
 * one whatever their order in the frame. */
static const char *
read_msg(const char *p, const char *end, struct frame *f)
{
	struct mem	 m;
	int		 r, rp = -1, rb = -1, ra = -1, rv = -1, ryp = -1, rc = -1,
			 rdp = -1, rd = -1, rts = -1;
	int64_t		 us;

	if (p == end || *p != '{')
		return NULL;
	p++;
	while ((r = next_member(&p, end, &m)) == 1) {
		if (KEY(&m, "market_ticker")) {
			if (m.vl < 3 || m.v[0] != '"')
				continue;
			f->ticker = m.v + 1;
			f->tlen = m.vl - 2;
		} else if (KEY(&m, "ts_ms")) {
			if (int_val(&m, &us) && us >= 0 && us < INT64_MAX / 1000) {
				f->t_us = us * 1000;
				rts = 2;
			}
		} else if (KEY(&m, "ts")) {
			if (rts < 1 && ts_member(&m, &us)) {
				f->t_us = us;
				rts = 1;
			}
		} else switch (f->kind) {
		case FRAME_TICKER:
			if (KEY(&m, "price_dollars"))
				price(&m, 1, &f->price, &rp);
			else if (KEY(&m, "price"))
				price(&m, 0, &f->price, &rp);
			else if (KEY(&m, "yes_bid_dollars"))
				price(&m, 1, &f->bid, &rb);
			else if (KEY(&m, "yes_bid"))
				price(&m, 0, &f->bid, &rb);
			else if (KEY(&m, "yes_ask_dollars"))
				price(&m, 1, &f->ask, &ra);
			else if (KEY(&m, "yes_ask"))
				price(&m, 0, &f->ask, &ra);
			else if (KEY(&m, "volume_fp"))
				size(&m, 1, &f->volume, &rv);
			else if (KEY(&m, "volume"))
				size(&m, 0, &f->volume, &rv);
			else if (KEY(&m, "dollar_volume"))
				(void)int_val(&m, &f->dollar_volume);
			break;
		case FRAME_TRADE:
			if (KEY(&m, "yes_price_dollars"))
				price(&m, 2, &f->yes_price, &ryp);
			else if (KEY(&m, "yes_price"))
				price(&m, 0, &f->yes_price, &ryp);
			else if (KEY(&m, "price") && ryp < 0)
				price(&m, 0, &f->yes_price, &ryp);
			else if (KEY(&m, "count_fp"))
				size(&m, 1, &f->count, &rc);
			else if (KEY(&m, "count"))
				size(&m, 0, &f->count, &rc);
			else if (KEY(&m, "taker_outcome_side"))
				f->taker = side_val(&m);
			else if ((KEY(&m, "taker_side") || KEY(&m, "side")) &&
			    f->taker == FRAME_SIDE_NONE)
				f->taker = side_val(&m);
			break;
		case FRAME_DELTA:
			if (KEY(&m, "price_dollars"))
				price(&m, 1, &f->dprice, &rdp);
			else if (KEY(&m, "price"))
				price(&m, 0, &f->dprice, &rdp);
			else if (KEY(&m, "delta_fp"))
				size(&m, 1, &f->delta, &rd);
			else if (KEY(&m, "delta"))
				size(&m, 0, &f->delta, &rd);
			else if (KEY(&m, "side"))
				f->side = side_val(&m);
			break;
		case FRAME_SNAPSHOT:
			if (KEY(&m, "yes_dollars_fp"))
				lvls(&m, FRAME_LVL_DOLLARS_FP, &f->yes);
			else if (KEY(&m, "no_dollars_fp"))
				lvls(&m, FRAME_LVL_DOLLARS_FP, &f->no);
			else if (KEY(&m, "yes_dollars"))
				lvls(&m, FRAME_LVL_DOLLARS, &f->yes);
			else if (KEY(&m, "no_dollars"))
				lvls(&m, FRAME_LVL_DOLLARS, &f->no);
			else if (KEY(&m, "yes"))
				lvls(&m, FRAME_LVL_CENTS, &f->yes);
			else if (KEY(&m, "no"))
				lvls(&m, FRAME_LVL_CENTS, &f->no);
			break;
		case FRAME_LIFECYCLE:
			if (KEY(&m, "event_type"))
				f->life = life_val(&m);
			break;
		}
	}
	if (r < 0)
		return NULL;
	if (rts >= 0)
		f->has_t = 1;
	return p;
}

static int
kind_of(const struct mem *m)
{
	if (VAL(m, "ticker"))
		return FRAME_TICKER;
	if (VAL(m, "trade"))
		return FRAME_TRADE;
	if (VAL(m, "orderbook_delta"))
		return FRAME_DELTA;
	if (VAL(m, "orderbook_snapshot"))
		return FRAME_SNAPSHOT;
	if (VAL(m, "market_lifecycle_v2"))
		return FRAME_LIFECYCLE;
	if (VAL(m, "ssmd_gap"))
		return FRAME_GAP;
	if (VAL(m, "ssmd_reconnect") || VAL(m, "ssmd_stream_gap"))
		return FRAME_RESET;
	return FRAME_OTHER;
}

/* Read the object at p (up to end) as a frame; an envelope's data
 * recurses once.  depth 0 is the line itself.  *endp is set just past the
 * object.  data and msg are read in place, never skipped first. */
static int
read_obj(const char *p, const char *end, struct frame *f, int depth,
    const char **endp, unsigned want)
{
	const char	*q = ws(p, end), *msg = NULL, *e, *env_ts = NULL;
	size_t		 env_tsl = 0;
	struct mem	 m;
	int		 r, kind = FRAME_OTHER, env = 0, had;
	int64_t		 us, v, keep;

	if (q == end || *q != '{') {
		f->bad = "not_object";
		return FRAME_BAD;
	}
	f->data = q;
	q++;
	while ((r = next_key(&q, end, &m)) == 1) {
		if (KEY(&m, "data") && depth == 0 && *m.v == '{') {
			env = read_obj(m.v, end, f, 1, &q, want);
			if (env == FRAME_BAD || env == FRAME_SKIP)
				return env;
			continue;
		}
		if (KEY(&m, "msg") && *m.v == '{' && kind >= FRAME_TICKER &&
		    kind <= FRAME_LIFECYCLE && msg == NULL) {
			had = f->has_t;
			keep = f->t_us;
			f->kind = kind;
			if ((q = read_msg(m.v, end, f)) == NULL) {
				f->bad = "msg";
				return FRAME_BAD;
			}
			if (had == 2) {		/* the envelope's time wins */
				f->t_us = keep;
				f->has_t = 2;
			}
			msg = m.v;
			continue;
		}
		e = *m.v == '"' ? json_skip_string(m.v, end) : json_skip(m.v, end);
		if (e == NULL)
			return FRAME_BAD;
		m.vl = (size_t)(e - m.v);
		q = e;
		if (KEY(&m, "ts")) {
			/* an envelope's receive time outranks all others;
			 * read at the end, not for a frame skipped */
			if (m.v[0] == '"' && depth == 0) {
				env_ts = m.v + 1;
				env_tsl = m.vl - 2;
			} else if (!f->has_t && ts_member(&m, &us)) {
				f->t_us = us;
				f->has_t = 1;
			}
		} else if (KEY(&m, "type")) {
			kind = kind_of(&m);
			if (kind >= FRAME_TICKER && kind <= FRAME_LIFECYCLE &&
			    !(want & FRAME_BIT(kind)))
				return FRAME_SKIP;
		} else if (KEY(&m, "sid")) {
			if (int_val(&m, &v)) {
				f->sid = v;
				f->has_sid = 1;
			}
		} else if (KEY(&m, "seq")) {
			if (int_val(&m, &v)) {
				f->seq = v;
				f->has_seq = 1;
			}
		} else if (KEY(&m, "msg")) {
			msg = m.v;	/* before its type: read at the end */
		} else if (KEY(&m, "_received_at") && !f->has_t) {
			if (int_val(&m, &v) && v >= 0) {
				f->t_us = v;
				f->has_t = 1;
			}
		}
	}
	if (r < 0) {
		f->bad = "syntax";
		return FRAME_BAD;
	}
	*endp = q;
	if (env_ts != NULL && time_val(env_ts, env_tsl, &us)) {
		f->t_us = us;
		f->has_t = 2;
	}
	if (env != 0)		/* the envelope's data decided */
		return env;
	f->dlen = (size_t)(q - f->data);
	if (msg != NULL && f->kind != kind && kind >= FRAME_TICKER &&
	    kind <= FRAME_LIFECYCLE && *msg == '{') {
		had = f->has_t;
		keep = f->t_us;
		f->kind = kind;
		if (read_msg(msg, end, f) == NULL) {
			f->bad = "msg";
			return FRAME_BAD;
		}
		if (had == 2) {
			f->t_us = keep;
			f->has_t = 2;
		}
	}
	if (kind >= FRAME_TICKER && kind <= FRAME_LIFECYCLE &&
	    (f->ticker == NULL || msg == NULL))
		return FRAME_OTHER;
	return kind;
}

/* The type of a line in one of the two common shapes, found without a
 * walk: an ssmd-stamp envelope, whose keys come in a fixed order,
 *	{"ts":"<27 bytes>","feed":"<name>","data":{"type":"<type>"
 * or a Kalshi frame that starts with its type.  1 with the type's span
 * (quotes included) in m, or 0: the general walk decides. */
static int
quick_type(const char *p, size_t n, struct mem *m)
{
	static const char	 env[] = "{\"ts\":\"", feed[] = "\",\"feed\":\"",
				 data[] = ",\"data\":{\"type\":\"", raw[] = "{\"type\":\"";
	const char		*q, *e, *end = p + n;

	if (n > 64 && memcmp(p, env, 7) == 0 &&
	    memcmp(p + 7 + TS_LEN, feed, 10) == 0) {
		q = p + 7 + TS_LEN + 10;
		/* a feed name is 1 to 64 plain bytes */
		if ((e = memchr(q, '"', (size_t)(end - q) < 65 ?
		    (size_t)(end - q) : 65)) == NULL || e[-1] == '\\')
			return 0;
		q = e + 1;
		if ((size_t)(end - q) < 17 || memcmp(q, data, 17) != 0)
			return 0;
		q += 17;
	} else if (n > 9 && memcmp(p, raw, 9) == 0)
		q = p + 9;
	else
		return 0;
	if ((e = memchr(q, '"', (size_t)(end - q) < 64 ? (size_t)(end - q) :
	    64)) == NULL || e[-1] == '\\')
		return 0;
	m->v = q - 1;
	m->vl = (size_t)(e - q) + 2;
	return 1;
}

int
frame_read(const char *p, size_t n, struct frame *f, unsigned want)
{
	const char	*end = p + n, *e = end;
	struct mem	 m;
	int		 kind;

	/* a kind no signal reads is known from its first bytes */
	if (want != FRAME_ALL && quick_type(p, n, &m)) {
		kind = kind_of(&m);
		if (kind >= FRAME_TICKER && kind <= FRAME_LIFECYCLE &&
		    !(want & FRAME_BIT(kind))) {
			f->kind = FRAME_SKIP;
			return FRAME_SKIP;
		}
	}
	memset(f, 0, sizeof(*f));
	f->price = f->bid = f->ask = f->volume = f->dollar_volume = -1;
	f->yes_price = f->count = f->dprice = -1;
	f->delta = INT64_MIN;
	f->kind = read_obj(p, end, f, 0, &e, want);
	if (f->kind == FRAME_SKIP)
		return FRAME_SKIP;
	if (f->kind != FRAME_BAD && ws(e, end) != end) {
		f->kind = FRAME_BAD;
		f->bad = "trailing";
	}
	if (f->kind == FRAME_BAD && f->bad == NULL)
		f->bad = "syntax";
	return f->kind;
}

/* [ [p, s], [p, s] ] */
int
frame_lvl_next(const struct frame_lvls *lv, const char **it, int64_t *price,
    int64_t *size)
{
	const char	*end = lv->p + lv->n, *p = *it, *a, *b;
	int64_t		 v;

	if (p == lv->p)
		p++;		/* the outer '[' */
	p = ws(p, end);
	if (p < end && *p == ',')
		p = ws(p + 1, end);
	if (p < end && *p == ']')
		return FRAME_LVL_END;
	if (p == end || *p != '[')
		return FRAME_LVL_MALFORMED;
	a = ws(p + 1, end);
	if ((b = json_skip(a, end)) == NULL)
		return FRAME_LVL_MALFORMED;
	if (num_dec(a, (size_t)(b - a), lv->form == FRAME_LVL_CENTS ? 0 : 4,
	    &v) != NUM_OK)
		return FRAME_LVL_MALFORMED;
	*price = lv->form == FRAME_LVL_CENTS ? v * NUM_CENT : v;
	a = ws(b, end);
	if (a == end || *a != ',')
		return FRAME_LVL_MALFORMED;
	a = ws(a + 1, end);
	if ((b = json_skip(a, end)) == NULL)
		return FRAME_LVL_MALFORMED;
	if (num_dec(a, (size_t)(b - a), 2, size) != NUM_OK)
		return FRAME_LVL_MALFORMED;
	p = ws(b, end);
	if (p == end || *p != ']')
		return FRAME_LVL_MALFORMED;
	*it = p + 1;
	return FRAME_LVL_LEVEL;
}
