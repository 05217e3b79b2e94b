/* config_int: the YAML reading helpers config.c shares with seed.c (the
 * original ssmd's file forms).  Not for other modules. */
#ifndef SSMD_KCFG_INT_H
#define SSMD_KCFG_INT_H

#include <stddef.h>
#include <yaml.h>

#include "config.h"

/* One YAML file being read, with what error messages need. */
struct config_yf {
	yaml_document_t	 doc;
	const char	*path;
	char		*err;
	size_t		 errlen;
};

/* Set the error to "path: field: message"; returns -1. */
int		 config_fail(struct config_yf *, const char *field,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
yaml_node_t	*config_node(struct config_yf *, int id);
/* The scalar's text, or NULL if n is not a scalar. */
const char	*config_scalar(yaml_node_t *n);
/* A non-empty string into *dst. */
int		 config_get_str(struct config_yf *, yaml_node_t *v,
		    const char *field, char **dst);
/* A sequence of scalars, or one scalar, each checked by ok(). */
int		 config_get_list(struct config_yf *, yaml_node_t *v,
		    const char *field, struct strv *dst,
		    int (*ok)(const char *));

/* Call fn for each member of mapping m; field names are prefix.key. */
int		 config_hours(struct kcfg *, struct config_yf *,
		    yaml_node_t *v, const char *field);
typedef int	(*config_kv_fn)(struct kcfg *, struct config_yf *,
		    const char *key, const char *field, yaml_node_t *v,
		    void *arg);
int		 config_walk(struct kcfg *, struct config_yf *, yaml_node_t *m,
		    const char *prefix, config_kv_fn fn, void *arg);

#endif
