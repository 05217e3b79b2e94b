#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

int
window_init(struct win *w, unsigned cap, size_t max_bytes)
{
	memset(w, 0, sizeof(*w));
	if ((w->ent = calloc(cap, sizeof(*w->ent))) == NULL)
		return -1;
	w->cap = cap;
	w->head = w->next = 1;
	w->max_bytes = max_bytes;
	return 0;
}

void
window_free(struct win *w)
{
	unsigned	i;

	for (i = 0; w->ent != NULL && i < w->cap; i++)
		free(w->ent[i].buf);
	free(w->ent);
	w->ent = NULL;
}

int
window_room(const struct win *w, size_t len)
{
	if (win_count(w) == 0)
		return 1;
	return win_count(w) < w->cap && w->bytes + len <= w->max_bytes;
}

struct win_ent *
window_add(struct win *w, uint64_t line, const char *subj, size_t subjlen,
    const char *p, size_t len, const char *id)
{
	struct win_ent	*e = &w->ent[w->next % w->cap];
	size_t		 need = subjlen + 1 + len;
	char		*nb;

	/* Buffers are kept and reused, so a steady stream allocates
	 * nothing; an outsized one is given back when its slot is reused. */
	if (need > e->cap || (e->cap > (1u << 20) && need < e->cap / 4)) {
		if ((nb = malloc(need < 256 ? 256 : need)) == NULL)
			return NULL;
		free(e->buf);
		e->buf = nb;
		e->cap = need < 256 ? 256 : need;
	}
	memcpy(e->buf, subj, subjlen);
	e->buf[subjlen] = '\0';
	memcpy(e->buf + subjlen + 1, p, len);
	e->subjlen = subjlen;
	e->len = len;
	e->idx = w->next++;
	e->line = line;
	e->state = WIN_PENDING;
	e->resent = 0;
	e->sent = 0;
	memcpy(e->id, id, sizeof(e->id));
	w->bytes += len;
	return e;
}

struct win_ent *
window_get(struct win *w, uint64_t idx)
{
	struct win_ent	*e;

	if (idx < w->head || idx >= w->next)
		return NULL;
	e = &w->ent[idx % w->cap];
	return e->state == WIN_PENDING ? e : NULL;
}

uint64_t
window_done(struct win *w, struct win_ent *e)
{
	uint64_t	line = 0;

	e->state = WIN_DONE;
	w->bytes -= e->len;
	while (w->head < w->next) {
		e = &w->ent[w->head % w->cap];
		if (e->state != WIN_DONE)
			break;
		line = e->line;
		w->head++;
	}
	return line;
}

struct win_ent *
window_oldest(struct win *w)
{
	return w->head < w->next ? &w->ent[w->head % w->cap] : NULL;
}
