#include <stdio.h>
#include <string.h>

#include "json.h"
#include "subject.h"

static const char hex[] = "0123456789ABCDEF";

static int
keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

int
subject_escape(const char *p, size_t n, char *out, size_t cap)
{
	size_t	i, o = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		/* Room for this byte's 1 or 3 and the NUL, exactly: a
		 * token one byte over the limit must not slip through. */
		if (o + (keep(c) ? 1 : 3) + 1 > cap)
			return -1;
		if (keep(c))
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return (int)o;
}

struct kindmap {
	const char	*type;
	const char	*kind;
	const char	*key;		/* member of "msg" naming the market */
};

static const struct kindmap kinds[] = {
	{ "ticker",		 "ticker",	   "market_ticker" },
	{ "ticker_v2",		 "ticker",	   "market_ticker" },
	{ "trade",		 "trade",	   "market_ticker" },
	{ "orderbook_snapshot",	 "orderbook",	   "market_ticker" },
	{ "orderbook_delta",	 "orderbook",	   "market_ticker" },
	{ "market_lifecycle_v2", "lifecycle",	   "market_ticker" },
	{ "event_lifecycle",	 "event_lifecycle", "event_ticker" },
};

static int
eq(const struct json_span *s, const char *lit)
{
	size_t	n = strlen(lit);

	return s->len == n && memcmp(s->p, lit, n) == 0;
}

/* The market of a data frame, escaped into tok; -1 if there is none. */
static int
market(const struct json_span *frame, const char *key, char *tok, size_t cap)
{
	struct json_span	m;
	const char		*msg;

	/* Only where "msg" starts matters: json_get stops at its end. */
	if ((msg = json_find(frame->p, frame->len, "msg")) == NULL ||
	    json_get_str(msg, frame->len - (size_t)(msg - frame->p), key,
	    &m) == -1)
		return -1;
	/* A ticker with a backslash escape is taken as written: tickers are
	 * A-Z 0-9 - . and anything else only has to map to a stable token. */
	return subject_escape(m.p, m.len, tok, cap);
}

int
subject_for(const char *prefix, const char *p, size_t n, int invalid,
    char *out, size_t cap)
{
	struct json_span	frame = { p, n }, type, data;
	char			tok[SUBJECT_TOKEN_MAX + 1];
	size_t			i;

	if (invalid) {
		snprintf(out, cap, "%s.invalid", prefix);
		return SUBJ_INVALID;
	}
	/* "data" first: in an envelope it comes early, while "type" would be
	 * looked for past the whole frame. */
	if ((data.p = json_find(p, n, "data")) != NULL &&
	    (data.len = n - (size_t)(data.p - p),
	    json_get_str(data.p, data.len, "type", &type) == 0))
		frame = data;	/* its end is the object's end: no need to
				   look for it */
	else if (json_get_str(p, n, "type", &type) == -1)
		goto none;
	if (type.len > 5 && memcmp(type.p, "ssmd_", 5) == 0 &&
	    subject_escape(type.p + 5, type.len - 5, tok, sizeof(tok)) != -1) {
		snprintf(out, cap, "%s.ssmd.%s", prefix, tok);
		return SUBJ_MARKER;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!eq(&type, kinds[i].type))
			continue;
		if (market(&frame, kinds[i].key, tok, sizeof(tok)) == -1)
			break;
		snprintf(out, cap, "%s.json.%s.%s", prefix, kinds[i].kind, tok);
		return SUBJ_DATA;
	}
	if (subject_escape(type.p, type.len, tok, sizeof(tok)) != -1) {
		snprintf(out, cap, "%s.other.%s", prefix, tok);
		return SUBJ_OTHER;
	}
none:
	snprintf(out, cap, "%s.other._", prefix);
	return SUBJ_OTHER;
}

/* Check a subject's tokens; wild allows "*" tokens and a final ">". */
static int
check(const char *s, int wild)
{
	const char	*t = s, *e;
	size_t		 n;

	if (s == NULL || *s == '\0' || strlen(s) >= SUBJECT_MAX)
		return 0;
	for (;;) {
		e = strchr(t, '.');
		n = e ? (size_t)(e - t) : strlen(t);
		if (n == 0)
			return 0;
		if (n == 1 && (*t == '*' || *t == '>')) {
			if (!wild || (*t == '>' && e != NULL))
				return 0;
		} else {
			for (size_t i = 0; i < n; i++) {
				unsigned char c = (unsigned char)t[i];

				if (c <= ' ' || c == 0x7f || c == '*' ||
				    c == '>')
					return 0;
			}
		}
		if (e == NULL)
			return 1;
		t = e + 1;
	}
}

int
subject_literal_ok(const char *s)
{
	return check(s, 0);
}

int
subject_pattern_ok(const char *s)
{
	return check(s, 1);
}

/* Next token of s[0..n) from *i; returns its length, or -1 at the end. */
static long
token(const char *s, size_t n, size_t *i, const char **tok)
{
	const char	*e;
	size_t		 len;

	if (*i > n)
		return -1;
	*tok = s + *i;
	e = memchr(*tok, '.', n - *i);
	len = e ? (size_t)(e - *tok) : n - *i;
	*i += len + 1;
	return (long)len;
}

int
subject_match(const char *pattern, const char *s, size_t n)
{
	size_t		 pn = strlen(pattern), pi = 0, si = 0;
	const char	*pt, *st;
	long		 pl, sl;

	for (;;) {
		pl = token(pattern, pn, &pi, &pt);
		sl = token(s, n, &si, &st);
		if (pl == -1 || sl == -1)
			return pl == -1 && sl == -1;
		if (pl == 1 && *pt == '>')
			return 1;
		if (sl == 1 && *st == '>')
			return 0;
		if (pl == 1 && *pt == '*')
			continue;
		if (sl == 1 && *st == '*')
			return 0;
		if (pl != sl || memcmp(pt, st, (size_t)pl) != 0)
			return 0;
	}
}
