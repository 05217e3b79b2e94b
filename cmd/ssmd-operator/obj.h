/* obj: small helpers over jansson trees, so that the code that builds
 * Kubernetes objects reads like the objects themselves.  Objects keep
 * insertion order (jansson does since 2.8), which makes output
 * deterministic: keys come out in the order the builders add them. */
#ifndef SSMD_OP_OBJ_H
#define SSMD_OP_OBJ_H

#include <jansson.h>
#include <stddef.h>

/* The value at a dotted path ("spec.storage.local.path"), or NULL. */
json_t		*obj_at(const json_t *, const char *path);
/* The string at path, or dflt if absent, not a string, or empty. */
const char	*obj_str(const json_t *, const char *path, const char *dflt);
/* The integer at path, or dflt. */
long long	 obj_int(const json_t *, const char *path, long long dflt);
/* The boolean at path, or dflt. */
int		 obj_bool(const json_t *, const char *path, int dflt);
/* The ends of obj_kv and obj_arr argument lists: typed, since a bare NULL
 * in a variadic call need not be a pointer. */
#define OBJ_END		((const char *)NULL)
#define OBJ_AEND	((json_t *)NULL)
/* An empty object. */
#define OBJ_EMPTY	obj_kv(OBJ_END)

/* An object from key/value pairs ended by OBJ_END; a NULL value is
 * left out (optional fields).  Values are stolen. */
json_t		*obj_kv(const char *key, ...);
/* An array of the values up to OBJ_AEND (stolen). */
json_t		*obj_arr(json_t *first, ...);
/* A string value, or NULL when s is NULL. */
json_t		*obj_s(const char *s);
/* A printf-formatted string value. */
json_t		*obj_sf(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* A deep copy, or NULL for NULL. */
json_t		*obj_copy(const json_t *);
/* Append to an array; no-op for a NULL value. */
void		 obj_push(json_t *arr, json_t *v);
/* SHA-256 of the canonical form (sorted keys, compact) in hex, into
 * out[65]. */
void		 obj_sha256(const json_t *, char out[65]);
/* The canonical compact form with sorted keys (to free). */
char		*obj_canon(const json_t *);
/* "a/b": the map key Metacontroller hook v2 uses for a namespaced object. */
void		 obj_key(char *out, size_t outlen, const char *ns,
		    const char *name);

#endif
