/* frames: what ssmd-ws-kalshi reads from a Kalshi frame (type, id,
 * sid, seq, in one pass over the top-level members, without a tree) and
 * the per-sid sequence tracking that detects lost frames. */
#ifndef SSMD_KCAP_FRAME_H
#define SSMD_KCAP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define KF_ID	0x01
#define KF_SID	0x02
#define KF_SEQ	0x04
#define KF_TYPE	0x08
#define KF_MSG	0x10

struct kframe {
	unsigned	 has;		/* KF_* present (and well formed) */
	const char	*type;		/* not NUL-terminated */
	size_t		 typelen;
	int64_t		 id, sid, seq;
	const char	*msg;		/* raw "msg" value */
	size_t		 msglen;
};

/* Scan the top-level object p[0..n), which json_check has passed (values
 * are skipped without being checked again).  -1 if it is not an object. */
int	frames_scan(const char *p, size_t n, struct kframe *);
/* A member of a raw object value as an integer.  0 or -1. */
int	frames_int(const char *p, size_t n, const char *key, int64_t *);
/* Nonzero if f's type is the NUL-terminated t. */
int	frames_is(const struct kframe *, const char *t);

/* Make room for one more element in *vp (an array of *cap elements of
 * size bytes, n in use), doubling.  0, or -1 out of memory. */
int	frames_grow(void *vp, size_t *cap, size_t n, size_t size);

struct ksid {
	int64_t		 sid;
	int64_t		 next;		/* expected seq; 0: not known yet */
	int		 retired;	/* being replaced: no more actions */
	char		 channel[32];
};

struct kseq {
	struct ksid	*v;
	size_t		 n, cap;
};

struct ksid	*frames_seq_find(struct kseq *, int64_t sid);
/* Find or add sid; a known channel is kept unless channel is non-empty. */
struct ksid	*frames_seq_add(struct kseq *, int64_t sid, const char *channel);
void		 frames_seq_del(struct kseq *, int64_t sid);
void		 frames_seq_clear(struct kseq *);
void		 frames_seq_free(struct kseq *);
/* Account a frame's seq on sid: 0 if in order (or the first seen), 1 on a
 * gap (*expected is what should have come), -1 out of memory. */
int		 frames_seq_check(struct kseq *, int64_t sid, int64_t seq,
		    int64_t *expected, struct ksid **);

#endif
