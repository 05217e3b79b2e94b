/* ts: RFC 3339 UTC timestamps with microseconds, fast to make and to read. */
#ifndef SSMD_TS_H
#define SSMD_TS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TS_LEN	27	/* 2026-11-21T14:03:07.123456Z */

/* Format t into out (TS_LEN bytes plus a NUL).  The date and time of day
 * are formatted once per second and reused. */
void	ts_format(char out[TS_LEN + 1], const struct timespec *t);
/* The current time (CLOCK_REALTIME) formatted; returns out. */
char	*ts_now(char out[TS_LEN + 1]);
/* Parse an RFC 3339 time (any fraction, Z or +hh:mm offset) to UTC
 * microseconds since the epoch.  Returns 0, or -1 if malformed. */
int	ts_parse(const char *, size_t, int64_t *us);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t	ts_days_from_civil(int y, unsigned m, unsigned d);
int64_t	ts_now_us(void);
double	ts_mono(void);		/* CLOCK_MONOTONIC in seconds */

#endif
