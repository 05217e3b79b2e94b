/* book: sorted arrays of levels, exact integer sizes. */
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "num.h"

void
book_clear(struct book *b)
{
	b->yes.n = b->no.n = 0;
}

void
book_free(struct book *b)
{
	free(b->yes.lv);
	free(b->no.lv);
	memset(b, 0, sizeof(*b));
}

/* Index of the first level with price >= p. */
static uint32_t
lower(const struct book_side *s, int32_t p)
{
	uint32_t	lo = 0, hi = s->n, mid;

	/* most updates touch the top: check the end first */
	if (s->n > 0 && s->lv[s->n - 1].price < p)
		return s->n;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->lv[mid].price < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum book_res
book_add(struct book *b, int yes, int64_t price, int64_t size)
{
	struct book_side	*s = yes ? &b->yes : &b->no;
	struct book_lvl		*nl;
	uint32_t		 i, ncap;

	if (price <= 0 || price >= NUM_PRICE_SCALE)
		return BOOK_BADPRICE;
	i = lower(s, (int32_t)price);
	if (i < s->n && s->lv[i].price == price) {
		s->lv[i].size += size;
		if (s->lv[i].size < 0)
			return BOOK_NEGATIVE;
		if (s->lv[i].size == 0) {
			memmove(&s->lv[i], &s->lv[i + 1],
			    (s->n - i - 1) * sizeof(*s->lv));
			s->n--;
		}
		return BOOK_APPLIED;
	}
	if (size < 0)
		return BOOK_NEGATIVE;
	if (size == 0)
		return BOOK_APPLIED;
	if (s->n == s->cap) {
		if (s->cap >= BOOK_MAX_LEVELS)
			return BOOK_FULL;
		ncap = s->cap ? s->cap * 2 : 8;
		if ((nl = realloc(s->lv, ncap * sizeof(*nl))) == NULL)
			return BOOK_FULL;
		s->lv = nl;
		s->cap = ncap;
	}
	memmove(&s->lv[i + 1], &s->lv[i], (s->n - i) * sizeof(*s->lv));
	s->lv[i].price = (int32_t)price;
	s->lv[i].size = size;
	s->n++;
	return BOOK_APPLIED;
}

int
book_best(const struct book *b, int yes, int32_t *price, int64_t *size)
{
	const struct book_side	*s = yes ? &b->yes : &b->no;

	if (s->n == 0)
		return 0;
	*price = s->lv[s->n - 1].price;
	if (size != NULL)
		*size = s->lv[s->n - 1].size;
	return 1;
}

enum book_res
book_check(const struct book *b)
{
	int32_t	y, n;

	if (book_best(b, 1, &y, NULL) && book_best(b, 0, &n, NULL) &&
	    y + n >= NUM_PRICE_SCALE)
		return BOOK_CROSSED;
	return BOOK_APPLIED;
}
