/* ssmd-jsonl-rotate: archive lines into date-partitioned, rotated gzip
 * files, crash-safe. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "metrics.h"
#include "parse.h"
#include "rotate.h"
#include "sig.h"

/* --date-from: index 1 files by the wall clock. */
static const char *const date_words[] = { "ts", "now", NULL };

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Files:",
	"  --feed NAME             file all lines under NAME (default: each line's feed)",
	"  --date-from ts|now      date from the line's ts or the clock (default ts)",
	"  --max-age DUR           slot from UTC midnight; 0: a day (default 15m)",
	"  --max-size BYTES        rotate at this much data; 0: no limit (default 0)",
	"  --no-gzip               write plain .jsonl (default gzip)",
	"  --level 1-9             gzip level (default 6)",
	"  --flush-interval DUR    make data readable this often (default 1s)",
	"  --idle-close DUR        close a past slot's file when idle (default 10s)",
	"  --max-line BYTES        longest line, K/M/G suffix (default 17M)",
	"Final files:",
	"  --on-close CMD          run CMD with each final file (default none)",
	"  --on-close-queue N      files waiting for it, at most (default 1000)",
	"  --on-close-attempts N   tries per file (default 10)",
	"  --on-close-retry DUR    first wait between tries, doubling (default 1s)",
	"  --on-close-wait DUR     at exit, wait for the queue (default 10s)",
	"  --on-close-timeout DUR  kill a try after; 0: never (default 1h)",
	"Other:",
	"  --metrics-dir DIR       keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help              print this help and exit",
	"  -V, --version           print the version and exit",
	"See ssmd-jsonl-rotate(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-jsonl-rotate [options] DIR < lines", help);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "feed",		required_argument, NULL, 'f' },
		{ "date-from",		required_argument, NULL, 'd' },
		{ "max-age",		required_argument, NULL, 'a' },
		{ "max-size",		required_argument, NULL, 's' },
		{ "no-gzip",		no_argument,	   NULL, 'n' },
		{ "level",		required_argument, NULL, 'z' },
		{ "flush-interval",	required_argument, NULL, 'i' },
		{ "idle-close",		required_argument, NULL, 'c' },
		{ "max-line",		required_argument, NULL, 'l' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "on-close",		required_argument, NULL, 'o' },
		{ "on-close-queue",	required_argument, NULL, 'Q' },
		{ "on-close-attempts",	required_argument, NULL, 'A' },
		{ "on-close-retry",	required_argument, NULL, 'R' },
		{ "on-close-wait",	required_argument, NULL, 'W' },
		{ "on-close-timeout",	required_argument, NULL, 'T' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rot_opts	 o = {
		.max_age_us = 15 * 60 * 1000000LL, .gzip = 1, .level = 6,
		.flush_interval = 1, .idle_close = 10,
		.max_line = (16 << 20) + (1 << 20), .oc_queue = 1000,
		.oc_attempts = 10, .oc_retry = 1, .oc_wait = 10,
		.oc_timeout = 3600,
	};
	const char	*mdir = NULL;
	int		 ch;

	log_init("ssmd-jsonl-rotate");
	while ((ch = getopt_long(argc, argv, "hV",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (!parse_feed_name_ok(optarg))
				log_die(EX_USAGE, "bad feed name: want 1-64 of "
				    "A-Z a-z 0-9 . _ -", "feed=%s",
				    log_q(optarg));
			o.feed = optarg;
			break;
		case 'd':
			o.date_now = opt_word("--date-from", optarg,
			    date_words) == 1;
			break;
		case 'a':
			o.max_age_us = opt_duration("--max-age", optarg,
			    0, OPT_LONGEST) * 1e6;
			if (o.max_age_us != 0 && o.max_age_us < 1000000)
				log_die(EX_USAGE, "--max-age: want 0 or at least "
				    "1s", "value=%s", log_q(optarg));
			break;
		case 's':
			o.max_size = opt_size("--max-size", optarg,
			    0, UINT64_MAX);
			break;
		case 'n':
			o.gzip = 0;
			break;
		case 'z':
			o.level = opt_uint("--level", optarg, 1, 9);
			break;
		case 'i':
			o.flush_interval = opt_duration("--flush-interval",
			    optarg,
			    0, OPT_LONGEST);
			break;
		case 'c':
			o.idle_close = opt_duration("--idle-close", optarg,
			    0, OPT_LONGEST);
			break;
		case 'l':
			o.max_line = opt_max_line(optarg);
			break;
		case 'm':
			mdir = optarg;
			break;
		case 'o':
			o.on_close = optarg;
			break;
		case 'Q':
			o.oc_queue = opt_uint("--on-close-queue", optarg, 1,
			    1000000);
			break;
		case 'A':
			o.oc_attempts = opt_uint("--on-close-attempts", optarg,
			    1, 1000);
			break;
		case 'R':
			o.oc_retry = opt_duration("--on-close-retry", optarg,
			    0, OPT_LONGEST);
			break;
		case 'W':
			o.oc_wait = opt_duration("--on-close-wait", optarg,
			    0, OPT_LONGEST);
			break;
		case 'T':
			o.oc_timeout = opt_duration("--on-close-timeout",
			    optarg,
			    0, OPT_LONGEST);
			break;
		case 'h':
			usage(EX_OK);
			break;
		case 'V':
			puts("ssmd-jsonl-rotate " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc - 1)
		usage(EX_USAGE);
	o.dir = argv[optind];
	if (strlen(o.dir) > 3000)
		log_die(EX_USAGE, "directory name too long", "");
	if (!o.gzip && o.max_age_us == 0 && o.max_size != 0)
		log_die(EX_USAGE, "--max-size does not go with --max-age 0 "
		    "--no-gzip (one file per day, appended)", "");
	opt_metrics(mdir, "ssmd-jsonl-rotate");
	sig_init();
	return rotate_run(&o, STDIN_FILENO);
}
