/* ssmd-signal: real-time signals from Kalshi market data, as a filter:
 * frames or envelopes in, one fire per line out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "categories.h"
#include "config.h"
#include "detect.h"
#include "discover.h"
#include "filemap.h"
#include "filter.h"
#include "lineio.h"
#include "log.h"
#include "metrics.h"
#include "opt.h"
#include "sig.h"
#include "ts.h"
#include "wbuf.h"

#define PROG	"ssmd-signal"

/* --help: one line per option with its default; kept in step with the
 * man page (tests/helpers/help.bash checks both against the option table). */
static const char *const help[] = {
	"Signals (arguments, comma-separated): spread-tracker, momentum,",
	"  volatility, volume (alias volume-1m-30min); --list shows parameters",
	"Configuration:",
	"  --config FILE             signal.yaml: signals, filters, params (default none)",
	"  --param SIG.NAME=VALUE    set a parameter, repeatable (default: --list)",
	"Markets:",
	"  --tickers GLOB[,GLOB]     markets, events, series to watch (default all)",
	"  --category NAME           watch this category, repeatable (default all)",
	"  --categories-file FILE    ticker -> category lines (default none: use REST)",
	"  --rest-url URL            Kalshi REST API for categories (default",
	"                            " CATEGORIES_REST_URL ")",
	"  --ca-file FILE            CA for --rest-url's TLS (default the system's CAs)",
	"  --write-categories FILE   write the series -> category lines resolved (default none)",
	"  --categories-refresh DUR  resolve through REST again this often; 0 never (default 1h)",
	"  --max-markets N           markets kept at most (default 20000)",
	"  --idle DURATION           evict a market this long silent; 0 never (default 1h)",
	"  --no-seq-check            only gap markers make books unknown (default: seq per sid)",
	"Input and operation:",
	"  --max-line BYTES          longest line, K/M/G suffix (default 16M)",
	"  --metrics-dir DIR         keep metrics in DIR (default $SSMD_METRICS_DIR)",
	"  --progress                a progress line every second (default off)",
	"  --list                    print the signals, their parameters and defaults",
	"  -h, --help                print this help and exit",
	"  -V, --version             print the version and exit",
	"See ssmd-signal(1).",
	NULL
};

static void
usage(int code)
{
	opt_usage(code, "ssmd-signal [options] [SIGNAL[,SIGNAL...] ...] < frames > fires",
	    help);
}

struct run {
	struct lineio	 in;
	struct filemap	 map;		/* stdin as a mapping, when a file */
	struct wbuf	 out;
	struct detect	*d;
	struct filter	*flt;
	struct categories_refresh *cr;	/* NULL: no refresh */
	int		 progress;
	double		 last_prog, last_gauges, t0;
	uint64_t	 last_lines;
};

static int
on_line(void *arg, const struct lineio_line *l)
{
	struct run	*r = arg;

	if (l->flags & LINEIO_LONG) {
		if (l->flags & LINEIO_FIRST)
			detect_too_long(r->d);
		return 0;
	}
	detect_line(r->d, l->p, l->len);
	return r->out.state == WBUF_OK ? 0 : LINEIO_STOP;
}

static void
progress(struct run *r, double now)
{
	const struct detect_stats *s = detect_stats(r->d);
	char			   t[TS_LEN + 1];
	struct timespec		   tv;

	tv.tv_sec = (time_t)(s->now_us / 1000000);
	tv.tv_nsec = (long)(s->now_us % 1000000) * 1000;
	ts_format(t, &tv);
	log_info("progress", "lines=%llu lines_per_s=%.0f mb=%.1f fires=%llu "
	    "input_time=%s", (unsigned long long)s->lines,
	    (s->lines - r->last_lines) / (now - r->last_prog),
	    (r->map.base != NULL ? filemap_bytes(&r->map) : r->in.bytes) / 1e6,
	    (unsigned long long)s->fires, t);
	r->last_lines = s->lines;
	r->last_prog = now;
}

static int
on_idle(void *arg)
{
	struct run	*r = arg;
	double		 now = ts_mono();

	if (wbuf_flush(&r->out) != WBUF_OK)
		return LINEIO_STOP;
	if (r->progress && now - r->last_prog >= 1)
		progress(r, now);
	/* the gauges walk the markets: once a second is enough */
	if (now - r->last_gauges >= 1) {
		r->last_gauges = now;
		if (categories_refresh_poll(r->cr, r->flt))
			detect_filter_changed(r->d);
		detect_gauges(r->d);
		metrics_tick();
	}
	return 0;
}

/* A regular file on stdin, read in place: the loop lineio_loop would
 * run, with the idle work every 64k lines. */
static int
run_mapped(struct run *r, size_t max_line)
{
	struct lineio_line	l;
	uint32_t		n = 0;
	int			rc;

	while (!sig_stop && filemap_next(&r->map, max_line, &l) == LINEIO_LINE) {
		if ((rc = on_line(r, &l)) != 0)
			return rc;
		if ((++n & 0xffff) == 0) {
			filemap_drop_read(&r->map);
			if ((rc = on_idle(r)) != 0)
				return rc;
		}
	}
	return 0;
}

static void
need(int ok, int code, const char *what, const char *file, const char *err)
{
	if (!ok)
		log_die(code, what, "file=%s %s", log_q(file), err);
}

/* A copy of an argument to cut up, on the stack: log_die may exit from
 * the middle of its use, and nothing is left allocated then. */
#define ARG_MAX_LEN	4096

static void
arg_copy(char *buf, const char *opt, const char *arg)
{
	if (strlen(arg) >= ARG_MAX_LEN)
		log_die(EX_USAGE, "argument too long", "option=%s", opt);
	strcpy(buf, arg);
}

static void
add_signals(struct config *c, const char *arg)
{
	char	s[ARG_MAX_LEN], *tok, *save = NULL, err[160];

	arg_copy(s, "signal", arg);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (config_enable(c, tok, err, sizeof(err)) == -1)
			log_die(EX_USAGE, "bad signal", "msg=%s", log_q(err));
}

static void
add_param(struct config *c, const char *arg)
{
	char	s[ARG_MAX_LEN], *dot, *eq, err[160];

	arg_copy(s, "--param", arg);
	if ((dot = strchr(s, '.')) == NULL || (eq = strchr(dot, '=')) == NULL)
		log_die(EX_USAGE, "bad --param: want SIGNAL.NAME=VALUE",
		    "value=%s", log_q(arg));
	*dot = *eq = '\0';
	if (config_param(c, s, dot + 1, eq + 1, err, sizeof(err)) == -1)
		log_die(EX_USAGE, "bad --param", "value=%s msg=%s", log_q(arg),
		    log_q(err));
}

static void
add_tickers(struct filter *f, const char *arg)
{
	char	s[ARG_MAX_LEN], *tok, *save = NULL;

	arg_copy(s, "--tickers", arg);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (filter_add_ticker(f, tok) == -1)
			log_die(EX_OSERR, "out of memory", "");
}

/* Where the categories come from: a file, else the REST API (at start;
 * the refresh thread asks again later). */
struct catsrc {
	const char	*file, *url, *ca, *write;
	const char	*cfgpath;	/* for messages */
	int		 url_from_cfg;	/* a bad URL is then EX_CONFIG */
	double		 refresh;	/* seconds; 0 never */
	int		 from_rest;	/* set when resolved through REST */
};

/* The categories from s into flt.  Exits on failure. */
static void
load_categories(struct filter *flt, struct catsrc *s)
{
	char	err[1024], url[ARG_MAX_LEN];
	int	rc;

	categories_redact(s->url, url, sizeof(url));
	if (!discover_url_ok(s->url)) {
		if (s->url_from_cfg)
			log_die(EX_CONFIG, "bad config", "file=%s "
			    "field=filters.rest_url: want http(s)://HOST"
			    "[:PORT]/PATH, not %s", log_q(s->cfgpath),
			    log_q(url));
		log_die(EX_USAGE, "bad --rest-url: want http(s)://HOST"
		    "[:PORT]/PATH", "url=%s", log_q(url));
	}
	if (s->file != NULL) {
		need(filter_load_categories(flt, s->file, err, sizeof(err))
		    == 0, EX_CONFIG, "bad categories file", s->file, err);
	} else if (filter_needs_categories(flt)) {
		rc = categories_resolve(flt, s->url, s->ca, err, sizeof(err));
		if (rc == CATEGORIES_STOPPED) {
			log_info("stopping while resolving categories",
			    "signal=%d", (int)sig_stop);
			exit(EX_OK);
		}
		if (rc != CATEGORIES_OK)
			log_die(rc, "cannot resolve categories through the "
			    "REST API (or give --categories-file)",
			    "url=%s error=%s", log_q(url), log_q(err));
		s->from_rest = 1;
		categories_metrics_init(flt);
	}
	if (s->write != NULL && categories_write(flt, s->write, err,
	    sizeof(err)) == -1)
		log_die(EX_CANTCREAT, "cannot write the categories", "file=%s "
		    "error=%s", log_q(s->write), log_q(err));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	     required_argument, NULL, 'c' },
		{ "param",	     required_argument, NULL, 'p' },
		{ "tickers",	     required_argument, NULL, 't' },
		{ "category",	     required_argument, NULL, 'C' },
		{ "categories-file", required_argument, NULL, 'F' },
		{ "rest-url",	     required_argument, NULL, 'R' },
		{ "ca-file",	     required_argument, NULL, 'A' },
		{ "write-categories", required_argument, NULL, 'W' },
		{ "categories-refresh", required_argument, NULL, 'U' },
		{ "max-markets",     required_argument, NULL, 'n' },
		{ "idle",	     required_argument, NULL, 'i' },
		{ "no-seq-check",    no_argument,	NULL, 'S' },
		{ "max-line",	     required_argument, NULL, 'l' },
		{ "metrics-dir",     required_argument, NULL, 'm' },
		{ "progress",	     no_argument,	NULL, 'P' },
		{ "list",	     no_argument,	NULL, 'L' },
		{ "help",	     no_argument,	NULL, 'h' },
		{ "version",	     no_argument,	NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct lineio_ops ops = { on_line, on_idle, 1000 };
	struct config		 cfg;
	struct filter		*flt;
	struct detect_opts	 dopt = { .max_markets = 20000,
				    .idle_us = 3600LL * 1000000, .seq_check = 1 };
	struct run		 r = { .progress = 0 };
	const char		*cfgpath = NULL, *mdir = NULL;
	struct catsrc		 cs = { .refresh = -1 };
	char			 err[256];
	char			**params = NULL;
	size_t			 nparams = 0, max_line = 16 << 20, i;
	int			 ch, rc;

	log_init(PROG);
	config_init(&cfg);
	if ((flt = filter_new()) == NULL ||
	    (params = calloc((size_t)argc, sizeof(*params))) == NULL)
		log_die(EX_OSERR, "out of memory", "");
	while ((ch = getopt_long(argc, argv, "hV",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'p':
			params[nparams++] = optarg;	/* after the config */
			break;
		case 't':
			add_tickers(flt, optarg);
			break;
		case 'C':
			if (filter_add_category(flt, optarg) == -1)
				log_die(EX_OSERR, "out of memory", "");
			break;
		case 'F':
			cs.file = optarg;
			break;
		case 'R':
			cs.url = optarg;
			break;
		case 'A':
			cs.ca = optarg;
			break;
		case 'W':
			cs.write = optarg;
			break;
		case 'U':
			cs.refresh = opt_duration("--categories-refresh",
			    optarg, 0, OPT_LONGEST);
			break;
		case 'n':
			dopt.max_markets = (uint32_t)opt_uint("--max-markets",
			    optarg, 1, 10000000);
			break;
		case 'i':
			dopt.idle_us = (int64_t)(opt_duration("--idle", optarg,
			    0, OPT_LONGEST) * 1e6);
			break;
		case 'S':
			dopt.seq_check = 0;
			break;
		case 'l':
			max_line = opt_max_line(optarg);
			break;
		case 'm':
			mdir = optarg;
			break;
		case 'P':
			r.progress = 1;
			break;
		case 'L':
			config_list();
			goto done;
		case 'h':
			usage(EX_OK);
			break;
		case 'V':
			puts(PROG " " SSMD_VERSION);
			goto done;
		default:
			usage(EX_USAGE);
		}
	}
	if (cfgpath != NULL && config_load(&cfg, flt, cfgpath, err,
	    sizeof(err)) == -1)
		log_die(EX_CONFIG, "bad config", "file=%s %s", log_q(cfgpath),
		    err);
	for (; optind < argc; optind++)
		add_signals(&cfg, argv[optind]);
	for (i = 0; i < nparams; i++)
		add_param(&cfg, params[i]);
	free(params);
	config_finish(&cfg);
	if (cfg.non == 0)
		log_die(EX_USAGE, "no signals: name them or give --config",
		    "known=%s", "spread-tracker,momentum,volatility,volume");
	if (cs.file == NULL)
		cs.file = cfg.categories_file;
	if (cs.ca == NULL)
		cs.ca = cfg.ca_file;
	if (cs.url == NULL && (cs.url = cfg.rest_url) != NULL)
		cs.url_from_cfg = 1;
	if (cs.url == NULL)
		cs.url = CATEGORIES_REST_URL;
	if (cs.refresh < 0)
		cs.refresh = cfg.categories_refresh >= 0 ?
		    cfg.categories_refresh : 3600;
	cs.cfgpath = cfgpath ? cfgpath : "-";
	opt_metrics(mdir, PROG);
	sig_init();
	load_categories(flt, &cs);

	dopt.sig = cfg.on;
	dopt.nsig = cfg.non;
	dopt.filter = flt;
	r.flt = flt;
	if (cs.from_rest && cs.refresh > 0 && (r.cr = categories_refresh_start(
	    flt, cs.url, cs.ca, cs.refresh, err, sizeof(err))) == NULL)
		log_die(EX_OSERR, "cannot refresh categories", "error=%s",
		    log_q(err));
	if (lineio_init(&r.in, STDIN_FILENO, max_line) == -1 ||
	    wbuf_init(&r.out, STDOUT_FILENO, 256 << 10) == -1 ||
	    (r.d = detect_new(&dopt, &r.out)) == NULL)
		log_die(EX_OSERR, "out of memory", "");
	r.t0 = r.last_prog = ts_mono();
	if (filemap_open(&r.map, STDIN_FILENO) == FILEMAP_OK) {
		rc = run_mapped(&r, max_line);
		filemap_close(&r.map);
	} else
		rc = lineio_loop(&r.in, &ops, &r);
	wbuf_flush(&r.out);
	detect_gauges(r.d);
	detect_log_summary(r.d);
	if (rc == -1) {
		log_error("read failed", "err=%s", log_q(strerror(errno)));
		rc = EX_IOERR;
	} else if (r.out.state == WBUF_EPIPE) {
		log_info("output closed", "lost_lines=%llu",
		    (unsigned long long)r.out.lost_lines);
		rc = EX_OK;
	} else if (r.out.state != WBUF_OK) {
		log_error("write failed", "err=%s", log_q(strerror(r.out.err)));
		rc = EX_IOERR;
	} else if (rc == LINEIO_STOP)
		rc = EX_OK;
	categories_refresh_stop(r.cr);
	metrics_flush();
	detect_free(r.d);
	lineio_free(&r.in);
	wbuf_free(&r.out);
	filter_free(flt);
	config_free(&cfg);
	return rc;
done:
	free(params);
	filter_free(flt);
	return EX_OK;
}
