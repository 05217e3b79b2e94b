/* nats_conn: a NATS connection as ssmd programs make it: reconnecting
 * forever (the programs decide when waiting has gone on too long), TLS
 * verified for tls:// URLs, credentials from a file, never from argv. */
#ifndef SSMD_NATS_CONN_H
#define SSMD_NATS_CONN_H

#include <signal.h>
#include <stdint.h>

#include <nats/nats.h>

#define NATS_CONN_DEFAULT_URL	"nats://127.0.0.1:4222"

struct nats_conn_opts {
	const char	*url;		/* NULL: $NATS_URL, else the default */
	const char	*creds;		/* NATS credentials file, or NULL */
	const char	*ca;		/* CA file for tls:// servers, or NULL */
	const char	*name;		/* connection name the server shows */
	int		 reconnect_buf;	/* bytes held while reconnecting */
};

struct nats_conn {
	natsConnection		*nc;
	jsCtx			*js;
	/* Set by nats.c's threads, read and cleared by the program. */
	volatile sig_atomic_t	 reconnected;
	volatile sig_atomic_t	 disconnected;
	volatile sig_atomic_t	 closing;
	uint64_t		 reconnects;
	natsStatistics		*stats;
};

/* The options every NATS program takes, for its getopt_long table. */
#define NATS_CONN_LONGOPTS \
	{ "url",	required_argument, NULL, 'u' }, \
	{ "creds",	required_argument, NULL, 'C' }, \
	{ "ca-file",	required_argument, NULL, 'A' }, \
	{ "tls-ca",	required_argument, NULL, 'A' }	/* old name, kept */
/* Take one of them; returns 1 if ch was one. */
int	nats_conn_option(int ch, const char *arg, struct nats_conn_opts *);
/* Is every comma-separated URL nats:// or tls://? */
int	nats_conn_url_ok(const char *urls);

/* Connect (one attempt; a server down at start is the caller's exit 69).
 * Returns 0, or -1 after logging why. */
/* What nats_conn_open() returns. */
enum {
	NATS_CONN_OK = 0,
	NATS_CONN_FAILED = -1,	/* no server answered, or options failed */
	NATS_CONN_BADURL = -2,	/* not a nats:// or tls:// URL: a config error */
};
int	nats_conn_open(struct nats_conn *, const struct nats_conn_opts *);
void	nats_conn_close(struct nats_conn *);
/* Nonzero while the connection is up. */
int	nats_conn_up(struct nats_conn *);
/* How many times the connection was re-established so far, as nats.c
 * counts it (before its reconnected callback runs). */
uint64_t nats_conn_reconnects(struct nats_conn *);
/* Log a failed nats.c call: msg, the status text and the last error. */
void	nats_conn_log(const char *msg, natsStatus);
/* The URL to use: url, else $NATS_URL, else the default. */
const char *nats_conn_url(const char *url);

#endif
