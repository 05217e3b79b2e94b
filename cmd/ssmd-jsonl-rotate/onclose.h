/* onclose: run a command on every final file, in the background.
 *
 * One command runs at a time, in its own process group, as
 * /bin/sh -c 'CMD "$1"' with the file's path as $1, standard input from /dev/null and standard output to our
 * standard error.  A bounded queue holds the files waiting; a failure
 * (nonzero exit or a signal) is retried with exponential backoff.
 * Nothing here blocks: onclose_tick() reaps and starts commands. */
#ifndef SSMD_ROT_ONCLOSE_H
#define SSMD_ROT_ONCLOSE_H

#include <stddef.h>
#include <sys/types.h>

struct metric;

struct rot_oc_job {
	char		*path;
	unsigned	 attempts;
	double		 due;		/* monotonic time it may start */
};

struct rot_oc {
	const char	*cmd;
	size_t		 max;		/* queue capacity */
	unsigned	 max_attempts;
	double		 retry;		/* first backoff, seconds */
	double		 timeout;	/* a command running longer is killed */
	double		 started;	/* monotonic time the command started */
	int		 killed;
	struct rot_oc_job *q;		/* ring of max jobs */
	size_t		 head, len;
	pid_t		 pid;		/* running command, or 0 */
	struct metric	*ok, *failed, *gaveup, *dropped, *queued;
};

/* cmd NULL disables everything.  A command that runs longer than
 * timeout seconds (0: no limit) is killed, with its process group, and
 * counts as failed.  Returns 0 or -1 (ENOMEM). */
int	onclose_init(struct rot_oc *, const char *cmd, size_t max,
	    unsigned max_attempts, double retry, double timeout);
/* Queue a final file; when the queue is full the file is not queued,
 * which is logged and counted.  Returns 0, or -1 if not queued. */
int	onclose_push(struct rot_oc *, const char *path);
/* Reap a finished command and start the next that is due. */
void	onclose_tick(struct rot_oc *);
/* At exit: wait up to wait seconds for the queue to empty (retries due
 * within that time included), then log every file still queued and free
 * everything.  Returns the number of files left. */
size_t	onclose_finish(struct rot_oc *, double wait);

#endif
