/* traffic: frames built with snprintf into a caller's buffer. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "traffic.h"
#include "ts.h"

void
traffic_rng_seed(struct sim_rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
}

/* splitmix64: small, fast, and good enough for test traffic. */
uint64_t
traffic_rand(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
traffic_below(struct sim_rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)((traffic_rand(r) >> 32) * n >> 32);
}

static void
uuid(char out[37], struct sim_rng *r)
{
	uint64_t a = traffic_rand(r), b = traffic_rand(r);

	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xffff, (unsigned)(b >> 48),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

static size_t
fit(int n, size_t cap)
{
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* A tiny appender: the hot frames are built without printf, which
 * dominated the simulator's profile. */
struct out {
	char	*p, *end;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) > n) {
		memcpy(o->p, s, n);
		o->p += n;
	} else
		o->p = o->end;		/* full: fin() reports 0 */
}

#define PUTS(o, lit)	put((o), (lit), sizeof(lit) - 1)

static void
putstr(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
putint(struct out *o, long long v)
{
	char	 b[24], *q = b + sizeof b;
	unsigned long long u = v < 0 ? -(unsigned long long)v :
	    (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	put(o, q, (size_t)(b + sizeof b - q));
}

/* Cents as Kalshi's dollar string, "0.4500". */
static void
putcents(struct out *o, int c)
{
	char	 b[7] = { (char)('0' + c / 100), '.', (char)('0' + c / 10 % 10),
	    (char)('0' + c % 10), '0', '0', 0 };

	put(o, b, 6);
}

/* A count as an _fp string, "123.00". */
static void
putfp(struct out *o, long long v)
{
	putint(o, v);
	PUTS(o, ".00\"");
}

static size_t
fin(struct out *o, char *start)
{
	if (o->p >= o->end)
		return 0;
	*o->p = '\0';
	return (size_t)(o->p - start);
}

static void
tick_init(struct sim_tick *t, const struct sim_market *m)
{
	if (t->init)
		return;
	t->init = 1;
	t->last = (int16_t)m->cents;
	t->bid = (int16_t)(m->cents > 1 ? m->cents - 1 : 1);
	t->ask = (int16_t)(m->cents < 99 ? m->cents + 1 : 99);
	t->vol = m->cents * 37;
	t->oi = m->cents * 11;
}

/* A small random walk that keeps 1 <= bid < ask <= 99. */
static void
tick_move(struct sim_tick *t, struct sim_rng *r)
{
	int	 mid = (t->bid + t->ask) / 2 + (int)traffic_below(r, 3) - 1;
	int	 half = 1 + (int)traffic_below(r, 2);

	if (mid - half < 1)
		mid = 1 + half;
	if (mid + half > 99)
		mid = 99 - half;
	t->bid = (int16_t)(mid - half);
	t->ask = (int16_t)(mid + half);
}

/* RFC 3339 UTC, with microseconds (frac) or whole seconds. */
static void
iso(char out[TS_LEN + 1], int64_t ms, int frac)
{
	struct timespec	 t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	ts_format(out, &t);
	if (!frac) {
		out[19] = 'Z';
		out[20] = '\0';
	}
}

size_t
traffic_ticker(char *b, size_t cap, int sid, const struct sim_market *m,
    struct sim_tick *t, struct sim_rng *r, int64_t now)
{
	struct out o = { b, b + cap };
	char	 tm[TS_LEN + 1];
	int	 bs = 1 + (int)traffic_below(r, 5000), as = 1 + (int)traffic_below(r, 5000);
	int	 ls = (int)traffic_below(r, 4) == 0 ? 1 + (int)traffic_below(r, 200) : 0;

	tick_init(t, m);
	tick_move(t, r);
	if (ls > 0) {
		t->last = traffic_below(r, 2) ? t->ask : t->bid;
		t->vol += ls;
		t->oi += (int)traffic_below(r, 2) ? ls : 0;
	}
	iso(tm, now, 1);
	PUTS(&o, "{\"type\":\"ticker\",\"sid\":");
	putint(&o, sid);
	PUTS(&o, ",\"msg\":{\"market_id\":\"");
	putstr(&o, m->id);
	PUTS(&o, "\",\"market_ticker\":\"");
	putstr(&o, m->ticker);
	PUTS(&o, "\",\"price_dollars\":\"");
	putcents(&o, t->last);
	PUTS(&o, "\",\"yes_bid_dollars\":\"");
	putcents(&o, t->bid);
	PUTS(&o, "\",\"yes_ask_dollars\":\"");
	putcents(&o, t->ask);
	PUTS(&o, "\",\"volume_fp\":\"");
	putfp(&o, t->vol);
	PUTS(&o, ",\"open_interest_fp\":\"");
	putfp(&o, t->oi);
	PUTS(&o, ",\"dollar_volume\":");
	putint(&o, t->vol / 2);
	PUTS(&o, ",\"dollar_open_interest\":");
	putint(&o, t->oi / 2);
	PUTS(&o, ",\"yes_bid_size_fp\":\"");
	putfp(&o, bs);
	PUTS(&o, ",\"yes_ask_size_fp\":\"");
	putfp(&o, as);
	PUTS(&o, ",\"last_trade_size_fp\":\"");
	putfp(&o, ls);
	PUTS(&o, ",\"ts\":");
	putint(&o, now / 1000);
	PUTS(&o, ",\"ts_ms\":");
	putint(&o, now);
	PUTS(&o, ",\"time\":\"");
	put(&o, tm, TS_LEN);
	PUTS(&o, "\"}}");
	return fin(&o, b);
}

size_t
traffic_ticker_v2(char *b, size_t cap, int sid, int64_t seq,
    const struct sim_market *m, struct sim_tick *t, struct sim_rng *r,
    int64_t now)
{
	char	 bid[16], ask[16];

	tick_init(t, m);
	tick_move(t, r);
	markets_dollars(bid, t->bid);
	markets_dollars(ask, t->ask);
	return fit(snprintf(b, cap, "{\"type\":\"ticker_v2\",\"sid\":%d,"
	    "\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\",\"yes_bid_dollars\":"
	    "\"%s\",\"yes_ask_dollars\":\"%s\",\"ts\":%lld}}", sid,
	    (long long)seq, m->ticker, bid, ask, (long long)(now / 1000)), cap);
}

size_t
traffic_trade(char *b, size_t cap, int sid, int64_t seq,
    const struct sim_market *m, struct sim_tick *t, struct sim_rng *r,
    int64_t now)
{
	struct out o = { b, b + cap };
	char	 id[37];
	int	 yesside = (int)traffic_below(r, 2), price, count;

	tick_init(t, m);
	tick_move(t, r);
	price = yesside ? t->ask : t->bid;
	count = 1 + (int)traffic_below(r, 250);
	t->last = (int16_t)price;
	t->vol += count;
	uuid(id, r);
	PUTS(&o, "{\"type\":\"trade\",\"sid\":");
	putint(&o, sid);
	PUTS(&o, ",\"seq\":");
	putint(&o, seq);
	PUTS(&o, ",\"msg\":{\"trade_id\":\"");
	put(&o, id, 36);
	PUTS(&o, "\",\"market_ticker\":\"");
	putstr(&o, m->ticker);
	PUTS(&o, "\",\"yes_price_dollars\":\"");
	putcents(&o, price);
	PUTS(&o, "\",\"no_price_dollars\":\"");
	putcents(&o, 100 - price);
	PUTS(&o, "\",\"count_fp\":\"");
	putfp(&o, count);
	PUTS(&o, ",\"taker_side\":\"");
	putstr(&o, yesside ? "yes" : "no");
	PUTS(&o, "\",\"ts\":");
	putint(&o, now / 1000);
	PUTS(&o, "}}");
	return fin(&o, b);
}

/* Yes bids rest below the market's price, no bids below 100 minus it, so
 * the two sides never cross. */
static int
band(const struct sim_market *m, int side, int *lo)
{
	int	 top = side == 0 ? m->cents - 1 : 99 - m->cents;

	if (top < 1)
		top = 1;
	*lo = top > 8 ? top - 8 : 1;
	return top;
}

void
traffic_book_init(struct sim_book *bk, const struct sim_market *m,
    struct sim_rng *r)
{
	int	 s, p, lo, hi;

	memset(bk, 0, sizeof *bk);
	for (s = 0; s < 2; s++) {
		hi = band(m, s, &lo);
		for (p = lo; p <= hi; p++)
			if (traffic_below(r, 4) != 0)
				bk->q[s][p] = 1 + (int32_t)traffic_below(r, 500);
	}
}

static size_t
side_json(char *b, size_t cap, const int32_t *q, int dollars)
{
	size_t	 n = 0;
	int	 p, first = 1, k;

	for (p = 1; p < 100; p++) {
		if (q[p] == 0)
			continue;
		if (dollars)
			k = snprintf(b + n, cap - n, "%s[\"0.%02d\",%d]",
			    first ? "" : ",", p, q[p]);
		else
			k = snprintf(b + n, cap - n, "%s[%d,%d]",
			    first ? "" : ",", p, q[p]);
		if (fit(k, cap - n) == 0)
			return cap;
		n += (size_t)k;
		first = 0;
	}
	return n;
}

size_t
traffic_snapshot(char *b, size_t cap, int sid, int64_t seq,
    const struct sim_market *m, const struct sim_book *bk)
{
	static const char *const key[4] = { "yes", "no", "yes_dollars",
	    "no_dollars" };
	size_t	 n;
	int	 i, k;

	k = snprintf(b, cap, "{\"type\":\"orderbook_snapshot\",\"sid\":%d,"
	    "\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\",\"market_id\":"
	    "\"%s\"", sid, (long long)seq, m->ticker, m->id);
	if ((n = fit(k, cap)) == 0)
		return 0;
	for (i = 0; i < 4; i++) {
		k = snprintf(b + n, cap - n, ",\"%s\":[", key[i]);
		if (fit(k, cap - n) == 0)
			return 0;
		n += (size_t)k;
		n += side_json(b + n, cap - n, bk->q[i % 2], i >= 2);
		if (n + 4 >= cap)
			return 0;
		b[n++] = ']';
	}
	b[n++] = '}';
	b[n++] = '}';
	b[n] = '\0';
	return n;
}

size_t
traffic_delta(char *b, size_t cap, int sid, int64_t seq,
    const struct sim_market *m, struct sim_book *bk, struct sim_rng *r,
    int64_t now)
{
	struct out o = { b, b + cap };
	char	 tm[TS_LEN + 1], pd[5] = { '0', '.', 0, 0, 0 };
	int	 s = (int)traffic_below(r, 2), lo, hi, p, d;

	hi = band(m, s, &lo);
	p = lo + (int)traffic_below(r, (uint32_t)(hi - lo + 1));
	if (bk->q[s][p] > 0 && traffic_below(r, 2) == 0)
		d = -(1 + (int)traffic_below(r, (uint32_t)bk->q[s][p]));
	else
		d = 1 + (int)traffic_below(r, 300);
	bk->q[s][p] += d;
	iso(tm, now, 0);
	pd[2] = (char)('0' + p / 10);
	pd[3] = (char)('0' + p % 10);
	PUTS(&o, "{\"type\":\"orderbook_delta\",\"sid\":");
	putint(&o, sid);
	PUTS(&o, ",\"seq\":");
	putint(&o, seq);
	PUTS(&o, ",\"msg\":{\"market_ticker\":\"");
	putstr(&o, m->ticker);
	PUTS(&o, "\",\"market_id\":\"");
	putstr(&o, m->id);
	PUTS(&o, "\",\"price\":");
	putint(&o, p);
	PUTS(&o, ",\"price_dollars\":\"");
	put(&o, pd, 4);
	PUTS(&o, "\",\"delta\":");
	putint(&o, d);
	PUTS(&o, ",\"delta_fp\":\"");
	putfp(&o, d);
	PUTS(&o, ",\"side\":\"");
	putstr(&o, s ? "no" : "yes");
	PUTS(&o, "\",\"ts\":\"");
	putstr(&o, tm);
	PUTS(&o, "\"}}");
	return fin(&o, b);
}

size_t
traffic_lifecycle(char *b, size_t cap, int sid, int64_t seq,
    const struct sim_market *m, struct sim_rng *r, int64_t now, int *used_seq)
{
	long long s = now / 1000;
	int	 k;

	*used_seq = 1;
	switch (traffic_below(r, 6)) {
	case 0:
		*used_seq = 0;
		k = snprintf(b, cap, "{\"type\":\"event_lifecycle\",\"sid\":%d,"
		    "\"msg\":{\"event_ticker\":\"%s\",\"title\":\"%s\","
		    "\"sub_title\":\"%s\",\"collateral_return_type\":\"MECNET\","
		    "\"series_ticker\":\"%s\",\"strike_date\":%lld}}", sid,
		    m->event, m->series, m->event, m->series,
		    (long long)m->close_ts);
		break;
	case 1:
		k = snprintf(b, cap, "{\"type\":\"market_lifecycle_v2\",\"sid\":"
		    "%d,\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\","
		    "\"event_type\":\"activated\",\"open_ts\":%lld,\"close_ts\":"
		    "%lld,\"additional_metadata\":{\"settlement_value\":null,"
		    "\"name\":\"%s\",\"title\":\"%s\",\"rules\":\"...\","
		    "\"event_ticker\":\"%s\",\"expected_expiration_ts\":%lld,"
		    "\"strike_type\":\"greater\",\"floor_strike\":%d,"
		    "\"cap_strike\":null}}}", sid, (long long)seq, m->ticker,
		    (long long)m->open_ts, (long long)m->close_ts, m->ticker,
		    m->series, m->event, (long long)m->close_ts, m->cents);
		break;
	case 2:
		k = snprintf(b, cap, "{\"type\":\"market_lifecycle_v2\",\"sid\":"
		    "%d,\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\","
		    "\"determination_ts\":%lld,\"result\":\"%s\","
		    "\"settlement_value\":\"%s\",\"event_type\":\"determined\"}}",
		    sid, (long long)seq, m->ticker, s, m->cents >= 50 ? "yes" :
		    "no", m->cents >= 50 ? "1.0000" : "0.0000");
		break;
	case 3:
		k = snprintf(b, cap, "{\"type\":\"market_lifecycle_v2\",\"sid\":"
		    "%d,\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\","
		    "\"settled_ts\":%lld,\"event_type\":\"settled\"}}", sid,
		    (long long)seq, m->ticker, s);
		break;
	case 4:
		k = snprintf(b, cap, "{\"type\":\"market_lifecycle_v2\",\"sid\":"
		    "%d,\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\","
		    "\"close_ts\":%lld,\"event_type\":\"close_date_updated\"}}",
		    sid, (long long)seq, m->ticker, (long long)m->close_ts + 3600);
		break;
	default:
		k = snprintf(b, cap, "{\"type\":\"market_lifecycle_v2\",\"sid\":"
		    "%d,\"seq\":%lld,\"msg\":{\"market_ticker\":\"%s\","
		    "\"is_deactivated\":%s,\"event_type\":\"deactivated\"}}",
		    sid, (long long)seq, m->ticker,
		    traffic_below(r, 2) ? "true" : "false");
	}
	return fit(k, cap);
}
