/* ssmd-kalshi-sim: a local Kalshi-compatible exchange (WebSocket and REST)
 * for tests, benchmarks and demos. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "opt.h"
#include "metrics.h"
#include "sig.h"
#include "server.h"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Listening:",
	"  --listen ADDR          IP address to listen on (default 127.0.0.1)",
	"  --port N               TCP port; 0: any free port (default 0)",
	"  --port-file FILE       write the port there once listening (default none)",
	"  --cert FILE            PEM certificate chain: serve TLS (default plain)",
	"  --key FILE             PEM key of --cert (required with it)",
	"Authentication:",
	"  --public-key FILE      clients' RSA public key (required unless --no-auth)",
	"  --no-auth              accept upgrades without authentication (default off)",
	"  --api-key ID           also require this key id (default any)",
	"  --auth-window DUR      allowed signature clock skew (default 30s)",
	"Markets and traffic:",
	"  --markets N            size of the market universe (default 200)",
	"  --per-event N          markets per event (default 5)",
	"  --tickers-file FILE    markets from FILE (default generated)",
	"  --seed N               generator seed (default 1)",
	"  --start-time EPOCH     simulated clock from this time (default real)",
	"  --rate N               frames/s per connection; 0: unpaced (default 100)",
	"  --max-frames N         frames per connection; 0: no limit (default 0)",
	"  --replay FILE          send FILE's lines instead (default generated)",
	"  --ping-interval DUR    heartbeat; 0: none (default 10s)",
	"Faults and limits:",
	"  --fault SPEC           kind[:after[:arg]], repeatable (default none)",
	"  --max-message BYTES    largest client message (default 1M)",
	"  --rest-429 N           every Nth REST request gets 429 (default 0, never)",
	"  --retry-after SECONDS  the Retry-After value (default 1)",
	"Other:",
	"  --command-log FILE     log client frames; -: stderr (default none)",
	"  --metrics-dir DIR      keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help             print this help and exit",
	"  -V, --version          print the version and exit",
	"See ssmd-kalshi-sim(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code,
	    "ssmd-kalshi-sim [--public-key FILE | --no-auth] [options]",
	    help);
}

int
main(int argc, char *argv[])
{
	enum { O_PORTFILE = 256, O_PUB, O_NOAUTH, O_APIKEY, O_WINDOW,
	    O_MARKETS, O_PEREVENT, O_TICKERS, O_SEED, O_START, O_RATE,
	    O_MAXFR, O_REPLAY, O_PING, O_FAULT, O_CMDLOG, O_MAXMSG, O_429,
	    O_RETRY, O_METRICS, O_LISTEN, O_CERT, O_KEY, O_PORT };
	static const struct option longopts[] = {
		{ "listen",	   required_argument, NULL, O_LISTEN },
		{ "port",	   required_argument, NULL, O_PORT },
		{ "port-file",	   required_argument, NULL, O_PORTFILE },
		{ "cert",	   required_argument, NULL, O_CERT },
		{ "key",	   required_argument, NULL, O_KEY },
		{ "public-key",	   required_argument, NULL, O_PUB },
		{ "no-auth",	   no_argument,	      NULL, O_NOAUTH },
		{ "api-key",	   required_argument, NULL, O_APIKEY },
		{ "auth-window",   required_argument, NULL, O_WINDOW },
		{ "markets",	   required_argument, NULL, O_MARKETS },
		{ "per-event",	   required_argument, NULL, O_PEREVENT },
		{ "tickers-file",  required_argument, NULL, O_TICKERS },
		{ "seed",	   required_argument, NULL, O_SEED },
		{ "start-time",	   required_argument, NULL, O_START },
		{ "rate",	   required_argument, NULL, O_RATE },
		{ "max-frames",	   required_argument, NULL, O_MAXFR },
		{ "replay",	   required_argument, NULL, O_REPLAY },
		{ "ping-interval", required_argument, NULL, O_PING },
		{ "fault",	   required_argument, NULL, O_FAULT },
		{ "command-log",   required_argument, NULL, O_CMDLOG },
		{ "max-message",   required_argument, NULL, O_MAXMSG },
		{ "rest-429",	   required_argument, NULL, O_429 },
		{ "retry-after",   required_argument, NULL, O_RETRY },
		{ "metrics-dir",   required_argument, NULL, O_METRICS },
		{ "help",	   no_argument,	      NULL, 'h' },
		{ "version",	   no_argument,	      NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct sim_opts o;
	char	 err[160];
	int	 ch;

	log_init("ssmd-kalshi-sim");
	o.addr = "127.0.0.1";
	o.auth_window = 30;
	o.markets = 200;
	o.per_event = 5;
	o.seed = 1;
	o.rate = 100;
	o.ping_interval = 10;
	o.max_message = 1 << 20;
	o.retry_after = 1;
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN:	 o.addr = optarg; break;
		case O_PORT:	 o.port = (int)opt_uint("--port", optarg,
		    0, 65535); break;
		case O_PORTFILE: o.port_file = optarg; break;
		case O_CERT:	 o.cert = optarg; break;
		case O_KEY:	 o.key = optarg; break;
		case O_PUB:	 o.pubkey = optarg; break;
		case O_NOAUTH:	 o.no_auth = 1; break;
		case O_APIKEY:	 o.api_key = optarg; break;
		case O_WINDOW:
			o.auth_window = opt_duration("--auth-window", optarg,
			    0, OPT_LONGEST);
			break;
		case O_MARKETS:
			o.markets = opt_uint("--markets", optarg, 1, 1000000);
			break;
		case O_PEREVENT:
			o.per_event = opt_uint("--per-event", optarg, 1, 1000);
			break;
		case O_TICKERS:	 o.tickers_file = optarg; break;
		case O_SEED:	 o.seed = opt_uint("--seed", optarg,
		    0, UINT64_MAX); break;
		case O_START:
			o.start_time = (int64_t)opt_uint("--start-time", optarg,
			    1,
			    4102444800ULL);
			break;
		case O_RATE:
			o.rate = (double)opt_uint("--rate", optarg,
			    0, 10000000);
			break;
		case O_MAXFR:
			o.max_frames = opt_uint("--max-frames", optarg,
			    0, UINT64_MAX);
			break;
		case O_REPLAY:	 o.replay = optarg; break;
		case O_PING:
			o.ping_interval = opt_duration("--ping-interval", optarg,
			    0, OPT_LONGEST);
			break;
		case O_FAULT:
			if (o.nfaults == SIM_MAX_FAULTS)
				log_die(EX_USAGE, "too many --fault options", "max=%d",
				    SIM_MAX_FAULTS);
			if (server_fault_parse(optarg, &o.faults[o.nfaults++], err,
			    sizeof err) == -1)
				log_die(EX_USAGE, "bad --fault", "err=%s", log_q(err));
			break;
		case O_CMDLOG:	 o.command_log = optarg; break;
		case O_MAXMSG:
			o.max_message = opt_size("--max-message", optarg,
			    1024, 1ULL << 30);
			break;
		case O_429:
			o.rest_429_every = (unsigned)opt_uint("--rest-429",
			    optarg,
			    0,
			    1000000);
			break;
		case O_RETRY:
			o.retry_after = (unsigned)opt_uint("--retry-after",
			    optarg,
			    0,
			    3600);
			break;
		case O_METRICS:	 o.metrics_dir = optarg; break;
		case 'h':
			usage(EX_OK);
			break;
		case 'V':
			puts("ssmd-kalshi-sim " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if ((o.cert == NULL) != (o.key == NULL))
		log_die(EX_USAGE, "--cert and --key go together", "");
	if (!o.no_auth && o.pubkey == NULL)
		log_die(EX_USAGE, "--public-key FILE is required (or --no-auth)", "");
	opt_metrics(o.metrics_dir, "ssmd-kalshi-sim");
	sig_init();
	return server_run(&o);
}
