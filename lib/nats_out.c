#include <string.h>

#include "b64.h"
#include "json.h"
#include "nats_out.h"
#include "ts.h"
#include "wbuf.h"

void
nout_u64(struct wb *w, uint64_t v)
{
	char	buf[24];
	int	i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wb_put(w, buf + i, sizeof(buf) - (size_t)i);
}

static void
annotation(struct wb *w, const struct nout_msg *m)
{
	wb_puts(w, "\"_nats_seq\":");
	nout_u64(w, m->seq);
	wb_puts(w, ",\"_received_at\":");
	nout_u64(w, m->recv_us < 0 ? 0 : (uint64_t)m->recv_us);
}

static int
ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
bad_payload(struct wb *w, const struct nout_msg *m, const char *why,
    int annotate)
{
	struct b64	b;
	int		utf8 = utf8_valid(m->p, m->len);

	wb_puts(w, "{\"type\":\"ssmd_nats_bad_payload\",\"reason\":\"");
	wb_put(w, why, strlen(why));
	wb_puts(w, "\",\"subject\":\"");
	json_escape(w, m->subject, strlen(m->subject));
	wb_puts(w, "\",\"bytes\":");
	nout_u64(w, m->len);
	if (utf8) {
		wb_puts(w, ",\"raw\":\"");
		json_escape(w, m->p, m->len);
	} else {
		wb_puts(w, ",\"raw_b64\":\"");
		b64_begin(&b);
		b64_put(&b, w, m->p, m->len);
		b64_end(&b, w);
	}
	wb_puts(w, "\"");
	if (annotate) {
		wb_putc(w, ',');
		annotation(w, m);
	}
	wb_puts(w, "}\n");
}

int
nout_msg(struct wb *w, const struct nout_msg *m, int annotate)
{
	enum json_err	 e;
	const char	*s = m->p, *end = m->p + m->len;

	if ((e = json_check(m->p, m->len, NULL)) != JSON_OK) {
		bad_payload(w, m, json_reason(e), annotate);
		return 1;
	}
	/* JSON allows newlines between tokens; a line does not. */
	if (memchr(m->p, '\n', m->len) != NULL ||
	    memchr(m->p, '\r', m->len) != NULL) {
		bad_payload(w, m, "multiline", annotate);
		return 1;
	}
	if (!annotate) {
		wb_put(w, m->p, m->len);
		wb_putc(w, '\n');
		return 0;
	}
	while (ws(*s))
		s++;
	while (ws(end[-1]))
		end--;
	if (*s != '{') {
		bad_payload(w, m, "not_object", annotate);
		return 1;
	}
	wb_put(w, s, (size_t)(end - 1 - s));
	for (s++; ws(*s); s++)
		;
	if (*s != '}')
		wb_putc(w, ',');
	annotation(w, m);
	wb_puts(w, "}\n");
	return 0;
}

void
nout_gap(struct wb *w, const char *stream, uint64_t expected, uint64_t seq,
    int64_t now_us)
{
	char		ts[TS_LEN + 1];
	struct timespec	t;

	t.tv_sec = now_us / 1000000;
	t.tv_nsec = (long)(now_us % 1000000) * 1000;
	ts_format(ts, &t);
	wb_puts(w, "{\"type\":\"ssmd_stream_gap\",\"ts\":\"");
	wb_put(w, ts, TS_LEN);
	wb_puts(w, "\",\"stream\":\"");
	json_escape(w, stream, strlen(stream));
	wb_puts(w, "\",\"expected_seq\":");
	nout_u64(w, expected);
	wb_puts(w, ",\"seq\":");
	nout_u64(w, seq);
	wb_puts(w, ",\"missing\":");
	nout_u64(w, seq - expected);
	wb_puts(w, "}\n");
}
