/* seed: the original ssmd's ("seed") feed and environment file forms.
 *
 * Users migrating from the original system keep their ConfigMaps and
 * exchanges/ trees as they are (issue 14: "the k8s ConfigMap form works
 * unchanged"), so ssmd-ws-kalshi reads the seed's keys next to its own:
 * feed files with display_name, type, status, versions (the version in
 * effect gives the endpoint and the auth method) and defaults;
 * environment files with keys.<feed>.{type,fields,...}, secmaster,
 * subscription, cdc, schedule, cache, transport and storage.  config.c
 * hands every key it does not know to these functions, which either take
 * it, accept it as known but unused (listed in kcfg.ignored for one log
 * line), or fail naming the file and the field. */
#ifndef SSMD_KSEED_H
#define SSMD_KSEED_H

#include "config_int.h"

/* A key of the feed file that is not ssmd's own. */
int	seed_feed_kv(struct kcfg *, struct config_yf *, const char *key,
	    const char *field, yaml_node_t *v, void *arg);
/* A key of the environment file that is not ssmd's own. */
int	seed_env_kv(struct kcfg *, struct config_yf *, const char *key,
	    const char *field, yaml_node_t *v, void *arg);
/* A key of keys.<feed> other than source. */
int	seed_key_kv(struct kcfg *, struct config_yf *, const char *key,
	    const char *field, yaml_node_t *v, void *arg);
/* YYYY-MM-DD, a real date. */
int	seed_date_ok(const char *);
/* Today's date in UTC, YYYY-MM-DD, into buf (11 bytes). */
void	seed_today(char *buf, size_t len);
/* The REST base URL for a Kalshi WebSocket URL: ws(s)://H/P/ws/v2 becomes
 * http(s)://H/P/v2.  A new string, or NULL if u is not of that shape. */
char	*seed_rest_url(const char *u);

#endif
