#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"

/* An open-addressing set of byte strings; slots hold indexes + 1. */
struct set {
	uint32_t	*slot;
	size_t		 mask;
};

/* A metric of the union and the chain of documents' families in it. */
struct ufam {
	const struct prom_family	*first;
	long				 head, tail;	/* into contrib */
};

struct contrib {
	const struct prom_family	*fam;
	const struct prom_doc		*doc;
	long				 next;
};

static uint64_t
hash(const char *p, size_t n)
{
	uint64_t	h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static int
set_init(struct set *s, size_t n)
{
	size_t	cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	s->mask = cap - 1;
	return (s->slot = calloc(cap, sizeof(*s->slot))) == NULL ? -1 : 0;
}

static size_t
fam_slot(const struct set *s, const struct ufam *u, const char *name,
    size_t len)
{
	size_t	i = hash(name, len) & s->mask;

	for (; s->slot[i] != 0; i = (i + 1) & s->mask) {
		const struct prom_family *f = u[s->slot[i] - 1].first;
		if (f->namelen == len && memcmp(f->name, name, len) == 0)
			break;
	}
	return i;
}

static size_t
key_slot(const struct set *s, char *const *keys, const size_t *klen,
    const char *k, size_t len)
{
	size_t	i = hash(k, len) & s->mask;

	for (; s->slot[i] != 0; i = (i + 1) & s->mask)
		if (klen[s->slot[i] - 1] == len &&
		    memcmp(keys[s->slot[i] - 1], k, len) == 0)
			break;
	return i;
}

/* Print f's samples that no earlier document served. */
static int
emit(FILE *out, const struct prom_doc *d, const struct prom_family *f,
    struct set *seen, char **keys, size_t *klen, size_t *nkeys,
    struct hd_union_stats *st)
{
	const struct prom_sample	*s;
	char				 canon[4096];
	size_t				 i, slot, len;
	int				 c;

	for (i = f->first; i < f->first + f->n; i++) {
		s = &d->smp[i];
		if ((c = prom_labels_canon(s, canon, sizeof(canon))) == -1) {
			st->duplicates++;	/* cannot be told apart */
			continue;
		}
		len = s->namelen + 1 + (size_t)c;
		if ((keys[*nkeys] = malloc(len)) == NULL)
			return -1;
		memcpy(keys[*nkeys], s->name, s->namelen);
		keys[*nkeys][s->namelen] = '{';
		memcpy(keys[*nkeys] + s->namelen + 1, canon, (size_t)c);
		klen[*nkeys] = len;
		slot = key_slot(seen, keys, klen, keys[*nkeys], len);
		if (seen->slot[slot] != 0) {
			free(keys[*nkeys]);
			st->duplicates++;
			continue;
		}
		seen->slot[slot] = (uint32_t)++*nkeys;
		fprintf(out, "%.*s\n", (int)s->linelen, s->line);
	}
	return 0;
}

int
merge_union(FILE *out, const struct prom_doc *const *docs, size_t ndocs,
    struct hd_union_stats *st)
{
	struct set		 fams = { 0 }, seen = { 0 };
	struct ufam		*u = NULL;
	struct contrib		*c = NULL;
	char			**keys = NULL;
	size_t			*klen = NULL, nf = 0, ns = 0, nu = 0, nc = 0;
	size_t			 nkeys = 0, i, j, slot;
	const struct prom_family *f, *first;
	long			 k;
	int			 rc = -1;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < ndocs; i++) {
		nf += docs[i]->nfam;
		ns += docs[i]->nsmp;
	}
	if (set_init(&fams, nf) == -1 || set_init(&seen, ns) == -1 ||
	    (u = calloc(nf + 1, sizeof(*u))) == NULL ||
	    (c = calloc(nf + 1, sizeof(*c))) == NULL ||
	    (keys = calloc(ns + 1, sizeof(*keys))) == NULL ||
	    (klen = calloc(ns + 1, sizeof(*klen))) == NULL)
		goto out;
	for (i = 0; i < ndocs; i++)
		for (j = 0; j < docs[i]->nfam; j++) {
			f = &docs[i]->fam[j];
			slot = fam_slot(&fams, u, f->name, f->namelen);
			if (fams.slot[slot] == 0) {
				u[nu].first = f;
				u[nu].head = u[nu].tail = -1;
				fams.slot[slot] = (uint32_t)++nu;
			}
			k = (long)fams.slot[slot] - 1;
			c[nc].fam = f;
			c[nc].doc = docs[i];
			c[nc].next = -1;
			if (u[k].tail == -1)
				u[k].head = (long)nc;
			else
				c[u[k].tail].next = (long)nc;
			u[k].tail = (long)nc++;
		}
	for (i = 0; i < nu; i++) {
		first = u[i].first;
		for (k = u[i].head; k != -1 && first->help == NULL; k = c[k].next)
			if (c[k].fam->type == first->type && c[k].fam->help)
				first = c[k].fam;	/* borrow a HELP */
		if (first->help != NULL)
			fprintf(out, "# HELP %.*s %.*s\n", (int)first->namelen,
			    first->name, (int)first->helplen, first->help);
		fprintf(out, "# TYPE %.*s %s\n", (int)first->namelen,
		    first->name, prom_type_name(first->type));
		for (k = u[i].head; k != -1; k = c[k].next) {
			if (c[k].fam->type != first->type) {
				st->conflicts += c[k].fam->n;
				continue;
			}
			if (emit(out, c[k].doc, c[k].fam, &seen, keys, klen,
			    &nkeys, st) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	free(klen);
	free(u);
	free(c);
	free(fams.slot);
	free(seen.slot);
	return rc;
}
