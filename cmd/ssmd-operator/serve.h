/* serve: the Metacontroller hooks over HTTP (libevent evhttp), plus
 * /healthz, /readyz and /metrics.  Paths: /<kind>/sync, /<kind>/finalize,
 * /<kind>/customize (kind: connector, archiver, signal, notifier), and
 * /sync, /finalize, /customize for any kind.  Before answering a sync or
 * finalize, the parent's running pods' /metrics are read concurrently
 * with a bounded timeout. */
#ifndef SSMD_OP_SERVE_H
#define SSMD_OP_SERVE_H

struct serve_opts {
	const char	*listen;	/* ADDR:PORT */
	const char	*image;		/* default image */
	int		 scrape_port;	/* the pods' healthd port */
	double		 scrape_timeout;	/* seconds */
	unsigned	 max_pending;	/* hooks waiting on scrapes */
};

/* Run until SIGTERM or SIGINT; returns an exit status. */
int	serve_run(const struct serve_opts *);

#endif
