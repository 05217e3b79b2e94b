#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive.h"
#include "archive_manifest.h"
#include "log.h"
#include "plan.h"
#include "select.h"
#include "ts.h"

#define DAY_US	(86400 * 1000000LL)

struct day {
	struct plan		*p;
	const struct select	*s;
	struct archive_manifest	 m;
	int			 have_m;
	int64_t			 day;
};

static const char *
base(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int
date_name(const char *s, int64_t *us)
{
	char	buf[32];

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return ts_parse(buf, strlen(buf), us) == 0;
}

/* Feed and slot start (minutes, -1 for none) of an archive file name:
 * "<feed>-<HHMM>[.N].jsonl..." or "<feed>.jsonl". */
static void
name_slot(const char *name, char feed[65], int *hhmm)
{
	const char	*d;
	size_t		 n, k;

	*hhmm = -1;
	for (d = name; (d = strchr(d, '-')) != NULL; d++) {
		for (k = 1; k <= 4 && d[k] >= '0' && d[k] <= '9'; k++)
			;
		if (k == 5 && d[5] == '.' && strchr(d + 5, '-') == NULL) {
			*hhmm = ((d[1] - '0') * 10 + d[2] - '0') * 60 +
			    (d[3] - '0') * 10 + d[4] - '0';
			n = d - name;
			goto done;
		}
	}
	n = strcspn(name, ".");
	if (strncmp(name + n, ".jsonl", 6) != 0)
		n = 0;
done:
	if (n > 64)
		n = 0;
	memcpy(feed, name, n);
	feed[n] = '\0';
}

static int
push(struct plan *p, const char *path, int64_t start, uint64_t size,
    int partial)
{
	struct plan_file	*nv;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		if ((nv = realloc(p->v, p->cap * sizeof(*nv))) == NULL)
			return -1;
		p->v = nv;
	}
	if ((p->v[p->n].path = strdup(path)) == NULL)
		return -1;
	p->v[p->n].start_us = start;
	p->v[p->n].size = size;
	p->v[p->n].partial = partial;
	p->v[p->n].order = p->n;
	p->n++;
	p->total_bytes += size;
	return 0;
}

/* A crash inside the writer's link-then-unlink rename leaves one file
 * under its in-progress and its final name: read it once. */
static int
same_as_final(const char *path, const struct stat *sb)
{
	char		final[PATH_MAX];
	struct stat	fb;
	size_t		n = strlen(path) - strlen(ARCHIVE_PARTIAL);

	if (n >= sizeof(final))
		return 0;
	memcpy(final, path, n);
	final[n] = '\0';
	return stat(final, &fb) == 0 && fb.st_dev == sb->st_dev &&
	    fb.st_ino == sb->st_ino;
}

/* One file of a date directory: kept unless it cannot hold a line of the
 * selection. */
static int
day_file(const char *path, void *arg)
{
	struct day			*d = arg;
	const struct select		*s = d->s;
	struct archive_manifest_entry	*e = NULL;
	const char			*name = base(path);
	char				 feed[65];
	struct stat			 sb;
	int64_t				 start;
	int				 hhmm, partial = 0;

	archive_name_ok(name, &partial);
	name_slot(name, feed, &hhmm);
	if (!select_feed(s, feed)) {
		d->p->skipped++;
		return 0;
	}
	if (d->have_m && (e = archive_manifest_find(&d->m, name)) != NULL)
		e->seen = 1;
	start = d->day + (hhmm >= 0 ? hhmm * 60 * 1000000LL : 0);
	if (e != NULL && e->have_ts) {
		/* The manifest knows the file's first and last ts. */
		if ((s->have_to && e->first_us >= s->to) ||
		    (s->have_from && e->last_us < s->from)) {
			d->p->skipped++;
			return 0;
		}
		start = e->first_us;
	} else if (s->have_to && start >= s->to) {
		d->p->skipped++;
		return 0;
	}
	if (stat(path, &sb) == -1) {
		log_error("cannot read file", "path=%s error=%s", log_q(path),
		    log_q(strerror(errno)));
		d->p->bad++;
		return 0;
	}
	if (partial && same_as_final(path, &sb))
		return 0;
	if (push(d->p, path, start, sb.st_size, partial) == -1)
		return -1;
	return 0;
}

static int
add_day(const char *daydir, void *arg)
{
	struct plan		*p = ((struct day *)arg)->p;
	const struct select	*s = ((struct day *)arg)->s;
	struct day		 d = { p, s, { NULL, 0 }, 0, 0 };
	char			 err[256];
	size_t			 i;
	int			 rc = 0;

	if (!date_name(base(daydir), &d.day))
		return 0;
	/* Every line of a day's files has its ts in that day, late lines
	 * (before their file's slot) aside. */
	if ((s->have_to && d.day >= s->to) ||
	    (s->have_from && d.day + DAY_US <= s->from))
		return 0;
	switch (archive_manifest_load(daydir, &d.m, err, sizeof(err))) {
	case ARCHIVE_MANIFEST_OK:
		d.have_m = 1;
		break;
	case ARCHIVE_MANIFEST_BAD:
		log_warn("manifest unusable: reading every file of the day",
		    "dir=%s error=%s", log_q(daydir), log_q(err));
		break;
	default:
		break;
	}
	if (archive_walk_day(daydir, day_file, &d) == -1) {
		log_error("cannot read directory", "dir=%s error=%s",
		    log_q(daydir), log_q(strerror(errno)));
		p->bad++;
		rc = errno == ENOMEM ? -1 : 0;
	}
	for (i = 0; d.have_m && i < d.m.n; i++) {
		char	 feed[65];
		int	 hh;

		name_slot(d.m.v[i].name, feed, &hh);
		if (d.m.v[i].seen || !select_feed(s, feed) ||
		    (s->have_to && d.m.v[i].have_ts &&
		    d.m.v[i].first_us >= s->to) ||
		    (s->have_from && d.m.v[i].have_ts &&
		    d.m.v[i].last_us < s->from))
			continue;
		log_error("file listed in the manifest is missing",
		    "dir=%s file=%s", log_q(daydir), log_q(d.m.v[i].name));
		p->bad++;
	}
	archive_manifest_free(&d.m);
	return rc;
}

void
plan_add(struct plan *p, const char *path, const struct select *s)
{
	struct day	 d = { p, s, { NULL, 0 }, 0, 0 };
	struct stat	 sb;
	char		 copy[PATH_MAX], *q, feed[65];
	int		 partial = 0, hhmm;
	int64_t		 day;

	snprintf(copy, sizeof(copy), "%s", path);
	for (q = copy + strlen(copy); q > copy + 1 && q[-1] == '/'; q--)
		q[-1] = '\0';
	if (stat(copy, &sb) == -1) {
		log_error("not found", "path=%s error=%s", log_q(copy),
		    log_q(strerror(errno)));
		p->notfound++;
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		if (date_name(base(copy), &day))
			add_day(copy, &d);
		else if (archive_days(copy, add_day, &d) == -1) {
			log_error("cannot read directory", "dir=%s error=%s",
			    log_q(copy), log_q(strerror(errno)));
			p->notfound++;
		}
		return;
	}
	/* A file given by name is read whatever it is called; --feed still
	 * applies to the feed its name gives. */
	archive_name_ok(base(copy), &partial);
	name_slot(base(copy), feed, &hhmm);
	if (feed[0] != '\0' && !select_feed(s, feed)) {
		p->skipped++;
		return;
	}
	if (push(p, copy, INT64_MIN, sb.st_size, partial) == -1)
		log_die(70, "out of memory", "");
}

static int
by_start(const void *a, const void *b)
{
	const struct plan_file	*x = a, *y = b;

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void
plan_sort(struct plan *p)
{
	if (p->n > 0)
		qsort(p->v, p->n, sizeof(*p->v), by_start);
}

void
plan_free(struct plan *p)
{
	while (p->n > 0)
		free(p->v[--p->n].path);
	free(p->v);
}
