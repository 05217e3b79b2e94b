/* libFuzzer: ssmd-ws-kalshi's frame scanner on what json_check passed.
 * Invariant: the spans it reports lie inside the input. */
#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char	*p = (const char *)data;
	struct kframe	 f;
	int64_t		 v;

	if (json_check(p, n, NULL) != JSON_OK)
		return 0;
	if (frames_scan(p, n, &f) == 0) {
		if ((f.type != NULL && (f.type < p || f.type + f.typelen > p + n)) ||
		    (f.msg != NULL && (f.msg < p || f.msg + f.msglen > p + n)))
			__builtin_trap();
		if (f.msg != NULL)
			(void)frames_int(f.msg, f.msglen, "market_id", &v);
	}
	return 0;
}
