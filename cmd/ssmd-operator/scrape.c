/* scrape: a Prometheus text reader (see scrape.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "scrape.h"

/* One sample line into s; 0, or -1 if it is not one. */
static int
line(const char *p, const char *end, struct scrape_sample *s)
{
	const char	*q = p, *lb = NULL, *le = NULL;
	char		 num[64], *e;
	size_t		 n;
	int		 inq = 0;

	while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == ':'))
		q++;
	if (q == p || (size_t)(q - p) >= sizeof(s->name))
		return -1;
	memcpy(s->name, p, (size_t)(q - p));
	s->name[q - p] = '\0';
	if (q < end && *q == '{') {
		lb = ++q;
		for (; q < end; q++) {
			if (inq && *q == '\\' && q + 1 < end)
				q++;
			else if (*q == '"')
				inq = !inq;
			else if (!inq && *q == '}')
				break;
		}
		if (q >= end)
			return -1;
		le = q++;
	}
	n = lb ? (size_t)(le - lb) : 0;
	if (n >= sizeof(s->labels))
		return -1;
	memcpy(s->labels, lb ? lb : "", n);
	s->labels[n] = '\0';
	while (q < end && *q == ' ')
		q++;
	for (n = 0; q < end && *q != ' ' && n < sizeof(num) - 1; q++)
		num[n++] = *q;
	num[n] = '\0';
	s->value = strtod(num, &e);
	return n > 0 && *e == '\0' ? 0 : -1;
}

void
scrape_each(const char *text, void (*fn)(const struct scrape_sample *, void *),
    void *arg)
{
	const char		*p = text, *nl;
	struct scrape_sample	 s;

	for (; *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (*p != '#' && line(p, nl, &s) == 0)
			fn(&s, arg);
	}
}

int
scrape_label(const struct scrape_sample *s, const char *name, char *out,
    size_t outlen)
{
	const char	*p = s->labels, *key;
	size_t		 kl, n;
	int		 match;

	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		key = p;
		kl = strcspn(p, "=");
		if (p[kl] != '=' || p[kl + 1] != '"')
			return 0;
		match = kl == strlen(name) && strncmp(key, name, kl) == 0;
		n = 0;
		for (p += kl + 2; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (match && n + 1 < outlen)
				out[n++] = *p;
		}
		if (match) {
			out[n] = '\0';
			return 1;
		}
		if (*p == '"')
			p++;
	}
	return 0;
}
