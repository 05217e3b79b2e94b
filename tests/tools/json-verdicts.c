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
	struct lr	r;
	struct lr_line	l;
	int		rc;

	if (lr_init(&r, STDIN_FILENO, 1 << 20) == -1)
		return 70;
	while ((rc = lr_next(&r, &l)) != LR_EOF) {
		if (rc == LR_EMPTY) {
			if (lr_fill(&r, -1) == LR_ERROR)
				return 74;
			continue;
		}
		printf("%s\n", json_reason(json_check(l.p, l.len, NULL)));
	}
	lr_free(&r);
	return 0;
}
