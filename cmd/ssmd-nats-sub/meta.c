#include <string.h>

#include "meta.h"

#define MAXTOK	16

static int
num(const char *p, const char *e, uint64_t *v)
{
	uint64_t	n = 0;

	if (p == e)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9' || n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	return 0;
}

int
meta_parse(const char *reply, struct nmeta *m)
{
	const char	*t[MAXTOK + 1], *p;
	int		 n = 0, base;
	uint64_t	 ns;

	if (reply == NULL || strncmp(reply, "$JS.ACK.", 8) != 0)
		return -1;
	for (p = reply; n < MAXTOK; p++) {
		t[n++] = p;
		if ((p = strchr(p, '.')) == NULL)
			break;
	}
	if (p != NULL)
		return -1;
	t[n] = reply + strlen(reply) + 1;	/* end of the last token + 1 */
	if (n == 9)
		base = 4;		/* index of <delivered> */
	else if (n >= 12)
		base = 6;
	else
		return -1;
	if (num(t[base], t[base + 1] - 1, &m->delivered) == -1 ||
	    num(t[base + 1], t[base + 2] - 1, &m->sseq) == -1 ||
	    num(t[base + 3], t[base + 4] - 1, &ns) == -1 ||
	    num(t[base + 4], t[base + 5] - 1, &m->pending) == -1)
		return -1;
	m->ns = (int64_t)ns;
	return 0;
}
