/* ssmd-notify: route signal fires to Slack, Discord, ntfy, email and
 * webhooks; none lost, none twice.  See ssmd-notify(1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "opt.h"
#include "parse.h"
#include "sig.h"
#include "subject.h"

#define DEFAULT_STATE	"/var/lib/ssmd-notify"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Configuration:",
	"  --config FILE          destinations JSON (default $DESTINATIONS_CONFIG; required)",
	"  --secrets-dir DIR      secret files in DIR/<destination>/ (default /secrets)",
	"  --state-dir DIR        de-duplication log (default " DEFAULT_STATE ")",
	"  --dedup-window D       how long a handled fire is remembered (default 24h)",
	"  --dead-letter FILE     JSON lines (default STATE_DIR/dead-letter.jsonl)",
	"Delivery:",
	"  --timeout D            per request (default 10s)",
	"  --retry-budget D       retrying, then the dead letters (default 1h)",
	"  --backoff D            first retry delay, doubling (default 1s)",
	"  --backoff-max D        longest retry delay (default 5m)",
	"  --queue N              fires queued per destination (default 1000)",
	"  --drain-timeout D      sending on after SIGTERM (default 10s)",
	"  --ca-file FILE         CA for HTTPS, SMTP and tls:// (default the system's)",
	"  --tls-ca FILE          old name of --ca-file",
	"Input:",
	"  --max-line SIZE        longest input line (default 1M)",
	"  --subjects LIST        NATS mode, comma list (default $SUBJECTS, else stdin)",
	"  --url URL              NATS server (default $NATS_URL, else " NATS_CONN_DEFAULT_URL ")",
	"  --nats-url URL         as --url (default $NATS_URL)",
	"  --creds FILE           NATS credentials file (default none)",
	"  --durable NAME         consumer name (default ssmd-notify)",
	"  --deliver new|all      start of a new consumer (default new)",
	"  --ack-wait D           redelivery after a crash (default 60s)",
	"Output:",
	"  --metrics-dir DIR      keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help             print this help and exit",
	"  -V, --version          print the version and exit",
	"See ssmd-notify(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-notify [--config FILE] [options] < fires.jsonl",
	    help);
}

static void
parse_subjects(char *list, struct notify_opts *o)
{
	char	*tok, *save = NULL;

	o->nsubjects = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (o->nsubjects == NOTIFY_MAX_SUBJECTS ||
		    !subject_pattern_ok(tok))
			log_die(EX_USAGE, "bad subject (or too many)", "value=%s",
			    log_q(tok));
		o->subjects[o->nsubjects++] = tok;
	}
}

static void
ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		log_die(EX_CANTCREAT, "cannot create the state directory",
		    "dir=%s error=%s", log_q(dir), log_q(strerror(errno)));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		NATS_CONN_LONGOPTS,
		{ "nats-url",		required_argument, NULL, 'u' },
		{ "config",		required_argument, NULL, 'c' },
		{ "secrets-dir",	required_argument, NULL, 's' },
		{ "state-dir",		required_argument, NULL, 'S' },
		{ "dedup-window",	required_argument, NULL, 'w' },
		{ "dead-letter",	required_argument, NULL, 'D' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "retry-budget",	required_argument, NULL, 'B' },
		{ "backoff",		required_argument, NULL, 'b' },
		{ "backoff-max",	required_argument, NULL, 'x' },
		{ "queue",		required_argument, NULL, 'q' },
		{ "drain-timeout",	required_argument, NULL, 'T' },
		{ "max-line",		required_argument, NULL, 'L' },
		{ "metrics-dir",	required_argument, NULL, 'm' },
		{ "subjects",		required_argument, NULL, 'j' },
		{ "durable",		required_argument, NULL, 'd' },
		{ "deliver",		required_argument, NULL, 'v' },
		{ "ack-wait",		required_argument, NULL, 'k' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct notify_opts	 o;
	struct conf		 c;
	struct conf_error	 e;
	const char		*config = getenv("DESTINATIONS_CONFIG");
	const char		*secrets = "/secrets", *mdir = NULL;
	char			*subjects = NULL, dl[4096];
	int			 ch, rc;

	memset(&o, 0, sizeof(o));
	o.conn.name = "ssmd-notify";
	o.state_dir = DEFAULT_STATE;
	o.dedup_window = 86400;
	o.drain = 10;
	o.max_line = 1 << 20;
	o.durable = "ssmd-notify";
	o.ack_wait = 60;
	o.d.timeout = 10;
	o.d.budget = 3600;
	o.d.backoff_min = 1;
	o.d.backoff_max = 300;
	o.d.queue = 1000;
	if (getenv("SUBJECTS") != NULL && *getenv("SUBJECTS") != '\0')
		subjects = strdup(getenv("SUBJECTS"));
	log_init("ssmd-notify");
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (nats_conn_option(ch, optarg, &o.conn))
			continue;
		switch (ch) {
		case 'c': config = optarg; break;
		case 's': secrets = optarg; break;
		case 'S': o.state_dir = optarg; break;
		case 'w':
			o.dedup_window = opt_duration("--dedup-window", optarg, 1,
			    OPT_LONGEST);
			break;
		case 'D': o.d.dead_letter = optarg; break;
		case 't':
			o.d.timeout = opt_duration("--timeout", optarg, 0.1, 3600);
			break;
		case 'B':
			o.d.budget = opt_duration("--retry-budget", optarg, 0,
			    OPT_LONGEST);
			break;
		case 'b':
			o.d.backoff_min = opt_duration("--backoff", optarg, 0.01,
			    86400);
			break;
		case 'x':
			o.d.backoff_max = opt_duration("--backoff-max", optarg,
			    0.01, 86400);
			break;
		case 'q':
			o.d.queue = opt_uint("--queue", optarg, 1, 1000000);
			break;
		case 'T':
			o.drain = opt_duration("--drain-timeout", optarg, 0,
			    86400);
			break;
		case 'L': o.max_line = opt_max_line(optarg); break;
		case 'm': mdir = optarg; break;
		case 'j':
			free(subjects);
			subjects = strdup(optarg);
			break;
		case 'd': o.durable = optarg; break;
		case 'v':
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "new") != 0)
				log_die(EX_USAGE, "bad --deliver: want new or all",
				    "value=%s", log_q(optarg));
			o.deliver_all = strcmp(optarg, "all") == 0;
			break;
		case 'k':
			o.ack_wait = opt_duration("--ack-wait", optarg, 1, 86400);
			break;
		case 'h': usage(EX_OK); break;
		case 'V':
			puts("ssmd-notify " SSMD_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (config == NULL)
		log_die(EX_USAGE, "no configuration: --config FILE or "
		    "DESTINATIONS_CONFIG", "");
	if (subjects != NULL)
		parse_subjects(subjects, &o);
	if (o.durable != NULL && (!parse_feed_name_ok(o.durable) ||
	    strchr(o.durable, '.') != NULL))
		log_die(EX_USAGE, "bad durable name: want 1-64 of A-Z a-z 0-9 _ -",
		    "durable=%s", log_q(o.durable));
	/* One CA file for every TLS peer: NATS, HTTPS and SMTP. */
	o.d.ca_file = o.conn.ca;
	if (o.d.backoff_max < o.d.backoff_min)
		o.d.backoff_max = o.d.backoff_min;
	/* Everything about the configuration is checked before any send. */
	if (conf_load(&c, config, secrets, &e) != CONF_OK)
		log_die(EX_CONFIG, "bad configuration", "file=%s field=%s "
		    "error=%s", log_q(e.file), log_q(e.field), log_q(e.msg));
	ensure_dir(o.state_dir);
	if (o.d.dead_letter == NULL) {
		snprintf(dl, sizeof(dl), "%s/dead-letter.jsonl", o.state_dir);
		o.d.dead_letter = dl;
	}
	opt_metrics(mdir, "ssmd-notify");
	sig_init();
	srand48((long)time(NULL) ^ (long)getpid());
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_die(EX_SOFTWARE, "cannot initialise libcurl", "");
	log_info("starting", "destinations=%zu mode=%s", c.ndests,
	    o.nsubjects > 0 ? "nats" : "stdin");
	for (size_t i = 0; i < c.ndests; i++)
		log_info("destination", "name=%s type=%s url=%s rate=%g burst=%g "
		    "rules=%zu", log_q(c.dests[i].name),
		    conf_type_name(c.dests[i].type), log_q(c.dests[i].redacted),
		    c.dests[i].rate, c.dests[i].burst, c.dests[i].nrules);
	rc = notify_run(&o, &c);
	conf_free(&c);
	curl_global_cleanup();
	free(subjects);
	return rc;
}
