#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "metrics.h"
#include "ts.h"
#include "wbuf.h"

struct metric {
	char		name[96];
	char		labels[192];
	const char	*help;
	int		type;
	uint64_t	count;
	double		value;
};

static struct metric	 tab[METRICS_MAX], dummy;
static int		 ntab;
static char		 path[PATH_MAX], tmppath[PATH_MAX];
static double		 last_write = -10;
static struct log_rate	 warn_rate = LOG_RATE_INIT(1, 60);

/* mkdir -p: a metrics directory is made like an archive directory, so
 * a pod's emptyDir or a fresh run directory needs no extra step. */
static int
make_dirs(const char *dir)
{
	char	buf[PATH_MAX], *p;

	if (strlen(dir) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, dir);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
metrics_open(const char *dir, const char *prog, const char *instance)
{
	if (dir == NULL)
		dir = getenv("SSMD_METRICS_DIR");
	if (instance == NULL)
		instance = getenv("SSMD_INSTANCE");
	path[0] = '\0';
	if (dir == NULL || *dir == '\0')
		return 0;
	if (make_dirs(dir) == -1 || access(dir, W_OK | X_OK) == -1)
		return -1;
	if (instance != NULL && *instance != '\0') {
		snprintf(path, sizeof(path), "%s/%s-%s.prom", dir, prog, instance);
		snprintf(tmppath, sizeof(tmppath), "%s/.%s-%s.prom.tmp", dir,
		    prog, instance);
	} else {
		snprintf(path, sizeof(path), "%s/%s.prom", dir, prog);
		snprintf(tmppath, sizeof(tmppath), "%s/.%s.prom.tmp", dir, prog);
	}
	return 0;
}

static struct metric *
reg(int type, const char *name, const char *labels, const char *help)
{
	struct metric	*m;
	int		 i;

	if (labels == NULL)
		labels = "";
	for (i = 0; i < ntab; i++)
		if (strcmp(tab[i].name, name) == 0 &&
		    strcmp(tab[i].labels, labels) == 0)
			return &tab[i];
	if (ntab == METRICS_MAX || strlen(name) >= sizeof(m->name) ||
	    strlen(labels) >= sizeof(m->labels))
		return &dummy;
	m = &tab[ntab++];
	memset(m, 0, sizeof(*m));
	strcpy(m->name, name);
	strcpy(m->labels, labels);
	m->help = help;
	m->type = type;
	return m;
}

struct metric *
metrics_counter(const char *name, const char *labels, const char *help)
{
	return reg(METRIC_COUNTER, name, labels, help);
}

struct metric *
metrics_gauge(const char *name, const char *labels, const char *help)
{
	return reg(METRIC_GAUGE, name, labels, help);
}

void
metrics_add(struct metric *m, uint64_t n)
{
	m->count += n;
}

void
metrics_set(struct metric *m, double v)
{
	if (m->type == METRIC_COUNTER)
		m->count = (uint64_t)v;	/* mirrors a count kept elsewhere */
	else
		m->value = v;
}

double
metrics_value(const struct metric *m)
{
	return m->type == METRIC_COUNTER ? (double)m->count : m->value;
}

int
metrics_relabel(struct metric *m, const char *labels)
{
	if (m == &dummy || strlen(labels) >= sizeof(m->labels))
		return -1;
	strcpy(m->labels, labels);
	return 0;
}

void
metrics_reset(void)
{
	ntab = 0;
}

static void
render_one(FILE *f, const struct metric *m)
{
	fputs(m->name, f);
	if (m->labels[0] != '\0')
		fprintf(f, "{%s}", m->labels);
	if (m->type == METRIC_COUNTER)
		fprintf(f, " %llu\n", (unsigned long long)m->count);
	else
		fprintf(f, " %.17g\n", m->value);
}

char *
metrics_render(void)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 i, j, seen;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	/* HELP and TYPE once per name; a name's series stay together. */
	for (i = 0; i < ntab; i++) {
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = strcmp(tab[j].name, tab[i].name) == 0;
		if (seen)
			continue;
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", tab[i].name,
		    tab[i].help ? tab[i].help : tab[i].name, tab[i].name,
		    tab[i].type == METRIC_COUNTER ? "counter" : "gauge");
		for (j = i; j < ntab; j++)
			if (strcmp(tab[j].name, tab[i].name) == 0)
				render_one(f, &tab[j]);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int
metrics_flush(void)
{
	char		*s;
	unsigned	 supp;
	int		 fd = -1, rc = -1;

	last_write = ts_mono();
	if (path[0] == '\0')
		return 0;
	if ((s = metrics_render()) == NULL)
		goto out;
	if ((fd = open(tmppath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		goto out;
	if (wbuf_write_all(fd, s, strlen(s)) == -1 || close(fd) == -1) {
		fd = -1;
		unlink(tmppath);
		goto out;
	}
	fd = -1;
	if (rename(tmppath, path) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && log_rate_ok(&warn_rate, &supp))
		log_warn("cannot write metrics file", "path=%s error=%s suppressed=%u",
		    log_q(path), log_q(strerror(errno)), supp);
	if (fd != -1)
		close(fd);
	free(s);
	return rc;
}

void
metrics_tick(void)
{
	if (ts_mono() - last_write >= 1.0)
		(void)metrics_flush();
}
