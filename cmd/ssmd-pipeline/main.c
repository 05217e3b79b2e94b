/* ssmd-pipeline: run "A | B | ..." without a shell, so that the source's
 * exit status comes through, a stop request stops only the source while
 * the stages after it drain, and every stage stays in the runner's
 * process group with its standard error inherited. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "metrics.h"
#include "opt.h"
#include "parse.h"
#include "runner.h"
#include "stage.h"

static void
usage(FILE *f, int code)
{
	fprintf(f, "usage: ssmd-pipeline [option...] [--] PROG [ARG...] "
	    "[| PROG [ARG...]]...\n"
	    "  a \"|\" argument (quote it in a shell: '|' or \\|) separates "
	    "the stages\n"
	    "  -n, --name NAME          pipeline name: metrics label and "
	    "file instance (default: the source's program name)\n"
	    "  -m, --metrics-dir DIR    keep DIR/ssmd-pipeline-NAME.prom "
	    "(default: $SSMD_METRICS_DIR, else none)\n"
	    "  -t, --stop-timeout SECS  from SIGTERM to SIGKILL of the source "
	    "(default: 30; 0: never kill)\n"
	    "  -e, --until-eof          ignore stop signals, end at the end "
	    "of input (default: off)\n"
	    "  -s, --separator STR      the argument that separates stages "
	    "(default: |)\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            the version\n"
	    "See ssmd-pipeline(1).\n");
	exit(code);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "name",		required_argument, NULL, 'n' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "stop-timeout",	required_argument, NULL, 't' },
		{ "until-eof",		no_argument,	   NULL, 'e' },
		{ "separator",		required_argument, NULL, 's' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct stage	 st[STAGE_MAX];
	struct runner_opts	 o = { NULL, 30, 0 };
	const char		*sep = "|", *mdir = NULL;
	size_t			 n, i, bad;
	int			 ch;

	log_init("ssmd-pipeline");
	/* "+": options end at the first stage's program name. */
	while ((ch = getopt_long(argc, argv, "+n:m:t:s:ehV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.name = optarg;
			break;
		case 'm':
			mdir = optarg;
			break;
		case 't':
			o.stop_timeout = opt_duration("--stop-timeout", optarg,
			    0, OPT_LONGEST);
			break;
		case 'e':
			o.until_eof = 1;
			break;
		case 's':
			if (*optarg == '\0')
				log_die(EX_USAGE, "empty --separator", "");
			sep = optarg;
			break;
		case 'h':
			usage(stdout, EX_OK);
			break;
		case 'V':
			puts("ssmd-pipeline " SSMD_VERSION);
			return EX_OK;
		default:
			usage(stderr, EX_USAGE);
		}
	}
	switch (stage_split(argv + optind, argc - optind, sep, st, &n, &bad)) {
	case STAGE_SPLIT_OK:
		break;
	case STAGE_SPLIT_EMPTY:
		if (argc == optind)
			usage(stderr, EX_USAGE);
		log_die(EX_USAGE, "empty stage: a separator at the start, the "
		    "end, or twice in a row", "stage=%zu separator=%s", bad,
		    log_q(sep));
	case STAGE_SPLIT_TOO_MANY:
		log_die(EX_USAGE, "too many stages", "max=%d", STAGE_MAX);
	}
	/* Every program is found before any starts: a typo starts nothing. */
	for (i = 0; i < n; i++)
		switch (stage_find(&st[i])) {
		case STAGE_FIND_OK:
			break;
		case STAGE_FIND_MISSING:
			log_die(EX_CONFIG, "program not found", "stage=%zu "
			    "prog=%s PATH=%s", i, log_q(st[i].argv[0]),
			    log_q(getenv("PATH") ? getenv("PATH") : ""));
		case STAGE_FIND_NOT_EXECUTABLE:
			log_die(EX_CONFIG, "program is not executable",
			    "stage=%zu prog=%s", i, log_q(st[i].argv[0]));
		}
	if (o.name == NULL)
		o.name = st[0].name;
	if (!parse_feed_name_ok(o.name))
		log_die(EX_USAGE, "bad --name: want 1-64 of A-Z a-z 0-9 . _ -",
		    "value=%s", log_q(o.name));
	if (metrics_open(mdir, "ssmd-pipeline", o.name) == -1)
		log_die(EX_CANTCREAT, "metrics directory is not writable",
		    "dir=%s", log_q(mdir ? mdir : getenv("SSMD_METRICS_DIR")));
	return runner_run(st, n, &o);
}
