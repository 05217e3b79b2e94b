/* filter: globs through fnmatch(3), categories in a sorted array. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"

struct catent {
	char	*key, *cat;
};

struct filter {
	char		**tickers, **cats;
	size_t		 ntickers, ncats;
	struct catent	*ent;
	size_t		 nent;
	int		 have_file;
};

struct filter *
filter_new(void)
{
	return calloc(1, sizeof(struct filter));
}

void
filter_free(struct filter *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->ntickers; i++)
		free(f->tickers[i]);
	for (i = 0; i < f->ncats; i++)
		free(f->cats[i]);
	for (i = 0; i < f->nent; i++) {
		free(f->ent[i].key);
		free(f->ent[i].cat);
	}
	free(f->tickers);
	free(f->cats);
	free(f->ent);
	free(f);
}

static int
push(char ***v, size_t *n, const char *s)
{
	char	**nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

int
filter_add_ticker(struct filter *f, const char *s)
{
	return push(&f->tickers, &f->ntickers, s);
}

int
filter_add_category(struct filter *f, const char *s)
{
	return push(&f->cats, &f->ncats, s);
}

static int
entcmp(const void *a, const void *b)
{
	return strcmp(((const struct catent *)a)->key,
	    ((const struct catent *)b)->key);
}

/* One "key category" entry, unsorted.  0, or -1 out of memory. */
static int
add_entry(struct filter *f, const char *k, const char *c)
{
	struct catent	*ne;

	if ((ne = realloc(f->ent, (f->nent + 1) * sizeof(*ne))) == NULL)
		return -1;
	f->ent = ne;
	if ((ne[f->nent].key = strdup(k)) == NULL)
		return -1;
	if ((ne[f->nent].cat = strdup(c)) == NULL) {
		free(ne[f->nent].key);
		return -1;
	}
	f->nent++;
	return 0;
}

int
filter_add_mapping(struct filter *f, char *const *keys, char *const *cats,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (add_entry(f, keys[i], cats[i]) == -1)
			return -1;
	qsort(f->ent, f->nent, sizeof(*f->ent), entcmp);
	f->have_file = 1;
	return 0;
}

void
filter_take_table(struct filter *f, struct filter *from)
{
	struct catent	*e = f->ent;
	size_t		 n = f->nent;

	f->ent = from->ent;
	f->nent = from->nent;
	from->ent = e;
	from->nent = n;
	f->have_file = 1;
}

size_t
filter_table_size(const struct filter *f)
{
	return f->nent;
}

int
filter_write_categories(const struct filter *f, FILE *fp)
{
	size_t	i;

	for (i = 0; i < f->nent; i++)
		if (fprintf(fp, "%s %s\n", f->ent[i].key, f->ent[i].cat) < 0)
			return -1;
	return 0;
}

int
filter_load_categories(struct filter *f, const char *path, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*line = NULL, *k, *c, *e;
	size_t		 cap = 0, lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		k = line + strspn(line, " \t");
		if (*k == '#' || *k == '\n' || *k == '\0')
			continue;
		c = k + strcspn(k, " \t\n");
		if (*c == '\n' || *c == '\0') {
			snprintf(err, errlen, "line %zu: want TICKER CATEGORY",
			    lineno);
			goto fail;
		}
		*c++ = '\0';
		c += strspn(c, " \t");
		e = c + strlen(c);
		while (e > c && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*c == '\0') {
			snprintf(err, errlen, "line %zu: no category", lineno);
			goto fail;
		}
		if (add_entry(f, k, c) == -1)
			goto oom;
	}
	free(line);
	fclose(fp);
	qsort(f->ent, f->nent, sizeof(*f->ent), entcmp);
	f->have_file = 1;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(line);
	fclose(fp);
	return -1;
}

char *const *
filter_categories(const struct filter *f, size_t *n)
{
	*n = f->ncats;
	return f->cats;
}

int
filter_needs_categories(const struct filter *f)
{
	return f->ncats > 0 && !f->have_file;
}

const char *
filter_category(const struct filter *f, const char *ticker)
{
	char		 buf[256], *dash;
	struct catent	 key = { buf, NULL }, *e;

	if (f->nent == 0 || strlen(ticker) >= sizeof(buf))
		return NULL;
	strcpy(buf, ticker);
	for (;;) {		/* market, then event, then series */
		e = bsearch(&key, f->ent, f->nent, sizeof(*f->ent), entcmp);
		if (e != NULL)
			return e->cat;
		if ((dash = strrchr(buf, '-')) == NULL)
			return NULL;
		*dash = '\0';
	}
}

static int
ticker_ok(const char *pat, const char *t)
{
	size_t	n;

	if (strpbrk(pat, "*?[") != NULL)
		return fnmatch(pat, t, 0) == 0;
	n = strlen(pat);
	return strncmp(pat, t, n) == 0 && (t[n] == '\0' || t[n] == '-');
}

int
filter_match(const struct filter *f, const char *ticker)
{
	const char	*cat;
	size_t		 i;
	int		 ok = f->ntickers == 0;

	for (i = 0; i < f->ntickers && !ok; i++)
		ok = ticker_ok(f->tickers[i], ticker);
	if (!ok || f->ncats == 0)
		return ok;
	if ((cat = filter_category(f, ticker)) == NULL)
		return 0;
	for (i = 0; i < f->ncats; i++)
		if (strcasecmp(f->cats[i], cat) == 0)
			return 1;
	return 0;
}
