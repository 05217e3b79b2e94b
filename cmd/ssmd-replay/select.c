#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "select.h"
#include "ts.h"

#define ENV_TS	"{\"ts\":\""

int
select_list_add(struct select_list *l, char *csv)
{
	char	*tok, **nv;

	for (tok = strtok(csv, ","); tok != NULL; tok = strtok(NULL, ",")) {
		if (*tok == '\0')
			continue;
		if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->v[l->n++] = tok;
	}
	return l->n > 0 ? 0 : -1;
}

int
select_sids_add(struct select *s, const char *csv)
{
	const char	*p = csv;
	char		*end;
	long long	 v;
	int64_t		*nv;

	while (*p != '\0') {
		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || errno != 0 || v < 0 || (*end != ',' &&
		    *end != '\0'))
			return -1;
		if ((nv = realloc(s->sids, (s->nsids + 1) * sizeof(*nv))) ==
		    NULL)
			return -1;
		s->sids = nv;
		s->sids[s->nsids++] = v;
		p = *end == ',' ? end + 1 : end;
	}
	return s->nsids > 0 ? 0 : -1;
}

static int
add_needle(struct select_list *l, const char *p, size_t n, int quote)
{
	char	*s, **nv;

	if ((s = malloc(n + 3)) == NULL ||
	    (nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return -1;
	}
	if (quote)
		snprintf(s, n + 3, "\"%.*s\"", (int)n, p);
	else
		snprintf(s, n + 1, "%.*s", (int)n, p);
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

/* The longest run of a glob without a special character: a line whose
 * ticker matches must hold it.  None when a glob has no literal. */
static int
glob_needle(struct select *s, const char *g)
{
	size_t	best = 0, bi = 0, i = 0, k;

	while (g[i] != '\0') {
		k = strcspn(g + i, "*?[\\");
		if (k > best) {
			best = k;
			bi = i;
		}
		i += k;
		if (g[i] != '\0')
			i++;
	}
	if (best == 0)
		return 1;	/* matches without a literal: no byte test */
	return add_needle(&s->market_needles, g + bi, best, 0) == -1 ? -1 : 0;
}

int
select_prepare(struct select *s)
{
	size_t	i;
	int	r, open = 0;

	for (i = 0; i < s->types.n; i++)
		if (add_needle(&s->type_needles, s->types.v[i],
		    strlen(s->types.v[i]), 1) == -1)
			return -1;
	for (i = 0; i < s->markets.n; i++) {
		if ((r = glob_needle(s, s->markets.v[i])) == -1)
			return -1;
		open |= r;
	}
	if (open) {
		/* One glob needs no literal: the byte test would be wrong. */
		while (s->market_needles.n > 0)
			free(s->market_needles.v[--s->market_needles.n]);
	}
	s->frame_filters = s->types.n || s->markets.n || s->nsids;
	return 0;
}

static void
free_needles(struct select_list *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
}

void
select_free(struct select *s)
{
	free(s->feeds.v);
	free(s->types.v);
	free(s->markets.v);
	free_needles(&s->type_needles);
	free_needles(&s->market_needles);
	free(s->sids);
}

int
select_time(const char *s, int64_t *us)
{
	char	buf[64];
	size_t	n = strlen(s);

	if (n >= sizeof(buf) - 16)
		return -1;
	if (n == 10)
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	else if (n > 16 && s[13] == ':' && s[16] != ':' && s[16] != '.')
		/* Minutes without seconds: 2026-11-21T14:00Z. */
		snprintf(buf, sizeof(buf), "%.16s:00%s", s, s + 16);
	else
		snprintf(buf, sizeof(buf), "%s", s);
	return ts_parse(buf, strlen(buf), us);
}

int
select_feed(const struct select *s, const char *feed)
{
	size_t	i;

	if (s->feeds.n == 0)
		return 1;
	for (i = 0; i < s->feeds.n; i++)
		if (strcmp(s->feeds.v[i], feed) == 0)
			return 1;
	return 0;
}

static int
any_needle(const struct select_list *l, const char *p, size_t n)
{
	size_t	i;

	if (l->n == 0)
		return 1;
	for (i = 0; i < l->n; i++)
		if (memmem(p, n, l->v[i], strlen(l->v[i])) != NULL)
			return 1;
	return 0;
}

int
select_maybe(const struct select *s, const char *p, size_t n)
{
	return any_needle(&s->market_needles, p, n) &&
	    any_needle(&s->type_needles, p, n);
}

static int
span_in(const struct select_list *l, const struct json_span *v)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == v->len &&
		    memcmp(l->v[i], v->p, v->len) == 0)
			return 1;
	return 0;
}

static int
market_ok(const struct select *s, const char *p, size_t n)
{
	struct json_span	msg, t;
	char			buf[256];
	size_t			i;

	if (json_get(p, n, "msg", &msg) == -1 ||
	    (json_get_str(msg.p, msg.len, "market_ticker", &t) == -1 &&
	    json_get_str(msg.p, msg.len, "event_ticker", &t) == -1) ||
	    t.len >= sizeof(buf))
		return 0;
	memcpy(buf, t.p, t.len);
	buf[t.len] = '\0';
	for (i = 0; i < s->markets.n; i++)
		if (fnmatch(s->markets.v[i], buf, 0) == 0)
			return 1;
	return 0;
}

static int
sid_ok(const struct select *s, const char *p, size_t n)
{
	struct json_span	v;
	int64_t			sid = 0;
	size_t			i;

	if (json_get(p, n, "sid", &v) == -1 || v.len == 0 || v.len > 18)
		return 0;
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		sid = sid * 10 + (v.p[i] - '0');
	}
	for (i = 0; i < s->nsids; i++)
		if (s->sids[i] == sid)
			return 1;
	return 0;
}

int
select_frame(const struct select *s, const char *p, size_t n)
{
	struct json_span	v;

	if (s->types.n > 0 && (json_get_str(p, n, "type", &v) == -1 ||
	    !span_in(&s->types, &v)))
		return 0;
	if (s->nsids > 0 && !sid_ok(s, p, n))
		return 0;
	if (s->markets.n > 0 && !market_ok(s, p, n))
		return 0;
	return 1;
}

static int
is_envelope(const char *p, size_t n)
{
	return n > sizeof(ENV_TS) && memcmp(p, ENV_TS, sizeof(ENV_TS) - 1) == 0;
}

int
select_frame_of(const char *p, size_t n, struct json_span *out)
{
	if (!is_envelope(p, n)) {
		out->p = p;
		out->len = n;
		return 0;
	}
	return json_get(p, n, "data", out);
}

int
select_ts(const char *p, size_t n, int64_t *us)
{
	struct json_span	v;
	const char		*q;

	if (is_envelope(p, n) &&
	    (q = memchr(p + 7, '"', n - 7)) != NULL)
		return ts_parse(p + 7, q - (p + 7), us);
	if (json_get_str(p, n, "ts", &v) == -1)
		return -1;
	return ts_parse(v.p, v.len, us);
}
