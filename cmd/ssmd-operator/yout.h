/* yout: jansson trees as block-style YAML that any YAML 1.1 or 1.2
 * reader (kubectl, PyYAML, libyaml) reads back to the same values.
 * Deterministic: keys in the tree's order, two-space indent, strings
 * plain only when no reader could take them for anything else, multi-line
 * strings as literal blocks. */
#ifndef SSMD_OP_YOUT_H
#define SSMD_OP_YOUT_H

#include <jansson.h>
#include <stdio.h>

/* Write v (an object or array) as one YAML document body. */
void	yout_doc(FILE *, const json_t *v);
/* Nonzero if s can be written as a plain scalar. */
int	yout_plain_ok(const char *s);

#endif
