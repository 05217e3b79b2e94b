/* json-verdicts: for each input line print "0" (valid) or the reason
 * json_check gives; a helper for differential tests against another
 * JSON parser. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "lineio.h"

int	main(void);

int
main(void)
{
	struct lineio	r;
	struct lineio_line	l;
	int		rc;

	if (lineio_init(&r, STDIN_FILENO, 1 << 20) == -1)
		return 70;
	while ((rc = lineio_next(&r, &l)) != LINEIO_EOF) {
		if (rc == LINEIO_EMPTY) {
			if (lineio_fill(&r, -1) == LINEIO_ERROR)
				return 74;
			continue;
		}
		printf("%s\n", json_reason(json_check(l.p, l.len, NULL)));
	}
	lineio_free(&r);
	return 0;
}
