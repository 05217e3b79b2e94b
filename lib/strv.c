#include <stdlib.h>
#include <string.h>

#include "strv.h"

int
strv_push(struct strv *sv, const char *s, size_t n)
{
	char	**v, *c;

	if ((c = strndup(s, n)) == NULL)
		return -1;
	if ((v = realloc(sv->v, (sv->n + 1) * sizeof(*v))) == NULL) {
		free(c);
		return -1;
	}
	v[sv->n++] = c;
	sv->v = v;
	return 0;
}

void
strv_clear(struct strv *sv)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}
