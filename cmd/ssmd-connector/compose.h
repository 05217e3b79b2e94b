/* compose: the commands ssmd-connector runs for an environment: the
 * capture pipeline (ws-kalshi | stamp | rotate or nats-pub, as the
 * environment's transport and storage say) and the health sidecar. */
#ifndef SSMD_CONNECTOR_COMPOSE_H
#define SSMD_CONNECTOR_COMPOSE_H

#include "envfile.h"

#define COMPOSE_MAX_ARGS	64

struct compose_opts {
	const char	*config_dir;	/* --config-dir DIR --env NAME, or */
	const char	*feed_file;	/* --feed FILE --env FILE */
	const char	*env;
	const char	*data;		/* --data: overrides storage.path */
	const char	*metrics_dir;
	const char	*listen;
	const char	*stale_after;	/* NULL: healthd's default */
	int		 create_stream;
};

enum compose_sink { COMPOSE_LOCAL, COMPOSE_NATS };

struct compose {
	enum compose_sink	 sink;
	const char		*nats_url;	/* when sink is NATS */
	const char		*path;		/* when sink is LOCAL */
	char			*pipeline[COMPOSE_MAX_ARGS];	/* NULL-ended */
	char			*healthd[16];
};

enum compose_result {
	COMPOSE_OK,
	COMPOSE_NO_STREAM,	/* transport nats without a stream */
	COMPOSE_NO_URL,		/* transport nats without a url or NATS_URL */
	COMPOSE_BAD_STORAGE	/* storage.type other than local */
};

/* Fill c from the options and the environment file's settings.  The
 * strings point into o, e and static storage. */
enum compose_result	compose_build(struct compose *c,
			    const struct compose_opts *o,
			    const struct envfile *e);

#endif
