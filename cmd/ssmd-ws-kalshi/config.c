#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "config_int.h"
#include "parse.h"
#include "seed.h"

int
config_fail(struct config_yf *y, const char *field, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(y->err, y->errlen, "%s: %s: %s", y->path, field, msg);
	return -1;
}

int
config_set(char **dst, const char *s)
{
	char	*c = NULL;

	if (s != NULL && (c = strdup(s)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

int
config_strv_split(struct strv *sv, const char *s)
{
	const char	*c;

	strv_clear(sv);
	while (*s != '\0') {
		c = strchr(s, ',');
		if (c == NULL)
			c = s + strlen(s);
		if (c > s && strv_push(sv, s, c - s) == -1)
			return -1;
		s = *c == ',' ? c + 1 : c;
	}
	return 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
config_strv_uniq(struct strv *sv)
{
	size_t	i, j;

	if (sv->n < 2)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmpstr);
	for (i = 1, j = 1; i < sv->n; i++) {
		if (strcmp(sv->v[i], sv->v[j - 1]) == 0)
			free(sv->v[i]);
		else
			sv->v[j++] = sv->v[i];
	}
	sv->n = j;
}

int
config_category_ok(const char *s)
{
	size_t	n = 0;

	/* Kalshi's categories are words, some with spaces ("Science and
	 * Technology"); a comma separates list items. */
	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == ',' || *s == 0x7f)
			return 0;
	return n > 0 && n <= 64;
}

/* Channel names land in commands unescaped: keep them to [a-z0-9_]. */
static int
channel_ok(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return 0;
	return n >= 1 && n <= 64;
}

static int
yf_open(struct config_yf *y, const char *path, char *err, size_t errlen)
{
	yaml_parser_t	 p;
	yaml_node_t	*root;
	FILE		*f;
	int		 rc = -1;

	y->path = path;
	y->err = err;
	y->errlen = errlen;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &y->doc)) {
		snprintf(err, errlen, "%s: line %zu: %s", path,
		    p.problem_mark.line + 1,
		    p.problem ? p.problem : "YAML syntax error");
		goto out;
	}
	root = yaml_document_get_root_node(&y->doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		yaml_document_delete(&y->doc);
		snprintf(err, errlen, "%s: want a mapping at the top", path);
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

yaml_node_t *
config_node(struct config_yf *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

const char *
config_scalar(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

int
config_get_str(struct config_yf *y, yaml_node_t *v, const char *field,
    char **dst)
{
	const char	*s = config_scalar(v);

	if (s == NULL || *s == '\0')
		return config_fail(y, field, "want a non-empty string");
	return config_set(dst, s) == -1 ?
	    config_fail(y, field, "out of memory") : 0;
}

/* A sequence of scalars, or one scalar, each checked by ok(). */
int
config_get_list(struct config_yf *y, yaml_node_t *v, const char *field,
    struct strv *dst, int (*ok)(const char *))
{
	yaml_node_item_t	*it;
	const char		*s;
	char			 f[96];

	strv_clear(dst);
	if ((s = config_scalar(v)) != NULL) {
		if (*s == '\0')
			return 0;	/* "key:" with nothing: an empty list */
		if (!ok(s))
			return config_fail(y, field, "bad name %s", s);
		return strv_push(dst, s, strlen(s));
	}
	if (v == NULL || v->type != YAML_SEQUENCE_NODE)
		return config_fail(y, field, "want a list");
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		snprintf(f, sizeof(f), "%s[%td]", field,
		    it - v->data.sequence.items.start);
		if ((s = config_scalar(config_node(y, *it))) == NULL)
			return config_fail(y, f, "want a string");
		if (!ok(s))
			return config_fail(y, f, "bad name \"%.64s\"", s);
		if (strv_push(dst, s, strlen(s)) == -1)
			return config_fail(y, f, "out of memory");
	}
	return 0;
}

static int
status_ok(const char *s)
{
	return channel_ok(s);
}

int
config_walk(struct kcfg *c, struct config_yf *y, yaml_node_t *m,
    const char *prefix, config_kv_fn fn, void *arg)
{
	yaml_node_pair_t	*p;
	const char		*k;
	char			 f[160];
	int			 rc;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return config_fail(y, *prefix ? prefix : "(top)",
		    "want a mapping");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		if ((k = config_scalar(config_node(y, p->key))) == NULL)
			return config_fail(y, *prefix ? prefix : "(top)",
			    "keys must be strings");
		snprintf(f, sizeof(f), "%s%s%s", prefix, *prefix ? "." : "", k);
		if ((rc = fn(c, y, k, f, config_node(y, p->value), arg)) != 0)
			return rc;
	}
	return 0;
}

/* keys.<feed>: source is ours; the seed also described the key (type,
 * fields, ...), and then source may be left out. */
static int
key_source(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	if (strcmp(k, "source") == 0)
		return config_get_str(y, v, f, &c->key_source);
	*(int *)arg = 1;
	return seed_key_kv(c, y, k, f, v, NULL);
}

static int
keys_feed(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	char	field[192];
	int	seed = 0;

	if (c->feed == NULL || strcmp(k, c->feed) != 0)
		return 0;
	snprintf(field, sizeof(field), "%s.source", f);
	if (config_walk(c, y, v, f, key_source, &seed) == -1)
		return -1;
	return c->key_source == NULL && !seed ?
	    config_fail(y, field, "missing") : 0;
}

/* The feed's name, from either file: both must agree. */
static int
set_feed(struct kcfg *c, struct config_yf *y, const char *field, yaml_node_t *v)
{
	const char	*s = config_scalar(v);

	if (s == NULL || !parse_feed_name_ok(s))
		return config_fail(y, field, "want 1-64 of A-Z a-z 0-9 . _ -");
	if (c->feed != NULL && strcmp(c->feed, s) != 0)
		return config_fail(y, field, "\"%s\", but the other file names "
		    "feed \"%s\"", s, c->feed);
	return config_set(&c->feed, s) == -1 ?
	    config_fail(y, field, "out of memory") : 0;
}

/* ca_file: a relative path is relative to the environment file, so the
 * file works from any working directory (and from a ConfigMap). */
static int
ca_file(struct kcfg *c, struct config_yf *y, const char *f, yaml_node_t *v)
{
	const char	*slash = strrchr(y->path, '/');
	char		*joined;
	int		 n;

	if (config_get_str(y, v, f, &c->ca_file) == -1)
		return -1;
	c->ca_from = "environment";
	if (c->ca_file[0] == '/' || slash == NULL)
		return 0;
	n = (int)(slash - y->path);
	if (asprintf(&joined, "%.*s/%s", n, y->path, c->ca_file) == -1)
		return config_fail(y, f, "out of memory");
	free(c->ca_file);
	c->ca_file = joined;
	return 0;
}

static int
env_kv(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	if (strcmp(k, "name") == 0)
		return config_scalar(v) ? 0 :
		    config_fail(y, f, "want a string");
	if (strcmp(k, "feed") == 0)
		return set_feed(c, y, f, v);
	if (strcmp(k, "ws_url") == 0)
		return config_get_str(y, v, f, &c->ws_url);
	if (strcmp(k, "rest_url") == 0)
		return config_get_str(y, v, f, &c->rest_url);
	if (strcmp(k, "ca_file") == 0)
		return ca_file(c, y, f, v);
	/* The seed's schema tag: no bearing on a capture. */
	if (strcmp(k, "schema") == 0)
		return config_scalar(v) ? 0 :
		    config_fail(y, f, "want a string");
	if (strcmp(k, "keys") == 0) {
		/* Read after the walk: "feed" may come later in the file. */
		*(yaml_node_t **)arg = v;
		return 0;
	}
	return seed_env_kv(c, y, k, f, v, NULL);
}

/* close_within_hours: discovery keeps markets that close within that
 * many hours of the start (Kalshi's max_close_ts); a year at most. */
int
config_hours(struct kcfg *c, struct config_yf *y, yaml_node_t *v,
    const char *f)
{
	uint64_t	u;

	if (parse_uint(config_scalar(v), 1, 24 * 366, &u) == -1)
		return config_fail(y, f, "want hours, 1 to %d", 24 * 366);
	c->close_within_hours = (unsigned)u;
	return 0;
}

static int
discovery_kv(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	if (strcmp(k, "series") == 0)
		return config_get_list(y, v, f, &c->series, parse_ticker_ok);
	if (strcmp(k, "events") == 0)
		return config_get_list(y, v, f, &c->events, parse_ticker_ok);
	if (strcmp(k, "categories") == 0)
		return config_get_list(y, v, f, &c->categories,
		    config_category_ok);
	if (strcmp(k, "exclude_categories") == 0)
		return config_get_list(y, v, f, &c->exclude,
		    config_category_ok);
	if (strcmp(k, "status") == 0) {
		if (config_get_str(y, v, f, &c->status) == -1)
			return -1;
		return status_ok(c->status) ? 0 :
		    config_fail(y, f, "want a word like open");
	}
	if (strcmp(k, "close_within_hours") == 0)
		return config_hours(c, y, v, f);
	return config_fail(y, f, "unknown setting");
}

static int
feed_kv(struct kcfg *c, struct config_yf *y, const char *k, const char *f,
    yaml_node_t *v, void *arg)
{
	uint64_t	u;

	if (strcmp(k, "name") == 0)
		return set_feed(c, y, f, v);
	if (strcmp(k, "channels") == 0)
		return config_get_list(y, v, f, &c->channels, channel_ok);
	if (strcmp(k, "tickers") == 0)
		return config_get_list(y, v, f, &c->tickers, parse_ticker_ok);
	if (strcmp(k, "discovery") == 0) {
		c->discover = 1;
		return config_walk(c, y, v, f, discovery_kv, NULL);
	}
	if (strcmp(k, "shard_size") == 0) {
		if (parse_uint(config_scalar(v), 1, KCFG_SHARD_MAX, &u) == -1)
			return config_fail(y, f, "want 1 to %d",
			    KCFG_SHARD_MAX);
		c->shard_size = u;
		return 0;
	}
	return seed_feed_kv(c, y, k, f, v, NULL);
}

static int
load_env(struct kcfg *c, struct config_yf *y)
{
	yaml_node_t	*keys = NULL;

	if (config_walk(c, y, yaml_document_get_root_node(&y->doc), "", env_kv,
	    &keys) == -1)
		return -1;
	return keys == NULL ? 0 :
	    config_walk(c, y, keys, "keys", keys_feed, NULL);
}

static int
load_feed(struct kcfg *c, struct config_yf *y)
{
	return config_walk(c, y, yaml_document_get_root_node(&y->doc), "",
	    feed_kv, NULL);
}

static int
load_file(struct kcfg *c, const char *path, int env, char *err,
    size_t errlen)
{
	struct config_yf	y;
	int		rc;

	if (config_set(env ? &c->env_path : &c->feed_path, path) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (yf_open(&y, path, err, errlen) == -1)
		return -1;
	rc = env ? load_env(c, &y) : load_feed(c, &y);
	yaml_document_delete(&y.doc);
	return rc;
}

int
config_load(struct kcfg *c, const char *env_path, const char *feed_path,
    const char *feeds_dir, char *err, size_t errlen)
{
	char	path[4096];

	if (c->shard_size == 0)
		c->shard_size = KCFG_SHARD_DEFAULT;
	/* The feed file names the feed whose keys the environment holds. */
	if (feed_path != NULL) {
		if (load_file(c, feed_path, 0, err, errlen) == -1)
			return -1;
		return env_path == NULL ? 0 :
		    load_file(c, env_path, 1, err, errlen);
	}
	if (env_path != NULL && load_file(c, env_path, 1, err, errlen) == -1)
		return -1;
	if (feed_path == NULL && feeds_dir != NULL) {
		if (c->feed == NULL) {
			snprintf(err, errlen, "%s: feed: missing (it names "
			    "feeds/<feed>.yaml)", env_path);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s.yaml", feeds_dir, c->feed);
		feed_path = path;
	}
	if (feed_path != NULL && load_file(c, feed_path, 0, err, errlen) == -1)
		return -1;
	return 0;
}

static const char *
src_name(const struct kcfg *c)
{
	return c->env_path != NULL ? c->env_path : "(no environment file)";
}

int
config_resolve_keys(struct kcfg *c, char *err, size_t errlen)
{
	const char	*src, *comma, *v;
	char		 idvar[128], field[96];

	if (c->auth_none)
		return 0;	/* the feed's auth_method: none */
	snprintf(field, sizeof(field), "keys.%s.source",
	    c->feed ? c->feed : "kalshi");
	src = c->key_source ? c->key_source :
	    "env:KALSHI_API_KEY,KALSHI_PRIVATE_KEY";
	if (strncmp(src, "env:", 4) != 0 ||
	    (comma = strchr(src + 4, ',')) == NULL || comma == src + 4 ||
	    comma[1] == '\0' || (size_t)(comma - src - 4) >= sizeof(idvar)) {
		snprintf(err, errlen, "%s: %s: want env:KEY_ID_VAR,"
		    "PRIVATE_KEY_VAR", src_name(c), field);
		return -1;
	}
	memcpy(idvar, src + 4, comma - src - 4);
	idvar[comma - src - 4] = '\0';
	if ((v = getenv(idvar)) == NULL || *v == '\0') {
		snprintf(err, errlen, "%s: %s: environment variable %s "
		    "(the API key id) is not set", src_name(c), field, idvar);
		return -1;
	}
	if (config_set(&c->key_id, v) == -1 ||
	    config_set(&c->key_var, comma + 1) == -1)
		goto nomem;
	if ((v = getenv(comma + 1)) == NULL || *v == '\0') {
		/* VAR_FILE names a file holding the key, the convention of
		 * container images and of make run. */
		char	fvar[160];

		snprintf(fvar, sizeof(fvar), "%s_FILE", comma + 1);
		if ((v = getenv(fvar)) == NULL || *v == '\0') {
			snprintf(err, errlen, "%s: %s: neither %s (the private "
			    "key: PEM text, its base64 body, or a file) nor %s "
			    "(a file) is set", src_name(c), field, comma + 1,
			    fvar);
			return -1;
		}
		if (config_set(&c->key_var, fvar) == -1)
			goto nomem;
	}
	if (config_set(&c->key_pem, v) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static const char *
feed_name(const struct kcfg *c)
{
	return c->feed_path ? c->feed_path : "(no feed file)";
}

int
config_finish(struct kcfg *c, char *err, size_t errlen)
{
	char	*u;

	/* Command line, then the environment's ws_url (both already in
	 * ws_url), then the endpoint of the feed's version in effect. */
	if (c->ws_url == NULL && c->seed_endpoint != NULL) {
		if (config_set(&c->ws_url, c->seed_endpoint) == -1)
			goto nomem;
		c->ws_from_feed = 1;
	}
	if (c->ws_url != NULL && strstr(c->ws_url, "/MISSING_FEED_CONFIGMAP")) {
		snprintf(err, errlen, "%s: endpoint: %s is the original "
		    "operator's placeholder for a missing feed-%s ConfigMap "
		    "(or set ws_url, or --url)",
		    c->ws_from_feed ? feed_name(c) : src_name(c), c->ws_url,
		    c->feed ? c->feed : "");
		return -1;
	}
	if (c->seed_feed && c->channels.n == 0) {
		if (config_strv_split(&c->channels, KCFG_SEED_CHANNELS) == -1)
			goto nomem;
		c->channels_defaulted = 1;
	}
	/* The seed's secmaster handed out active markets only. */
	if (c->discover && c->seed_discovery && c->status == NULL &&
	    config_set(&c->status, "open") == -1)
		goto nomem;
	if (c->discover && c->rest_url == NULL && c->ws_url != NULL &&
	    (u = seed_rest_url(c->ws_url)) != NULL) {
		c->rest_url = u;
		c->rest_derived = 1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int
url_ok(const char *u, const char *a, const char *b)
{
	return u != NULL && (strncmp(u, a, strlen(a)) == 0 ||
	    strncmp(u, b, strlen(b)) == 0);
}

int
config_check(const struct kcfg *c, char *err, size_t errlen)
{
	size_t	i;

	if (c->feed == NULL || !parse_feed_name_ok(c->feed)) {
		snprintf(err, errlen, "%s: feed: missing or bad (or use --feed-name)",
		    src_name(c));
		return -1;
	}
	if (!url_ok(c->ws_url, "ws://", "wss://")) {
		snprintf(err, errlen, "%s: ws_url: want a ws:// or wss:// URL "
		    "(or --url)", src_name(c));
		return -1;
	}
	if (c->discover && !url_ok(c->rest_url, "http://", "https://")) {
		snprintf(err, errlen, "%s: rest_url: discovery needs an "
		    "http:// or https:// URL (or --rest-url)", src_name(c));
		return -1;
	}
	if (c->channels.n == 0) {
		snprintf(err, errlen, "%s: channels: missing (or --channels)",
		    feed_name(c));
		return -1;
	}
	for (i = 0; i < c->channels.n; i++)
		if (strcmp(c->channels.v[i], "orderbook_delta") == 0 &&
		    c->tickers.n == 0 && !c->discover) {
			snprintf(err, errlen, "%s: channels: orderbook_delta "
			    "needs tickers or discovery",
			    feed_name(c));
			return -1;
		}
	return 0;
}

void
config_free(struct kcfg *c)
{
	char	**s[] = { &c->feed, &c->ws_url, &c->rest_url, &c->ca_file,
		    &c->key_source, &c->key_id, &c->key_pem, &c->key_var,
		    &c->status, &c->env_path, &c->feed_path, &c->seed_version,
		    &c->seed_from, &c->seed_endpoint };
	size_t	i;

	if (c->key_pem != NULL)		/* may be the private key itself */
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	strv_clear(&c->channels);
	strv_clear(&c->tickers);
	strv_clear(&c->series);
	strv_clear(&c->events);
	strv_clear(&c->categories);
	strv_clear(&c->exclude);
	strv_clear(&c->ignored);
}
