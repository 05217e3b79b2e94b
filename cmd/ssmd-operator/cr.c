/* cr: the resource being reconciled (see cr.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cr.h"
#include "obj.h"

const char *const cr_kinds[CR_NKINDS] = {
	"Connector", "Archiver", "Signal", "Notifier"
};
const char *const cr_comps[CR_NKINDS] = {
	"connector", "archiver", "signal", "notifier"
};
const char *const cr_plurals[CR_NKINDS] = {
	"connectors", "archivers", "signals", "notifiers"
};

int
cr_kind_of(const char *kind)
{
	int	i;

	for (i = 0; kind != NULL && i < CR_NKINDS; i++)
		if (strcmp(kind, cr_kinds[i]) == 0)
			return i;
	return -1;
}

int
cr_kind_of_comp(const char *comp, size_t len)
{
	int	i;

	for (i = 0; i < CR_NKINDS; i++)
		if (strlen(cr_comps[i]) == len &&
		    memcmp(comp, cr_comps[i], len) == 0)
			return i;
	return -1;
}

int
cr_dns_label(const char *s, size_t max)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

enum cr_rc
cr_bad(struct cr *c, const char *field, const char *fmt, ...)
{
	va_list	ap;

	if (c->field[0] != '\0')
		return CR_INVALID;
	snprintf(c->field, sizeof(c->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return CR_INVALID;
}

enum cr_rc
cr_init(struct cr *c, json_t *parent, const char *image)
{
	const char	*api = obj_str(parent, "apiVersion", "");
	int		 k;

	memset(c, 0, sizeof(*c));
	c->parent = parent;
	c->image = image;
	if (!json_is_object(parent))
		return cr_bad(c, "", "not an object");
	if ((k = cr_kind_of(obj_str(parent, "kind", NULL))) < 0)
		return cr_bad(c, "kind", "not a kind of " CR_GROUP
		    " (Connector, Archiver, Signal, Notifier)");
	if (strcmp(api, CR_API) != 0)
		return cr_bad(c, "apiVersion", "want " CR_API);
	c->kind = (enum cr_kind)k;
	c->kname = cr_kinds[k];
	c->comp = cr_comps[k];
	c->name = obj_str(parent, "metadata.name", NULL);
	c->ns = obj_str(parent, "metadata.namespace", NULL);
	c->spec = obj_at(parent, "spec");
	if (c->name == NULL)
		return cr_bad(c, "metadata.name", "missing");
	if (!cr_dns_label(c->name, CR_NAME_MAX))
		return cr_bad(c, "metadata.name", "want a DNS-1123 label of "
		    "at most %d characters", CR_NAME_MAX);
	if (!json_is_object(c->spec))
		return cr_bad(c, "spec", "missing or not a map");
	return CR_OK;
}

json_t *
cr_observed(const json_t *map, const char *type)
{
	json_t	*m = json_is_object(map) ? json_object_get(map, type) : NULL;

	return json_is_object(m) ? m : NULL;
}

json_t *
cr_find(const struct cr *c, const json_t *map, const char *type,
    const char *name)
{
	char	 key[512];
	json_t	*m = cr_observed(map, type);

	if (m == NULL)
		return NULL;
	obj_key(key, sizeof(key), c->ns, name);
	return json_object_get(m, key);
}
