/* serve: ssmd-healthd's HTTP server (libevent evhttp): /health,
 * /ready, /metrics and a status page, read fresh from the metrics
 * directory on every request. */
#ifndef SSMD_HD_SERVE_H
#define SSMD_HD_SERVE_H

#include <stddef.h>

#include "health.h"

struct hd_opts {
	const char		*host;		/* address to bind */
	unsigned		 port;
	const char		*dir;		/* the metrics directory */
	struct hd_source	 src;
	double			 timeout;	/* seconds a slow client may idle */
	size_t			 max_file;	/* bytes per metrics file */
};

/* Split "ADDR:PORT" or "[V6ADDR]:PORT" into o->host (pointing into buf,
 * which is modified) and o->port.  Returns 0 or -1. */
int	serve_parse_listen(char *buf, struct hd_opts *o);
/* Serve until SIGTERM or SIGINT; returns an exit status. */
int	serve_run(const struct hd_opts *);

#endif
