#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ts.h"
#include "wbuf.h"

static const char	*progname = "ssmd";
static int		 minlevel = LOG_INFO;
static const char *const names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *prog)
{
	const char	*l = getenv("SSMD_LOG_LEVEL");
	int		 i;

	progname = prog;
	for (i = 0; l != NULL && i < 4; i++)
		if (strcmp(l, names[i]) == 0)
			minlevel = i;
}

const char *
log_prog(void)
{
	return progname;
}

void
log_set_level(int l)
{
	minlevel = l;
}

/* Append s quoted and escaped for logfmt at b[*n], bounded by cap. */
static void
quote(char *b, size_t *n, size_t cap, const char *s)
{
	if (*n < cap)
		b[(*n)++] = '"';
	for (; *s != '\0' && *n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			b[(*n)++] = '\\';
		if (*s == '\n') {
			b[(*n)++] = '\\';
			b[(*n)++] = 'n';
			continue;
		}
		b[(*n)++] = (unsigned char)*s < 0x20 ? '?' : *s;
	}
	if (*n < cap)
		b[(*n)++] = '"';
}

const char *
log_q(const char *s)
{
	static __thread char	 bufs[4][512];
	static __thread int	 i;
	char			*b = bufs[i++ % 4];
	size_t			 n = 0;

	if (s == NULL)
		s = "";
	quote(b, &n, 511, s);
	b[n] = '\0';
	return b;
}

static void
vlog(int level, const char *msg, const char *kvfmt, va_list ap)
{
	char	b[4096], ts[TS_LEN + 1];
	size_t	n;
	int	r;

	n = (size_t)snprintf(b, sizeof(b), "ts=%s level=%s prog=%s msg=",
	    ts_now(ts), names[level], progname);
	quote(b, &n, sizeof(b) - 2, msg);
	if (kvfmt != NULL && *kvfmt != '\0' && n < sizeof(b) - 2) {
		b[n++] = ' ';
		r = vsnprintf(b + n, sizeof(b) - 1 - n, kvfmt, ap);
		if (r > 0)
			n += (size_t)r < sizeof(b) - 1 - n ? (size_t)r :
			    sizeof(b) - 2 - n;
	}
	b[n++] = '\n';
	(void)wbuf_write_all(STDERR_FILENO, b, n);	/* one line, one write */
}

void
log_msg(int level, const char *msg, const char *kvfmt, ...)
{
	va_list	ap;

	if (level < minlevel)
		return;
	va_start(ap, kvfmt);
	vlog(level, msg, kvfmt, ap);
	va_end(ap);
}

void
log_die(int code, const char *msg, const char *kvfmt, ...)
{
	va_list	ap;

	va_start(ap, kvfmt);
	vlog(LOG_ERROR, msg, kvfmt, ap);
	va_end(ap);
	exit(code);
}

int
log_rate_ok(struct log_rate *r, unsigned *suppressed)
{
	time_t	now = time(NULL);

	if (now - r->start >= (time_t)r->interval) {
		r->start = now;
		r->n = 0;
	}
	if (r->n >= r->burst) {
		r->suppressed++;
		return 0;
	}
	r->n++;
	*suppressed = r->suppressed;
	r->suppressed = 0;
	return 1;
}
