#include <stdio.h>

#include "badline.h"
#include "lineio.h"
#include "metrics.h"
#include "ts.h"
#include "wbuf.h"

const char *
badline_reason(int why)
{
	return why == BADLINE_TOO_LONG ? "too_long" : json_reason(why);
}

int
badline_needs_b64(const char *p, size_t n)
{
	return !json_utf8_valid(p, n);
}

void
badline_begin(struct badline *b, struct wbuf *w, const struct timespec *t,
    const char *feed, int why, uint64_t line, int b64)
{
	char	ts[TS_LEN + 1], buf[256];
	int	n;

	ts_format(ts, t);
	n = snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",\"feed\":\"%s\","
	    "\"error\":\"%s\",\"line\":%llu,\"%s\":\"", ts, feed,
	    badline_reason(why), (unsigned long long)line,
	    b64 ? "raw_b64" : "raw");
	wbuf_put(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	b->is_b64 = b64;
	b->bytes = 0;
	b64_begin(&b->b64);
}

void
badline_put(struct badline *b, struct wbuf *w, const char *p, size_t n)
{
	b->bytes += n;
	if (b->is_b64)
		b64_put(&b->b64, w, p, n);
	else
		json_escape(w, p, n);
}

void
badline_end(struct badline *b, struct wbuf *w)
{
	char	buf[64];
	int	n;

	if (b->is_b64)
		b64_end(&b->b64, w);
	n = snprintf(buf, sizeof(buf), "\",\"bytes\":%llu}",
	    (unsigned long long)b->bytes);
	wbuf_put(w, buf, n);
}

void
badline_stat_init(struct badline_stat *st, const char *prefix, const char *labels)
{
	char	name[96], lab[256];
	int	i;

#define REG(field, what, help) do {					\
	snprintf(name, sizeof(name), "%s_%s", prefix, what);		\
	st->field = metrics_counter(name, labels, help);		\
} while (0)
	REG(in, "lines_in_total",
	    "Lines read, empty and invalid ones included.");
	REG(bytes_in, "bytes_in_total", "Bytes read.");
	REG(empty, "empty_lines_total", "Empty lines skipped.");
#undef REG
	snprintf(name, sizeof(name), "%s_invalid_lines_total", prefix);
	for (i = JSON_EMPTY; i < BADLINE_NREASONS; i++) {
		snprintf(lab, sizeof(lab), "%s%sreason=\"%s\"",
		    labels ? labels : "", labels ? "," : "", badline_reason(i));
		st->invalid[i] = metrics_counter(name, lab,
		    "Lines that are not one JSON value, by reason.");
	}
}

const char *
badline_hint(const char *p, size_t n)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i, nul = 0;

	if (n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		return "the input starts with a UTF-8 byte order mark: "
		    "remove it (sed '1s/^\\xEF\\xBB\\xBF//')";
	if (n >= 2 && ((u[0] == 0xff && u[1] == 0xfe) ||
	    (u[0] == 0xfe && u[1] == 0xff)))
		return "the input looks like UTF-16 (byte order mark): "
		    "convert it (iconv -f UTF-16 -t UTF-8)";
	for (i = 0; i < n; i++)
		nul += u[i] == 0;
	if (n >= 4 && nul * 4 >= n)
		return "the input looks like UTF-16 (every other byte NUL): "
		    "convert it (iconv -f UTF-16 -t UTF-8)";
	return NULL;
}

uint64_t
badline_stat_invalid(const struct badline_stat *st)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < BADLINE_NREASONS; i++)
		if (st->invalid[i] != NULL)
			n += (uint64_t)metrics_value(st->invalid[i]);
	return n;
}

int
badline_stat_line(struct badline_stat *st, const struct lineio_line *l)
{
	enum json_err	e;

	if (l->flags & LINEIO_LONG) {
		if (l->flags & LINEIO_FIRST) {
			metrics_inc(st->in);
			metrics_inc(st->invalid[BADLINE_TOO_LONG]);
		}
		return BADLINE_LONG;
	}
	metrics_inc(st->in);
	if (l->len == 0) {
		metrics_inc(st->empty);
		return BADLINE_EMPTY;
	}
	if ((e = json_check(l->p, l->len, NULL)) != JSON_OK)
		metrics_inc(st->invalid[e]);
	return e;
}
