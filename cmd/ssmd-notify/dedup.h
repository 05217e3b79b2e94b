/* dedup: which (fire, destination) pairs were already handled (delivered
 * or dead-lettered) within a window, kept on disk so that a fire the
 * stream redelivers after a crash is not sent twice; and which are in
 * flight now, so that a copy arriving meanwhile waits. */
#ifndef SSMD_NOTIFY_DEDUP_H
#define SSMD_NOTIFY_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#define DEDUP_FILE	"notify-dedup.log"

enum dedup_state { DEDUP_NEW, DEDUP_DONE, DEDUP_INFLIGHT };

struct dedup_slot {
	uint64_t	key;	/* 0 empty, 1 deleted */
	int64_t		t;	/* handled at (unix s), or -1 in flight */
};

struct dedup {
	struct dedup_slot *slots;
	size_t		 cap, used, live;	/* used counts deleted ones */
	int		 fd;			/* the log, or -1 (memory only) */
	char		*path;
	double		 window;		/* seconds */
	uint64_t	 appended;		/* lines since the last compaction */
};

/* Open (create) dir/DEDUP_FILE, keeping entries younger than window.
 * dir NULL: memory only.  Returns 0, or -1 with errno set. */
int	dedup_open(struct dedup *, const char *dir, double window);
void	dedup_close(struct dedup *);
/* The key of a fire id and a destination name. */
uint64_t dedup_key(const char *id, size_t idlen, const char *dest);
enum dedup_state dedup_get(struct dedup *, uint64_t key);
/* Mark in flight (memory only). */
int	dedup_begin(struct dedup *, uint64_t key);
/* Forget an in-flight key (not handled: a stop left it undelivered). */
void	dedup_abort(struct dedup *, uint64_t key);
/* Handled: written to the log before the fire may be acknowledged.
 * Returns 0, or -1 if the log could not be written (errno set). */
int	dedup_done(struct dedup *, uint64_t key);

#endif
