/* day: the checks of a date directory as a whole: its files against its
 * manifest, each file's slot from its name, and what a crash or a
 * recovery left behind. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "archive_manifest.h"
#include "check.h"
#include "ts.h"

#define DAY_US	(86400 * 1000000LL)

struct names {
	char		**v;
	size_t		  n, cap;
};

static int
add_name(const char *path, void *arg)
{
	struct names	*ns = arg;
	char		**nv;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 64;
		if ((nv = realloc(ns->v, ns->cap * sizeof(*nv))) == NULL)
			return -1;
		ns->v = nv;
	}
	if ((ns->v[ns->n] = strdup(path)) == NULL)
		return -1;
	ns->n++;
	return 0;
}

static void
free_names(struct names *ns)
{
	while (ns->n > 0)
		free(ns->v[--ns->n]);
	free(ns->v);
}

static const char *
base(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Midnight of a YYYY-MM-DD name, or -1. */
static int
day_start(const char *name, int64_t *us)
{
	char	buf[32];

	if (strlen(name) != 10)
		return -1;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", name);
	return ts_parse(buf, strlen(buf), us);
}

/* Feed and slot start from "<feed>-<HHMM>[.N].jsonl[.gz][.partial]" or
 * "<feed>.jsonl"; *hhmm is -1 for the one-file-per-day form. */
static int
name_slot(const char *name, char feed[65], int *hhmm)
{
	size_t	 n = strcspn(name, "."), k;
	const char *d;

	/* The stem ends at the first dot: feeds may hold dots, but then
	 * the slot form still has "-HHMM" right before it. */
	for (d = name; (d = strchr(d, '-')) != NULL; d++) {
		for (k = 1; k <= 4 && d[k] >= '0' && d[k] <= '9'; k++)
			;
		if (k == 5 && (d[5] == '.' ) && strchr(d + 5, '-') == NULL) {
			n = d - name;
			*hhmm = ((d[1] - '0') * 10 + d[2] - '0') * 60 +
			    (d[3] - '0') * 10 + d[4] - '0';
			goto done;
		}
	}
	*hhmm = -1;
	n = strlen(name);
	if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0)
		n -= 6;
	else
		return -1;
done:
	if (n == 0 || n > 64)
		return -1;
	memcpy(feed, name, n);
	feed[n] = '\0';
	return 0;
}

/* The slot of file i of the day: its start from its name, its end from
 * --max-age or the next slot of the same feed (or midnight). */
static int
slot_of(const struct check *c, int64_t day, struct names *ns, size_t i,
    struct check_slot *sl)
{
	char	feed[65];
	int	hhmm, h2;
	size_t	j;

	if (name_slot(base(ns->v[i]), sl->feed, &hhmm) == -1)
		return -1;
	sl->start = day + (hhmm < 0 ? 0 : hhmm * 60 * 1000000LL);
	sl->end = day + DAY_US;
	if (hhmm < 0)
		return 0;
	if (c->max_age_us > 0) {
		if (sl->start + c->max_age_us < sl->end)
			sl->end = sl->start + c->max_age_us;
		return 0;
	}
	for (j = i + 1; j < ns->n; j++)
		if (name_slot(base(ns->v[j]), feed, &h2) == 0 && h2 > hhmm &&
		    strcmp(feed, sl->feed) == 0) {
			sl->end = day + h2 * 60 * 1000000LL;
			break;
		}
	return 0;
}

/* .damaged and .recovering files that a recovery keeps or leaves. */
static void
leftovers(struct check *c, const char *daydir)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n;

	if ((d = opendir(daydir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n > 8 && strcmp(e->d_name + n - 8, ".damaged") == 0) {
			c->leftovers++;
			c->file_problems = 0;
			check_problem(c, daydir, 0, "%s: damaged original kept "
			    "by a recovery (its valid lines are in the "
			    "recovered file): inspect, then remove it",
			    e->d_name);
		} else if (n > 11 &&
		    strcmp(e->d_name + n - 11, ARCHIVE_RECOVERING) == 0) {
			c->leftovers++;
			c->file_problems = 0;
			check_problem(c, daydir, 0, "%s: temporary of an "
			    "interrupted recovery (the next ssmd-jsonl-rotate "
			    "start finishes it)", e->d_name);
		}
	}
	closedir(d);
}

static void
check_one(struct check *c, struct archive_manifest *m, int have_m,
    int64_t day, struct names *ns, size_t i, int busy)
{
	struct archive_manifest_entry	*e = NULL;
	struct check_slot		 sl, *slp = &sl;
	const char			*path = ns->v[i], *name = base(path);
	int				 partial = 0;

	archive_name_ok(name, &partial);
	if (partial) {
		if (busy) {
			c->busy++;
			return;
		}
		c->leftovers++;
		c->file_problems = 0;
		check_problem(c, path, 0, "in-progress file and no writer "
		    "runs: a crash left it (ssmd-jsonl-rotate finalizes it at "
		    "its next start)");
		return;
	}
	if (have_m && (e = archive_manifest_find(m, name)) != NULL)
		e->seen = 1;
	c->file_problems = 0;
	if (slot_of(c, day, ns, i, &sl) == -1) {
		check_problem(c, path, 0, "name is not <feed>-<HHMM>[.N]"
		    ".jsonl[.gz]: no slot to check against");
		slp = NULL;
	}
	check_file(c, path, slp, e);
	if (have_m && e == NULL)
		check_problem(c, path, 0, "not listed in " ARCHIVE_MANIFEST);
}

void
check_day(struct check *c, const char *daydir, int busy)
{
	struct archive_manifest	 m;
	struct names		 ns = { NULL, 0, 0 };
	enum archive_manifest_rc rc;
	char			 err[256], mpath[PATH_MAX];
	int64_t			 day = 0;
	size_t			 i, finals = 0;
	int			 partial;

	snprintf(mpath, sizeof(mpath), "%s/" ARCHIVE_MANIFEST, daydir);
	day_start(base(daydir), &day);
	rc = archive_manifest_load(daydir, &m, err, sizeof(err));
	if (archive_walk_day(daydir, add_name, &ns) == -1) {
		c->file_problems = 0;
		check_problem(c, daydir, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < ns.n; i++) {
		check_one(c, &m, rc == ARCHIVE_MANIFEST_OK, day, &ns, i, busy);
		if (archive_name_ok(base(ns.v[i]), &partial) && !partial)
			finals++;
	}
	c->file_problems = 0;
	if (rc == ARCHIVE_MANIFEST_BAD)
		check_problem(c, mpath, 0, "%s", err);
	else if (rc == ARCHIVE_MANIFEST_NONE && finals > 0)
		check_problem(c, mpath, 0, "missing (ssmd-jsonl-rotate rebuilds "
		    "it at start)");
	else if (rc == ARCHIVE_MANIFEST_NOMEM)
		check_problem(c, mpath, 0, "out of memory");
	for (i = 0; rc == ARCHIVE_MANIFEST_OK && i < m.n; i++)
		if (!m.v[i].seen) {
			c->missing++;
			c->file_problems = 0;
			check_problem(c, daydir, 0, "%s: listed in "
			    ARCHIVE_MANIFEST " but missing", m.v[i].name);
		}
	leftovers(c, daydir);
out:
	archive_manifest_free(&m);
	free_names(&ns);
}

void
check_single(struct check *c, const char *path)
{
	struct archive_manifest		 m;
	struct archive_manifest_entry	*e = NULL;
	struct check_slot		 sl, *slp = NULL;
	char				 dir[PATH_MAX], err[256];
	const char			*name = base(path);
	int64_t				 day;
	int				 hhmm, have_m = 0, partial = 0;

	snprintf(dir, sizeof(dir), "%.*s", name == path ? 1 :
	    (int)(name - 1 - path), name == path ? "." : path);
	archive_name_ok(name, &partial);
	if (day_start(base(dir), &day) == 0 &&
	    name_slot(name, sl.feed, &hhmm) == 0) {
		sl.start = day + (hhmm < 0 ? 0 : hhmm * 60 * 1000000LL);
		sl.end = day + DAY_US;
		if (hhmm >= 0 && c->max_age_us > 0 &&
		    sl.start + c->max_age_us < sl.end)
			sl.end = sl.start + c->max_age_us;
		slp = &sl;
	}
	if (!partial && archive_manifest_load(dir, &m, err, sizeof(err)) ==
	    ARCHIVE_MANIFEST_OK)
		have_m = 1;
	if (have_m)
		e = archive_manifest_find(&m, name);
	c->file_problems = 0;
	check_file(c, path, slp, e);
	if (have_m && e == NULL)
		check_problem(c, path, 0, "not listed in " ARCHIVE_MANIFEST);
	if (have_m)
		archive_manifest_free(&m);
}
