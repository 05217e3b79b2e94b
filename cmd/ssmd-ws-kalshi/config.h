/* config: ssmd-ws-kalshi configuration from YAML files (libyaml).
 *
 * An environment file says where and as whom to connect; a feed file says
 * what to capture.  --config-dir DIR --env NAME reads
 * DIR/environments/NAME.yaml and DIR/feeds/<feed>.yaml (the feed named by
 * the environment); --feed FILE --env FILE takes both paths directly.
 * Errors name the file and the field: "kalshi.yaml: channels[2]: ...". */
#ifndef SSMD_KCFG_H
#define SSMD_KCFG_H

#include <stddef.h>

#include "parse.h"
#include "strv.h"

#define KCFG_SHARD_DEFAULT	200
#define KCFG_SHARD_MAX		256

struct kcfg {
	char		*feed;		/* feed name (metric label, markers) */
	char		*ws_url, *rest_url, *ca_file;
	char		*key_source;	/* "env:KEY_ID_VAR,PRIVATE_KEY_VAR" */
	char		*key_id;	/* resolved by config_resolve_keys */
	char		*key_pem;	/* PEM text or a path to a PEM file */
	char		*key_var;	/* the variable that held key_pem */
	struct strv	 channels, tickers, series, events;
	struct strv	 categories, exclude;	/* discovery by category */
	char		*status;	/* discovery status filter */
	unsigned	 close_within_hours;	/* discover markets closing
						   within; 0: any */
	int		 discover;	/* use REST discovery */
	unsigned	 shard_size;
	char		*env_path, *feed_path;	/* what was read, for messages */
	const char	*ca_from;	/* "environment": ca_file came from it */

	/* The original ssmd's ("seed") forms, read by seed.c. */
	int		 seed_feed;	/* the feed file is in the seed's form */
	int		 seed_deprecated;	/* status: deprecated */
	int		 seed_discovery;	/* secmaster.categories given */
	int		 auth_none;	/* auth_method none: no keys at all */
	char		*seed_version;	/* the version in effect, */
	char		*seed_from;	/* its effective_from, */
	char		*seed_endpoint;	/* and its endpoint */
	struct strv	 ignored;	/* seed settings read but not used */
	const char	*today;		/* YYYY-MM-DD; NULL: today in UTC */
	/* What config_finish() filled in, for the log. */
	int		 channels_defaulted, rest_derived, ws_from_feed;
};

/* Channels of a seed-form feed file without channels. */
#define KCFG_SEED_CHANNELS	"ticker,trade,market_lifecycle_v2"

/* Read the files: env_path names the environment; feed_path the feed
 * file, or NULL to take feeds_dir/<feed>.yaml with the feed the
 * environment names (--config-dir mode).  Either path may be NULL to
 * read nothing from it.  Returns 0, or -1 with err set. */
int	config_load(struct kcfg *, const char *env_path, const char *feed_path,
	    const char *feeds_dir, char *err, size_t errlen);
/* Resolve key_source from the environment.  0, or -1 with err set. */
int	config_resolve_keys(struct kcfg *, char *err, size_t errlen);
/* After the command line is merged: fill in what the files imply (the
 * feed version's endpoint when no ws_url, default channels of a seed-form
 * feed, rest_url from ws_url for discovery).  0, or -1 with err set. */
int	config_finish(struct kcfg *, char *err, size_t errlen);
/* Check the result of files and options together.  0 or -1 with err. */
int	config_check(const struct kcfg *, char *err, size_t errlen);
void	config_free(struct kcfg *);

/* String lists. */
/* Split a comma-separated option value, replacing the list. */
int	config_strv_split(struct strv *, const char *);
/* Sort and drop duplicates. */
void	config_strv_uniq(struct strv *);
/* A category name: 1-64 bytes, no control character, no comma. */
int	config_category_ok(const char *);
/* Replace *dst by a copy of s (NULL clears).  0 or -1. */
int	config_set(char **dst, const char *s);

#endif
