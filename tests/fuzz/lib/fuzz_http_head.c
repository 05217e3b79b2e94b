/* libFuzzer: the HTTP head parser both WebSocket sides use (the client on
 * the upgrade response, the simulator's server on requests).  Invariant:
 * every pointer it hands back lies inside the head. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"
#include "ws_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const char *p, const char *buf, size_t n)
{
	if (p != NULL && (p < buf || p > buf + n))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct ws_http_req	 r;
	char			*buf, *first = NULL;
	int			 i;

	if ((buf = malloc(n + 1)) == NULL)
		abort();
	memcpy(buf, data, n);
	buf[n] = '\0';
	memset(&r, 0, sizeof(r));
	if (ws_parse_head(buf, &first, &r) == 0) {
		inside(first, buf, n);
		for (i = 0; i < r.nhdr; i++) {
			inside(r.hdr[i].name, buf, n);
			inside(r.hdr[i].value, buf, n);
		}
		(void)ws_has_token(ws_http_header(&r, "Connection"), "upgrade");
	}
	free(buf);
	return 0;
}
