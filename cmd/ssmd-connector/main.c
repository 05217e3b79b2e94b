/* ssmd-connector: the original ssmd's capture command.  It reads the
 * environment, then runs
 *     ssmd-ws-kalshi | ssmd-stamp | ssmd-jsonl-rotate {storage.path}
 *  or ssmd-ws-kalshi | ssmd-stamp | ssmd-nats-pub  (transport: nats)
 * through ssmd-pipeline, with ssmd-healthd serving /health /ready
 * /metrics, and exits when the capture ends: non-zero on a disconnect, so
 * that Kubernetes restarts it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "compose.h"
#include "envfile.h"
#include "log.h"
#include "opt.h"

static void
usage(FILE *f, int code)
{
	fprintf(f, "usage: ssmd-connector --env NAME --config-dir DIR | "
	    "--feed FILE --env FILE [option...]\n"
	    "  --config-dir DIR     read DIR/environments/NAME.yaml and its "
	    "feed file (DIR/feeds/FEED.yaml)\n"
	    "  --feed FILE          the feed file (with --env FILE: the "
	    "environment file), as the operator mounts them\n"
	    "  --env NAME|FILE      the environment\n"
	    "  --listen ADDR:PORT   health, readiness and metrics "
	    "(default: 0.0.0.0:8080)\n"
	    "  --data DIR           write the archive to DIR (default: "
	    "storage.path, else /data/ssmd; always local)\n"
	    "  --metrics-dir DIR    every program's metrics (default: "
	    "$SSMD_METRICS_DIR, else a new directory in $TMPDIR or /tmp)\n"
	    "  --stale-after SECS   /ready fails after SECS without a message "
	    "(default: ssmd-healthd's, 300)\n"
	    "  --create-stream      create the NATS stream if missing "
	    "(default: it must exist)\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the version\n"
	    "See ssmd-connector(1).\n");
	exit(code);
}

/* Programs are looked up beside this one first, then in PATH. */
static void
path_self(void)
{
	char		 exe[PATH_MAX], *p, *path;
	const char	*old = getenv("PATH");
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return;
	exe[n] = '\0';
	if ((p = strrchr(exe, '/')) == NULL)
		return;
	*p = '\0';
	if (asprintf(&path, "%s:%s", exe, old ? old : "/usr/bin:/bin") == -1)
		return;
	setenv("PATH", path, 1);
	free(path);
}

static pid_t
spawn(char *const argv[], const sigset_t *old)
{
	pid_t	pid = fork();

	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, old, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execvp(argv[0], argv);
	log_error("cannot run", "prog=%s error=%s", argv[0],
	    log_q(strerror(errno)));
	_exit(EX_OSFILE);
}

static int
code_of(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Wait for the pipeline; forward a stop to it; stop the sidecar after.
 * A sidecar that ends first (it could not listen) ends the capture. */
static int
watch(pid_t cap, pid_t hd)
{
	struct timespec	ts = { 1, 0 };
	siginfo_t	si;
	sigset_t	set;
	pid_t		pid;
	int		ws, s, rc = -1, hd_rc = -1;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	while (rc == -1) {
		s = sigtimedwait(&set, &si, &ts);
		if (s == SIGTERM || s == SIGINT || s == SIGHUP) {
			log_info("stopping the capture", "signal=%s",
			    log_q(strsignal(s)));
			kill(cap, SIGTERM);
		}
		while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
			if (pid == cap)
				rc = code_of(ws);
			else if (pid == hd && hd_rc == -1) {
				hd_rc = code_of(ws);
				log_error("ssmd-healthd ended; stopping the "
				    "capture", "status=%d", hd_rc);
				kill(cap, SIGTERM);
			}
		}
	}
	if (hd_rc == -1) {
		kill(hd, SIGTERM);
		if (waitpid(hd, &ws, 0) == hd)
			hd_rc = code_of(ws);
	}
	if (rc == 0 && hd_rc != 0)
		rc = EX_UNAVAILABLE;
	return rc;
}

static const char *
metrics_dir(const char *opt)
{
	static char	 tmpl[PATH_MAX];
	const char	*t = getenv("TMPDIR");

	if (opt == NULL && (opt = getenv("SSMD_METRICS_DIR")) != NULL &&
	    *opt == '\0')
		opt = NULL;
	if (opt != NULL) {
		if (mkdir(opt, 0755) == -1 && errno != EEXIST)
			log_die(EX_CANTCREAT, "cannot make the metrics "
			    "directory", "dir=%s error=%s", log_q(opt),
			    log_q(strerror(errno)));
		return opt;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/ssmd-connector.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		log_die(EX_CANTCREAT, "cannot make a metrics directory; give "
		    "--metrics-dir or SSMD_METRICS_DIR (a writable volume)",
		    "dir=%s error=%s", log_q(tmpl), log_q(strerror(errno)));
	return tmpl;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config-dir",		required_argument, NULL, 'c' },
		{ "feed",		required_argument, NULL, 'f' },
		{ "env",		required_argument, NULL, 'e' },
		{ "listen",		required_argument, NULL, 'l' },
		{ "data",		required_argument, NULL, 'd' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "stale-after",	required_argument, NULL, 's' },
		{ "create-stream",	no_argument,	   NULL, 'C' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct compose_opts	 o = { .listen = "0.0.0.0:8080" };
	struct envfile		 e;
	struct compose		 c;
	sigset_t		 set, old;
	char			 envpath[PATH_MAX], err[512];
	const char		*mdir = NULL;
	pid_t			 cap, hd;
	int			 ch;

	log_init("ssmd-connector");
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config_dir = optarg; break;
		case 'f': o.feed_file = optarg; break;
		case 'e': o.env = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'd': o.data = optarg; break;
		case 'm': mdir = optarg; break;
		case 's':
			opt_duration("--stale-after", optarg, 0.001,
			    OPT_LONGEST);
			o.stale_after = optarg;
			break;
		case 'C': o.create_stream = 1; break;
		case 'h': usage(stdout, EX_OK); break;
		case 'V':
			puts("ssmd-connector " SSMD_VERSION);
			return EX_OK;
		default: usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc || o.env == NULL ||
	    (o.config_dir == NULL) == (o.feed_file == NULL))
		usage(stderr, EX_USAGE);
	if (o.config_dir != NULL) {
		if (strchr(o.env, '/') != NULL)
			log_die(EX_USAGE, "with --config-dir, --env is a name, "
			    "not a path", "env=%s", log_q(o.env));
		snprintf(envpath, sizeof(envpath), "%s/environments/%s.yaml",
		    o.config_dir, o.env);
	} else
		snprintf(envpath, sizeof(envpath), "%s", o.env);
	switch (envfile_load(&e, envpath, err, sizeof(err))) {
	case ENVFILE_OK:
		break;
	case ENVFILE_CANNOT_READ:
		log_die(EX_CONFIG, "cannot read the environment file",
		    "path=%s error=%s", log_q(envpath), log_q(err));
	case ENVFILE_BAD:
		log_die(EX_CONFIG, "bad environment file", "path=%s error=%s",
		    log_q(envpath), log_q(err));
	}
	o.metrics_dir = metrics_dir(mdir);
	switch (compose_build(&c, &o, &e)) {
	case COMPOSE_OK:
		break;
	case COMPOSE_NO_STREAM:
		log_die(EX_CONFIG, "transport nats names no stream: set "
		    "transport.stream, or give --data DIR to write files",
		    "path=%s", log_q(envpath));
	case COMPOSE_NO_URL:
		log_die(EX_CONFIG, "transport nats names no url and NATS_URL "
		    "is not set", "path=%s", log_q(envpath));
	case COMPOSE_BAD_STORAGE:
		log_die(EX_CONFIG, "storage.type: only local is written (an "
		    "Archiver or ssmd-jsonl-rotate --on-close uploads)",
		    "path=%s type=%s", log_q(envpath), log_q(e.storage_type));
	}
	path_self();
	log_info("starting", "feed=%s to=%s metrics_dir=%s listen=%s", e.feed,
	    log_q(c.sink == COMPOSE_NATS ? c.nats_url : c.path),
	    log_q(o.metrics_dir), log_q(o.listen));
	/* Blocked before the children start: no stop request is lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGCHLD, SIG_DFL);
	if ((hd = spawn(c.healthd, &old)) == -1 ||
	    (cap = spawn(c.pipeline, &old)) == -1)
		log_die(EX_OSERR, "cannot fork", "error=%s",
		    log_q(strerror(errno)));
	return watch(cap, hd);
}
