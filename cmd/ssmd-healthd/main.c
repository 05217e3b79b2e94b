/* ssmd-healthd: serve /health, /ready and /metrics from the metrics files
 * the other ssmd programs keep. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "serve.h"
#include "log.h"
#include "opt.h"
#include "parse.h"
#include "prom.h"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Serving:",
	"  --listen ADDR:PORT       where to listen (default 0.0.0.0:8080)",
	"  --timeout SECONDS        close a client silent this long (default 10)",
	"  --max-file BYTES         largest metrics file served, up to 64M (default 1M)",
	"Readiness:",
	"  --metrics-dir DIR        metrics files (default $SSMD_METRICS_DIR; required)",
	"  --feed NAME              feed reported on (default $SSMD_FEED, else kalshi)",
	"  --source PROG            program telling the state (default ssmd-ws-kalshi)",
	"  --connected-metric NAME  gauge (default ssmd_ws_kalshi_connected)",
	"  --last-metric NAME       (default ssmd_ws_kalshi_last_frame_timestamp_seconds)",
	"  --stale-after SECONDS    longest silence of a connected source (default 300)",
	"Other:",
	"  -h, --help               print this help and exit",
	"  -V, --version            print the version and exit",
	"See ssmd-healthd(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-healthd --metrics-dir DIR [options]", help);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen",		required_argument, NULL, 'l' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "stale-after",	required_argument, NULL, 's' },
		{ "feed",		required_argument, NULL, 'f' },
		{ "source",		required_argument, NULL, 'S' },
		{ "connected-metric",	required_argument, NULL, 'c' },
		{ "last-metric",	required_argument, NULL, 'L' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "max-file",		required_argument, NULL, 'M' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct hd_opts	 o = {
		NULL, 0, NULL,
		{ "ssmd-ws-kalshi", "ssmd_ws_kalshi_connected",
		  "ssmd_ws_kalshi_last_frame_timestamp_seconds", "kalshi", 300 },
		10, 1 << 20
	};
	char		 listen[256] = "0.0.0.0:8080";
	int		 ch;

	log_init("ssmd-healthd");
	o.dir = getenv("SSMD_METRICS_DIR");
	if (getenv("SSMD_FEED") != NULL && *getenv("SSMD_FEED") != '\0')
		o.src.feed = getenv("SSMD_FEED");
	while ((ch = getopt_long(argc, argv, "hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (strlen(optarg) >= sizeof(listen))
				log_die(EX_USAGE, "bad --listen", "value=%s",
				    log_q(optarg));
			strcpy(listen, optarg);
			break;
		case 'm':
			o.dir = optarg;
			break;
		case 's':
			o.src.stale_after = opt_duration("--stale-after",
			    optarg,
			    0.001, OPT_LONGEST);
			break;
		case 'f':
			o.src.feed = optarg;
			break;
		case 'S':
			o.src.prog = optarg;
			break;
		case 'c':
			o.src.connected = optarg;
			break;
		case 'L':
			o.src.last = optarg;
			break;
		case 't':
			o.timeout = opt_duration("--timeout", optarg,
			    0.001, OPT_LONGEST);
			break;
		case 'M':
			o.max_file = opt_size("--max-file", optarg,
			    1, 64ULL << 20);
			break;
		case 'h':
			usage(EX_OK);
			break;
		case 'V':
			puts("ssmd-healthd " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (o.dir == NULL || *o.dir == '\0')
		log_die(EX_USAGE, "no metrics directory: give --metrics-dir or set "
		    "SSMD_METRICS_DIR", "");
	if (serve_parse_listen(listen, &o) == -1)
		log_die(EX_USAGE, "bad --listen: want ADDR:PORT", "value=%s",
		    log_q(listen));
	if (!parse_feed_name_ok(o.src.feed))
		log_die(EX_USAGE, "bad feed name: want 1-64 of A-Z a-z 0-9 . _ -",
		    "feed=%s", log_q(o.src.feed));
	if (!parse_feed_name_ok(o.src.prog))
		log_die(EX_USAGE, "bad --source: want a program name", "value=%s",
		    log_q(o.src.prog));
	if (!prom_name_ok(o.src.connected) || !prom_name_ok(o.src.last))
		log_die(EX_USAGE, "bad metric name", "connected=%s last=%s",
		    log_q(o.src.connected), log_q(o.src.last));
	return serve_run(&o);
}
