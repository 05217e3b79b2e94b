/* libFuzzer: ssmd-ws-kalshi's YAML configuration reader.  The input is
 * read twice: as an environment file (with the shipped feed file), then
 * as a feed file alone (so the original ssmd's feed form, seed.c, is
 * fuzzed too, on a fixed day).  Whatever it holds, loading and checking
 * end with a verdict, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static char	 path[64];
	struct kcfg	 c;
	char		 err[1024];
	FILE		*f;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/ssmd-fuzz-env-%d.yaml",
		    (int)getpid());
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, n, f);
	fclose(f);
	memset(&c, 0, sizeof(c));
	if (config_load(&c, path, "exchanges/feeds/kalshi.yaml", NULL, err,
	    sizeof(err)) == 0 && config_finish(&c, err, sizeof(err)) == 0)
		(void)config_check(&c, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	config_free(&c);
	memset(&c, 0, sizeof(c));
	c.today = "2026-06-01";
	if (config_load(&c, NULL, path, NULL, err, sizeof(err)) == 0 &&
	    config_finish(&c, err, sizeof(err)) == 0)
		(void)config_check(&c, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	config_free(&c);
	return 0;
}
