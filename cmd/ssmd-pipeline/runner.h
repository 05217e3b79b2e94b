/* runner: start the stages of a pipeline, connected by pipes, and watch
 * them until the last has exited.  A stop request (SIGTERM, SIGINT,
 * SIGHUP) or the end of any later stage stops the source only, so every
 * stage after it reads its input to the end and finishes. */
#ifndef SSMD_PIPELINE_RUNNER_H
#define SSMD_PIPELINE_RUNNER_H

#include <stddef.h>

#include "stage.h"

struct runner_opts {
	const char	*name;		/* the pipeline label and metrics instance */
	double		 stop_timeout;	/* seconds between SIGTERM and SIGKILL */
	int		 until_eof;	/* ignore stop signals: end with the input */
};

/* Run the n stages (programs already resolved) and return the pipeline's
 * exit status: that of the first stage to fail, else 0. */
int	runner_run(struct stage *st, size_t n, const struct runner_opts *o);

/* The exit status of the pipeline from its stages' wait statuses and
 * exit order (exposed for the unit test).  stopped: the runner sent the
 * source SIGTERM, so its death by SIGTERM is a clean stop. */
int	runner_status(const struct stage *st, size_t n, int stopped);

#endif
