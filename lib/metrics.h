/* metrics: a process's Prometheus text file (format 0.0.4), kept as
 * DIR/<prog>[-<instance>].prom and replaced atomically (write a temporary
 * file, rename) at most once a second and at exit: the node_exporter
 * textfile convention that ssmd-healthd serves. */
#ifndef SSMD_METRICS_H
#define SSMD_METRICS_H

#include <stdint.h>

#define METRICS_MAX	512

enum { METRIC_COUNTER, METRIC_GAUGE };

struct metric;

/* dir NULL or "" disables the file (metrics still count).  The directory
 * defaults to $SSMD_METRICS_DIR and the instance to $SSMD_INSTANCE when
 * NULL.  Returns 0, or -1 if dir is not a writable directory. */
int	metrics_open(const char *dir, const char *prog, const char *instance);
/* Register a metric.  labels is the inside of {...}, e.g.
 * feed="kalshi",reason="utf8", or NULL.  The same name and labels give
 * the same metric.  Never NULL: past METRICS_MAX a dummy absorbs updates. */
struct metric	*metrics_counter(const char *name, const char *labels, const char *help);
struct metric	*metrics_gauge(const char *name, const char *labels, const char *help);

void	metrics_add(struct metric *, uint64_t);
void	metrics_set(struct metric *, double);
double	metrics_value(const struct metric *);
/* New labels for a registered metric: an info gauge whose label says the
 * latest state (one series, never one per value).  Labels that do not
 * fit are refused (-1) and the old ones kept. */
int	metrics_relabel(struct metric *, const char *labels);
#define metrics_inc(m)	metrics_add((m), 1)

/* Write the file if a second has passed since the last write. */
void	metrics_tick(void);
/* Write the file now (at exit).  Returns 0 or -1. */
int	metrics_flush(void);
/* Render all metrics to a malloc'd string (for tests and healthd). */
char	*metrics_render(void);
/* Forget every metric (tests). */
void	metrics_reset(void);

#endif
