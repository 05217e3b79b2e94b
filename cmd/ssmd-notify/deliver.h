/* deliver: every destination's queue, token bucket and retries, and the
 * requests in flight, all on one libcurl multi handle, so a slow or dead
 * destination only ever delays itself. */
#ifndef SSMD_NOTIFY_DELIVER_H
#define SSMD_NOTIFY_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "conf.h"
#include "dedup.h"
#include "render.h"

struct deliver_opts {
	double		 timeout;	/* per request, seconds */
	double		 budget;	/* retry budget per fire, seconds */
	double		 backoff_min, backoff_max;
	size_t		 queue;		/* per destination */
	const char	*ca_file;	/* CA bundle instead of the system's */
	const char	*dead_letter;	/* JSON lines file */
};

/* A fire on its way: freed when its last job ends. */
struct deliver_fire {
	int		 refs;		/* jobs not yet ended */
	int		 undelivered;	/* a job was left at a stop */
	char		*line;
	size_t		 len;
	void		*msg;		/* the NATS message to acknowledge */
	struct deliver_fire *prev, *next;	/* the caller's list */
};

struct deliver_job {
	struct deliver_fire	*f;
	uint64_t		 key;		/* dedup key */
	struct render_out	 r;
	unsigned		 attempts;
	double			 first, next;	/* monotonic seconds */
	char			 err[200];	/* the last failure */
};

struct deliver_dest;

/* Called when every job of a fire has ended. */
typedef void	deliver_done_fn(void *arg, struct deliver_fire *);

struct deliver {
	const struct deliver_opts *o;
	struct deliver_dest	*dests;
	size_t			 ndests;
	CURLM			*multi;
	struct dedup		*dd;
	int			 dlfd;
	deliver_done_fn		*done;
	void			*arg;
	size_t			 jobs;		/* queued or in flight */
	uint64_t		 dead, abandoned;
};

enum deliver_result { DELIVER_OK = 0, DELIVER_ERR = -1 };

enum deliver_result deliver_init(struct deliver *, const struct conf *,
		    const struct deliver_opts *, struct dedup *,
		    deliver_done_fn *, void *arg);
void		 deliver_free(struct deliver *);
/* Room in destination i's queue. */
int		 deliver_room(const struct deliver *, size_t i);
/* Queue a job; the fire gains a reference.  There must be room, except
 * for one job per destination at a stop (the ring holds queue + 1). */
void		 deliver_push(struct deliver *, size_t i, struct deliver_job *);
/* Start what may start now; returns how long until something might. */
double		 deliver_kick(struct deliver *, double now);
/* Wait for transfers (and extra fds) up to timeout_ms, then handle what
 * finished.  Returns the number of extra fds ready. */
int		 deliver_poll(struct deliver *, struct curl_waitfd *extra,
		    unsigned nextra, int timeout_ms);
/* End every job left: to the dead-letter file (dead != 0) or given back
 * undelivered (the stream redelivers it). */
void		 deliver_abandon(struct deliver *, int dead);
/* Free a job that was never pushed. */
void		 deliver_job_free(struct deliver_job *);
/* Metrics of destination i. */
void		 deliver_matched(struct deliver *, size_t i);
void		 deliver_duplicate(struct deliver *, size_t i);

#endif
