/* sigdef: the table of built-in signals.  A new signal is one file and one row. */
#include <string.h>

#include "sigdef.h"

extern const struct sigdef sig_spread, sig_momentum, sig_volatility,
    sig_volume;

const struct sigdef *const sigdef_table[] = {
	&sig_spread,
	&sig_momentum,
	&sig_volatility,
	&sig_volume,
	NULL
};

const struct sigdef *
sigdef_find(const char *name)
{
	int	i;

	for (i = 0; sigdef_table[i] != NULL; i++)
		if (strcmp(sigdef_table[i]->name, name) == 0 ||
		    (sigdef_table[i]->alias != NULL &&
		    strcmp(sigdef_table[i]->alias, name) == 0))
			return sigdef_table[i];
	return NULL;
}
