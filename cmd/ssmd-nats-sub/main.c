/* ssmd-nats-sub: write the messages of a NATS JetStream stream as lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "metrics.h"
#include "nats_conn.h"
#include "subscribe.h"
#include "parse.h"
#include "sig.h"
#include "subject.h"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Server:",
	"  --url URL                 (default $NATS_URL, else nats://127.0.0.1:4222)",
	"  --creds FILE              NATS credentials file (default none)",
	"  --ca-file FILE            CA certificates for tls:// (default the system's)",
	"  --tls-ca FILE             old name of --ca-file",
	"Consumer:",
	"  --stream NAME             the stream to consume (required)",
	"  --filter SUBJECT          wildcards allowed; repeatable (default all)",
	"  --durable NAME            durable pull consumer (default ordered ephemeral)",
	"  --start new|all|SEQ|TIME  start of a new consumer (default new)",
	"  --resume-from DIR         after archive DIR; needs --annotate (default none)",
	"  --batch N                 messages taken and written at once (default 256)",
	"  --exit-at-end             exit 0 at the end of the stream (default: wait)",
	"Output:",
	"  --annotate                add _nats_seq and _received_at (default off)",
	"  --metrics-dir DIR         keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help                print this help and exit",
	"  -V, --version             print the version and exit",
	"See ssmd-nats-sub(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-nats-sub --stream NAME [options] > lines", help);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		NATS_CONN_LONGOPTS,
		{ "stream",		required_argument, NULL, 's' },
		{ "filter",		required_argument, NULL, 'f' },
		{ "durable",		required_argument, NULL, 'd' },
		{ "start",		required_argument, NULL, 'S' },
		{ "annotate",		no_argument,	   NULL, 'a' },
		{ "resume-from",	required_argument, NULL, 'r' },
		{ "batch",		required_argument, NULL, 'b' },
		{ "exit-at-end",	no_argument,	   NULL, 'e' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct nsub_opts	 o;
	const char		*mdir = NULL;
	int			 ch, start_given = 0;

	memset(&o, 0, sizeof(o));
	o.conn.name = "ssmd-nats-sub";
	o.start = NSUB_NEW;
	o.batch = 256;
	log_init("ssmd-nats-sub");
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (nats_conn_option(ch, optarg, &o.conn))
			continue;
		switch (ch) {
		case 's': o.stream = optarg; break;
		case 'f':
			if (o.nfilters == NSUB_MAX_FILTERS)
				log_die(EX_USAGE, "too many --filter options",
				    "max=%d", NSUB_MAX_FILTERS);
			if (!subject_pattern_ok(optarg))
				log_die(EX_USAGE, "bad --filter: want tokens "
				    "separated by dots, none empty, no spaces; "
				    "'*' stands for one token, '>' (last only) "
				    "for the rest", "value=%s", log_q(optarg));
			o.filters[o.nfilters++] = optarg;
			break;
		case 'd': o.durable = optarg; break;
		case 'S':
			if (subscribe_parse_start(optarg, &o) == -1)
				log_die(EX_USAGE, "bad --start: want new, all, a "
				    "sequence number or an RFC 3339 time",
				    "value=%s", log_q(optarg));
			start_given = 1;
			break;
		case 'a': o.annotate = 1; break;
		case 'r': o.resume_from = optarg; break;
		case 'b':
			o.batch = (int)opt_uint("--batch", optarg, 1, 65536);
			break;
		case 'e': o.exit_at_end = 1; break;
		case 'm': mdir = optarg; break;
		case 'h': usage(EX_OK); break;
		case 'V':
			puts("ssmd-nats-sub " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc || o.stream == NULL)
		usage(EX_USAGE);
	if (!parse_feed_name_ok(o.stream) || strchr(o.stream, '.') != NULL)
		log_die(EX_USAGE, "bad stream name: want 1-64 of A-Z a-z 0-9 _ -",
		    "stream=%s", log_q(o.stream));
	if (o.durable != NULL && (!parse_feed_name_ok(o.durable) ||
	    strchr(o.durable, '.') != NULL))
		log_die(EX_USAGE, "bad durable name: want 1-64 of A-Z a-z 0-9 _ -",
		    "durable=%s", log_q(o.durable));
	if (o.resume_from != NULL && o.durable != NULL)
		log_die(EX_USAGE, "--resume-from and --durable do not go together: "
		    "the archive, not the consumer, says where to start", "");
	if (o.resume_from != NULL && !o.annotate)
		log_die(EX_USAGE, "--resume-from needs --annotate (the archive "
		    "must hold _nats_seq)", "");
	if (o.resume_from != NULL && !start_given)
		o.start = NSUB_ALL;
	opt_metrics(mdir, "ssmd-nats-sub");
	sig_init();
	return subscribe_run(&o, STDOUT_FILENO);
}
