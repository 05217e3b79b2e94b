#include <string.h>
#include <time.h>

#include "ts.h"

int64_t
ts_days_from_civil(int y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: eras of 400 years, March-based years. */
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
put2(char *p, unsigned v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
}

static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

void
ts_format(char out[TS_LEN + 1], const struct timespec *t)
{
	static __thread time_t	cached = -1;
	static __thread char	prefix[20];	/* 2026-11-21T14:03:07 */
	struct tm		tm;
	unsigned		us = (unsigned)(t->tv_nsec / 1000);
	int			i;

	if (t->tv_sec != cached) {
		gmtime_r(&t->tv_sec, &tm);
		put2(prefix, (unsigned)(tm.tm_year + 1900) / 100);
		put2(prefix + 2, (unsigned)(tm.tm_year + 1900) % 100);
		prefix[4] = '-';
		put2(prefix + 5, tm.tm_mon + 1);
		prefix[7] = '-';
		put2(prefix + 8, tm.tm_mday);
		prefix[10] = 'T';
		put2(prefix + 11, tm.tm_hour);
		prefix[13] = ':';
		put2(prefix + 14, tm.tm_min);
		prefix[16] = ':';
		put2(prefix + 17, tm.tm_sec);
		cached = t->tv_sec;
	}
	memcpy(out, prefix, 19);
	out[19] = '.';
	for (i = 24; i >= 20; i -= 2) {		/* two digits a step */
		memcpy(out + i, pairs + 2 * (us % 100), 2);
		us /= 100;
	}
	out[26] = 'Z';
	out[27] = '\0';
}

char *
ts_now(char out[TS_LEN + 1])
{
	struct timespec	t;

	clock_gettime(CLOCK_REALTIME, &t);
	ts_format(out, &t);
	return out;
}

int64_t
ts_now_us(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

double
ts_mono(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Read exactly n digits at *p. */
static int
num(const char **p, const char *end, int n, int *v)
{
	*v = 0;
	if (end - *p < n)
		return -1;
	while (n-- > 0) {
		if ((unsigned)(**p - '0') > 9)
			return -1;
		*v = *v * 10 + (**p - '0');
		(*p)++;
	}
	return 0;
}

static int
expect(const char **p, const char *end, const char *set)
{
	if (*p == end || strchr(set, **p) == NULL || **p == '\0')
		return -1;
	(*p)++;
	return 0;
}

int
ts_parse(const char *s, size_t n, int64_t *us)
{
	static const unsigned char mdays[] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char	*p = s, *end = s + n;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, k = 0;
	int		 sign = 0;

	if (num(&p, end, 4, &y) || expect(&p, end, "-") ||
	    num(&p, end, 2, &mo) || expect(&p, end, "-") ||
	    num(&p, end, 2, &d) || expect(&p, end, "Tt ") ||
	    num(&p, end, 2, &h) || expect(&p, end, ":") ||
	    num(&p, end, 2, &mi) || expect(&p, end, ":") ||
	    num(&p, end, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (p < end && *p == '.') {
		for (p++; p < end && (unsigned)(*p - '0') <= 9; p++, k++)
			if (k < 6)
				frac = frac * 10 + (*p - '0');
		if (k == 0)
			return -1;
		for (; k < 6; k++)
			frac *= 10;
	}
	if (p < end && (*p == 'Z' || *p == 'z'))
		p++;
	else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (num(&p, end, 2, &oh) || expect(&p, end, ":") ||
		    num(&p, end, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (p != end)
		return -1;
	*us = ((ts_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - sign * (oh * 3600 + om * 60)) * 1000000) + frac;
	return 0;
}
