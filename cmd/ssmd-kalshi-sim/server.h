/* server: ssmd-kalshi-sim's server: authenticated WebSocket at
 * /trade-api/ws/v2 with Kalshi's commands and acks, generated or replayed
 * traffic with backpressure, heartbeats, fault injection, REST at
 * /trade-api/v2 and a control endpoint at /_sim/. */
#ifndef SSMD_SIM_SRV_H
#define SSMD_SIM_SRV_H

#include <stddef.h>
#include <stdint.h>

enum sim_fault_kind {
	SIM_F_GAP, SIM_F_CLOSE, SIM_F_RESET, SIM_F_SILENCE, SIM_F_MALFORMED,
	SIM_F_UNKNOWN, SIM_F_FRAGMENT, SIM_F_OVERSIZED, SIM_F_SLOWREAD,
	SIM_F_REST429
};

/* One fault: KIND[:AFTER[:ARG]] where AFTER counts data frames sent on
 * the connection (see ssmd-kalshi-sim(1)). */
struct sim_fault {
	int		 kind;
	uint64_t	 after;
	uint64_t	 arg;
	int		 fired;
};

#define SIM_MAX_FAULTS	16

/* Parse a fault spec; 0, or -1 with a reason in err. */
int	server_fault_parse(const char *, struct sim_fault *, char *err,
	    size_t errlen);

struct sim_opts {
	const char	*addr;
	int		 port;
	const char	*port_file;
	const char	*cert, *key;		/* TLS when cert is set */
	const char	*pubkey;		/* clients' public key file */
	const char	*api_key;		/* expected key id, or NULL */
	int		 no_auth;
	double		 auth_window;		/* seconds */
	size_t		 markets, per_event;
	const char	*tickers_file;
	uint64_t	 seed;
	int64_t		 start_time;		/* 0: wall clock */
	double		 rate;			/* frames/s per conn; 0 fast */
	uint64_t	 max_frames;		/* per connection; 0 no limit */
	const char	*replay;
	double		 ping_interval;		/* 0: none */
	struct sim_fault faults[SIM_MAX_FAULTS];
	int		 nfaults;
	const char	*command_log;		/* "-": stderr */
	size_t		 max_message;
	unsigned	 rest_429_every;
	unsigned	 retry_after;
	const char	*metrics_dir;
};

/* Run until SIGTERM or SIGINT; returns the exit status. */
int	server_run(const struct sim_opts *);

#endif
