#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "onclose.h"
#include "ts.h"

#define BACKOFF_MAX	300.0	/* seconds */

extern char **environ;

int
onclose_init(struct rot_oc *o, const char *cmd, size_t max,
    unsigned max_attempts, double retry, double timeout)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->max = max ? max : 1;
	o->max_attempts = max_attempts ? max_attempts : 1;
	o->retry = retry;
	o->timeout = timeout;
	o->ok = metrics_counter("ssmd_jsonl_rotate_on_close_success_total",
	    NULL, "On-close commands that exited 0.");
	o->failed = metrics_counter("ssmd_jsonl_rotate_on_close_failures_total",
	    NULL, "On-close commands that failed (each attempt).");
	o->gaveup = metrics_counter("ssmd_jsonl_rotate_on_close_gave_up_total",
	    NULL, "Files whose on-close command failed every attempt.");
	o->dropped = metrics_counter("ssmd_jsonl_rotate_on_close_dropped_total",
	    NULL, "Files not queued for on-close because the queue was full.");
	o->queued = metrics_gauge("ssmd_jsonl_rotate_on_close_queue_length",
	    NULL, "Files waiting for the on-close command, the running one "
	    "included.");
	if (cmd == NULL)
		return 0;
	if ((o->q = calloc(o->max, sizeof(*o->q))) == NULL)
		return -1;
	return 0;
}

static struct rot_oc_job *
head(struct rot_oc *o)
{
	return &o->q[o->head];
}

static void
pop(struct rot_oc *o)
{
	free(head(o)->path);
	head(o)->path = NULL;
	o->head = (o->head + 1) % o->max;
	o->len--;
	metrics_set(o->queued, o->len);
}

int
onclose_push(struct rot_oc *o, const char *path)
{
	struct rot_oc_job	*j;
	char			*p;

	if (o->cmd == NULL)
		return 0;
	if (o->len == o->max || (p = strdup(path)) == NULL) {
		metrics_inc(o->dropped);
		log_error("on-close queue full; file not queued", "path=%s "
		    "queue=%zu", log_q(path), o->len);
		return -1;
	}
	j = &o->q[(o->head + o->len) % o->max];
	j->path = p;
	j->attempts = 0;
	j->due = 0;
	o->len++;
	metrics_set(o->queued, o->len);
	return 0;
}

static pid_t
spawn(struct rot_oc *o, const char *path)
{
	posix_spawn_file_actions_t	fa;
	posix_spawnattr_t		at;
	sigset_t			def;
	static const char		tail[] = " \"$1\"";
	char				*argv[6];
	pid_t				pid = -1;
	int				e;

	/* The command is a shell snippet; the path goes in as "$1" so no
	 * file name is ever parsed by the shell. */
	if (strlen(o->cmd) > 65536)
		return -1;
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = malloc(strlen(o->cmd) + sizeof(tail));
	if (argv[2] == NULL)
		return -1;
	strcpy(argv[2], o->cmd);
	strcat(argv[2], tail);
	argv[3] = "ssmd-on-close";
	argv[4] = (char *)path;
	argv[5] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	/* Its own group, so a timeout kills what it started too. */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETPGROUP);
	if ((e = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ)) != 0) {
		errno = e;
		pid = -1;
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(argv[2]);
	return pid;
}

static void
done(struct rot_oc *o, int status)
{
	struct rot_oc_job	*j = head(o);
	double			 delay;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		metrics_inc(o->ok);
		log_info("on-close command done", "path=%s attempts=%u",
		    log_q(j->path), j->attempts);
		pop(o);
		return;
	}
	metrics_inc(o->failed);
	if (j->attempts >= o->max_attempts) {
		metrics_inc(o->gaveup);
		log_error("on-close command failed; giving up", "path=%s "
		    "attempts=%u status=%d signal=%d", log_q(j->path),
		    j->attempts, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		pop(o);
		return;
	}
	delay = o->retry;
	for (unsigned i = 1; i < j->attempts && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	j->due = ts_mono() + delay;
	log_warn("on-close command failed; will retry", "path=%s attempt=%u "
	    "status=%d signal=%d retry_in=%.3f", log_q(j->path), j->attempts,
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0, delay);
}

void
onclose_tick(struct rot_oc *o)
{
	struct rot_oc_job	*j;
	pid_t			 r;
	int			 status;

	if (o->cmd == NULL)
		return;
	if (o->pid > 0) {
		r = waitpid(o->pid, &status, WNOHANG);
		if (r == 0 && !o->killed && o->timeout > 0 &&
		    ts_mono() - o->started > o->timeout) {
			log_warn("on-close command timed out; killing it",
			    "pid=%d path=%s timeout=%.3f", (int)o->pid,
			    log_q(head(o)->path), o->timeout);
			kill(-o->pid, SIGKILL);
			o->killed = 1;
		}
		if (r == 0 || (r == -1 && errno == EINTR))
			return;
		o->pid = 0;
		done(o, r == -1 ? W_EXITCODE(127, 0) : status);
	}
	if (o->len == 0 || (j = head(o))->due > ts_mono())
		return;
	j->attempts++;
	o->started = ts_mono();
	o->killed = 0;
	if ((o->pid = spawn(o, j->path)) == -1) {
		o->pid = 0;
		log_error("cannot start on-close command", "error=%s",
		    log_q(strerror(errno)));
		done(o, W_EXITCODE(127, 0));
	}
}

size_t
onclose_finish(struct rot_oc *o, double wait)
{
	double		end = ts_mono() + wait;
	struct timespec	nap = { 0, 20 * 1000 * 1000 };
	size_t		left, i;

	if (o->cmd == NULL)
		return 0;
	while (o->len > 0 && ts_mono() < end &&
	    (o->pid > 0 || head(o)->due <= end)) {
		onclose_tick(o);
		nanosleep(&nap, NULL);
	}
	left = o->len;
	if (o->pid > 0)
		log_warn("on-close command still running at exit", "pid=%d "
		    "path=%s", (int)o->pid, log_q(head(o)->path));
	for (i = 0; i < left; i++) {
		log_warn("file still queued for on-close at exit", "path=%s",
		    log_q(head(o)->path));
		pop(o);
	}
	free(o->q);
	o->q = NULL;
	return left;
}
