/* ssmd-verify: check an ssmd-jsonl-rotate archive, or files of one, and
 * report each problem on a line of its own. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "archive.h"
#include "check.h"
#include "log.h"
#include "opt.h"
#include "ts.h"

static void
usage(FILE *f, int code)
{
	fprintf(f, "usage: ssmd-verify [options] DIR|FILE...\n"
	    "  --max-age DURATION  slot length the archive was written with "
	    "(default: from the file names)\n"
	    "  --max-problems N    problems shown per file (default 20)\n"
	    "  -q, --quiet         no summary line\n"
	    "  -h, --help          this help; see ssmd-verify(1)\n"
	    "  -V, --version       the version\n");
	exit(code);
}

static const char *
base(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Whether a writer holds root/.lock now: its in-progress files are then
 * being written, not left by a crash. */
static int
writer_runs(const char *root)
{
	char	path[PATH_MAX];
	int	fd, busy = 0;

	snprintf(path, sizeof(path), "%s/.lock", root);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK)
		busy = 1;
	close(fd);
	return busy;
}

struct root {
	struct check	*c;
	int		 busy;
	unsigned	 days;
};

static int
one_day(const char *daydir, void *arg)
{
	struct root	*r = arg;

	r->days++;
	check_day(r->c, daydir, r->busy);
	return 0;
}

/* A path given: an archive root, a date directory or a file.  Returns 0,
 * or 1 when it is not found (or holds no archive). */
static int
verify_path(struct check *c, const char *path)
{
	struct root	 r = { c, 0, 0 };
	struct stat	 sb;
	char		 parent[PATH_MAX + 4];
	char		 copy[PATH_MAX];
	size_t		 n;

	snprintf(copy, sizeof(copy), "%s", path);
	for (n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	if (stat(copy, &sb) == -1) {
		fprintf(c->out, "%s: not found: %s\n", copy, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		check_single(c, copy);
		return 0;
	}
	if (archive_day_ok(base(copy))) {
		snprintf(parent, sizeof(parent), "%s/..", copy);
		check_day(c, copy, writer_runs(parent));
		return 0;
	}
	r.busy = writer_runs(copy);
	if (archive_days(copy, one_day, &r) == -1) {
		fprintf(c->out, "%s: cannot read: %s\n", copy, strerror(errno));
		return 1;
	}
	if (r.days == 0) {
		fprintf(c->out, "%s: no date directories (YYYY-MM-DD): not an "
		    "archive\n", copy);
		return 1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "max-age",		required_argument, NULL, 'a' },
		{ "max-problems",	required_argument, NULL, 'p' },
		{ "quiet",		no_argument,	   NULL, 'q' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct check	 c;
	double		 t0;
	unsigned	 notfound = 0;
	int		 ch, i, quiet = 0, code;

	log_init("ssmd-verify");
	memset(&c, 0, sizeof(c));
	c.max_problems = 20;
	c.out = stdout;
	while ((ch = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			c.max_age_us = opt_duration("--max-age", optarg, 0,
			    86400) * 1e6;
			break;
		case 'p':
			c.max_problems = opt_uint("--max-problems", optarg, 1,
			    UINT32_MAX);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout, EX_OK);
			break;
		case 'V':
			puts("ssmd-verify " SSMD_VERSION);
			return EX_OK;
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (optind == argc)
		usage(stderr, EX_USAGE);
	t0 = ts_mono();
	for (i = optind; i < argc; i++)
		notfound += verify_path(&c, argv[i]);
	fflush(stdout);
	code = notfound > 0 ? EX_NOINPUT : c.problems > 0 ? EX_DATAERR : EX_OK;
	if (!quiet)
		log_msg(code == EX_OK ? LOG_INFO : LOG_ERROR, code == EX_OK ?
		    "archive verified: no problems" : "archive verified: "
		    "problems found", "files=%llu lines=%llu bytes=%llu "
		    "file_bytes=%llu problems=%llu bad_files=%llu "
		    "manifest_missing=%llu leftovers=%llu being_written=%llu "
		    "not_found=%u seconds=%.3f", (unsigned long long)c.files,
		    (unsigned long long)c.lines, (unsigned long long)c.bytes,
		    (unsigned long long)c.file_bytes,
		    (unsigned long long)c.problems,
		    (unsigned long long)c.bad_files,
		    (unsigned long long)c.missing,
		    (unsigned long long)c.leftovers,
		    (unsigned long long)c.busy, notfound, ts_mono() - t0);
	return code;
}
