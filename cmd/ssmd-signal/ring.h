/* ring: a FIFO of fixed-size entries that grows on demand up to a cap;
 * at the cap the oldest entry makes room.  Indices count from the oldest. */
#ifndef SSMD_SIGNAL_RING_H
#define SSMD_SIGNAL_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
	char		*buf;
	uint32_t	 head, n, cap, max;
	uint32_t	 esz;
};

void	ring_init(struct ring *, size_t esz, uint32_t max);
void	ring_free(struct ring *);

static inline void *
ring_at(const struct ring *r, uint32_t i)
{
	uint32_t	j = r->head + i;

	if (j >= r->cap)
		j -= r->cap;
	return r->buf + (size_t)j * r->esz;
}

static inline void *
ring_last(const struct ring *r)
{
	return r->n ? ring_at(r, r->n - 1) : NULL;
}

/* The oldest entry goes. */
void	ring_pop(struct ring *);
/* A slot for a new newest entry, or NULL when memory runs out.  When the
 * ring is at its cap the oldest is dropped first: a copy of it goes to
 * dropped (if not NULL) and *was_full (if not NULL) is set to 1. */
void	*ring_push(struct ring *, void *dropped, int *was_full);

#endif
