#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "prom.h"

#define MAX_LABELS	64

struct span {
	const char	*p;
	size_t		 len;
};

struct pstate {
	struct prom_doc	*doc;
	long		 cur;		/* the family samples now go to, or -1 */
	unsigned char	*declared;	/* per family: bit 1 TYPE seen, 2 HELP */
	size_t		 capdecl;
	char		*err;
	size_t		 errlen;
	unsigned	 lineno;
};

static const char *const type_names[] = {
	"untyped", "counter", "gauge", "histogram", "summary"
};

const char *
prom_type_name(enum prom_type t)
{
	return (unsigned)t < 5 ? type_names[t] : "untyped";
}

static int
fail(struct pstate *ps, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = ps->lineno == 0 ? 0 :
	    snprintf(ps->err, ps->errlen, "line %u: ", ps->lineno);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Prometheus also takes tabs, but its Python client does not: healthd
 * serves only what both read. */
static int
is_blank(char c)
{
	return c == ' ';
}

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static int
name_char(char c, int first, int colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (colon && c == ':')
		return 1;
	return !first && c >= '0' && c <= '9';
}

/* A metric name (colons allowed) or label name at p; its end, or p. */
static const char *
scan_name(const char *p, const char *end, int colon)
{
	const char	*q = p;

	while (q < end && name_char(*q, q == p, colon))
		q++;
	return q;
}

int
prom_name_ok(const char *s)
{
	const char	*end = s + strlen(s);

	return end > s && scan_name(s, end, 1) == end;
}

/* The quoted label value that starts at p (at the opening quote); returns
 * the end past the closing quote, or NULL if unterminated or with an
 * escape other than \\ \" \n. */
static const char *
scan_quoted(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			if (++p == end || (*p != '\\' && *p != '"' && *p != 'n'))
				return NULL;
		}
	}
	return NULL;
}

/* The next label pair at *pp (up to end): fills name and val (the value
 * without quotes, still escaped) and returns 1; returns 0 when only blanks
 * are left, -1 on a syntax error.  A trailing comma is allowed, as the
 * format allows it. */
static int
label_next(const char **pp, const char *end, struct span *name,
    struct span *val)
{
	const char	*p, *q;

	if ((p = skip_blank(*pp, end)) == end)
		return 0;
	if ((q = scan_name(p, end, 0)) == p)
		return -1;
	name->p = p;
	name->len = (size_t)(q - p);
	p = skip_blank(q, end);
	if (p == end || *p != '=')
		return -1;
	p = skip_blank(p + 1, end);
	if ((q = scan_quoted(p, end)) == NULL)
		return -1;
	val->p = p + 1;
	val->len = (size_t)(q - p - 2);
	p = skip_blank(q, end);
	if (p < end) {
		if (*p != ',')
			return -1;
		p++;
	}
	*pp = p;
	return 1;
}

/* Split a label set into at most max pairs; returns the count or -1. */
static int
labels_split(const char *p, size_t len, struct span *names, struct span *vals,
    int max)
{
	const char	*end;
	int		 k = 0, r;

	if (p == NULL)
		return 0;
	end = p + len;
	while ((r = label_next(&p, end, &names[k], &vals[k])) == 1)
		if (++k == max)
			return -1;
	return r == 0 ? k : -1;
}

/* A sample value: a decimal float, or NaN / Inf with an optional sign
 * (any case), as both Prometheus and its Python client read them. */
static int
value_ok(const char *p, size_t n)
{
	size_t	i = 0, d = 0;

	if (n > 0 && (p[0] == '+' || p[0] == '-'))
		i++;
	if ((n - i == 3 && strncasecmp(p + i, "inf", 3) == 0) ||
	    (n - i == 8 && strncasecmp(p + i, "infinity", 8) == 0))
		return 1;
	if (n == 3 && strncasecmp(p, "nan", 3) == 0)
		return 1;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		d++;
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			d++;
	if (d == 0)
		return 0;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return i == n;
}

static int
timestamp_ok(const char *p, size_t n)
{
	size_t	i = 0;

	if (n > 0 && (p[0] == '-' || p[0] == '+'))
		i++;
	if (i == n || n - i > 18)
		return 0;
	for (; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int
span_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static long
find_family(const struct prom_doc *d, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < d->nfam; i++)
		if (span_eq(d->fam[i].name, d->fam[i].namelen, name, len))
			return (long)i;
	return -1;
}

static long
add_family(struct pstate *ps, const char *name, size_t len)
{
	struct prom_doc		*d = ps->doc;
	struct prom_family	*f;
	void			*t;
	size_t			 cap;

	if (d->nfam == d->capfam) {
		cap = d->capfam ? d->capfam * 2 : 16;
		if ((t = realloc(d->fam, cap * sizeof(*d->fam))) == NULL)
			return fail(ps, "out of memory");
		d->fam = t;
		d->capfam = cap;
	}
	if (d->nfam == ps->capdecl) {	/* a reused doc may have room */
		cap = d->capfam;
		if ((t = realloc(ps->declared, cap)) == NULL)
			return fail(ps, "out of memory");
		ps->declared = t;
		ps->capdecl = cap;
	}
	f = &d->fam[d->nfam];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->namelen = len;
	f->first = d->nsmp;
	ps->declared[d->nfam] = 0;
	return (long)d->nfam++;
}

/* Does a sample called name belong to family f (histogram and summary
 * series carry suffixes)? */
static int
belongs(const struct prom_family *f, const char *name, size_t len)
{
	static const char *const sfx[] = { "_sum", "_count", "_bucket" };
	size_t	i, nsfx, sl;

	if (span_eq(f->name, f->namelen, name, len))
		return 1;
	if (f->type != PROM_HISTOGRAM && f->type != PROM_SUMMARY)
		return 0;
	nsfx = f->type == PROM_HISTOGRAM ? 3 : 2;
	for (i = 0; i < nsfx; i++) {
		sl = strlen(sfx[i]);
		if (len == f->namelen + sl &&
		    memcmp(name, f->name, f->namelen) == 0 &&
		    memcmp(name + f->namelen, sfx[i], sl) == 0)
			return 1;
	}
	return 0;
}

/* White space as Python's str.split() sees it, within ASCII. */
static int
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* The Python client takes a comment's second word, whatever the first,
 * for its keyword ("## TYPE x y" and "#\tTYPE x y" are TYPE lines to it).
 * Find that word as it does: 1 with *kw set if it is HELP or TYPE, 0 for
 * a plain comment, -1 if a non-ASCII byte (maybe Unicode white space)
 * makes the answer uncertain. */
static int
comment_keyword(const char *p, const char *end, const char **kw)
{
	const char	*w;
	int		 n;

	for (n = 1; n <= 2; n++) {
		while (p < end && py_space(*p))
			p++;
		for (w = p; p < end && !py_space(*p); p++)
			if ((unsigned char)*p >= 0x80)
				return -1;
		if (w == p)
			return 0;
	}
	if (p - w != 4 || (memcmp(w, "HELP", 4) != 0 &&
	    memcmp(w, "TYPE", 4) != 0))
		return 0;
	*kw = w;
	return 1;
}

/* "# HELP name text" or "# TYPE name type"; other comments are ignored.
 * A line that any reader could take for HELP or TYPE must have exactly
 * this form, so no two readers see different things in a file served. */
static int
parse_comment(struct pstate *ps, const char *p, const char *end)
{
	struct prom_family	*f;
	const char		*q, *kw = NULL;
	long			 i;
	int			 help, t, r;

	if ((r = comment_keyword(p, end, &kw)) == -1)
		return fail(ps, "non-ASCII byte in a comment's first words");
	if (r == 0)
		return 0;
	if (kw != p + 2 || p[1] != ' ' || end - kw < 5 || kw[4] != ' ')
		return fail(ps, "%.4s line not in the form '# %.4s name ...'",
		    kw, kw);
	p = kw;
	help = kw[0] == 'H';
	p = skip_blank(p + 5, end);
	if ((q = scan_name(p, end, 1)) == p || (q < end && !is_blank(*q)))
		return fail(ps, "bad metric name after %s", help ? "HELP" : "TYPE");
	i = find_family(ps->doc, p, (size_t)(q - p));
	if (i != -1 && i != ps->cur)
		return fail(ps, "metric %.*s is not in one group",
		    (int)(q - p), p);
	if (i == -1 && (i = add_family(ps, p, (size_t)(q - p))) == -1)
		return -1;
	ps->cur = i;
	f = &ps->doc->fam[i];
	p = skip_blank(q, end);
	if (help) {
		if (ps->declared[i] & 2)
			return fail(ps, "second HELP for %.*s",
			    (int)f->namelen, f->name);
		for (q = p; q < end; q++)
			if (*q == '\\' && (++q == end || (*q != '\\' && *q != 'n')))
				return fail(ps, "bad escape in HELP");
		ps->declared[i] |= 2;
		f->help = p;
		f->helplen = (size_t)(end - p);
		return 0;
	}
	if (ps->declared[i] & 1)
		return fail(ps, "second TYPE for %.*s", (int)f->namelen, f->name);
	if (f->n > 0)
		return fail(ps, "TYPE after samples of %.*s",
		    (int)f->namelen, f->name);
	for (t = 0; t < 5; t++)
		if (span_eq(p, (size_t)(end - p), type_names[t],
		    strlen(type_names[t])))
			break;
	if (t == 5)
		return fail(ps, "unknown TYPE %.*s", (int)(end - p), p);
	f->type = (enum prom_type)t;
	ps->declared[i] |= 1;
	return 0;
}

static int
check_labels(struct pstate *ps, const char *p, size_t len)
{
	struct span	names[MAX_LABELS], vals[MAX_LABELS];
	int		k, i, j;

	if ((k = labels_split(p, len, names, vals, MAX_LABELS)) == -1)
		return fail(ps, "bad label set");
	for (i = 0; i < k; i++) {
		if (span_eq(names[i].p, names[i].len, "__name__", 8))
			return fail(ps, "label __name__ is reserved");
		for (j = 0; j < i; j++)
			if (span_eq(names[i].p, names[i].len, names[j].p,
			    names[j].len))
				return fail(ps, "label %.*s twice",
				    (int)names[i].len, names[i].p);
	}
	return 0;
}

static int
parse_sample(struct pstate *ps, const char *line, const char *end)
{
	struct prom_doc		*d = ps->doc;
	struct prom_sample	 s;
	const char		*p, *q, *lend;
	char			 num[64];
	long			 i;
	void			*t;

	memset(&s, 0, sizeof(s));
	s.line = line;
	s.linelen = (size_t)(end - line);
	if ((q = scan_name(line, end, 1)) == line)
		return fail(ps, "bad metric name");
	s.name = line;
	s.namelen = (size_t)(q - line);
	p = skip_blank(q, end);
	if (p < end && *p == '{') {
		for (q = p + 1; q < end && *q != '}'; ) {
			if (*q != '"')
				q++;
			else if ((q = scan_quoted(q, end)) == NULL)
				return fail(ps, "bad label value");
		}
		if (q == end)
			return fail(ps, "unterminated label set");
		s.labels = p + 1;
		s.labelslen = (size_t)(q - p - 1);
		if (check_labels(ps, s.labels, s.labelslen) == -1)
			return -1;
		p = skip_blank(q + 1, end);
	} else if (p == q)
		return fail(ps, "bad metric name");
	for (q = p; q < end && !is_blank(*q); q++)
		;
	if (!value_ok(p, (size_t)(q - p)) || (size_t)(q - p) >= sizeof(num))
		return fail(ps, "bad value %.*s", (int)(q - p), p);
	memcpy(num, p, (size_t)(q - p));
	num[q - p] = '\0';
	s.value = strtod(num, NULL);
	p = skip_blank(q, end);
	for (lend = p; lend < end && !is_blank(*lend); lend++)
		;
	if (p < end && !timestamp_ok(p, (size_t)(lend - p)))
		return fail(ps, "bad timestamp");
	if (skip_blank(lend, end) != end)
		return fail(ps, "junk after the timestamp");

	if (ps->cur == -1 || !belongs(&d->fam[ps->cur], s.name, s.namelen)) {
		if (find_family(d, s.name, s.namelen) != -1)
			return fail(ps, "metric %.*s is not in one group",
			    (int)s.namelen, s.name);
		if ((i = add_family(ps, s.name, s.namelen)) == -1)
			return -1;
		ps->cur = i;
	}
	if (d->nsmp == d->capsmp) {
		size_t cap = d->capsmp ? d->capsmp * 2 : 32;
		if ((t = realloc(d->smp, cap * sizeof(*d->smp))) == NULL)
			return fail(ps, "out of memory");
		d->smp = t;
		d->capsmp = cap;
	}
	d->smp[d->nsmp++] = s;
	d->fam[ps->cur].n++;
	return 0;
}

int
prom_parse(struct prom_doc *doc, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct pstate	 ps = { doc, -1, NULL, 0, err, errlen, 0 };
	const char	*p = buf, *end = buf + len, *nl, *s, *e;
	int		 rc = 0;

	doc->nfam = doc->nsmp = 0;
	if (len > 0 && buf[len - 1] != '\n')
		return fail(&ps, "no newline at the end (a half-written file?)");
	if (memchr(buf, '\0', len) != NULL)
		return fail(&ps, "a NUL byte");
	if (!json_utf8_valid(buf, len))
		return fail(&ps, "invalid UTF-8");
	for (; p < end && rc == 0; p = nl + 1) {
		ps.lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		s = skip_blank(p, nl);
		for (e = nl; e > s && is_blank(e[-1]); e--)
			;
		if (memchr(s, '\r', (size_t)(e - s)) != NULL)
			rc = fail(&ps, "a carriage return");
		else if (s == e)
			continue;
		else if (*s == '#')
			rc = parse_comment(&ps, s, e);
		else
			rc = parse_sample(&ps, s, e);
	}
	free(ps.declared);
	if (rc == -1)
		doc->nfam = doc->nsmp = 0;
	return rc;
}

void
prom_doc_free(struct prom_doc *doc)
{
	free(doc->fam);
	free(doc->smp);
	memset(doc, 0, sizeof(*doc));
}

int
prom_label(const struct prom_sample *s, const char *name, char *out,
    size_t outlen)
{
	struct span	names[MAX_LABELS], vals[MAX_LABELS];
	size_t		o = 0, j;
	int		k, i;

	k = labels_split(s->labels, s->labelslen, names, vals, MAX_LABELS);
	for (i = 0; i < k; i++) {
		if (!span_eq(names[i].p, names[i].len, name, strlen(name)))
			continue;
		for (j = 0; j < vals[i].len; j++) {
			char c = vals[i].p[j];
			if (c == '\\' && ++j < vals[i].len)
				c = vals[i].p[j] == 'n' ? '\n' : vals[i].p[j];
			if (o + 1 >= outlen)
				return -1;
			out[o++] = c;
		}
		if (outlen == 0)
			return -1;
		out[o] = '\0';
		return 1;
	}
	return 0;
}

struct pair {
	struct span	n, v;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair	*x = a, *y = b;
	size_t			 n = x->n.len < y->n.len ? x->n.len : y->n.len;
	int			 c = memcmp(x->n.p, y->n.p, n);

	return c != 0 ? c : (x->n.len > y->n.len) - (x->n.len < y->n.len);
}

int
prom_labels_canon(const struct prom_sample *s, char *out, size_t outlen)
{
	struct span	names[MAX_LABELS], vals[MAX_LABELS];
	struct pair	pairs[MAX_LABELS];
	size_t		o = 0;
	int		k, i, n;

	if ((k = labels_split(s->labels, s->labelslen, names, vals,
	    MAX_LABELS)) == -1)
		return -1;
	for (i = 0; i < k; i++) {
		pairs[i].n = names[i];
		pairs[i].v = vals[i];
	}
	qsort(pairs, (size_t)k, sizeof(*pairs), pair_cmp);
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < k; i++) {
		n = snprintf(out + o, outlen - o, "%s%.*s=\"%.*s\"",
		    i ? "," : "", (int)pairs[i].n.len, pairs[i].n.p,
		    (int)pairs[i].v.len, pairs[i].v.p);
		if (n < 0 || (size_t)n >= outlen - o)
			return -1;
		o += (size_t)n;
	}
	return (int)o;
}
