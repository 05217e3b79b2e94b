/* libFuzzer: ssmd-signal's input path.  The input is lines; each goes
 * through frame_read (every kind, and trades only) and the whole engine
 * with all four signals and tight parameters, so books, windows and
 * fires all run.  Whatever the lines, the end is counts, never a crash,
 * an out-of-bounds read or a leak. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detect.h"
#include "frame.h"
#include "metrics.h"
#include "wbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const params[][3] = {
	{ "spread-tracker", "min_samples", "1" },
	{ "spread-tracker", "baseline_window", "3s" },
	{ "momentum", "long_window", "3s" },
	{ "momentum", "min_move", "0.0001" },
	{ "volatility", "window", "3m" },
	{ "volatility", "interval", "1s" },
	{ "volume", "threshold", "0.01" },
	{ "volume", "rearm", "0" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static int		 devnull = -1;
	struct config		 c;
	struct detect_opts	 o = { .max_markets = 4, .idle_us = 60000000,
				    .seq_check = 1 };
	struct detect		*d;
	struct wbuf		 w;
	struct frame		 f;
	const char		*p = (const char *)data, *end = p + n, *nl;
	char			 err[128], *copy;
	size_t			 i, len;

	if (devnull == -1 && (devnull = open("/dev/null", O_WRONLY)) == -1)
		abort();
	config_init(&c);
	(void)config_enable(&c, "spread-tracker", err, sizeof(err));
	(void)config_enable(&c, "momentum", err, sizeof(err));
	(void)config_enable(&c, "volatility", err, sizeof(err));
	(void)config_enable(&c, "volume-1m-30min", err, sizeof(err));
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (config_param(&c, params[i][0], params[i][1], params[i][2],
		    err, sizeof(err)) == -1)
			abort();
	config_finish(&c);
	o.sig = c.on;
	o.nsig = c.non;
	if (wbuf_init(&w, devnull, 4096) == -1 ||
	    (d = detect_new(&o, &w)) == NULL)
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		/* an exact-size copy: reads past a line show up in ASan */
		if ((copy = malloc(len ? len : 1)) == NULL)
			abort();
		memcpy(copy, p, len);
		(void)frame_read(copy, len, &f, FRAME_BIT(FRAME_TRADE));
		detect_line(d, copy, len);
		free(copy);
		p = nl != NULL ? nl + 1 : end;
	}
	detect_gauges(d);
	wbuf_flush(&w);
	detect_free(d);
	wbuf_free(&w);
	config_free(&c);
	metrics_reset();
	return 0;
}
