/* ssmd-replay: read an ssmd-jsonl-rotate archive back in ts order,
 * selected and paced. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "parse.h"
#include "plan.h"
#include "replay.h"
#include "select.h"
#include "sig.h"
#include "ts.h"

#define DAY_US	(86400 * 1000000LL)

static void
usage(FILE *f, int code)
{
	fprintf(f, "usage: ssmd-replay [options] DIR|FILE...\n"
	    "  --from TIME        first ts replayed (default: the start)\n"
	    "  --to TIME          replay up to, not including, this ts "
	    "(default: the end)\n"
	    "  --date YYYY-MM-DD  one UTC day (--from and --to of it)\n"
	    "  --feed NAME[,..]   only these feeds (default: all)\n"
	    "  --type TYPE[,..]   only frames of these types (default: all)\n"
	    "  --market GLOB[,..] only frames whose market ticker matches "
	    "(default: all)\n"
	    "  --sid N[,..]       only frames of these subscriptions "
	    "(default: all)\n"
	    "  --speed N|max      N times the recorded pace (default max)\n"
	    "  --max-gap DURATION pauses longer than this are shortened "
	    "(default 1m)\n"
	    "  --data             write each envelope's data, not the "
	    "envelope\n"
	    "  --progress         a progress line on stderr every 10s "
	    "(default: a bar on a terminal)\n"
	    "  --no-progress      no progress at all\n"
	    "  -h, --help         this help; see ssmd-replay(1)\n"
	    "  -V, --version      the version\n");
	exit(code);
}

static int64_t
time_opt(const char *opt, const char *v)
{
	int64_t	us;

	if (select_time(v, &us) == -1)
		log_die(EX_USAGE, "bad time: want e.g. 2026-11-21, "
		    "2026-11-21T14:00Z or 2026-11-21T14:00:05.25Z", "option=%s "
		    "value=%s", opt, log_q(v));
	return us;
}

static void
list_opt(struct select_list *l, const char *opt, char *v)
{
	if (select_list_add(l, v) == -1)
		log_die(EX_USAGE, "empty list", "option=%s", opt);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "from",	required_argument, NULL, 'f' },
		{ "to",		required_argument, NULL, 't' },
		{ "date",	required_argument, NULL, 'd' },
		{ "feed",	required_argument, NULL, 'F' },
		{ "type",	required_argument, NULL, 'T' },
		{ "market",	required_argument, NULL, 'M' },
		{ "sid",	required_argument, NULL, 'S' },
		{ "speed",	required_argument, NULL, 's' },
		{ "max-gap",	required_argument, NULL, 'g' },
		{ "data",	no_argument,	   NULL, 'D' },
		{ "progress",	no_argument,	   NULL, 'p' },
		{ "no-progress", no_argument,	   NULL, 'P' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct select		 sel;
	struct replay_opts	 o = { &sel, 0, 60 * 1000000LL, 0, 0 };
	struct replay_stats	 st;
	struct plan		 p;
	char			*end;
	double			 t0;
	size_t			 i;
	int			 ch, rc, progress = -1;

	log_init("ssmd-replay");
	memset(&sel, 0, sizeof(sel));
	memset(&p, 0, sizeof(p));
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			sel.from = time_opt("--from", optarg);
			sel.have_from = 1;
			break;
		case 't':
			sel.to = time_opt("--to", optarg);
			sel.have_to = 1;
			break;
		case 'd':
			if (strlen(optarg) != 10)
				log_die(EX_USAGE, "bad --date: want YYYY-MM-DD",
				    "value=%s", log_q(optarg));
			sel.from = time_opt("--date", optarg);
			sel.to = sel.from + DAY_US;
			sel.have_from = sel.have_to = 1;
			break;
		case 'F':
			list_opt(&sel.feeds, "--feed", optarg);
			for (i = 0; i < sel.feeds.n; i++)
				if (!parse_feed_name_ok(sel.feeds.v[i]))
					log_die(EX_USAGE, "bad feed name: want "
					    "1-64 of A-Z a-z 0-9 . _ -",
					    "feed=%s", log_q(sel.feeds.v[i]));
			break;
		case 'T':
			list_opt(&sel.types, "--type", optarg);
			break;
		case 'M':
			list_opt(&sel.markets, "--market", optarg);
			break;
		case 'S':
			if (select_sids_add(&sel, optarg) == -1)
				log_die(EX_USAGE, "bad --sid: want numbers "
				    "separated by commas", "value=%s",
				    log_q(optarg));
			break;
		case 's':
			if (strcmp(optarg, "max") == 0) {
				o.speed = 0;
				break;
			}
			o.speed = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(o.speed > 0) ||
			    o.speed > 1e6)
				log_die(EX_USAGE, "bad --speed: want max or a "
				    "number above 0", "value=%s",
				    log_q(optarg));
			break;
		case 'g':
			o.max_gap_us = opt_duration("--max-gap", optarg, 0,
			    OPT_LONGEST) * 1e6;
			break;
		case 'D':
			o.data = 1;
			break;
		case 'p':
			progress = PROGRESS_LINES;
			break;
		case 'P':
			progress = PROGRESS_OFF;
			break;
		case 'h':
			usage(stdout, EX_OK);
			break;
		case 'V':
			puts("ssmd-replay " SSMD_VERSION);
			return EX_OK;
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (optind == argc)
		usage(stderr, EX_USAGE);
	if (sel.have_from && sel.have_to && sel.to <= sel.from)
		log_die(EX_USAGE, "empty time range: --to is not after --from",
		    "");
	if (select_prepare(&sel) == -1)
		log_die(EX_OSERR, "out of memory", "");
	o.progress = progress >= 0 ? (enum progress_mode)progress :
	    isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_OFF;
	sig_init();
	t0 = ts_mono();
	for (; optind < argc; optind++)
		plan_add(&p, argv[optind], &sel);
	plan_sort(&p);
	rc = replay_run(&o, &p, &st);
	log_msg(rc || p.bad || p.notfound || st.bad_files || st.bad_lines ?
	    LOG_ERROR : LOG_INFO, "done", "files=%zu files_opened=%llu "
	    "files_skipped=%llu bad_files=%llu bad_lines=%llu not_found=%u "
	    "lines_in=%llu lines_out=%llu prefiltered=%llu no_data=%llu "
	    "bytes_read=%llu bytes_out=%llu lost_lines=%llu seconds=%.3f",
	    p.n, (unsigned long long)st.files_opened,
	    (unsigned long long)p.skipped,
	    (unsigned long long)(st.bad_files + p.bad),
	    (unsigned long long)st.bad_lines, p.notfound,
	    (unsigned long long)st.lines_in, (unsigned long long)st.lines_out,
	    (unsigned long long)st.prefiltered,
	    (unsigned long long)st.no_data,
	    (unsigned long long)st.bytes_read,
	    (unsigned long long)st.bytes_out,
	    (unsigned long long)st.lost_lines, ts_mono() - t0);
	plan_free(&p);
	select_free(&sel);
	if (rc != 0)
		return rc;
	if (p.notfound > 0)
		return EX_NOINPUT;
	return p.bad || st.bad_files || st.bad_lines ? EX_DATAERR : EX_OK;
}
