/* obj: jansson helpers (see obj.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "obj.h"

json_t *
obj_at(const json_t *o, const char *path)
{
	const char	*p = path, *dot;
	char		 key[256];
	size_t		 n;

	while (o != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key) || !json_is_object(o))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		p += n + (dot != NULL);
	}
	return (json_t *)o;
}

const char *
obj_str(const json_t *o, const char *path, const char *dflt)
{
	const char	*s = json_string_value(obj_at(o, path));

	return s != NULL && *s != '\0' ? s : dflt;
}

long long
obj_int(const json_t *o, const char *path, long long dflt)
{
	json_t	*v = obj_at(o, path);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int
obj_bool(const json_t *o, const char *path, int dflt)
{
	json_t	*v = obj_at(o, path);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *
obj_kv(const char *key, ...)
{
	json_t	*o = json_object(), *v;
	va_list	 ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, const char *)) {
		v = va_arg(ap, json_t *);
		if (v != NULL)
			json_object_set_new(o, key, v);
	}
	va_end(ap);
	return o;
}

json_t *
obj_arr(json_t *first, ...)
{
	json_t	*a = json_array(), *v;
	va_list	 ap;

	va_start(ap, first);
	for (v = first; v != NULL; v = va_arg(ap, json_t *))
		json_array_append_new(a, v);
	va_end(ap);
	return a;
}

json_t *
obj_s(const char *s)
{
	return s != NULL ? json_string(s) : NULL;
}

json_t *
obj_sf(const char *fmt, ...)
{
	char	*s = NULL;
	json_t	*v;
	va_list	 ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return NULL;
	v = json_string(s);
	free(s);
	return v;
}

json_t *
obj_copy(const json_t *v)
{
	return v != NULL ? json_deep_copy(v) : NULL;
}

void
obj_push(json_t *arr, json_t *v)
{
	if (v != NULL)
		json_array_append_new(arr, v);
}

char *
obj_canon(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

void
obj_sha256(const json_t *v, char out[65])
{
	unsigned char	 md[32];
	unsigned int	 n = 0;
	char		*s = obj_canon(v);
	int		 i;

	EVP_Digest(s ? s : "", s ? strlen(s) : 0, md, &n, EVP_sha256(), NULL);
	free(s);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void
obj_key(char *out, size_t outlen, const char *ns, const char *name)
{
	if (ns != NULL && *ns != '\0')
		snprintf(out, outlen, "%s/%s", ns, name);
	else
		snprintf(out, outlen, "%s", name);
}
