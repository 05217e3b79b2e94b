/* num: decimal text <-> scaled integers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "num.h"
#include "wbuf.h"

enum num_res
num_dec(const char *p, size_t n, int places, int64_t *out)
{
	const char	*end = p + n;
	int64_t		 v = 0;
	int		 neg = 0, digits = 0, frac = 0, round = 0;

	if (n >= 2 && p[0] == '"' && end[-1] == '"') {
		p++;
		end--;
	}
	if (p == end || (end - p == 4 && memcmp(p, "null", 4) == 0))
		return NUM_ABSENT;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (INT64_MAX - 9) / 10)
			return NUM_BAD;
		v = v * 10 + (*p - '0');
	}
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
			if (frac < places) {
				if (v > (INT64_MAX - 9) / 10)
					return NUM_BAD;
				v = v * 10 + (*p - '0');
				frac++;
			} else if (frac == places) {
				round = *p >= '5';
				frac++;
			}
		}
	}
	if (p != end || digits == 0)
		return NUM_BAD;
	for (; frac < places; frac++) {
		if (v > INT64_MAX / 10 - 1)
			return NUM_BAD;
		v *= 10;
	}
	v += round;
	*out = neg ? -v : v;
	return NUM_OK;
}

size_t
num_fmt(char *buf, int64_t v, int places)
{
	static const int64_t	 pow10[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000 };
	uint64_t		 u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int64_t			 sc = pow10[places];

	if (places == 0)
		return (size_t)snprintf(buf, 32, "%s%llu", v < 0 ? "-" : "",
		    (unsigned long long)u);
	return (size_t)snprintf(buf, 32, "%s%llu.%0*llu", v < 0 ? "-" : "",
	    (unsigned long long)(u / sc), places,
	    (unsigned long long)(u % sc));
}

void
num_put(struct wbuf *w, int64_t v, int places)
{
	char	buf[32];

	wbuf_put(w, buf, num_fmt(buf, v, places));
}

void
num_put_double(struct wbuf *w, double v, int places)
{
	char	buf[64];
	int	n;

	if (!isfinite(v))
		v = 0;
	n = snprintf(buf, sizeof(buf), "%.*f", places, v);
	/* "-0.0000" is zero: print it without the sign */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)(n - 1))
		wbuf_put(w, buf + 1, n - 1);
	else
		wbuf_put(w, buf, n);
}
