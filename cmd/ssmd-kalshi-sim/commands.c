/* commands: the client commands Kalshi's WebSocket takes (subscribe,
 * update_subscription, unsubscribe, list_subscriptions), answered with
 * the acks and coded errors Kalshi sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "log.h"
#include "sim.h"

/* Kalshi's WebSocket error codes. */
enum {
	E_PROCESS = 1, E_PARAMS = 2, E_CHANNELS = 3, E_SIDS = 4, E_CMD = 5,
	E_ALREADY = 6, E_SID = 7, E_CHANNEL = 8, E_PARAM = 11, E_ONESID = 12,
	E_ACTION_BAD = 13, E_TICKER = 14, E_ACTION = 15, E_MARKET = 16
};

static const char *
err_text(int code)
{
	switch (code) {
	case E_PROCESS:		return "Unable to process message";
	case E_PARAMS:		return "Params required";
	case E_CHANNELS:	return "Channels required";
	case E_SIDS:		return "Subscription IDs required";
	case E_CMD:		return "Unknown command";
	case E_ALREADY:		return "Already subscribed";
	case E_SID:		return "Unknown subscription ID";
	case E_CHANNEL:		return "Unknown channel name";
	case E_PARAM:		return "Invalid parameter";
	case E_ONESID:		return "Exactly one subscription ID is required";
	case E_ACTION_BAD:	return "Unsupported action";
	case E_TICKER:		return "Market Ticker required";
	case E_ACTION:		return "Action required";
	case E_MARKET:		return "Market not found";
	default:		return "Internal error";
	}
}

static const char *const chan_names[CH_NCHAN] = {
	"ticker", "ticker_v2", "trade", "orderbook_delta",
	"market_lifecycle_v2", "fill", "market_positions"
};

const char *
commands_chan_name(int ch)
{
	return chan_names[ch];
}

static void
send_err(struct sim_conn *c, long long id, int code)
{
	char	 b[160];
	int	 n;

	n = snprintf(b, sizeof b, "{\"id\":%lld,\"type\":\"error\",\"msg\":"
	    "{\"code\":%d,\"msg\":\"%s\"}}", id, code, err_text(code));
	metrics_inc(c->s->m_cmd_err);
	server_send(c, b, (size_t)n);
}

static void
send_buf(struct sim_conn *c, struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);

	server_send(c, (const char *)evbuffer_pullup(b, -1), n);
	evbuffer_drain(b, n);
}

void
commands_sub_free(struct sim_sub *u)
{
	free(u->mk);
	free(u->bk);
	u->mk = NULL;
	u->bk = NULL;
}

static struct sim_sub *
find_sid(struct sim_conn *c, long long sid)
{
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i].sid == sid)
			return &c->subs[i];
	return NULL;
}

static int
has_market(const struct sim_sub *u, uint32_t m)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->mk[i] == m)
			return 1;
	return 0;
}

static int
add_market(struct sim_conn *c, struct sim_sub *u, uint32_t m)
{
	if (u->n == u->cap) {
		size_t	 cap = u->cap ? u->cap * 2 : 8;
		uint32_t *mk = realloc(u->mk, cap * sizeof *mk);
		if (mk == NULL)
			return -1;
		u->mk = mk;
		if (u->ch == CH_BOOK) {
			struct sim_book *bk = realloc(u->bk, cap * sizeof *bk);
			if (bk == NULL)
				return -1;
			u->bk = bk;
		}
		u->cap = cap;
	}
	if (u->ch == CH_BOOK)
		traffic_book_init(&u->bk[u->n], &c->s->uni.m[m], &c->rng);
	u->mk[u->n++] = m;
	return 0;
}

static void
send_snapshot(struct sim_conn *c, struct sim_sub *u, size_t i)
{
	size_t	 n;

	n = traffic_snapshot(c->s->frame, sizeof c->s->frame, u->sid, ++u->seq,
	    &c->s->uni.m[u->mk[i]], &u->bk[i]);
	if (n > 0)
		server_send(c, c->s->frame, n);
}

/* market_tickers (array) or market_ticker (string) resolved to indices;
 * returns the count, or -E_xxx. */
static int
tickers(struct sim_conn *c, json_t *params, uint32_t *out)
{
	json_t	*a = json_object_get(params, "market_tickers"), *v;
	json_t	*one = json_object_get(params, "market_ticker");
	size_t	 i, n = 0;
	long	 m;

	if (a == NULL && json_is_string(one)) {
		m = markets_find(&c->s->uni, json_string_value(one),
		    json_string_length(one));
		if (m < 0)
			return -E_MARKET;
		out[0] = (uint32_t)m;
		return 1;
	}
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > SIM_MAX_TICKERS)
		return -E_PARAM;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -E_PARAM;
		m = markets_find(&c->s->uni, json_string_value(v),
		    json_string_length(v));
		if (m < 0)
			return -E_MARKET;
		out[n++] = (uint32_t)m;
	}
	return (int)n;
}

static int
chan_of(const char *name)
{
	for (int i = 0; i < CH_NCHAN; i++)
		if (strcmp(name, chan_names[i]) == 0)
			return i;
	return -1;
}

/* An existing subscription on ch that covers all markets, or any of
 * mk[0..n) (or, for an all-markets request, any at all). */
static int
overlaps(struct sim_conn *c, int ch, const uint32_t *mk, int n)
{
	for (size_t i = 0; i < c->nsubs; i++) {
		struct sim_sub *u = &c->subs[i];
		if (u->ch != ch)
			continue;
		if (u->all || n == 0)
			return 1;
		for (int k = 0; k < n; k++)
			if (has_market(u, mk[k]))
				return 1;
	}
	return 0;
}

static void
subscribe_one(struct sim_conn *c, long long id, int ch, const uint32_t *mk,
    int n)
{
	struct sim_sub	*u;
	char		 b[160];
	int		 k;

	if (ch == CH_BOOK && n == 0) {
		send_err(c, id, E_TICKER);
		return;
	}
	if (overlaps(c, ch, mk, n)) {
		send_err(c, id, E_ALREADY);
		return;
	}
	if (c->nsubs == c->capsubs) {
		size_t	 cap = c->capsubs ? c->capsubs * 2 : 4;
		struct sim_sub *ns = realloc(c->subs, cap * sizeof *ns);
		if (ns == NULL) {
			send_err(c, id, 17);
			return;
		}
		c->subs = ns;
		c->capsubs = cap;
	}
	u = &c->subs[c->nsubs];
	memset(u, 0, sizeof *u);
	u->sid = ++c->next_sid;
	u->ch = ch;
	u->all = n == 0;
	for (k = 0; k < n; k++)
		if (!has_market(u, mk[k]) && add_market(c, u, mk[k]) == -1) {
			commands_sub_free(u);
			send_err(c, id, 17);
			return;
		}
	c->nsubs++;
	k = snprintf(b, sizeof b, "{\"type\":\"subscribed\",\"id\":%lld,\"msg\":"
	    "{\"channel\":\"%s\",\"sid\":%d}}", id, chan_names[ch], u->sid);
	server_send(c, b, (size_t)k);
	for (size_t i = 0; ch == CH_BOOK && i < u->n; i++)
		send_snapshot(c, u, i);
}

static void
cmd_subscribe(struct sim_conn *c, long long id, json_t *params)
{
	uint32_t mk[SIM_MAX_TICKERS];
	json_t	*chans, *v;
	size_t	 i;
	int	 n, ch;

	chans = json_object_get(params, "channels");
	if (!json_is_array(chans) || json_array_size(chans) == 0) {
		send_err(c, id, E_CHANNELS);
		return;
	}
	if ((n = tickers(c, params, mk)) < 0) {
		send_err(c, id, -n);
		return;
	}
	json_array_foreach(chans, i, v) {
		if (!json_is_string(v) || (ch = chan_of(json_string_value(v))) < 0)
			send_err(c, id, E_CHANNEL);
		else
			subscribe_one(c, id, ch, mk, n);
	}
	server_kick(c);
}

static long long
one_sid(json_t *params)
{
	json_t	*a = json_object_get(params, "sids");

	if (json_is_integer(json_object_get(params, "sid")) && a == NULL)
		return json_integer_value(json_object_get(params, "sid"));
	if (!json_is_array(a) || json_array_size(a) != 1 ||
	    !json_is_integer(json_array_get(a, 0)))
		return -1;
	return json_integer_value(json_array_get(a, 0));
}

static void
cmd_update(struct sim_conn *c, long long id, json_t *params)
{
	uint32_t	 mk[SIM_MAX_TICKERS];
	struct evbuffer	*b;
	struct sim_sub	*u;
	const char	*act;
	long long	 sid;
	size_t		 i, j, was;
	int		 n, add;

	if ((sid = one_sid(params)) < 0) {
		send_err(c, id, E_ONESID);
		return;
	}
	if ((u = find_sid(c, sid)) == NULL) {
		send_err(c, id, E_SID);
		return;
	}
	if ((act = json_string_value(json_object_get(params, "action"))) ==
	    NULL) {
		send_err(c, id, E_ACTION);
		return;
	}
	add = strcmp(act, "add_markets") == 0;
	if (!add && strcmp(act, "delete_markets") != 0) {
		send_err(c, id, E_ACTION_BAD);
		return;
	}
	if ((n = tickers(c, params, mk)) <= 0 || u->all) {
		send_err(c, id, n < 0 ? -n : u->all ? E_PARAM : E_TICKER);
		return;
	}
	was = u->n;
	for (int k = 0; k < n; k++) {
		if (add && !has_market(u, mk[k]))
			add_market(c, u, mk[k]);
		for (i = 0; !add && i < u->n; i++)
			if (u->mk[i] == mk[k]) {
				u->mk[i] = u->mk[u->n - 1];
				if (u->bk != NULL)
					u->bk[i] = u->bk[u->n - 1];
				u->n--;
				break;
			}
	}
	if ((b = evbuffer_new()) == NULL)
		return;
	evbuffer_add_printf(b, "{\"id\":%lld,\"sid\":%d,\"seq\":%lld,"
	    "\"type\":\"ok\",\"market_tickers\":[", id, u->sid,
	    (long long)u->seq);
	for (j = 0; j < u->n; j++)
		evbuffer_add_printf(b, "%s\"%s\"", j ? "," : "",
		    c->s->uni.m[u->mk[j]].ticker);
	evbuffer_add(b, "]}", 2);
	send_buf(c, b);
	evbuffer_free(b);
	for (i = was; add && u->ch == CH_BOOK && i < u->n; i++)
		send_snapshot(c, u, i);
	server_kick(c);
}

static void
cmd_unsubscribe(struct sim_conn *c, long long id, json_t *params)
{
	json_t		*a = json_object_get(params, "sids"), *v;
	struct sim_sub	*u;
	char		 b[160];
	size_t		 i;
	int		 n;

	if (!json_is_array(a) || json_array_size(a) == 0) {
		send_err(c, id, E_SIDS);
		return;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) ||
		    (u = find_sid(c, json_integer_value(v))) == NULL) {
			send_err(c, id, E_SID);
			continue;
		}
		n = snprintf(b, sizeof b, "{\"id\":%lld,\"sid\":%d,\"seq\":%lld,"
		    "\"type\":\"unsubscribed\"}", id, u->sid, (long long)u->seq);
		commands_sub_free(u);
		*u = c->subs[--c->nsubs];
		server_send(c, b, (size_t)n);
	}
}

static void
cmd_list(struct sim_conn *c, long long id)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL)
		return;
	evbuffer_add_printf(b, "{\"type\":\"ok\",\"id\":%lld,\"msg\":[", id);
	for (size_t i = 0; i < c->nsubs; i++)
		evbuffer_add_printf(b, "%s{\"channel\":\"%s\",\"sid\":%d}",
		    i ? "," : "", chan_names[c->subs[i].ch], c->subs[i].sid);
	evbuffer_add(b, "]}", 2);
	send_buf(c, b);
	evbuffer_free(b);
}

void
commands_handle(struct sim_conn *c, const char *p, size_t n)
{
	json_error_t	 je;
	json_t		*root, *params;
	const char	*cmd;
	long long	 id = 0;

	metrics_inc(c->s->m_cmds);
	if ((root = json_loadb(p, n, 0, &je)) == NULL || !json_is_object(root)) {
		send_err(c, 0, E_PROCESS);
		json_decref(root);
		return;
	}
	if (json_is_integer(json_object_get(root, "id")))
		id = json_integer_value(json_object_get(root, "id"));
	cmd = json_string_value(json_object_get(root, "cmd"));
	params = json_object_get(root, "params");
	if (cmd == NULL)
		send_err(c, id, E_PROCESS);
	else if (strcmp(cmd, "list_subscriptions") == 0)
		cmd_list(c, id);
	else if (strcmp(cmd, "subscribe") != 0 &&
	    strcmp(cmd, "update_subscription") != 0 &&
	    strcmp(cmd, "unsubscribe") != 0)
		send_err(c, id, E_CMD);
	else if (!json_is_object(params))
		send_err(c, id, E_PARAMS);
	else if (strcmp(cmd, "subscribe") == 0)
		cmd_subscribe(c, id, params);
	else if (strcmp(cmd, "update_subscription") == 0)
		cmd_update(c, id, params);
	else
		cmd_unsubscribe(c, id, params);
	json_decref(root);
}
