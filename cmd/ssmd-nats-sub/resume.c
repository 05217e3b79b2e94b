#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "json.h"
#include "resume.h"

#define KEY	"\"_nats_seq\":"

struct paths {
	char	**v;
	size_t	  n, cap;
};

static int
collect(const char *path, void *arg)
{
	struct paths	*ps = arg;
	char		**nv;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		if ((nv = realloc(ps->v, ps->cap * sizeof(*nv))) == NULL)
			return -1;
		ps->v = nv;
	}
	if ((ps->v[ps->n] = strdup(path)) == NULL)
		return -1;
	ps->n++;
	return 0;
}

static uint64_t
digits(const char *p, const char *e)
{
	uint64_t	v = 0;

	for (; p < e && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* p points after "_nats_seq": -- digits, ,"_received_at":, digits, }. */
static int
tail_ok(const char *p, const char *e)
{
	static const char	mid[] = ",\"_received_at\":";
	const char		*q = p;

	while (q < e && *q >= '0' && *q <= '9')
		q++;
	if (q == p || (size_t)(e - q) < sizeof(mid) ||
	    memcmp(q, mid, sizeof(mid) - 1) != 0)
		return 0;
	p = q += sizeof(mid) - 1;
	while (q < e && *q >= '0' && *q <= '9')
		q++;
	return q > p && q + 1 == e && *q == '}';
}

uint64_t
resume_line_seq(const char *p, size_t n)
{
	struct json_span	v;
	const char		*s;
	size_t			 back = n < 96 ? n : 96;

	/* --annotate ends a line with "_nats_seq":N,"_received_at":N}:
	 * recognise exactly that tail first, and read the members only if
	 * it is not there. */
	if ((s = memmem(p + n - back, back, KEY, sizeof(KEY) - 1)) != NULL &&
	    tail_ok(s + sizeof(KEY) - 1, p + n))
		return digits(s + sizeof(KEY) - 1, p + n);
	if (json_get(p, n, "_nats_seq", &v) == 0)
		return digits(v.p, v.p + v.len);
	return 0;
}

static int
line(const char *p, size_t n, void *arg)
{
	struct nresume	*r = arg;
	uint64_t	 s = resume_line_seq(p, n);

	r->lines++;
	if (s > r->seq)
		r->seq = s;
	return 0;
}

/* Nonzero if two archive paths are in the same date directory. */
static int
same_day(const char *a, const char *b)
{
	const char	*sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t		 la = sa ? (size_t)(sa - a) : 0;
	size_t		 lb = sb ? (size_t)(sb - b) : 0;

	return la == lb && memcmp(a, b, la) == 0;
}

static int
scan_once(const char *dir, struct nresume *r)
{
	struct paths		 ps = { NULL, 0, 0 };
	struct archive_stats	 st;
	size_t			 i;
	int			 rc = 0, days_after = 0, err = 0;

	memset(r, 0, sizeof(*r));
	if (archive_walk(dir, collect, &ps) != 0) {
		rc = -1;
		err = errno;
	}
	for (i = ps.n; rc == 0 && i-- > 0;) {
		if (i + 1 < ps.n && !same_day(ps.v[i], ps.v[i + 1]) &&
		    r->seq > 0 && ++days_after == 2)
			break;
		memset(&st, 0, sizeof(st));
		if (archive_scan(ps.v[i], line, r, &st) == -1) {
			rc = -1;
			err = errno;
		}
		r->files++;
		r->cut_bytes += st.cut_bytes;
	}
	for (i = 0; i < ps.n; i++)
		free(ps.v[i]);
	free(ps.v);
	errno = err;
	return rc;
}

int
resume_scan(const char *dir, struct nresume *r)
{
	int	tries;

	for (tries = 0; tries < 50; tries++) {
		if (scan_once(dir, r) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		usleep(20 * 1000);	/* a file was finished meanwhile */
	}
	return -1;
}
