/* yin: YAML (or JSON, a subset) documents into jansson trees, with
 * libyaml.  Plain scalars resolve as Kubernetes' YAML reader does
 * (YAML 1.1: null, booleans including yes/no/on/off, decimal and octal
 * integers, floats); quoted scalars and !!str stay strings.  Anchors
 * and aliases work. */
#ifndef SSMD_OP_YIN_H
#define SSMD_OP_YIN_H

#include <jansson.h>
#include <stddef.h>

/* Parse every document of buf[0..len) and append each non-empty one to
 * docs (a JSON array).  Returns 0, or -1 with "line N: reason" in err. */
int	yin_parse(const char *buf, size_t len, json_t *docs, char *err,
	    size_t errlen);
/* What a plain scalar means: a new JSON value (string when it is not a
 * null, boolean or number). */
json_t	*yin_plain(const char *s, size_t len);

#endif
