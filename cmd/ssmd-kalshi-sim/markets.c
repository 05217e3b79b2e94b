/* markets: markets and the REST resources that list them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "markets.h"

#define REST_DEF_LIMIT	100
#define REST_MAX_LIMIT	1000
#define CURSOR_PREFIX	"CgAB"

static const struct {
	const char	*name, *title, *category;
	int		 base, step;
} series[] = {
	{ "KXBTCD", "Bitcoin price range", "Crypto", 67000, 250 },
	{ "KXETHD", "Ethereum price range", "Crypto", 1700, 20 },
	{ "KXSOLD", "Solana price range", "Crypto", 70, 2 },
	{ "KXXRP", "XRP price range", "Crypto", 1, 1 },
	{ "KXBTC15M", "Bitcoin 15 minute", "Crypto", 40, 5 },
	{ "KXINXU", "S&P 500 range", "Financials", 6800, 25 },
	{ "KXHIGHNY", "Highest temperature in NYC", "Climate", 40, 2 },
	{ "KXFED", "Fed funds rate", "Economics", 300, 25 },
	{ "KXCPI", "CPI year over year", "Economics", 2, 1 },
	{ "KXNBAGAME", "NBA game winner", "Sports", 1, 1 },
	{ "KXMLBSPREAD", "MLB spread", "Sports", 1, 1 },
	{ "KXETHMINMON", "Ethereum monthly low", "Crypto", 1500, 50 },
};
#define NSERIES	(sizeof series / sizeof series[0])

static const char *const status_name[] = {
	"initialized", "active", "closed", "settled"
};
static const char *const status_filter[] = {
	"unopened", "open", "closed", "settled"
};

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void
uuid_of(char out[37], uint64_t seed)
{
	uint64_t a = mix64(seed), b = mix64(a);

	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(b >> 48 & 0x3fff) | 0x8000,
	    (unsigned long long)(b & 0xffffffffffffULL));
}

void
markets_dollars(char out[16], int cents)
{
	snprintf(out, 16, "%d.%02d00", cents / 100, cents % 100);
}

static const struct sim_uni *sort_uni;

static int
byname_cmp(const void *a, const void *b)
{
	return strcmp(sort_uni->m[*(const uint32_t *)a].ticker,
	    sort_uni->m[*(const uint32_t *)b].ticker);
}

static int
index_uni(struct sim_uni *u, int64_t base_ts)
{
	size_t	 i;

	u->byname = calloc(u->n ? u->n : 1, sizeof *u->byname);
	u->open = calloc(u->n ? u->n : 1, sizeof *u->open);
	if (u->byname == NULL || u->open == NULL)
		return -1;
	u->nopen = 0;
	for (i = 0; i < u->n; i++) {
		struct sim_market *m = &u->m[i];
		u->byname[i] = (uint32_t)i;
		uuid_of(m->id, i * 7919 + 17);
		m->cents = (int)(mix64(i) % 97) + 2;
		/* A fixed pattern so tests can count what a filter returns. */
		if (i % 10 == 8)
			m->status = SIM_ST_CLOSED;
		else if (i % 10 == 9)
			m->status = SIM_ST_SETTLED;
		else if (i % 25 == 7)
			m->status = SIM_ST_UNOPENED;
		else
			m->status = SIM_ST_OPEN;
		m->open_ts = base_ts - 86400 + (int64_t)(i % 24) * 3600;
		m->close_ts = base_ts + 86400 + (int64_t)(i % 48) * 3600;
		if (m->status == SIM_ST_OPEN)
			u->open[u->nopen++] = (uint32_t)i;
	}
	sort_uni = u;
	qsort(u->byname, u->n, sizeof *u->byname, byname_cmp);
	return 0;
}

int
markets_make(struct sim_uni *u, size_t n, size_t per_event, int64_t base_ts)
{
	static const char *const mon[] = { "JAN", "FEB", "MAR", "APR", "MAY",
	    "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
	size_t	 i, ev, s, k, j;
	time_t	 t;
	struct tm tm;

	memset(u, 0, sizeof *u);
	if ((u->m = calloc(n ? n : 1, sizeof *u->m)) == NULL)
		return -1;
	u->n = n;
	if (per_event == 0)
		per_event = 1;
	for (i = 0; i < n; i++) {
		struct sim_market *m = &u->m[i];
		ev = i / per_event;
		j = i % per_event;
		s = ev % NSERIES;
		k = ev / NSERIES;	/* the k-th event of its series */
		t = (time_t)(base_ts + (int64_t)k * 3600);
		gmtime_r(&t, &tm);
		snprintf(m->series, sizeof m->series, "%s", series[s].name);
		snprintf(m->event, sizeof m->event, "%s-%02d%s%02d%02d",
		    series[s].name, tm.tm_year % 100, mon[tm.tm_mon],
		    tm.tm_mday, tm.tm_hour);
		snprintf(m->ticker, sizeof m->ticker, "%s-T%d.99", m->event,
		    series[s].base + (int)j * series[s].step - 1);
	}
	return index_uni(u, base_ts);
}

int
markets_load(struct sim_uni *u, const char *path, int64_t base_ts, char *err,
    size_t errlen)
{
	char	 line[256], *p, *e;
	size_t	 cap = 0, len;
	FILE	*f;

	memset(u, 0, sizeof *u);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		p = line + strspn(line, " \t");
		len = strcspn(p, " \t\r\n#");
		p[len] = '\0';
		if (len == 0)
			continue;
		if (len >= sizeof u->m->ticker ||
		    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != len) {
			snprintf(err, errlen, "%s: bad market ticker %.64s",
			    path, p);
			goto fail;
		}
		if (u->n == cap) {
			struct sim_market *nm;
			cap = cap ? cap * 2 : 256;
			if ((nm = realloc(u->m, cap * sizeof *nm)) == NULL)
				goto fail;
			u->m = nm;
		}
		memset(&u->m[u->n], 0, sizeof *u->m);
		snprintf(u->m[u->n].ticker, sizeof u->m->ticker, "%s", p);
		e = strrchr(p, '-');
		snprintf(u->m[u->n].event, sizeof u->m->event, "%.*s",
		    (int)(e ? e - p : (long)len), p);
		snprintf(u->m[u->n].series, sizeof u->m->series, "%.*s",
		    (int)strcspn(p, "-"), p);
		u->n++;
	}
	fclose(f);
	if (u->n == 0) {
		snprintf(err, errlen, "%s: no market tickers", path);
		return -1;
	}
	return index_uni(u, base_ts);
fail:
	fclose(f);
	free(u->m);
	u->m = NULL;
	return -1;
}

void
markets_free(struct sim_uni *u)
{
	free(u->m);
	free(u->byname);
	free(u->open);
	memset(u, 0, sizeof *u);
}

long
markets_find(const struct sim_uni *u, const char *t, size_t len)
{
	size_t	 lo = 0, hi = u->n, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		const char *name = u->m[u->byname[mid]].ticker;
		c = strncmp(name, t, len);
		if (c == 0 && name[len] != '\0')
			c = 1;
		if (c == 0)
			return u->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* REST */

static void
rfc3339(char out[32], int64_t t)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
market_json(struct evbuffer *b, const struct sim_market *m)
{
	char	 bid[16], ask[16], last[16], ot[32], ct[32];

	markets_dollars(bid, m->cents - 1);
	markets_dollars(ask, m->cents + 1);
	markets_dollars(last, m->cents);
	rfc3339(ot, m->open_ts);
	rfc3339(ct, m->close_ts);
	evbuffer_add_printf(b, "{\"ticker\":\"%s\",\"event_ticker\":\"%s\","
	    "\"market_type\":\"binary\",\"title\":\"%s\",\"yes_sub_title\":"
	    "\"%s\",\"no_sub_title\":\"%s\",\"open_time\":\"%s\","
	    "\"close_time\":\"%s\",\"expiration_time\":\"%s\",\"status\":"
	    "\"%s\",\"yes_bid_dollars\":\"%s\",\"yes_ask_dollars\":\"%s\","
	    "\"last_price_dollars\":\"%s\",\"volume_fp\":\"%d.00\","
	    "\"open_interest_fp\":\"%d.00\",\"result\":\"%s\","
	    "\"can_close_early\":true}", m->ticker, m->event, m->event,
	    m->ticker, m->ticker, ot, ct, ct, status_name[m->status], bid, ask,
	    last, m->cents * 37, m->cents * 11,
	    m->status == SIM_ST_SETTLED ? (m->cents >= 50 ? "yes" : "no") : "");
}

struct query {
	const char	*status, *series, *event, *tickers, *cursor, *category;
	const char	*nested;
	size_t		 limit, offset;
	int		 statusmask;
	int64_t		 min_close, max_close;	/* close_ts bounds; 0: none */
};

/* A unix time query parameter (Kalshi's min_close_ts, max_close_ts). */
static int
unix_param(struct evkeyvalq *kv, const char *name, int64_t *out)
{
	const char	*v = evhttp_find_header(kv, name);
	char		*end;
	long long	 l;

	if (v == NULL)
		return 0;
	l = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || l < 0)
		return -1;
	*out = l;
	return 0;
}

/* Comma list membership, exact tokens. */
static int
in_list(const char *list, const char *word)
{
	size_t	 n = strlen(word), k;

	while (*list != '\0') {
		k = strcspn(list, ",");
		if (k == n && strncmp(list, word, n) == 0)
			return 1;
		list += k + (list[k] == ',');
	}
	return 0;
}

static int
parse_query(const char *qs, struct evkeyvalq *kv, struct query *q,
    struct evbuffer *body)
{
	const char	*v;
	char		*end;
	long		 l;
	int		 i;

	memset(q, 0, sizeof *q);
	q->limit = REST_DEF_LIMIT;
	if (evhttp_parse_query_str(qs, kv) == -1)
		goto bad;
	q->status = evhttp_find_header(kv, "status");
	q->series = evhttp_find_header(kv, "series_ticker");
	q->event = evhttp_find_header(kv, "event_ticker");
	q->tickers = evhttp_find_header(kv, "tickers");
	q->category = evhttp_find_header(kv, "category");
	q->nested = evhttp_find_header(kv, "with_nested_markets");
	if (unix_param(kv, "min_close_ts", &q->min_close) == -1 ||
	    unix_param(kv, "max_close_ts", &q->max_close) == -1)
		goto bad;
	if ((v = evhttp_find_header(kv, "limit")) != NULL) {
		l = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || l < 1 || l > REST_MAX_LIMIT)
			goto bad;
		q->limit = (size_t)l;
	}
	if ((v = evhttp_find_header(kv, "cursor")) != NULL && *v != '\0') {
		if (strncmp(v, CURSOR_PREFIX, 4) != 0)
			goto bad;
		l = strtol(v + 4, &end, 16);
		if (v[4] == '\0' || *end != '\0' || l < 0)
			goto bad;
		q->offset = (size_t)l;
	}
	if (q->status != NULL && *q->status != '\0') {
		for (i = 0; i < 4; i++)
			if (in_list(q->status, status_filter[i]))
				q->statusmask |= 1 << i;
		if (q->statusmask == 0)
			goto bad;
	} else
		q->statusmask = 15;
	return 0;
bad:
	evbuffer_add_printf(body, "{\"error\":{\"code\":\"bad_request\","
	    "\"message\":\"invalid query parameters\"}}");
	return -1;
}

static int
market_matches(const struct sim_market *m, const struct query *q)
{
	return (q->statusmask & (1 << m->status)) &&
	    (q->min_close == 0 || m->close_ts >= q->min_close) &&
	    (q->max_close == 0 || m->close_ts <= q->max_close) &&
	    (q->series == NULL || *q->series == '\0' ||
	    strcmp(q->series, m->series) == 0) &&
	    (q->event == NULL || *q->event == '\0' ||
	    strcmp(q->event, m->event) == 0) &&
	    (q->tickers == NULL || *q->tickers == '\0' ||
	    in_list(q->tickers, m->ticker));
}

static void
cursor_out(struct evbuffer *b, size_t next, int more)
{
	if (more)
		evbuffer_add_printf(b, "],\"cursor\":\"" CURSOR_PREFIX "%zx\"}",
		    next);
	else
		evbuffer_add_printf(b, "],\"cursor\":\"\"}");
}

/* Events are runs of markets with the same event ticker; an event's
 * status is that of its first market. */
static int
event_matches(const struct sim_uni *u, size_t i, const struct query *q)
{
	return (i == 0 || strcmp(u->m[i].event, u->m[i - 1].event) != 0) &&
	    (q->statusmask & (1 << u->m[i].status)) &&
	    (q->series == NULL || *q->series == '\0' ||
	    strcmp(q->series, u->m[i].series) == 0);
}

static void
event_json(struct evbuffer *b, const struct sim_uni *u, size_t first,
    const struct query *q)
{
	const struct sim_market *m = &u->m[first];
	size_t	 i, k = 0;

	evbuffer_add_printf(b, "{\"event_ticker\":\"%s\",\"series_ticker\":"
	    "\"%s\",\"title\":\"%s\",\"sub_title\":\"%s\",\"category\":\"\","
	    "\"mutually_exclusive\":true,\"strike_date\":\"\"", m->event,
	    m->series, m->series, m->event);
	if (q->nested != NULL && strcmp(q->nested, "true") == 0) {
		evbuffer_add_printf(b, ",\"markets\":[");
		for (i = first; i < u->n && strcmp(u->m[i].event, m->event) == 0;
		    i++) {
			if (k++ > 0)
				evbuffer_add(b, ",", 1);
			market_json(b, &u->m[i]);
		}
		evbuffer_add(b, "]", 1);
	}
	evbuffer_add(b, "}", 1);
}

/* One page of markets or events: the matches from the cursor's offset on,
 * at most limit of them, and the cursor of the next page. */
static int
rest_page(const struct sim_uni *u, const struct query *q, struct evbuffer *b,
    int events)
{
	size_t	 i, seen = 0, out = 0;

	evbuffer_add_printf(b, "{\"%s\":[", events ? "events" : "markets");
	for (i = 0; i < u->n; i++) {
		if (events ? !event_matches(u, i, q) :
		    !market_matches(&u->m[i], q))
			continue;
		if (seen++ < q->offset)
			continue;
		if (out == q->limit) {
			cursor_out(b, q->offset + out, 1);
			return 200;
		}
		if (out++ > 0)
			evbuffer_add(b, ",", 1);
		if (events)
			event_json(b, u, i, q);
		else
			market_json(b, &u->m[i]);
	}
	cursor_out(b, 0, 0);
	return 200;
}

static int
rest_series(const struct sim_uni *u, const struct query *q,
    struct evbuffer *b)
{
	size_t	 i, k = 0;

	evbuffer_add_printf(b, "{\"series\":[");
	for (i = 0; i < NSERIES; i++) {
		if (q->category && *q->category &&
		    strcmp(q->category, series[i].category) != 0)
			continue;
		if (k++ > 0)
			evbuffer_add(b, ",", 1);
		evbuffer_add_printf(b, "{\"ticker\":\"%s\",\"title\":\"%s\","
		    "\"category\":\"%s\",\"frequency\":\"daily\"}",
		    series[i].name, series[i].title, series[i].category);
	}
	evbuffer_add_printf(b, "]}");
	return 200;
}

int
markets_rest(const struct sim_uni *u, const char *path, const char *qs,
    struct evbuffer *b)
{
	struct evkeyvalq kv = { 0 };
	struct query	 q;
	long		 i;
	int		 st = 404;

	if (parse_query(qs, &kv, &q, b) == -1) {
		evhttp_clear_headers(&kv);
		return 400;
	}
	if (strcmp(path, "/markets") == 0)
		st = rest_page(u, &q, b, 0);
	else if (strcmp(path, "/events") == 0)
		st = rest_page(u, &q, b, 1);
	else if (strcmp(path, "/series") == 0)
		st = rest_series(u, &q, b);
	else if (strncmp(path, "/markets/", 9) == 0 &&
	    (i = markets_find(u, path + 9, strlen(path + 9))) >= 0) {
		evbuffer_add_printf(b, "{\"market\":");
		market_json(b, &u->m[i]);
		evbuffer_add(b, "}", 1);
		st = 200;
	}
	if (st == 404)
		evbuffer_add_printf(b, "{\"error\":{\"code\":\"not_found\","
		    "\"message\":\"not found\"}}");
	evhttp_clear_headers(&kv);
	return st;
}
