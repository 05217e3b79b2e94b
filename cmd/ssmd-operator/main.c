/* ssmd-operator: the logic of the Connector, Archiver, Signal and
 * Notifier resources, as a pure function exposed two ways: "render"
 * (resources in, manifests out) and "serve" (Metacontroller hooks). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "opt.h"
#include "render.h"
#include "serve.h"

#define DEFAULT_IMAGE	"ghcr.io/aaronwald/ssmd:" SSMD_VERSION
#define MAX_FILES	256

static void
usage(FILE *f, int code)
{
	fprintf(f,
	    "usage: ssmd-operator render [-f FILE]... [-o yaml|json] "
	    "[--image IMAGE]\n"
	    "       ssmd-operator serve [--listen ADDR:PORT] [--image IMAGE]\n"
	    "                           [--scrape-port PORT] "
	    "[--scrape-timeout DURATION] [--max-pending N]\n"
	    "  -f, --file FILE         resources to render, YAML or JSON, "
	    "many documents (default: stdin; - is stdin)\n"
	    "  -o, --output FORMAT     yaml (default) or json\n"
	    "  -i, --image IMAGE       image when a resource names none "
	    "(default: %s)\n"
	    "  -l, --listen ADDR:PORT  hook server address (default: "
	    "0.0.0.0:8080)\n"
	    "      --scrape-port PORT  the pods' ssmd-healthd port (default: "
	    "8080)\n"
	    "      --scrape-timeout D  per pod /metrics read (default: 2s)\n"
	    "      --max-pending N     hooks waiting on pod metrics before "
	    "429 (default: 256)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           the version\n"
	    "See ssmd-operator(8).\n", DEFAULT_IMAGE);
	exit(code);
}

enum { O_SCRAPE_PORT = 256, O_SCRAPE_TIMEOUT, O_MAX_PENDING };

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "file",		required_argument, NULL, 'f' },
		{ "output",		required_argument, NULL, 'o' },
		{ "image",		required_argument, NULL, 'i' },
		{ "listen",		required_argument, NULL, 'l' },
		{ "scrape-port",	required_argument, NULL, O_SCRAPE_PORT },
		{ "scrape-timeout",	required_argument, NULL, O_SCRAPE_TIMEOUT },
		{ "max-pending",	required_argument, NULL, O_MAX_PENDING },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char	*files[MAX_FILES + 1];
	struct serve_opts	 so = { "0.0.0.0:8080", DEFAULT_IMAGE, 8080, 2.0,
	    256 };
	enum render_fmt		 fmt = RENDER_YAML;
	size_t			 nf = 0;
	const char		*cmd;
	int			 ch, serve;
	enum render_rc		 rc;

	log_init("ssmd-operator");
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		usage(stdout, EX_OK);
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "-V") == 0)) {
		printf("ssmd-operator %s\n", SSMD_VERSION);
		return EX_OK;
	}
	if (argc < 2)
		usage(stderr, EX_USAGE);
	cmd = argv[1];
	if (strcmp(cmd, "render") != 0 && strcmp(cmd, "serve") != 0)
		usage(stderr, EX_USAGE);
	serve = strcmp(cmd, "serve") == 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "f:o:i:l:hV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'f':
			if (serve || nf >= MAX_FILES)
				usage(stderr, EX_USAGE);
			files[nf++] = optarg;
			break;
		case 'o':
			if (serve)
				usage(stderr, EX_USAGE);
			if (strcmp(optarg, "yaml") == 0)
				fmt = RENDER_YAML;
			else if (strcmp(optarg, "json") == 0)
				fmt = RENDER_JSON;
			else
				log_die(EX_USAGE, "bad --output", "value=%s "
				    "want=yaml|json", log_q(optarg));
			break;
		case 'i':
			so.image = optarg;
			break;
		case 'l':
			if (!serve || strchr(optarg, ':') == NULL)
				usage(stderr, EX_USAGE);
			so.listen = optarg;
			break;
		case O_SCRAPE_PORT:
			so.scrape_port = (int)opt_uint("--scrape-port", optarg,
			    1, 65535);
			break;
		case O_SCRAPE_TIMEOUT:
			so.scrape_timeout = opt_duration("--scrape-timeout",
			    optarg, 0.01, 60);
			break;
		case O_MAX_PENDING:
			so.max_pending = (unsigned)opt_uint("--max-pending",
			    optarg, 1, 100000);
			break;
		case 'h':
			usage(stdout, EX_OK);
			break;
		case 'V':
			printf("ssmd-operator %s\n", SSMD_VERSION);
			return EX_OK;
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	if (serve)
		return serve_run(&so);
	if (nf == 0)
		files[nf++] = "-";
	files[nf] = NULL;
	rc = render_files(files, fmt, so.image, stdout);
	if (fflush(stdout) != 0)
		log_die(EX_IOERR, "cannot write", "");
	return rc == RENDER_OK ? EX_OK : RENDER_INVALID == rc ? EX_DATAERR :
	    EX_DATAERR;
}
