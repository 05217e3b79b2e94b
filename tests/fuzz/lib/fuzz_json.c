/* libFuzzer entry point for the JSON checker: `make fuzz`.  The checker
 * must never read outside its input, and json_get/json_skip must not
 * either on inputs it rejects. */
#include <stddef.h>
#include <stdint.h>

#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct json_span	sp;
	size_t			off = 0;

	(void)json_check((const char *)data, n, &off);
	if (off > n)
		__builtin_trap();
	(void)json_get((const char *)data, n, "type", &sp);
	(void)json_skip((const char *)data, (const char *)data + n);
	return 0;
}
