/* The original ssmd's file forms: see seed.h for why this exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_int.h"
#include "parse.h"
#include "seed.h"

/* One entry of a feed file's versions. */
struct ver {
	const char	*version, *from, *to, *endpoint, *transport;
	int		 auth_none;
};

/* The version in effect so far, and where it was. */
struct pick {
	struct ver	 best;
	char		 field[64];
	int		 have;
	char		 today[11];
};

/* A setting the seed had that ssmd-ws-kalshi reads but does not act
 * on: listed for one log line, so nothing is dropped silently. */
static int
unused(struct kcfg *c, struct config_yf *y, const char *f)
{
	if (strv_push(&c->ignored, f, strlen(f)) == -1)
		return config_fail(y, f, "out of memory");
	return 0;
}

static int
want_str(struct config_yf *y, yaml_node_t *v, const char *f)
{
	return config_scalar(v) != NULL ? 0 :
	    config_fail(y, f, "want a string");
}

static int
want_map(struct config_yf *y, yaml_node_t *v, const char *f)
{
	return v != NULL && v->type == YAML_MAPPING_NODE ? 0 :
	    config_fail(y, f, "want a mapping");
}

static int
want_bool(struct config_yf *y, yaml_node_t *v, const char *f)
{
	static const char *const words[] = { "true", "false", "True",
	    "False", "TRUE", "FALSE", NULL };
	const char	*s = config_scalar(v);
	size_t		 i;

	for (i = 0; s != NULL && words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return 0;
	return config_fail(y, f, "want true or false");
}

static int
want_uint(struct config_yf *y, yaml_node_t *v, const char *f, uint64_t max)
{
	uint64_t	u;

	if (parse_uint(config_scalar(v), 0, max, &u) == -1)
		return config_fail(y, f, "want a whole number, 0 to %llu",
		    (unsigned long long)max);
	return 0;
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int
seed_date_ok(const char *s)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int			y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	/* 29 February only in leap years. */
	return !(m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

void
seed_today(char *buf, size_t len)
{
	time_t		now = time(NULL);
	struct tm	tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

char *
seed_rest_url(const char *u)
{
	const char	*scheme, *rest, *ws;
	char		*out;

	if (has_prefix(u, "wss://"))
		scheme = "https://", rest = u + 6;
	else if (has_prefix(u, "ws://"))
		scheme = "http://", rest = u + 5;
	else
		return NULL;
	/* Kalshi's (and the simulator's) layout: /trade-api/ws/v2 for the
	 * WebSocket, /trade-api/v2 for REST. */
	if ((ws = strstr(rest, "/ws/")) == NULL || ws[4] == '\0' ||
	    strchr(ws + 4, '/') != NULL || strchr(rest, '?') != NULL)
		return NULL;
	if (asprintf(&out, "%s%.*s/%s", scheme, (int)(ws - rest), rest,
	    ws + 4) == -1)
		return NULL;
	return out;
}

static int
protocol_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	struct ver	*w = arg;
	const char	*s = config_scalar(v);

	if (strcmp(k, "transport") == 0) {
		if (s == NULL ||
		    (strcmp(s, "wss") != 0 && strcmp(s, "ws") != 0))
			return config_fail(y, f, "want wss (or ws): "
			    "ssmd-ws-kalshi speaks WebSocket");
		w->transport = s;
		return 0;
	}
	if (strcmp(k, "message") == 0)
		return s != NULL && strcmp(s, "json") == 0 ? 0 :
		    config_fail(y, f, "want json: Kalshi's frames are JSON");
	if (strcmp(k, "version") == 0)
		return want_str(y, v, f) == -1 ? -1 : unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}

static int
auth_method(struct config_yf *y, const char *f, const char *s,
    struct ver *w)
{
	if (s == NULL)
		return config_fail(y, f, "want api_key or none");
	/* The original operator renders "auth_method:" empty when a feed
	 * ConfigMap exists (its YAML library misses the key): Kalshi
	 * needs keys, so empty means api_key. */
	if (*s == '\0' || strcmp(s, "api_key") == 0)
		w->auth_none = 0;
	else if (strcmp(s, "none") == 0)
		w->auth_none = 1;
	else
		return config_fail(y, f, "\"%.32s\": want api_key or none "
		    "(Kalshi signs with an API key)", s);
	return 0;
}

/* Settings of a version the seed knew that change nothing here. */
static const char *const ver_unused[] = { "rate_limit_per_second",
    "max_symbols_per_connection", "supports_orderbook", "supports_trades",
    "supports_historical", "parser_config", NULL };

static int
version_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	struct ver	*w = arg;
	const char	*s = config_scalar(v);
	size_t		 i;

	if (strcmp(k, "version") == 0) {
		if (s == NULL || *s == '\0')
			return config_fail(y, f, "want a non-empty string");
		w->version = s;
	} else if (strcmp(k, "effective_from") == 0) {
		if (!seed_date_ok(s))
			return config_fail(y, f, "want a date, YYYY-MM-DD");
		w->from = s;
	} else if (strcmp(k, "effective_to") == 0) {
		if (!seed_date_ok(s))
			return config_fail(y, f, "want a date, YYYY-MM-DD");
		w->to = s;
	} else if (strcmp(k, "protocol") == 0) {
		return config_walk(c, y, v, f, protocol_kv, w);
	} else if (strcmp(k, "endpoint") == 0) {
		if (s == NULL || !(has_prefix(s, "wss://") ||
		    has_prefix(s, "ws://")) || strlen(s) > 2048)
			return config_fail(y, f, "want a ws:// or wss:// URL");
		w->endpoint = s;
	} else if (strcmp(k, "auth_method") == 0) {
		return auth_method(y, f, s, w);
	} else {
		for (i = 0; ver_unused[i] != NULL; i++)
			if (strcmp(k, ver_unused[i]) == 0)
				return unused(c, y, f);
		return config_fail(y, f, "unknown setting");
	}
	return 0;
}

/* One entry of versions: check it, and keep it if it is the one in
 * effect today with the latest effective_from. */
static int
version(struct kcfg *c, struct config_yf *y, yaml_node_t *v, const char *f,
    struct pick *p)
{
	struct ver	w;
	char		ff[96];

	memset(&w, 0, sizeof(w));
	if (config_walk(c, y, v, f, version_kv, &w) == -1)
		return -1;
	snprintf(ff, sizeof(ff), "%s.%s", f, w.version == NULL ? "version" :
	    w.from == NULL ? "effective_from" : "endpoint");
	if (w.version == NULL || w.from == NULL || w.endpoint == NULL)
		return config_fail(y, ff, "missing");
	snprintf(ff, sizeof(ff), "%s.protocol.transport", f);
	if (w.transport != NULL && (strcmp(w.transport, "ws") == 0) !=
	    has_prefix(w.endpoint, "ws://"))
		return config_fail(y, ff, "%s, but the endpoint is not %s://",
		    w.transport, w.transport);
	snprintf(ff, sizeof(ff), "%s.effective_to", f);
	if (w.to != NULL && strcmp(w.to, w.from) < 0)
		return config_fail(y, ff, "before effective_from");
	if (strcmp(w.from, p->today) > 0 ||
	    (w.to != NULL && strcmp(w.to, p->today) < 0))
		return 0;		/* not in effect today */
	snprintf(ff, sizeof(ff), "%s.effective_from", f);
	if (p->have && strcmp(w.from, p->best.from) == 0)
		return config_fail(y, ff, "%s, as %s: which of them is in "
		    "effect is ambiguous", w.from, p->field);
	if (!p->have || strcmp(w.from, p->best.from) > 0) {
		p->best = w;
		p->have = 1;
		snprintf(p->field, sizeof(p->field), "%s", f);
	}
	return 0;
}

static int
versions(struct kcfg *c, struct config_yf *y, yaml_node_t *v, const char *f)
{
	yaml_node_item_t	*it;
	struct pick		 p;
	char			 ff[64];

	memset(&p, 0, sizeof(p));
	if (c->today != NULL)
		snprintf(p.today, sizeof(p.today), "%s", c->today);
	else
		seed_today(p.today, sizeof(p.today));
	if (v == NULL || v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.start == v->data.sequence.items.top)
		return config_fail(y, f, "want a list of versions");
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		snprintf(ff, sizeof(ff), "%s[%td]", f,
		    it - v->data.sequence.items.start);
		if (version(c, y, config_node(y, *it), ff, &p) == -1)
			return -1;
	}
	if (!p.have)
		return config_fail(y, f, "no version is in effect on %s (UTC)",
		    p.today);
	c->auth_none = p.best.auth_none;
	if (config_set(&c->seed_version, p.best.version) == -1 ||
	    config_set(&c->seed_from, p.best.from) == -1 ||
	    config_set(&c->seed_endpoint, p.best.endpoint) == -1)
		return config_fail(y, f, "out of memory");
	return 0;
}

static int
feed_status(struct kcfg *c, struct config_yf *y, const char *f,
    const char *s)
{
	if (s != NULL && strcmp(s, "active") == 0)
		return 0;
	if (s != NULL && strcmp(s, "deprecated") == 0) {
		c->seed_deprecated = 1;	/* still captured, with a warning */
		return 0;
	}
	if (s != NULL && (strcmp(s, "disabled") == 0 ||
	    strcmp(s, "inactive") == 0))
		return config_fail(y, f, "%s: the feed is switched off (set "
		    "active to capture it)", s);
	return config_fail(y, f, "want active, deprecated or disabled");
}

int
seed_feed_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	const char	*s = config_scalar(v);

	c->seed_feed = 1;
	if (strcmp(k, "display_name") == 0)
		return want_str(y, v, f);	/* may be empty, as rendered */
	if (strcmp(k, "type") == 0)
		return s != NULL && strcmp(s, "websocket") == 0 ? 0 :
		    config_fail(y, f, "want websocket: ssmd-ws-kalshi "
		    "captures a WebSocket feed");
	if (strcmp(k, "status") == 0)
		return feed_status(c, y, f, s);
	if (strcmp(k, "versions") == 0)
		return versions(c, y, v, f);
	/* For operators (images, resources, NATS defaults) and the seed's
	 * bookkeeping: no bearing on a capture. */
	if (strcmp(k, "defaults") == 0 || strcmp(k, "calendar") == 0)
		return want_map(y, v, f) == -1 ? -1 : unused(c, y, f);
	if (strcmp(k, "capture_locations") == 0)
		return v != NULL && v->type == YAML_SEQUENCE_NODE ?
		    unused(c, y, f) : config_fail(y, f, "want a list");
	return config_fail(y, f, "unknown setting");
}

static int
secmaster_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	const char	*s = config_scalar(v);

	if (strcmp(k, "categories") == 0) {
		if (config_get_list(y, v, f, &c->categories,
		    config_category_ok) == -1)
			return -1;
		c->seed_discovery = c->discover = c->categories.n > 0;
		return 0;
	}
	/* Kalshi's REST API is asked directly (rest_url), not the seed's
	 * secmaster service; the key is that service's. */
	if (strcmp(k, "url") == 0)
		return s != NULL && (has_prefix(s, "http://") ||
		    has_prefix(s, "https://")) ? unused(c, y, f) :
		    config_fail(y, f, "want an http:// or https:// URL");
	if (strcmp(k, "api_key") == 0)
		return want_str(y, v, f) == -1 ? -1 : unused(c, y, f);
	if (strcmp(k, "close_within_hours") == 0)
		return config_hours(c, y, v, f);
	if (strcmp(k, "games_only") == 0)
		return want_bool(y, v, f) == -1 ? -1 : unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}

static int
subscription_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	if (strcmp(k, "batch_size") == 0 || strcmp(k, "retry_attempts") == 0 ||
	    strcmp(k, "retry_delay_ms") == 0)
		return want_uint(y, v, f, 86400000) == -1 ? -1 :
		    unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}

static int
cdc_kv(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	if (strcmp(k, "enabled") == 0)
		return want_bool(y, v, f) == -1 ? -1 : unused(c, y, f);
	if (strcmp(k, "stream_name") == 0 || strcmp(k, "consumer_name") == 0)
		return want_str(y, v, f) == -1 ? -1 : unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}

/* transport and storage are ssmd-connector's (it reads the same file):
 * only their names and shapes are checked here, so a misspelt key fails
 * instead of being passed over. */
static int
connector_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	const char *const	*keys = arg;
	size_t			 i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(k, keys[i]) == 0)
			return want_str(y, v, f);
	return config_fail(y, f, "unknown setting");
}

int
seed_env_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	static const char *const transport[] = { "type", "url", "stream",
	    "subject_prefix", NULL };
	static const char *const storage[] = { "type", "path", "bucket",
	    "region", NULL };

	if (strcmp(k, "transport") == 0)
		return config_walk(c, y, v, f, connector_kv, (void *)transport);
	if (strcmp(k, "storage") == 0)
		return config_walk(c, y, v, f, connector_kv, (void *)storage);
	if (strcmp(k, "secmaster") == 0)
		return config_walk(c, y, v, f, secmaster_kv, NULL);
	if (strcmp(k, "subscription") == 0)
		return config_walk(c, y, v, f, subscription_kv, NULL);
	if (strcmp(k, "cdc") == 0)
		return config_walk(c, y, v, f, cdc_kv, NULL);
	if (strcmp(k, "schedule") == 0 || strcmp(k, "cache") == 0)
		return want_map(y, v, f) == -1 ? -1 : unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}

/* keys.<feed>.fields: the seed names the two values the source holds. */
static int
key_fields(struct config_yf *y, yaml_node_t *v, const char *f)
{
	yaml_node_item_t	*it;
	const char		*a, *b;

	if (v == NULL || v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.top - v->data.sequence.items.start != 2)
		goto bad;
	it = v->data.sequence.items.start;
	a = config_scalar(config_node(y, it[0]));
	b = config_scalar(config_node(y, it[1]));
	/* api_secret: the seed's older name for the private key. */
	if (a != NULL && b != NULL && strcmp(a, "api_key") == 0 &&
	    (strcmp(b, "private_key") == 0 || strcmp(b, "api_secret") == 0))
		return 0;
bad:
	return config_fail(y, f, "want [api_key, private_key]: the API key "
	    "id, then the private key");
}

int
seed_key_kv(struct kcfg *c, struct config_yf *y, const char *k,
    const char *f, yaml_node_t *v, void *arg)
{
	const char	*s = config_scalar(v);

	if (strcmp(k, "type") == 0)
		return s != NULL && strcmp(s, "api_key") == 0 ? 0 :
		    config_fail(y, f, "want api_key (Kalshi signs with an API "
		    "key)");
	if (strcmp(k, "fields") == 0)
		return key_fields(y, v, f);
	if (strcmp(k, "description") == 0)
		return want_str(y, v, f);
	/* Keys are always required here, and rotated outside. */
	if (strcmp(k, "required") == 0)
		return want_bool(y, v, f) == -1 ? -1 : unused(c, y, f);
	if (strcmp(k, "rotation_days") == 0)
		return want_uint(y, v, f, 100000) == -1 ? -1 : unused(c, y, f);
	return config_fail(y, f, "unknown setting");
}
