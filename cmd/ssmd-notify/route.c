/* route: match rules.  Comparisons are numeric when both sides are
 * numbers (JSON numbers or strings that hold one, as the payload's dollar
 * strings do).  A numeric rule value orders nothing else; a text one
 * compares byte-wise, so "gt" on RFC 3339 times orders them too. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

json_t *
route_get(json_t *v, char *const *path, size_t npath)
{
	size_t	 i, idx;
	char	*end;

	for (i = 0; i < npath && v != NULL; i++) {
		if (json_is_object(v))
			v = json_object_get(v, path[i]);
		else if (json_is_array(v)) {
			errno = 0;
			idx = strtoul(path[i], &end, 10);
			v = *end == '\0' && errno == 0 && path[i][0] != '-' ?
			    json_array_get(v, idx) : NULL;
		} else
			v = NULL;
	}
	return v;
}

char *
route_text(json_t *v)
{
	if (json_is_string(v))
		return strndup(json_string_value(v), json_string_length(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));
}

static int
number_of(json_t *v, double *d)
{
	const char	*s;
	char		*end;

	if (json_is_number(v)) {
		*d = json_number_value(v);
		return 1;
	}
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	if (*s == '\0' || strchr(" \t\r\n", *s) != NULL ||
	    strpbrk(s, "xXnNiI") != NULL)
		return 0;
	errno = 0;
	*d = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*d);
}

static int
order(const struct conf_rule *r, int cmp)
{
	switch (r->op) {
	case CONF_EQ:	return cmp == 0;
	case CONF_NE:	return cmp != 0;
	case CONF_GT:	return cmp > 0;
	case CONF_GTE:	return cmp >= 0;
	case CONF_LT:	return cmp < 0;
	case CONF_LTE:	return cmp <= 0;
	default:	return 0;
	}
}

int
route_rule(const struct conf_rule *r, json_t *fire)
{
	json_t	*v = route_get(fire, r->path, r->npath);
	char	*text;
	double	 d;
	int	 ok;

	/* A missing field differs from everything and orders with nothing. */
	if (v == NULL)
		return r->op == CONF_NE;
	if (r->op <= CONF_LTE && r->numeric) {
		if (number_of(v, &d))
			return order(r, d < r->num ? -1 : d > r->num ? 1 : 0);
		/* A number orders only with numbers. */
		if (r->op >= CONF_GT)
			return 0;
	}
	if ((text = route_text(v)) == NULL)
		return 0;
	switch (r->op) {
	case CONF_CONTAINS:
		ok = strstr(text, r->value) != NULL;
		break;
	case CONF_REGEX:
		ok = regexec(&r->re, text, 0, NULL, 0) == 0;
		break;
	default:
		ok = order(r, strcmp(text, r->value));
	}
	free(text);
	return ok;
}

int
route_match(const struct conf_dest *d, json_t *fire)
{
	size_t	i;

	for (i = 0; i < d->nrules; i++)
		if (!route_rule(&d->rules[i], fire))
			return 0;
	return 1;
}
