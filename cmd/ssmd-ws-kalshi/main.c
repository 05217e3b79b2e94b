/* ssmd-ws-kalshi: capture Kalshi's WebSocket market data, one frame per
 * line on standard output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "kauth.h"
#include "capture.h"
#include "config.h"
#include "discover.h"
#include "log.h"
#include "opt.h"
#include "metrics.h"
#include "parse.h"
#include "sig.h"
#include "tls.h"

static const char *const gap_words[] = {
	[KGAP_RESUBSCRIBE] = "resubscribe", [KGAP_EXIT] = "exit", NULL
};

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Configuration:",
	"  --config-dir DIR           DIR/environments/NAME.yaml (default none)",
	"  --env NAME|FILE            environment name or file (default none)",
	"  --feed FILE                feed file, with --env FILE (default none)",
	"  --feed-name NAME           labels' feed (default: file's, $SSMD_FEED, kalshi)",
	"  --url URL                  WebSocket URL (default the environment's ws_url)",
	"  --rest-url URL             REST base URL (default the environment's rest_url)",
	"  --ca-file FILE             CA file (default ca_file, else the system's)",
	"Markets:",
	"  --channels LIST            comma-separated channels (default the feed file's)",
	"  --tickers LIST             market tickers (default the feed file's)",
	"  --series LIST              discover series' markets (default the feed file's)",
	"  --events LIST              discover events' markets (default the feed file's)",
	"  --status STATUS            discover with this status (default the feed file's)",
	"  --categories LIST          discover their series (default $SSMD_CATEGORIES)",
	"  --exclude-categories LIST  leave them out (default $SSMD_EXCLUDE_CATEGORIES)",
	"  --discover                 use REST discovery (default as the feed file says)",
	"  --no-discover              do not use REST discovery",
	"  --page-limit N             markets per discovery page, 1-1000 (default 1000)",
	"  --rest-interval DUR        between discovery requests (default 0.34s)",
	"  --shard-size N             markets per connection, 1-256 (default 200)",
	"Connection:",
	"  --max-frame BYTES          largest message accepted (default 16M)",
	"  --connect-timeout DUR      DNS, TCP, TLS and upgrade (default 30s)",
	"  --ack-timeout DUR          wait for a command's reply (default 10s)",
	"  --stale-after DUR          a silent connection is dead after (default 120s)",
	"  --ping-interval DUR        send a Ping this often; 0: never (default 30s)",
	"  --reconnect                reconnect with backoff (default: exit)",
	"  --backoff-max DUR          longest wait between attempts (default 60s)",
	"  --on-gap resubscribe|exit  on a sequence gap (default resubscribe)",
	"Output:",
	"  --emit-control             also write acks and errors (default off)",
	"  --out-buffer BYTES         output held for a slow reader (default 1M)",
	"  --metrics-dir DIR          keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  -h, --help                 print this help and exit",
	"  -V, --version              print the version and exit",
	"See ssmd-ws-kalshi(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code,
	    "ssmd-ws-kalshi [--config-dir DIR --env NAME] [options]",
	    help);
}

struct args {
	const char	*config_dir, *env, *feed_file, *mdir;
	struct kcap_opts k;
	unsigned	 page_limit;
	double		 rest_interval;
};

static void
set_list(struct strv *sv, const char *opt, const char *v, int tickers)
{
	size_t	i;

	if (config_strv_split(sv, v) == -1)
		log_die(EX_OSERR, "out of memory", "");
	for (i = 0; tickers && i < sv->n; i++)
		if (!parse_ticker_ok(sv->v[i]))
			log_die(EX_USAGE, "bad name in list", "option=%s name=%s",
			    opt, log_q(sv->v[i]));
}

static void
set_categories(struct strv *sv, const char *opt, const char *v)
{
	size_t	i;

	if (config_strv_split(sv, v) == -1)
		log_die(EX_OSERR, "out of memory", "");
	for (i = 0; i < sv->n; i++)
		if (!config_category_ok(sv->v[i]))
			log_die(EX_USAGE, "bad category in list", "option=%s "
			    "name=%s", opt, log_q(sv->v[i]));
}

/* SSMD_CATEGORIES and SSMD_EXCLUDE_CATEGORIES (comma lists, what the
 * operator sets from a Connector) when no option gave them. */
static void
env_categories(struct kcfg *ov, int *discover)
{
	const char	*v;

	if (ov->categories.n == 0 && (v = getenv("SSMD_CATEGORIES")) != NULL &&
	    *v != '\0') {
		set_categories(&ov->categories, "SSMD_CATEGORIES", v);
		*discover = 1;
	}
	if (ov->exclude.n == 0 &&
	    (v = getenv("SSMD_EXCLUDE_CATEGORIES")) != NULL && *v != '\0')
		set_categories(&ov->exclude, "SSMD_EXCLUDE_CATEGORIES", v);
}

static void
options(int argc, char *argv[], struct args *a, struct kcfg *ov,
    int *discover)
{
	enum { O_CD = 256, O_ENV, O_FEED, O_FN, O_URL, O_REST, O_CA, O_CH,
	    O_TK, O_SE, O_EV, O_ST, O_DI, O_ND, O_SH, O_MF, O_CT, O_AT, O_SA,
	    O_PI, O_RC, O_BM, O_GAP, O_EC, O_PL, O_RI, O_OB, O_MD, O_CAT,
	    O_XCAT };
	static const struct option lo[] = {
		{ "config-dir", required_argument, NULL, O_CD },
		{ "env", required_argument, NULL, O_ENV },
		{ "feed", required_argument, NULL, O_FEED },
		{ "feed-name", required_argument, NULL, O_FN },
		{ "url", required_argument, NULL, O_URL },
		{ "rest-url", required_argument, NULL, O_REST },
		{ "ca-file", required_argument, NULL, O_CA },
		{ "channels", required_argument, NULL, O_CH },
		{ "tickers", required_argument, NULL, O_TK },
		{ "series", required_argument, NULL, O_SE },
		{ "categories", required_argument, NULL, O_CAT },
		{ "exclude-categories", required_argument, NULL, O_XCAT },
		{ "events", required_argument, NULL, O_EV },
		{ "status", required_argument, NULL, O_ST },
		{ "discover", no_argument, NULL, O_DI },
		{ "no-discover", no_argument, NULL, O_ND },
		{ "shard-size", required_argument, NULL, O_SH },
		{ "max-frame", required_argument, NULL, O_MF },
		{ "connect-timeout", required_argument, NULL, O_CT },
		{ "ack-timeout", required_argument, NULL, O_AT },
		{ "stale-after", required_argument, NULL, O_SA },
		{ "ping-interval", required_argument, NULL, O_PI },
		{ "reconnect", no_argument, NULL, O_RC },
		{ "backoff-max", required_argument, NULL, O_BM },
		{ "on-gap", required_argument, NULL, O_GAP },
		{ "emit-control", no_argument, NULL, O_EC },
		{ "page-limit", required_argument, NULL, O_PL },
		{ "rest-interval", required_argument, NULL, O_RI },
		{ "out-buffer", required_argument, NULL, O_OB },
		{ "metrics-dir", required_argument, NULL, O_MD },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int		ch;

	while ((ch = getopt_long(argc, argv, "hV", lo, NULL)) != -1) {
		switch (ch) {
		case O_CD: a->config_dir = optarg; break;
		case O_ENV: a->env = optarg; break;
		case O_FEED: a->feed_file = optarg; break;
		case O_FN:
			if (!parse_feed_name_ok(optarg))
				log_die(EX_USAGE, "bad --feed-name: want 1-64 of "
				    "A-Z a-z 0-9 . _ -", "value=%s",
				    log_q(optarg));
			config_set(&ov->feed, optarg);
			break;
		case O_URL: config_set(&ov->ws_url, optarg); break;
		case O_REST: config_set(&ov->rest_url, optarg); break;
		case O_CA: config_set(&ov->ca_file, optarg); break;
		case O_CH: set_list(&ov->channels, "--channels", optarg, 1);
			break;
		case O_TK: set_list(&ov->tickers, "--tickers", optarg, 1);
			break;
		case O_SE: set_list(&ov->series, "--series", optarg, 1);
			*discover = 1;
			break;
		case O_EV: set_list(&ov->events, "--events", optarg, 1);
			*discover = 1;
			break;
		case O_CAT: set_categories(&ov->categories, "--categories",
			    optarg);
			*discover = 1;
			break;
		case O_XCAT: set_categories(&ov->exclude,
			    "--exclude-categories", optarg);
			break;
		case O_ST: config_set(&ov->status, optarg); *discover = 1; break;
		case O_DI: *discover = 1; break;
		case O_ND: *discover = 0; break;
		case O_SH:
			ov->shard_size = opt_uint("--shard-size", optarg,
			    1, KCFG_SHARD_MAX);
			break;
		case O_MF:
			a->k.max_frame = opt_size("--max-frame", optarg,
			    1024, 1ULL << 30);
			break;
		case O_CT:
			a->k.connect_timeout = opt_duration("--connect-timeout",
			    optarg, 0.01, OPT_LONGEST);
			break;
		case O_AT:
			a->k.ack_timeout = opt_duration("--ack-timeout",
			    optarg, 0.01, OPT_LONGEST);
			break;
		case O_SA:
			a->k.stale_after = opt_duration("--stale-after",
			    optarg, 0.05, OPT_LONGEST);
			break;
		case O_PI:
			a->k.ping_interval = opt_duration("--ping-interval",
			    optarg, 0, OPT_LONGEST);
			break;
		case O_RC: a->k.reconnect = 1; break;
		case O_BM:
			a->k.backoff_max = opt_duration("--backoff-max",
			    optarg, 0.01, OPT_LONGEST);
			break;
		case O_GAP:
			a->k.on_gap = opt_word("--on-gap", optarg, gap_words);
			break;
		case O_EC: a->k.emit_control = 1; break;
		case O_PL:
			a->page_limit = opt_uint("--page-limit", optarg,
			    1, 1000);
			break;
		case O_RI:
			a->rest_interval = opt_duration("--rest-interval",
			    optarg, 0, OPT_LONGEST);
			break;
		case O_OB:
			a->k.out_high = opt_size("--out-buffer", optarg,
			    4096, 1ULL << 30);
			break;
		case O_MD: a->mdir = optarg; break;
		case 'h': usage(EX_OK); break;
		case 'V':
			puts("ssmd-ws-kalshi " SSMD_VERSION);
			exit(EX_OK);
		default: usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (a->config_dir != NULL && (a->env == NULL || a->feed_file != NULL))
		log_die(EX_USAGE, "--config-dir goes with --env NAME (not --feed)",
		    "");
	if (a->feed_file != NULL && a->env == NULL)
		log_die(EX_USAGE, "--feed FILE goes with --env FILE", "");
}

/* Command-line settings win over the files'. */
static void
merge(struct kcfg *c, struct kcfg *ov, int discover)
{
	char	**s[] = { &c->feed, &c->ws_url, &c->rest_url, &c->ca_file,
		    &c->status };
	char	**o[] = { &ov->feed, &ov->ws_url, &ov->rest_url, &ov->ca_file,
		    &ov->status };
	struct strv	*ls[] = { &c->channels, &c->tickers, &c->series,
		    &c->events, &c->categories, &c->exclude };
	struct strv	*lo[] = { &ov->channels, &ov->tickers, &ov->series,
		    &ov->events, &ov->categories, &ov->exclude };
	size_t		 i;

	if (ov->ca_file != NULL)
		c->ca_from = NULL;	/* the option's, named as such */
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (*o[i] != NULL) {
			free(*s[i]);
			*s[i] = *o[i];
			*o[i] = NULL;
		}
	for (i = 0; i < sizeof(ls) / sizeof(ls[0]); i++)
		if (lo[i]->n > 0) {
			strv_clear(ls[i]);
			*ls[i] = *lo[i];
			lo[i]->v = NULL;
			lo[i]->n = 0;
		}
	if (ov->shard_size != 0)
		c->shard_size = ov->shard_size;
	if (c->shard_size == 0)
		c->shard_size = KCFG_SHARD_DEFAULT;
	if (discover != -1)
		c->discover = discover;
}

/* A comma list of sv, for a log line. */
static char *
joined(const struct strv *sv)
{
	size_t	i, n = 1;
	char	*s;

	for (i = 0; i < sv->n; i++)
		n += strlen(sv->v[i]) + 1;
	if ((s = calloc(1, n)) == NULL)
		log_die(EX_OSERR, "out of memory", "");
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, sv->v[i]);
	}
	return s;
}

/* What the original ssmd's file forms decided, said once at the start,
 * so nothing they hold is passed over silently. */
static void
log_seed(const struct kcfg *c)
{
	char	*s;

	if (c->seed_version != NULL)
		log_info("feed version in effect", "version=%s "
		    "effective_from=%s endpoint=%s used=%s auth=%s",
		    log_q(c->seed_version), c->seed_from,
		    log_q(c->seed_endpoint), c->ws_from_feed ? "yes" : "no",
		    c->auth_none ? "none" : "api_key");
	if (c->seed_deprecated)
		log_warn("the feed's status is deprecated", "feed=%s file=%s",
		    c->feed, log_q(c->feed_path ? c->feed_path : "-"));
	if (c->channels_defaulted) {
		s = joined(&c->channels);
		log_info("the feed file names no channels: using the default",
		    "channels=%s", s);
		free(s);
	}
	if (c->rest_derived)
		log_info("rest_url derived from the WebSocket URL", "rest_url=%s",
		    log_q(c->rest_url));
	if (c->ignored.n > 0) {
		s = joined(&c->ignored);
		log_info("settings of the original ssmd read but not used",
		    "settings=%s", log_q(s));
		free(s);
	}
}

/* Files, then options over them, then checks and keys: exit 78 with the
 * file and the field on any problem. */
static void
configure(struct args *a, struct kcfg *c, struct kcfg *ov, int discover)
{
	char	err[1024], envp[4096] = "", feeds[4096] = "";

	if (a->config_dir != NULL) {
		if (!parse_feed_name_ok(a->env))
			log_die(EX_USAGE, "bad --env NAME", "value=%s",
			    log_q(a->env));
		snprintf(envp, sizeof(envp), "%s/environments/%s.yaml",
		    a->config_dir, a->env);
		snprintf(feeds, sizeof(feeds), "%s/feeds", a->config_dir);
	}
	if (config_load(c, a->config_dir ? envp : a->env, a->feed_file,
	    a->config_dir ? feeds : NULL, err, sizeof(err)) == -1)
		log_die(EX_CONFIG, "bad configuration", "error=%s", log_q(err));
	merge(c, ov, discover);
	/* This is the Kalshi client: without a feed file the feed is
	 * "kalshi", as ssmd-stamp's default (SSMD_FEED overrides both). */
	if (c->feed == NULL) {
		const char	*f = getenv("SSMD_FEED");

		if (config_set(&c->feed, f != NULL && *f != '\0' ? f :
		    "kalshi") == -1)
			log_die(EX_OSERR, "out of memory", "");
	}
	if (config_finish(c, err, sizeof(err)) == -1 ||
	    config_check(c, err, sizeof(err)) == -1 ||
	    config_resolve_keys(c, err, sizeof(err)) == -1)
		log_die(EX_CONFIG, "bad configuration", "error=%s", log_q(err));
	log_seed(c);
}

/* A configuration list as discovery reads it (no copy). */
static struct strv
strv_view(const struct strv *sv)
{
	return (struct strv){ sv->v, sv->n };
}

/* Add the markets REST discovery finds to c->tickers. */
static void
discover_markets(struct args *a, struct kcfg *c, struct event_base *base,
    struct evdns_base *dns, SSL_CTX *ssl)
{
	struct discover_opts	 ro = {
		.base_url = c->rest_url, .ssl = ssl,
		.user_agent = "ssmd-ws-kalshi/" SSMD_VERSION,
		.series = strv_view(&c->series),
		.events = strv_view(&c->events),
		.categories = strv_view(&c->categories),
		.exclude = strv_view(&c->exclude), .status = c->status,
		.max_close_ts = c->close_within_hours == 0 ? 0 :
		    (int64_t)time(NULL) + (int64_t)c->close_within_hours * 3600,
		.page_limit = a->page_limit, .min_interval = a->rest_interval,
		.timeout = 30, .max_retries = 10, .max_wait = 120 };
	struct strv	 found = { NULL, 0 };
	char			 err[1024];
	size_t			 i;
	int			 rc;

	rc = discover_run(base, dns, &ro, &found, err, sizeof(err));
	if (rc == DISCOVER_STOPPED) {
		log_info("stopping during discovery", "signal=%d",
		    (int)sig_stop);
		exit(EX_OK);
	}
	if (rc != 0)
		log_die(rc, "market discovery failed", "error=%s", log_q(err));
	for (i = 0; i < found.n; i++)
		if (strv_push(&c->tickers, found.v[i], strlen(found.v[i])) == -1)
			log_die(EX_OSERR, "out of memory", "");
	strv_clear(&found);
	if (c->tickers.n == 0)
		log_die(EX_UNAVAILABLE, "discovery found no markets", "");
}

int
main(int argc, char *argv[])
{
	struct args		 a;
	struct kcfg		 c, ov;
	struct event_base	*base;
	struct evdns_base	*dns;
	EVP_PKEY		*key = NULL;
	SSL_CTX			*ssl = NULL;
	char			 err[1024];
	int			 discover = -1, rc;

	log_init("ssmd-ws-kalshi");
	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	memset(&ov, 0, sizeof(ov));
	a.k.max_frame = 16 << 20;
	a.k.connect_timeout = 30;
	a.k.ack_timeout = 10;
	a.k.stale_after = 120;
	a.k.ping_interval = 30;
	a.k.backoff_max = 60;
	a.k.out_high = 1 << 20;
	a.k.out_fd = STDOUT_FILENO;
	a.page_limit = 1000;
	a.rest_interval = 0.34;
	options(argc, argv, &a, &ov, &discover);
	env_categories(&ov, &discover);
	configure(&a, &c, &ov, discover);
	config_free(&ov);
	/* auth_method none: no keys, no signature. */
	if (!c.auth_none &&
	    (key = kauth_load_key(c.key_pem, err, sizeof(err))) == NULL)
		log_die(EX_CONFIG, "bad private key", "file=%s variable=%s "
		    "error=%s", log_q(c.env_path ? c.env_path : "-"),
		    c.key_var, log_q(err));
	if ((strncmp(c.ws_url, "wss://", 6) == 0 || (c.discover &&
	    strncmp(c.rest_url, "https://", 8) == 0)) &&
	    (ssl = tls_client_ctx(c.ca_file, err, sizeof(err))) == NULL) {
		char	from[4200];

		snprintf(from, sizeof(from), "%s%s", c.ca_file == NULL ?
		    "the system's CA store" : c.ca_from == NULL ? "--ca-file" :
		    c.env_path, c.ca_file != NULL && c.ca_from != NULL ?
		    ": ca_file" : "");
		log_die(EX_CONFIG, "cannot set up TLS", "ca_file=%s from=%s "
		    "error=%s", log_q(c.ca_file ? c.ca_file : "(system)"),
		    log_q(from), log_q(err));
	}
	opt_metrics(a.mdir, "ssmd-ws-kalshi");
	sig_init();
	if ((base = event_base_new()) == NULL ||
	    (dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS))
	    == NULL)
		log_die(EX_OSERR, "cannot set up the event loop", "");
	if (c.discover)
		discover_markets(&a, &c, base, dns, ssl);
	config_strv_uniq(&c.tickers);

	a.k.feed = c.feed;
	a.k.url = c.ws_url;
	a.k.ssl = ssl;
	a.k.key = key;
	a.k.key_id = c.key_id;
	a.k.channels = c.channels.v;
	a.k.nchannels = c.channels.n;
	a.k.tickers = c.tickers.v;
	a.k.ntickers = c.tickers.n;
	a.k.shard_size = c.shard_size;
	rc = capture_run(base, dns, &a.k);

	evdns_base_free(dns, 0);
	event_base_free(base);
	EVP_PKEY_free(key);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	config_free(&c);
	return rc;
}
