/* ring: grow by doubling, linearized on each growth. */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

void
ring_init(struct ring *r, size_t esz, uint32_t max)
{
	memset(r, 0, sizeof(*r));
	r->esz = (uint32_t)esz;
	r->max = max ? max : 1;
}

void
ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->head = r->n = r->cap = 0;
}

void
ring_pop(struct ring *r)
{
	if (r->n == 0)
		return;
	if (++r->head == r->cap)
		r->head = 0;
	r->n--;
}

static int
grow(struct ring *r)
{
	uint32_t	 ncap = r->cap ? r->cap * 2 : 4, tail;
	char		*nb;

	if (ncap > r->max)
		ncap = r->max;
	if ((nb = malloc((size_t)ncap * r->esz)) == NULL)
		return -1;
	/* linearize: oldest first */
	tail = r->cap - r->head < r->n ? r->cap - r->head : r->n;
	if (r->n) {
		memcpy(nb, r->buf + (size_t)r->head * r->esz,
		    (size_t)tail * r->esz);
		memcpy(nb + (size_t)tail * r->esz, r->buf,
		    (size_t)(r->n - tail) * r->esz);
	}
	free(r->buf);
	r->buf = nb;
	r->cap = ncap;
	r->head = 0;
	return 0;
}

void *
ring_push(struct ring *r, void *dropped, int *was_full)
{
	if (was_full != NULL)
		*was_full = 0;
	if (r->n == r->cap && r->cap < r->max && grow(r) == -1)
		return NULL;
	if (r->n == r->cap) {
		if (r->n == 0)
			return NULL;
		if (dropped != NULL)
			memcpy(dropped, ring_at(r, 0), r->esz);
		if (was_full != NULL)
			*was_full = 1;
		ring_pop(r);
	}
	r->n++;
	return ring_at(r, r->n - 1);
}
