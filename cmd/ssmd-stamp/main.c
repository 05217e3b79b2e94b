/* ssmd-stamp: wrap each line of standard input in an ssmd envelope. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "metrics.h"
#include "parse.h"
#include "sig.h"
#include "stamp.h"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Envelope:",
	"  --feed NAME         feed in every envelope (default $SSMD_FEED, else kalshi)",
	"Bad input:",
	"  --max-line BYTES    longest line, K/M/G suffix (default 16M)",
	"  --invalid POLICY    not one JSON value: keep, reject or stop (default keep)",
	"  --reject-file FILE  where --invalid reject appends (required with it)",
	"Operation:",
	"  --metrics-dir DIR   keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help          print this help and exit",
	"  -V, --version       print the version and exit",
	"See ssmd-stamp(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-stamp [options] < lines > envelopes", help);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "feed",	 required_argument, NULL, 'f' },
		{ "metrics-dir", required_argument, NULL, 'm' },
		{ "max-line",	 required_argument, NULL, 'l' },
		{ "invalid",	 required_argument, NULL, 'i' },
		{ "reject-file", required_argument, NULL, 'r' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct stamp_opts	 o = { "kalshi", 16 << 20, STAMP_KEEP, NULL };
	const char		*mdir = NULL;
	int			 ch;

	log_init("ssmd-stamp");
	if (getenv("SSMD_FEED") != NULL && *getenv("SSMD_FEED") != '\0')
		o.feed = getenv("SSMD_FEED");
	while ((ch = getopt_long(argc, argv, "hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.feed = optarg;
			break;
		case 'm':
			mdir = optarg;
			break;
		case 'l':
			o.max_line = opt_max_line(optarg);
			break;
		case 'i':
			o.policy = opt_word("--invalid", optarg, stamp_policies);
			break;
		case 'r':
			o.reject_path = optarg;
			break;
		case 'h':
			usage(EX_OK);
			break;
		case 'V':
			puts("ssmd-stamp " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (!parse_feed_name_ok(o.feed))
		log_die(EX_USAGE, "bad feed name: want 1-64 of A-Z a-z 0-9 . _ -",
		    "feed=%s", log_q(o.feed));
	if (o.policy == STAMP_REJECT && o.reject_path == NULL)
		log_die(EX_USAGE, "--invalid reject needs --reject-file", "");
	if (o.reject_path != NULL && o.policy != STAMP_REJECT)
		log_die(EX_USAGE, "--reject-file goes with --invalid reject", "");
	opt_metrics(mdir, "ssmd-stamp");
	sig_init();
	return stamp_run(&o, STDIN_FILENO, STDOUT_FILENO);
}
