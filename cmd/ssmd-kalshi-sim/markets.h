/* markets: the simulator's market universe (series, events, markets) and
 * its REST view: /markets, /events, /series with Kalshi's filters and
 * cursor paging.  The universe depends only on its size, so tests and the
 * capture client can name markets without asking. */
#ifndef SSMD_SIM_UNI_H
#define SSMD_SIM_UNI_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

enum sim_status { SIM_ST_UNOPENED, SIM_ST_OPEN, SIM_ST_CLOSED, SIM_ST_SETTLED };

struct sim_market {
	char		 ticker[64];
	char		 event[48];
	char		 series[24];
	char		 id[37];	/* market_id, a UUID */
	int		 status;	/* enum sim_status */
	int		 cents;		/* a resting price, 1..99 */
	int64_t		 open_ts, close_ts;
};

struct sim_uni {
	struct sim_market *m;
	size_t		 n;
	uint32_t	*byname;	/* indices sorted by ticker */
	uint32_t	*open;		/* indices of open markets */
	size_t		 nopen;
};

/* n markets, per_event to an event, series cycling over a fixed list. */
int	markets_make(struct sim_uni *, size_t n, size_t per_event,
	    int64_t base_ts);
/* Markets from a file of tickers, one per line ('#' comments); the event
 * is the ticker up to its last '-', the series up to its first. */
int	markets_load(struct sim_uni *, const char *path, int64_t base_ts,
	    char *err, size_t errlen);
void	markets_free(struct sim_uni *);
/* Index of a ticker, or -1. */
long	markets_find(const struct sim_uni *, const char *ticker, size_t len);

/* REST: answer path (after /trade-api/v2) with query into body; returns
 * the HTTP status (200, 400, 404). */
int	markets_rest(const struct sim_uni *, const char *path,
	    const char *query, struct evbuffer *body);

/* "0.4500" for 45 cents. */
void	markets_dollars(char out[16], int cents);

#endif
