#include <stdlib.h>
#include <string.h>

#include "compose.h"

#define DEFAULT_STORAGE	"/data/ssmd"	/* the seed's storage.path default */

struct argv {
	char	**v;
	size_t	  n, max;
};

static void
add(struct argv *a, const char *s)
{
	/* The longest pipeline composed has well under max words. */
	if (a->n + 1 < a->max)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void
pipeline(struct compose *c, const struct compose_opts *o,
    const struct envfile *e)
{
	struct argv	a = { c->pipeline, 0, COMPOSE_MAX_ARGS };

	add(&a, "ssmd-pipeline");
	add(&a, "--name");
	add(&a, "connector");
	add(&a, "--metrics-dir");
	add(&a, o->metrics_dir);
	add(&a, "--");
	/* No --reconnect: a disconnect ends the capture with 75, and the
	 * connector with it, for Kubernetes to restart the pod. */
	add(&a, "ssmd-ws-kalshi");
	add(&a, o->config_dir != NULL ? "--config-dir" : "--feed");
	add(&a, o->config_dir != NULL ? o->config_dir : o->feed_file);
	add(&a, "--env");
	add(&a, o->env);
	add(&a, "--metrics-dir");
	add(&a, o->metrics_dir);
	add(&a, "|");
	add(&a, "ssmd-stamp");
	add(&a, "--feed");
	add(&a, e->feed);
	add(&a, "--metrics-dir");
	add(&a, o->metrics_dir);
	add(&a, "|");
	if (c->sink == COMPOSE_NATS) {
		add(&a, "ssmd-nats-pub");
		add(&a, "--url");
		add(&a, c->nats_url);
		add(&a, "--stream");
		add(&a, e->stream);
		if (e->subject_prefix[0] != '\0') {
			add(&a, "--prefix");
			add(&a, e->subject_prefix);
		}
		if (o->create_stream)
			add(&a, "--create-stream");
		add(&a, "--metrics-dir");
		add(&a, o->metrics_dir);
	} else {
		add(&a, "ssmd-jsonl-rotate");
		add(&a, "--metrics-dir");
		add(&a, o->metrics_dir);
		add(&a, c->path);
	}
}

static void
healthd(struct compose *c, const struct compose_opts *o,
    const struct envfile *e)
{
	struct argv	a = { c->healthd, 0, 16 };

	add(&a, "ssmd-healthd");
	add(&a, "--listen");
	add(&a, o->listen);
	add(&a, "--metrics-dir");
	add(&a, o->metrics_dir);
	add(&a, "--feed");
	add(&a, e->feed);
	if (o->stale_after != NULL) {
		add(&a, "--stale-after");
		add(&a, o->stale_after);
	}
}

enum compose_result
compose_build(struct compose *c, const struct compose_opts *o,
    const struct envfile *e)
{
	const char	*env_url = getenv("NATS_URL");

	memset(c, 0, sizeof(*c));
	c->sink = COMPOSE_LOCAL;
	/* The seed also named s3 and gcs here; writing local files instead
	 * would put the data where nobody looks for it. */
	if (e->storage_type[0] != '\0' && strcmp(e->storage_type, "local") != 0)
		return COMPOSE_BAD_STORAGE;
	if (strcmp(e->transport_type, "nats") == 0 && o->data == NULL) {
		if (e->stream[0] == '\0')
			return COMPOSE_NO_STREAM;
		/* The pod's NATS_URL is rendered from transport.url. */
		c->nats_url = e->nats_url[0] != '\0' ? e->nats_url : env_url;
		if (c->nats_url == NULL || *c->nats_url == '\0')
			return COMPOSE_NO_URL;
		c->sink = COMPOSE_NATS;
	}
	c->path = o->data != NULL ? o->data : e->storage_path[0] != '\0' ?
	    e->storage_path : DEFAULT_STORAGE;
	pipeline(c, o, e);
	healthd(c, o, e);
	return COMPOSE_OK;
}
