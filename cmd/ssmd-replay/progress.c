#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"
#include "ts.h"

#define BAR_EVERY	0.2	/* seconds between redraws */
#define LINE_EVERY	10.0	/* seconds between log lines */

void
progress_init(struct progress *p, enum progress_mode mode, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->total_bytes = total;
	p->start = ts_mono();
	p->next = p->start + (mode == PROGRESS_BAR ? BAR_EVERY : LINE_EVERY);
}

static void
eta_str(char *out, size_t cap, double secs)
{
	unsigned long	s = secs < 0 ? 0 : (unsigned long)(secs + 0.5);

	if (s >= 3600)
		snprintf(out, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(out, cap, "%lu:%02lu", s / 60, s % 60);
}

int
progress_due(const struct progress *p)
{
	return p->mode != PROGRESS_OFF && ts_mono() >= p->next;
}

void
progress_show(struct progress *p, uint64_t bytes, uint64_t lines, int force)
{
	char	 bar[31], eta[32], line[256];
	double	 now, el, frac, rate;
	int	 i, k, n;

	if (p->mode == PROGRESS_OFF)
		return;
	now = ts_mono();
	if (!force && now < p->next)
		return;
	p->next = now + (p->mode == PROGRESS_BAR ? BAR_EVERY : LINE_EVERY);
	el = now - p->start;
	frac = p->total_bytes ? (double)bytes / p->total_bytes : 1;
	if (frac > 1)
		frac = 1;
	rate = el > 0 ? bytes / el : 0;
	if (frac > 0 && el > 0)
		eta_str(eta, sizeof(eta), el / frac - el);
	else
		snprintf(eta, sizeof(eta), "?");
	if (p->mode == PROGRESS_LINES) {
		log_info("progress", "bytes=%llu total_bytes=%llu lines=%llu "
		    "percent=%.1f bytes_per_second=%.0f eta=%s",
		    (unsigned long long)bytes,
		    (unsigned long long)p->total_bytes,
		    (unsigned long long)lines, frac * 100, rate, eta);
		return;
	}
	k = (int)(frac * 30);
	for (i = 0; i < 30; i++)
		bar[i] = i < k ? '#' : '-';
	bar[30] = '\0';
	n = snprintf(line, sizeof(line), "\r[%s] %3.0f%% %.1f/%.1f MB "
	    "%llu lines %.1f MB/s ETA %s ", bar, frac * 100, bytes / 1e6,
	    p->total_bytes / 1e6, (unsigned long long)lines, rate / 1e6, eta);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) > 0)
		p->drawn = 1;
}

void
progress_end(struct progress *p)
{
	static const char clear[] = "\r\033[K";

	if (p->mode == PROGRESS_BAR && p->drawn &&
	    write(STDERR_FILENO, clear, sizeof(clear) - 1) < 0)
		p->drawn = 0;
}
