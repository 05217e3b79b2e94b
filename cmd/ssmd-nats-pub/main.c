/* ssmd-nats-pub: publish each line of standard input to NATS JetStream. */
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
#include "publish.h"
#include "parse.h"
#include "sig.h"
#include "subject.h"
#include "template.h"

/* --msg-id: index 0 is the one that sets Msg-Ids. */
static const char *const msgid_words[] = { "sha256", "none", NULL };

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Server:",
	"  --url URL                 (default $NATS_URL, else nats://127.0.0.1:4222)",
	"  --creds FILE              NATS credentials file (default none)",
	"  --ca-file FILE            CA certificates for tls:// (default the system's)",
	"  --tls-ca FILE             old name of --ca-file",
	"Stream:",
	"  --stream NAME             the JetStream stream (required unless --core)",
	"  --prefix PREFIX           subject prefix (default kalshi)",
	"  --subject TEMPLATE        one subject for every line, {field}s filled from it (default none)",
	"  --create-stream           create the stream if missing (default: must exist)",
	"  --duplicate-window DUR    of a created stream (default 2m)",
	"  --max-age DUR             age limit of a created stream; 0: none (default 0)",
	"  --core                    core NATS, no JetStream (default JetStream)",
	"  --msg-id sha256|none      message ids (default sha256)",
	"Flow:",
	"  --max-pending N           messages in flight at most (default 4096)",
	"  --max-pending-bytes SIZE  bytes in flight at most (default 64M)",
	"  --ack-timeout DUR         exit 75 after this without acks (default 60s)",
	"  --retry DUR               publish an unanswered message again (default 5s)",
	"Bad input:",
	"  --max-line SIZE           longest line (default 16M)",
	"  --invalid POLICY          publish, reject or stop (default publish)",
	"  --reject-file FILE        where --invalid reject appends (required with it)",
	"Other:",
	"  --progress                show a progress line (default if stderr is a tty)",
	"  --no-progress             do not show it",
	"  --metrics-dir DIR         keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help                print this help and exit",
	"  -V, --version             print the version and exit",
	"See ssmd-nats-pub(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-nats-pub --stream NAME [options] < lines", help);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		NATS_CONN_LONGOPTS,
		{ "stream",		required_argument, NULL, 's' },
		{ "prefix",		required_argument, NULL, 'p' },
		{ "subject",		required_argument, NULL, 'S' },
		{ "create-stream",	no_argument,	   NULL, 'c' },
		{ "duplicate-window",	required_argument, NULL, 'D' },
		{ "max-age",		required_argument, NULL, 'a' },
		{ "core",		no_argument,	   NULL, 'k' },
		{ "msg-id",		required_argument, NULL, 'I' },
		{ "max-pending",	required_argument, NULL, 'P' },
		{ "max-pending-bytes",	required_argument, NULL, 'B' },
		{ "ack-timeout",	required_argument, NULL, 't' },
		{ "retry",		required_argument, NULL, 'R' },
		{ "max-line",		required_argument, NULL, 'l' },
		{ "invalid",		required_argument, NULL, 'i' },
		{ "reject-file",	required_argument, NULL, 'r' },
		{ "progress",		no_argument,	   NULL, 'g' },
		{ "no-progress",	no_argument,	   NULL, 'G' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct npub_opts	 o;
	const char		*mdir = NULL;
	char			 wild[SUBJECT_MAX];
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.conn.name = "ssmd-nats-pub";
	/* Nothing is buffered while reconnecting: a publish then fails and
	 * is repeated in order by the window's recovery. */
	o.conn.reconnect_buf = 1;
	o.prefix = "kalshi";
	o.msgid = 1;
	o.dup_window_ns = 120LL * 1000000000;
	o.max_pending = 4096;
	o.max_pending_bytes = 64 << 20;
	o.ack_timeout = 60;
	o.retry = 5;
	o.max_line = 16 << 20;
	o.invalid = NPUB_PUBLISH;
	o.progress = isatty(STDERR_FILENO);
	log_init("ssmd-nats-pub");
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (nats_conn_option(ch, optarg, &o.conn))
			continue;
		switch (ch) {
		case 's': o.stream = optarg; break;
		case 'p': o.prefix = optarg; break;
		case 'S': o.subject = optarg; break;
		case 'c': o.create = 1; break;
		case 'k': o.core = 1; break;
		case 'D':
			o.dup_window_ns = (int64_t)(opt_duration(
			    "--duplicate-window", optarg, 0.001, OPT_LONGEST) * 1e9);
			break;
		case 'a':
			o.max_age_ns = (int64_t)(opt_duration("--max-age",
			    optarg,
			    0, OPT_LONGEST) * 1e9);
			break;
		case 'I':
			o.msgid = opt_word("--msg-id", optarg, msgid_words) == 0;
			break;
		case 'P':
			o.max_pending = (unsigned)opt_uint("--max-pending",
			    optarg,
			    1, 1 << 20);
			break;
		case 'B':
			o.max_pending_bytes = opt_size("--max-pending-bytes",
			    optarg,
			    1024, UINT64_MAX);
			break;
		case 't':
			o.ack_timeout = opt_duration("--ack-timeout", optarg,
			    0.1, OPT_LONGEST);
			break;
		case 'R':
			o.retry = opt_duration("--retry", optarg,
			    0.05, OPT_LONGEST);
			break;
		case 'l':
			o.max_line = opt_max_line(optarg);
			break;
		case 'i':
			o.invalid = opt_word("--invalid", optarg,
			    publish_policies);
			break;
		case 'r': o.reject_path = optarg; break;
		case 'g': o.progress = 1; break;
		case 'G': o.progress = 0; break;
		case 'm': mdir = optarg; break;
		case 'h': usage(EX_OK); break;
		case 'V':
			puts("ssmd-nats-pub " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (o.stream == NULL && !o.core)
		log_die(EX_USAGE, "--stream is needed (or --core)", "");
	if (o.stream != NULL && !parse_feed_name_ok(o.stream))
		log_die(EX_USAGE, "bad stream name: want 1-64 of A-Z a-z 0-9 . _ -",
		    "stream=%s", log_q(o.stream));
	if (o.stream != NULL && strchr(o.stream, '.') != NULL)
		log_die(EX_USAGE, "a stream name cannot hold a dot", "stream=%s",
		    log_q(o.stream));
	if (o.subject != NULL ? template_check(o.subject, wild,
	    sizeof(wild)) == TEMPLATE_BAD : !subject_literal_ok(o.prefix))
		log_die(EX_USAGE, "bad --subject or --prefix: want tokens "
		    "separated by dots, no wildcards ({field} placeholders "
		    "in --subject)", "");
	/* Every subject must fit whole: a longer prefix would have its
	 * subjects cut, and two markets could share one. */
	if (o.subject == NULL && strlen(o.prefix) > SUBJECT_PREFIX_MAX)
		log_die(EX_USAGE, "--prefix is too long", "bytes=%zu max=%d",
		    strlen(o.prefix), SUBJECT_PREFIX_MAX);
	if (o.subject != NULL && strlen(o.subject) >= SUBJECT_MAX)
		log_die(EX_USAGE, "--subject is too long", "bytes=%zu max=%d",
		    strlen(o.subject), SUBJECT_MAX - 1);
	if (o.invalid == NPUB_REJECT && o.reject_path == NULL)
		log_die(EX_USAGE, "--invalid reject needs --reject-file", "");
	if (o.core && o.create)
		log_die(EX_USAGE, "--core and --create-stream do not go together",
		    "");
	opt_metrics(mdir, "ssmd-nats-pub");
	sig_init();
	return publish_run(&o, STDIN_FILENO);
}
