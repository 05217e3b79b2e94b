/* window: the publisher's window of messages not yet acknowledged.
 *
 * Entries are kept in publish order in a ring with a copy of subject and
 * payload, so that any of them can be published again with the same
 * Nats-Msg-Id after a reconnect or a "JetStream unavailable" answer.  An
 * entry is identified by its index, which also ends the reply subject of
 * its publish, so an acknowledgement finds its entry without a search and
 * a late second acknowledgement of a retired entry is recognised. */
#ifndef SSMD_NATS_WIN_H
#define SSMD_NATS_WIN_H

#include <stddef.h>
#include <stdint.h>

enum { WIN_PENDING, WIN_DONE };

struct win_ent {
	uint64_t	 idx;		/* publish index, from 1 */
	uint64_t	 line;		/* input line number */
	char		*buf;		/* subject NUL payload */
	size_t		 subjlen, len, cap;
	char		 id[33];	/* Nats-Msg-Id, "" for none */
	double		 sent;		/* when last published (ts_mono) */
	int		 state;
	int		 resent;
};

struct win {
	struct win_ent	*ent;
	unsigned	 cap;		/* entries */
	uint64_t	 head;		/* oldest index not retired */
	uint64_t	 next;		/* index of the next entry */
	size_t		 bytes;		/* payload bytes held */
	size_t		 max_bytes;
};

int	window_init(struct win *, unsigned cap, size_t max_bytes);
void	window_free(struct win *);
/* Number of entries not retired. */
#define win_count(w)	((unsigned)((w)->next - (w)->head))
/* Nonzero if an entry of len payload bytes may be added now (one entry
 * is always allowed when the window is empty, whatever its size). */
int	window_room(const struct win *, size_t len);
/* Add an entry; NULL on allocation failure. */
struct win_ent *window_add(struct win *, uint64_t line, const char *subj,
	    size_t subjlen, const char *p, size_t len, const char *id);
/* The pending entry with index idx, or NULL (retired, unknown). */
struct win_ent *window_get(struct win *, uint64_t idx);
/* Mark an entry done and retire done entries at the head; returns the
 * line number of the last retired entry, or 0 if none was retired. */
uint64_t window_done(struct win *, struct win_ent *);
/* The entry at the head (oldest), or NULL if empty. */
struct win_ent *window_oldest(struct win *);
/* Payload of an entry. */
#define win_payload(e)	((e)->buf + (e)->subjlen + 1)

#endif
