/* opt: command-line values for main(): the value, or exit 64 with a
 * message naming the option. */
#ifndef SSMD_OPT_H
#define SSMD_OPT_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration an option takes: a year. */
#define OPT_LONGEST	(366 * 86400.0)

double		opt_duration(const char *opt, const char *v, double min,
		    double max);
uint64_t	opt_uint(const char *opt, const char *v, uint64_t min,
		    uint64_t max);
uint64_t	opt_size(const char *opt, const char *v, uint64_t min,
		    uint64_t max);
/* One of a NULL-terminated list of words: its index.  Anything else exits
 * 64 with "bad OPT: want a, b or c". */
int		opt_word(const char *opt, const char *v,
		    const char *const words[]);
/* --max-line: 1 byte to 1G. */
size_t		opt_max_line(const char *v);
/* Open the metrics file (metrics_open) or exit 73. */
void		opt_metrics(const char *dir, const char *prog);
/* --help (code 0): every line of help[] (NULL-terminated) on standard
 * output.  A usage error (any other code): the synopsis and a pointer to
 * --help on standard error.  Then exit(code). */
_Noreturn void	opt_usage(int code, const char *synopsis,
		    const char *const help[]);

#endif
