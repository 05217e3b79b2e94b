#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		log_die(EX_CANTCREAT, "cannot use the metrics directory",
		    "dir=%s error=%s", log_q(dir ? dir :
		    getenv("SSMD_METRICS_DIR")), log_q(strerror(errno)));
}

int
opt_word(const char *opt, const char *v, const char *const words[])
{
	char	want[256];
	size_t	len = 0;
	int	i, n;

	for (n = 0; words[n] != NULL; n++)
		if (strcmp(v, words[n]) == 0)
			return n;
	want[0] = '\0';
	for (i = 0; i < n && len < sizeof(want); i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", words[i]);
	log_die(EX_USAGE, "bad option value", "option=%s value=%s want=%s",
	    opt, log_q(v), log_q(want));
	return -1;	/* not reached */
}

void
opt_usage(int code, const char *synopsis, const char *const help[])
{
	size_t	i;

	if (code != EX_OK) {
		/* Short, on stderr: the full list would hide the error. */
		fprintf(stderr, "usage: %s\ntry '%s --help'\n", synopsis,
		    log_prog());
		exit(code);
	}
	printf("usage: %s\n", synopsis);
	for (i = 0; help[i] != NULL; i++)
		puts(help[i]);
	exit(fflush(stdout) == 0 ? EX_OK : EX_IOERR);
}
