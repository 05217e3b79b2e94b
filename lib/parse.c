#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A non-negative decimal number followed by a unit suffix. */
static int
number_unit(const char *s, double *v, const char **unit)
{
	char	*end;

	if (s == NULL || ((*s < '0' || *s > '9') && *s != '.'))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(*v))
		return -1;
	*unit = end;
	return 0;
}

int
parse_size(const char *s, uint64_t *out)
{
	static const char *const units[] = { "", "k", "m", "g", "t" };
	const char	*u;
	double		 v;
	size_t		 i;

	if (number_unit(s, &v, &u) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t	n = strlen(units[i]);

		if (strncasecmp(u, units[i], n) != 0)
			continue;
		if (strcasecmp(u + n, "") != 0 && strcasecmp(u + n, "b") != 0 &&
		    strcasecmp(u + n, "ib") != 0)
			continue;
		v *= (double)(1ULL << (10 * i));
		if (v >= 18446744073709551615.0)
			return -1;
		*out = (uint64_t)v;
		return 0;
	}
	return -1;
}

int
parse_duration(const char *s, double *secs)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "", 1 },
	};
	const char	*u;
	double		 v;
	size_t		 i;

	if (number_unit(s, &v, &u) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(u, units[i].u) == 0) {
			*secs = v * units[i].mul;
			return 0;
		}
	return -1;
}

int
parse_feed_name_okn(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
parse_feed_name_ok(const char *s)
{
	return parse_feed_name_okn(s, strlen(s));
}

int
parse_ticker_ok(const char *s)
{
	size_t	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-._");

	return n > 0 && n <= 128 && s[n] == '\0';
}
