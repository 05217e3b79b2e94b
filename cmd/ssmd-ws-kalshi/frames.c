#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "frames.h"

static const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
num(const char *p, size_t n, int64_t *v)
{
	int64_t	r = 0;
	int	neg = 0;
	size_t	i = 0;

	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 18)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		r = r * 10 + (p[i] - '0');
	}
	*v = neg ? -r : r;
	return 0;
}

int
frames_scan(const char *p, size_t n, struct kframe *f)
{
	const char	*e = p + n, *k, *v;
	size_t		 kl;

	memset(f, 0, sizeof(*f));
	p = ws(p, e);
	if (p == e || *p != '{')
		return -1;
	p = ws(p + 1, e);
	if (p < e && *p == '}')
		return 0;
	for (;;) {
		if (p == e || *p != '"')
			return -1;
		k = p + 1;
		if ((p = json_skip_string(p, e)) == NULL)
			return -1;
		kl = p - 1 - k;
		p = ws(p, e);
		if (p == e || *p != ':')
			return -1;
		v = ws(p + 1, e);
		if ((p = json_skip(v, e)) == NULL)
			return -1;
		/* Keys are compared by length first: cheap on every frame. */
		if (kl == 4 && memcmp(k, "type", 4) == 0 && p - v >= 2 &&
		    *v == '"') {
			f->type = v + 1;
			f->typelen = p - v - 2;
			f->has |= KF_TYPE;
		} else if (kl == 3 && memcmp(k, "sid", 3) == 0) {
			if (num(v, p - v, &f->sid) == 0)
				f->has |= KF_SID;
		} else if (kl == 3 && memcmp(k, "seq", 3) == 0) {
			if (num(v, p - v, &f->seq) == 0)
				f->has |= KF_SEQ;
		} else if (kl == 2 && memcmp(k, "id", 2) == 0) {
			if (num(v, p - v, &f->id) == 0)
				f->has |= KF_ID;
		} else if (kl == 3 && memcmp(k, "msg", 3) == 0) {
			f->msg = v;
			f->msglen = p - v;
			f->has |= KF_MSG;
		}
		p = ws(p, e);
		if (p < e && *p == '}')
			return 0;
		if (p == e || *p != ',')
			return -1;
		p = ws(p + 1, e);
	}
}

int
frames_int(const char *p, size_t n, const char *key, int64_t *v)
{
	struct json_span	s;

	if (json_get(p, n, key, &s) == -1)
		return -1;
	return num(s.p, s.len, v);
}

int
frames_is(const struct kframe *f, const char *t)
{
	size_t	n = strlen(t);

	return (f->has & KF_TYPE) && f->typelen == n &&
	    memcmp(f->type, t, n) == 0;
}

int
frames_grow(void *vp, size_t *cap, size_t n, size_t size)
{
	void	*old, *nv;
	size_t	 c;

	if (n < *cap)
		return 0;
	/* The pointer is moved with memcpy: vp points to some T *. */
	memcpy(&old, vp, sizeof(old));
	c = *cap ? *cap * 2 : 8;
	if ((nv = realloc(old, c * size)) == NULL)
		return -1;
	memcpy(vp, &nv, sizeof(nv));
	*cap = c;
	return 0;
}

struct ksid *
frames_seq_find(struct kseq *q, int64_t sid)
{
	size_t	i;

	for (i = 0; i < q->n; i++)
		if (q->v[i].sid == sid)
			return &q->v[i];
	return NULL;
}

struct ksid *
frames_seq_add(struct kseq *q, int64_t sid, const char *channel)
{
	struct ksid	*s;

	if ((s = frames_seq_find(q, sid)) == NULL) {
		if (frames_grow(&q->v, &q->cap, q->n, sizeof(*q->v)) == -1)
			return NULL;
		s = &q->v[q->n++];
		memset(s, 0, sizeof(*s));
		s->sid = sid;
	}
	if (channel != NULL && *channel != '\0')
		snprintf(s->channel, sizeof(s->channel), "%s", channel);
	return s;
}

void
frames_seq_del(struct kseq *q, int64_t sid)
{
	struct ksid	*s;

	if ((s = frames_seq_find(q, sid)) != NULL)
		*s = q->v[--q->n];
}

void
frames_seq_clear(struct kseq *q)
{
	q->n = 0;
}

void
frames_seq_free(struct kseq *q)
{
	free(q->v);
	q->v = NULL;
	q->n = q->cap = 0;
}

int
frames_seq_check(struct kseq *q, int64_t sid, int64_t seq, int64_t *expected,
    struct ksid **out)
{
	struct ksid	*s;
	int		 gap;

	if ((s = frames_seq_add(q, sid, NULL)) == NULL)
		return -1;
	*out = s;
	*expected = s->next;
	gap = s->next != 0 && seq != s->next;
	s->next = seq + 1;
	return gap;
}
