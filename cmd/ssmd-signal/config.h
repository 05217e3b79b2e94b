/* config: the signals to run and their parameters, from signal.yaml in
 * the original's shape,
 *
 *   nats:    {url: ..., stream: ..., filter: ...}
 *   signals: [momentum, volatility]
 *   output:  {prefix: signals.kalshi}
 *   filters: {categories: [Crypto], tickers: [KXBTC*], categories_file: F,
 *             rest_url: URL, ca_file: F, categories_refresh: 1h}
 *   params:  {momentum: {long_window: 10m}}
 *
 * and from the command line (signal names, --param SIGNAL.NAME=VALUE). */
#ifndef SSMD_SIGNAL_CONFIG_H
#define SSMD_SIGNAL_CONFIG_H

#include <stddef.h>

#include "sigdef.h"

struct filter;

struct config {
	/* one cfg per built-in signal, holding its parameters */
	struct sigdef_cfg all[SIGDEF_MAX];
	int		 nall;
	/* the enabled ones, in order, as copies */
	struct sigdef_cfg on[SIGDEF_MAX];
	int		 non;
	/* the original's members, kept for the operator */
	char		*nats_url, *nats_stream, *nats_filter, *prefix;
	char		*categories_file;
	/* categories without a file: resolved through this REST API */
	char		*rest_url, *ca_file;
	double		 categories_refresh;	/* seconds; -1 unset */
};

void	config_init(struct config *);
void	config_free(struct config *);
/* Enable a signal by name or alias.  -1 with a reason if unknown. */
int	config_enable(struct config *, const char *name, char *err, size_t);
/* Set a parameter: "rearm" or one of the signal's.  -1 with a reason. */
int	config_param(struct config *, const char *sig, const char *name,
	    const char *value, char *err, size_t);
/* Read a YAML file.  -1 with "field: reason" in err. */
int	config_load(struct config *, struct filter *, const char *path,
	    char *err, size_t);
/* Copy the parameters into the enabled signals (after all settings). */
void	config_finish(struct config *);
/* Print every signal with its parameters and defaults. */
void	config_list(void);

#endif
