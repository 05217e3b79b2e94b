/* strv: a growable list of strings, each a copy the list owns.  Shared by
 * the discovery code and the programs that hand it lists. */
#ifndef SSMD_STRV_H
#define SSMD_STRV_H

#include <stddef.h>

struct strv {
	char	**v;
	size_t	  n;
};

/* Append a copy of the n bytes at s.  0, or -1 (ENOMEM) with sv
 * unchanged. */
int	strv_push(struct strv *sv, const char *s, size_t n);
/* Free every string and the array; sv is empty after. */
void	strv_clear(struct strv *sv);

#endif
