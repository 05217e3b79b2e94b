#include <stdlib.h>
#include <sysexits.h>

#include "log.h"
#include "metrics.h"
#include "opt.h"
#include "parse.h"

double
opt_duration(const char *opt, const char *v, double min, double max)
{
	double	d;

	if (parse_duration(v, &d) == -1 || d < min || d > max)
		log_die(EX_USAGE, "bad duration", "option=%s value=%s min=%g "
		    "max=%g", opt, log_q(v), min, max);
	return d;
}

uint64_t
opt_uint(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	uint64_t	n;

	if (parse_uint(v, min, max, &n) == -1)
		log_die(EX_USAGE, "bad number", "option=%s value=%s min=%llu "
		    "max=%llu", opt, log_q(v), (unsigned long long)min,
		    (unsigned long long)max);
	return n;
}

uint64_t
opt_size(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	uint64_t	n;

	if (parse_size(v, &n) == -1 || n < min || n > max)
		log_die(EX_USAGE, "bad size", "option=%s value=%s min=%llu "
		    "max=%llu", opt, log_q(v), (unsigned long long)min,
		    (unsigned long long)max);
	return n;
}

size_t
opt_max_line(const char *v)
{
	return opt_size("--max-line", v, 1, 1ULL << 30);
}

void
opt_metrics(const char *dir, const char *prog)
{
	if (metrics_open(dir, prog, NULL) == -1)
		log_die(EX_CANTCREAT, "metrics directory is not writable",
		    "dir=%s", log_q(dir ? dir : getenv("SSMD_METRICS_DIR")));
}
