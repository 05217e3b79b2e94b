/* route: does a fire go to a destination?  The destination's match rules
 * (all must hold) against dotted paths into the fire. */
#ifndef SSMD_NOTIFY_ROUTE_H
#define SSMD_NOTIFY_ROUTE_H

#include <jansson.h>

#include "conf.h"

/* The value at a path (object members; array elements by index), or NULL. */
json_t	*route_get(json_t *fire, char *const *path, size_t npath);
/* Nonzero if the rule holds for the fire. */
int	 route_rule(const struct conf_rule *, json_t *fire);
/* Nonzero if every rule of the destination holds (none: everything). */
int	 route_match(const struct conf_dest *, json_t *fire);
/* A value as text: strings as they are, other values as compact JSON.
 * Returns a malloc'd string (NULL when out of memory). */
char	*route_text(json_t *v);

#endif
