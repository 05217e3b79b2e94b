#include <stdio.h>

#include "badline.h"
#include "lineio.h"
#include "metrics.h"
#include "ts.h"
#include "wbuf.h"

const char *
bad_reason(int why)
{
	return why == BAD_TOO_LONG ? "too_long" : json_reason(why);
}

int
bad_needs_b64(const char *p, size_t n)
{
	return !utf8_valid(p, n);
}

void
bad_begin(struct badline *b, struct wb *w, const struct timespec *t,
    const char *feed, int why, uint64_t line, int b64)
{
	char	ts[TS_LEN + 1], buf[256];
	int	n;

	ts_format(ts, t);
	n = snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",\"feed\":\"%s\","
	    "\"error\":\"%s\",\"line\":%llu,\"%s\":\"", ts, feed,
	    bad_reason(why), (unsigned long long)line,
	    b64 ? "raw_b64" : "raw");
	wb_put(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	b->is_b64 = b64;
	b->bytes = 0;
	b64_begin(&b->b64);
}

void
bad_put(struct badline *b, struct wb *w, const char *p, size_t n)
{
	b->bytes += n;
	if (b->is_b64)
		b64_put(&b->b64, w, p, n);
	else
		json_escape(w, p, n);
}

void
bad_end(struct badline *b, struct wb *w)
{
	char	buf[64];
	int	n;

	if (b->is_b64)
		b64_end(&b->b64, w);
	n = snprintf(buf, sizeof(buf), "\",\"bytes\":%llu}",
	    (unsigned long long)b->bytes);
	wb_put(w, buf, n);
}

void
linestat_init(struct linestat *st, const char *prefix, const char *labels)
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
	for (i = JSON_EMPTY; i < BAD_NREASONS; i++) {
		snprintf(lab, sizeof(lab), "%s%sreason=\"%s\"",
		    labels ? labels : "", labels ? "," : "", bad_reason(i));
		st->invalid[i] = metrics_counter(name, lab,
		    "Lines that are not one JSON value, by reason.");
	}
}

int
linestat_line(struct linestat *st, const struct lr_line *l)
{
	enum json_err	e;

	if (l->flags & LR_LONG) {
		if (l->flags & LR_FIRST) {
			metric_inc(st->in);
			metric_inc(st->invalid[BAD_TOO_LONG]);
		}
		return LINE_LONG;
	}
	metric_inc(st->in);
	if (l->len == 0) {
		metric_inc(st->empty);
		return LINE_EMPTY;
	}
	if ((e = json_check(l->p, l->len, NULL)) != JSON_OK)
		metric_inc(st->invalid[e]);
	return e;
}
