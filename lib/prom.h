/* prom: a validating reader of the Prometheus text exposition format
 * 0.0.4, for ssmd-healthd, which must never serve a broken file.  A
 * document is checked whole: one bad line, a missing final newline (a
 * half-written file), a second TYPE for a name or a family split in two
 * makes prom_parse fail.  Spans point into the caller's buffer. */
#ifndef SSMD_PROM_H
#define SSMD_PROM_H

#include <stddef.h>

enum prom_type {
	PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY
};

struct prom_sample {
	const char	*name;		/* the sample's own name */
	size_t		 namelen;
	const char	*labels;	/* inside the braces, raw; NULL if none */
	size_t		 labelslen;
	const char	*line;		/* the whole line, trimmed, without \n */
	size_t		 linelen;
	double		 value;
};

struct prom_family {
	const char	*name;
	size_t		 namelen;
	const char	*help;		/* raw (still escaped); NULL if none */
	size_t		 helplen;
	enum prom_type	 type;
	size_t		 first, n;	/* its samples: smp[first .. first+n) */
};

struct prom_doc {
	struct prom_family	*fam;
	size_t			 nfam, capfam;
	struct prom_sample	*smp;
	size_t			 nsmp, capsmp;
};

/* Parse buf[0..len) into doc (zeroed by the caller, or reused after
 * prom_doc_free).  Returns 0, or -1 with a reason such as
 * "line 3: bad label value" in err. */
int	prom_parse(struct prom_doc *, const char *buf, size_t len,
	    char *err, size_t errlen);
void	prom_doc_free(struct prom_doc *);

/* The unescaped value of label name in s, NUL-terminated in out.
 * Returns 1 if found, 0 if absent, -1 if it does not fit. */
int	prom_label(const struct prom_sample *, const char *name, char *out,
	    size_t outlen);
/* The label set in a canonical form (sorted by name, values still
 * escaped), so that two spellings of one series compare equal.  Returns
 * the length, or -1 if it does not fit in out. */
int	prom_labels_canon(const struct prom_sample *, char *out, size_t outlen);

const char	*prom_type_name(enum prom_type);
/* Is s (NUL-terminated) a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)? */
int	prom_name_ok(const char *s);

#endif
