#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "runner.h"

struct run {
	struct stage		 *st;
	size_t			  n, running;
	const struct runner_opts *o;
	int			  stopped;	/* SIGTERM sent to the source */
	double			  kill_at;	/* when SIGKILL follows; 0: never */
	int			  order;
	struct metric		 *up, *stage_up[STAGE_MAX], *stage_status[STAGE_MAX];
};

static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The signals the runner waits for with sigtimedwait. */
static void
watched(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static void
on_signal(int s)
{
	(void)s;	/* never runs: the signals stay blocked */
}

/* A signal that arrives ignored (a shell starts background jobs with
 * SIGINT ignored) would be discarded: give each one a handler, then
 * block them all, so they queue for sigtimedwait. */
static void
signals_take(sigset_t *old)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	watched(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* In a child before exec: default dispositions, and a mask in which only
 * the later stages block SIGINT, so a Ctrl-C that reaches the whole
 * process group stops the source but not the stages draining after it. */
static void
child_signals(size_t i, int until_eof)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigemptyset(&set);
	if (i > 0 || until_eof)
		sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

static void
child(const struct stage *s, size_t i, int in, int out, pid_t parent,
    int until_eof)
{
	if (in != -1 && dup2(in, 0) == -1)
		_exit(EX_OSERR);
	if (out != -1 && dup2(out, 1) == -1)
		_exit(EX_OSERR);
	child_signals(i, until_eof);
	/* The source must not outlive a runner killed with SIGKILL: it gets
	 * SIGTERM then, and the stages after it drain and end on EOF. */
	if (i == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
	}
	execv(s->path, s->argv);
	log_error("cannot run the stage", "stage=%zu prog=%s error=%s", i,
	    log_q(s->path), log_q(strerror(errno)));
	_exit(errno == ENOENT ? 127 : 126);
}

static int
spawn(struct run *r)
{
	pid_t	parent = getpid();
	int	in = -1, p[2];
	size_t	i;

	for (i = 0; i < r->n; i++) {
		p[0] = p[1] = -1;
		/* O_CLOEXEC: a child keeps only the ends dup2 gives it. */
		if (i + 1 < r->n && pipe2(p, O_CLOEXEC) == -1) {
			log_error("cannot make a pipe", "error=%s",
			    log_q(strerror(errno)));
			goto fail;
		}
		r->st[i].pid = fork();
		if (r->st[i].pid == -1) {
			log_error("cannot fork", "error=%s",
			    log_q(strerror(errno)));
			goto fail;
		}
		if (r->st[i].pid == 0)
			child(&r->st[i], i, in, p[1], parent,
			    r->o->until_eof);
		r->st[i].state = STAGE_RUNNING;
		r->running++;
		if (in != -1)
			close(in);
		if (p[1] != -1)
			close(p[1]);
		in = p[0];
	}
	return 0;
fail:
	if (in != -1)
		close(in);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	return -1;
}

static void
metrics_init(struct run *r)
{
	char	labels[256];
	size_t	i;

	snprintf(labels, sizeof(labels), "pipeline=\"%s\"", r->o->name);
	r->up = metrics_gauge("ssmd_pipeline_up", labels,
	    "1 while every stage of the pipeline runs, 0 once any has ended");
	metrics_set(metrics_gauge("ssmd_pipeline_stages", labels,
	    "Stages in the pipeline"), (double)r->n);
	for (i = 0; i < r->n; i++) {
		snprintf(labels, sizeof(labels),
		    "pipeline=\"%s\",stage=\"%zu\",prog=\"%s\"", r->o->name, i,
		    r->st[i].name);
		r->stage_up[i] = metrics_gauge("ssmd_pipeline_stage_up", labels,
		    "1 while the stage runs");
		r->stage_status[i] = metrics_gauge(
		    "ssmd_pipeline_stage_exit_status", labels,
		    "Exit status of the stage (128+N: killed by signal N); "
		    "-1 while it runs");
		metrics_set(r->stage_status[i], -1);
	}
}

static int
wstatus_code(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return 128 + WTERMSIG(ws);
}

static void
stop_source(struct run *r, const char *why)
{
	if (r->stopped || r->st[0].state != STAGE_RUNNING)
		return;
	log_info("stopping the source; the stages after it drain", "reason=%s "
	    "prog=%s pid=%d", log_q(why), r->st[0].name, (int)r->st[0].pid);
	kill(r->st[0].pid, SIGTERM);
	r->stopped = 1;
	r->kill_at = r->o->stop_timeout > 0 ? mono() + r->o->stop_timeout : 0;
}

static void
exited(struct run *r, size_t i, int ws)
{
	struct stage	*s = &r->st[i];
	int		 code = wstatus_code(ws);

	s->state = STAGE_EXITED;
	s->wstatus = ws;
	s->order = ++r->order;
	r->running--;
	metrics_set(r->up, 0);
	metrics_set(r->stage_up[i], 0);
	metrics_set(r->stage_status[i], code);
	metrics_flush();
	if (WIFSIGNALED(ws))
		log_msg(WTERMSIG(ws) == SIGPIPE || (i == 0 && r->stopped &&
		    WTERMSIG(ws) == SIGTERM) ? LOG_INFO : LOG_WARN,
		    "stage killed by a signal", "stage=%zu prog=%s signal=%s",
		    i, s->name, log_q(strsignal(WTERMSIG(ws))));
	else
		log_msg(code == 0 ? LOG_INFO : LOG_WARN, "stage exited",
		    "stage=%zu prog=%s status=%d", i, s->name, code);
	if (i > 0)
		stop_source(r, "a later stage ended");
}

static void
reap(struct run *r)
{
	pid_t	pid;
	int	ws;
	size_t	i;

	/* waitpid(-1): as PID 1 of a container the runner also reaps the
	 * orphans the kernel hands it; those are not stages. */
	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
		for (i = 0; i < r->n; i++)
			if (r->st[i].pid == pid &&
			    r->st[i].state == STAGE_RUNNING) {
				exited(r, i, ws);
				break;
			}
}

static void
wait_loop(struct run *r)
{
	struct timespec	ts;
	siginfo_t	si;
	sigset_t	set;
	double		left;
	int		s;

	watched(&set);
	while (r->running > 0) {
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
		if (r->kill_at > 0 && (left = r->kill_at - mono()) < 1) {
			ts.tv_sec = 0;
			ts.tv_nsec = left > 0 ? (long)(left * 1e9) : 0;
		}
		s = sigtimedwait(&set, &si, &ts);
		if ((s == SIGTERM || s == SIGINT || s == SIGHUP) &&
		    r->o->until_eof)
			log_info("stop signal ignored: this pipeline ends at the "
			    "end of its input", "signal=%s",
			    log_q(strsignal(s)));
		else if (s == SIGTERM || s == SIGINT || s == SIGHUP) {
			if (r->stopped)
				log_info("already stopping", "signal=%s",
				    log_q(strsignal(s)));
			stop_source(r, strsignal(s));
		}
		reap(r);
		if (r->kill_at > 0 && mono() >= r->kill_at) {
			r->kill_at = 0;
			if (r->st[0].state == STAGE_RUNNING) {
				log_warn("the source did not stop in time; "
				    "killing it", "prog=%s timeout=%g",
				    r->st[0].name, r->o->stop_timeout);
				kill(r->st[0].pid, SIGKILL);
			}
		}
		metrics_tick();
	}
}

/* Is a stage's end a failure of its own, or a consequence (SIGPIPE: the
 * reader went away; SIGTERM to the source: the runner stopped it)? */
static int
own_failure(const struct stage *s, size_t i, int stopped)
{
	if (WIFEXITED(s->wstatus))
		return WEXITSTATUS(s->wstatus) != 0;
	if (WTERMSIG(s->wstatus) == SIGPIPE)
		return 0;
	return !(i == 0 && stopped && WTERMSIG(s->wstatus) == SIGTERM);
}

int
runner_status(const struct stage *st, size_t n, int stopped)
{
	size_t	i, first = n;

	for (i = 0; i < n; i++)
		if (st[i].state == STAGE_EXITED &&
		    own_failure(&st[i], i, stopped) &&
		    (first == n || st[i].order < st[first].order))
			first = i;
	return first == n ? 0 : wstatus_code(st[first].wstatus);
}

int
runner_run(struct stage *st, size_t n, const struct runner_opts *o)
{
	struct run	r;
	sigset_t	old;
	size_t		i;
	int		status;

	memset(&r, 0, sizeof(r));
	r.st = st;
	r.n = n;
	r.o = o;
	signals_take(&old);
	metrics_init(&r);
	if (spawn(&r) == -1) {
		/* What started is the source and perhaps some stages after
		 * it: stop the source, and let the rest end on EOF. */
		stop_source(&r, "start failed");
		wait_loop(&r);
		return EX_OSERR;
	}
	metrics_set(r.up, 1);
	for (i = 0; i < n; i++)
		metrics_set(r.stage_up[i], 1);
	metrics_flush();
	log_info("started", "pipeline=%s stages=%zu source=%s pid=%d",
	    o->name, n, st[0].name, (int)st[0].pid);
	wait_loop(&r);
	status = runner_status(st, n, r.stopped);
	metrics_flush();
	log_msg(status == 0 ? LOG_INFO : LOG_WARN, "done", "pipeline=%s "
	    "status=%d", o->name, status);
	return status;
}
