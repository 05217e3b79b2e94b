#include <stdio.h>
#include <string.h>

#include "commands.h"

/* A bounded string builder: overflow makes the result -1 once. */
struct sb {
	char	*p;
	size_t	 len, cap;
	int	 over;
};

static void
put(struct sb *b, const char *s, size_t n)
{
	if (b->over || b->cap - b->len <= n) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct sb *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
putnum(struct sb *b, int64_t v)
{
	char	n[24];

	put(b, n, snprintf(n, sizeof(n), "%lld", (long long)v));
}

/* Tickers and channels are checked names (A-Z a-z 0-9 - . _): no byte
 * needs escaping inside the quotes. */
static void
putstrs(struct sb *b, char *const *v, size_t n)
{
	size_t	i;

	put(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(b, ",", 1);
		put(b, "\"", 1);
		puts_(b, v[i]);
		put(b, "\"", 1);
	}
	put(b, "]", 1);
}

static void
head(struct sb *b, unsigned id, const char *cmd)
{
	puts_(b, "{\"id\":");
	putnum(b, id);
	puts_(b, ",\"cmd\":\"");
	puts_(b, cmd);
	puts_(b, "\",\"params\":{");
}

static int
end(struct sb *b)
{
	puts_(b, "}}");
	return b->over ? -1 : (int)b->len;
}

int
commands_subscribe(char *buf, size_t cap, unsigned id, const char *channel,
    char *const *tickers, size_t n)
{
	struct sb	b = { buf, 0, cap, 0 };

	if (n > KCMD_MAX_TICKERS)
		return -1;
	head(&b, id, "subscribe");
	puts_(&b, "\"channels\":");
	putstrs(&b, (char *const *)&channel, 1);
	if (n > 0) {
		puts_(&b, ",\"market_tickers\":");
		putstrs(&b, tickers, n);
	}
	return end(&b);
}

int
commands_update(char *buf, size_t cap, unsigned id, int64_t sid,
    char *const *tickers, size_t n, const char *action)
{
	struct sb	b = { buf, 0, cap, 0 };

	if (n > KCMD_MAX_TICKERS)
		return -1;
	head(&b, id, "update_subscription");
	puts_(&b, "\"sids\":[");
	putnum(&b, sid);
	puts_(&b, "],\"market_tickers\":");
	putstrs(&b, tickers, n);
	puts_(&b, ",\"action\":\"");
	puts_(&b, action);
	puts_(&b, "\"");
	return end(&b);
}

int
commands_unsubscribe(char *buf, size_t cap, unsigned id, const int64_t *sids,
    size_t n)
{
	struct sb	b = { buf, 0, cap, 0 };
	size_t		i;

	head(&b, id, "unsubscribe");
	puts_(&b, "\"sids\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(&b, ",", 1);
		putnum(&b, sids[i]);
	}
	puts_(&b, "]");
	return end(&b);
}

size_t
commands_size(char *const *tickers, size_t n)
{
	size_t	s = 256, i;

	for (i = 0; i < n; i++)
		s += strlen(tickers[i]) + 3;
	return s;
}

size_t
commands_plan_conns(size_t n, unsigned shard)
{
	if (shard == 0)
		shard = 1;
	return n == 0 ? 1 : (n + shard - 1) / shard;
}

void
commands_plan_slice(size_t n, size_t nconn, size_t i, size_t *start, size_t *count)
{
	size_t	base = n / nconn, extra = n % nconn;

	*count = base + (i < extra);
	*start = i * base + (i < extra ? i : extra);
}
