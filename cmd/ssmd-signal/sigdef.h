/* sigdef: the interface of a signal.  A signal is one file that defines a
 * struct sigdef (name, parameters, update, evaluate, payload) and one row
 * in sigdef.c.  The engine keeps the market state, the edge trigger and
 * the output; a signal keeps its own windows per market. */
#ifndef SSMD_SIGNAL_SIGDEF_H
#define SSMD_SIGNAL_SIGDEF_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct frame;
struct state_mkt;
struct wbuf;

#define SIGDEF_MAX	8	/* signals at once */
#define SIGDEF_MAXP	8	/* parameters of one signal */
#define SIGDEF_US	1000000LL
#define SIGDEF_QUOTES	(FRAME_BIT(FRAME_TICKER) | FRAME_BIT(FRAME_SNAPSHOT) | \
			 FRAME_BIT(FRAME_DELTA))

enum sigdef_kind {
	SIGDEF_DURATION,	/* "60s", "5m": stored as microseconds */
	SIGDEF_NUMBER,		/* a plain number */
	SIGDEF_DOLLARS		/* "$1,000,000", "0.05": stored as dollars */
};

struct sigdef_param {
	const char	*name;
	int		 kind;
	double		 def, min, max;
	const char	*doc;
};

/* One configured signal: its definition and parameter values. */
struct sigdef_cfg {
	const struct sigdef *def;
	const char	*name;		/* as configured: the alias stays */
	double		 p[SIGDEF_MAXP];	/* by the index in def->params */
	int64_t		 rearm_us;
	int		 idx;			/* slot in the market's arrays */
};

/* What happened to a market (the frame is already applied to it). */
struct sigdef_ev {
	const struct frame *f;
	int64_t		 now;		/* microseconds */
};

/* Per market and signal: the edge trigger. */
struct sigdef_edge {
	int64_t		 false_since;	/* when the condition turned false */
	uint8_t		 fired;		/* fired, not yet re-armed */
	uint8_t		 false_set;	/* false_since holds a time */
};

struct sigdef {
	const char	*name;
	const char	*alias;		/* another accepted name, or NULL */
	const struct sigdef_param *params;	/* ends with name NULL */
	/* The frame kinds it reads (FRAME_BIT(FRAME_TRADE) | ...): it is
	 * updated and evaluated on those only, and a run whose signals read
	 * no book or ticker frames skips them unread. */
	unsigned	 kinds;
	size_t		 state_size;	/* zeroed per market, freed by release */
	/* Take in a frame applied to the market. */
	void	(*update)(const struct sigdef_cfg *, void *st,
		    const struct state_mkt *, const struct sigdef_ev *);
	/* Is the condition true now?  May cache figures for payload. */
	int	(*evaluate)(const struct sigdef_cfg *, void *st,
		    const struct state_mkt *, int64_t now);
	/* The members of the fire's payload object (without braces). */
	void	(*payload)(const struct sigdef_cfg *, void *st,
		    const struct state_mkt *, struct wbuf *);
	/* Free what update allocated (not st itself). */
	void	(*release)(void *st);
};

/* The built-in signals (sigdef.c). */
extern const struct sigdef *const sigdef_table[];
const struct sigdef	*sigdef_find(const char *name);

/* Default rearm time of every signal. */
#define SIGDEF_REARM_DEFAULT	(60 * SIGDEF_US)

#endif
