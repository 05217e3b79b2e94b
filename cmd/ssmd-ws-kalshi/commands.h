/* commands: the Kalshi WebSocket commands ssmd-ws-kalshi sends, written
 * exactly as the protocol sheet shows them, and the shard plan that
 * spreads markets over connections. */
#ifndef SSMD_KCAP_CMD_H
#define SSMD_KCAP_CMD_H

#include <stddef.h>
#include <stdint.h>

#define KCMD_MAX_TICKERS	256	/* per command, Kalshi's limit */

/* Each writes one command into buf (cap bytes) and returns its length, or
 * -1 if it does not fit or n > KCMD_MAX_TICKERS.  n == 0 subscribes to
 * all markets (no "market_tickers" member). */
int	commands_subscribe(char *buf, size_t cap, unsigned id, const char *channel,
	    char *const *tickers, size_t n);
/* action is "add_markets" or "delete_markets". */
int	commands_update(char *buf, size_t cap, unsigned id, int64_t sid,
	    char *const *tickers, size_t n, const char *action);
int	commands_unsubscribe(char *buf, size_t cap, unsigned id,
	    const int64_t *sids, size_t n);
/* Bytes enough for any command with n tickers. */
size_t	commands_size(char *const *tickers, size_t n);

/* Connections needed for n markets at most shard per connection (at
 * least 1: all markets on one connection when n is 0). */
size_t	commands_plan_conns(size_t n, unsigned shard);
/* Markets [*start, *start + *count) go to connection i of nconn: the
 * markets are spread evenly, the first connections taking one more. */
void	commands_plan_slice(size_t n, size_t nconn, size_t i, size_t *start,
	    size_t *count);

#endif
