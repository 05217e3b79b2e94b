#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"
#include "wbuf.h"

typedef const unsigned char uc;

static const char *const reasons[JSON_NERR] = {
	"ok", "blank", "syntax", "truncated", "trailing", "nul", "utf8",
	"depth",
};

const char *
json_reason(enum json_err e)
{
	return (unsigned)e < JSON_NERR ? reasons[e] : "unknown";
}

/* Length of the valid UTF-8 sequence of 2-4 bytes at p, or 0. */
static size_t
utf8_seq(uc *p, uc *end)
{
	unsigned	c = p[0];
	size_t		n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

int
json_utf8_valid(const char *s, size_t len)
{
	uc	*p = (uc *)s, *end = p + len;
	size_t	 n;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = utf8_seq(p, end)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Nonzero if any of 8 bytes needs a closer look inside a string: a quote,
 * a backslash, a control character or a non-ASCII byte. */
static inline uint64_t
str_special(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b) | v;
}

static int
ishex(unsigned c)
{
	return (c - '0' < 10u) || ((c | 0x20) - 'a' < 6u);
}

/* Pointer to the first byte at or after p that needs a closer look inside
 * a string (or end).  Eight bytes at a time: in str_special's mask the
 * lowest flagged byte is exact (borrows only run upwards), so on a
 * little-endian machine it is found with one count of trailing zeros. */
static inline uc *
str_plain(uc *p, uc *end)
{
	uint64_t	v, m;

#ifdef __SSE2__
	/* Sixteen at a time: a signed compare with 0x20 flags both control
	 * characters and non-ASCII bytes. */
	const __m128i	quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i	space = _mm_set1_epi8(0x20);
	__m128i		x;
	unsigned	bits;

	while (end - p >= 16) {
		x = _mm_loadu_si128((const __m128i *)p);
		bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
		    _mm_cmplt_epi8(x, space)));
		if (bits != 0)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		memcpy(&v, p, 8);
		if ((m = str_special(v) & HIGHS) != 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* Scan a string body after its opening quote; return the byte after the
 * closing quote, or NULL with *err set.  Inlined: it runs for every key. */
static inline __attribute__((always_inline)) uc *
scan_string(uc *p, uc *end, enum json_err *err, uc **errp)
{
	size_t	n;

	for (;;) {
		if ((p = str_plain(p, end)) == end)
			goto trunc;
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			if (end - p < 2)
				goto trunc;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				for (n = 2; n < 6; n++) {
					if (p + n == end)
						goto trunc;
					if (!ishex(p[n])) {
						p += n;
						goto syntax;
					}
				}
				p += 6;
				continue;
			default:
				p++;
				goto syntax;
			}
		}
		if (*p >= 0x80) {
			if ((n = utf8_seq(p, end)) == 0) {
				*err = JSON_UTF8;
				*errp = p;
				return NULL;
			}
			p += n;
			continue;
		}
		goto syntax;	/* a raw control character (NUL is sorted later) */
	}
trunc:
	*err = JSON_TRUNCATED;
	*errp = p;
	return NULL;
syntax:
	*err = JSON_SYNTAX;
	*errp = p;
	return NULL;
}

static inline uc *
skip_ws(uc *p, uc *end)
{
	/* Compact JSON has no white space: one compare decides. */
	while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' ||
	    *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static uc *
digits(uc *p, uc *end)
{
	while (p < end && (unsigned)(*p - '0') < 10)
		p++;
	return p;
}

/* Scan a number; NULL with *err set if malformed. */
static uc *
scan_number(uc *p, uc *end, enum json_err *err, uc **errp)
{
	uc	*q;

	if (*p == '-' && ++p == end)
		goto trunc;
	if (*p == '0')
		p++;
	else if ((unsigned)(*p - '1') < 9)
		p = digits(p, end);
	else
		goto syntax;
	if (p < end && *p == '.') {
		if (++p == end)
			goto trunc;
		if ((q = digits(p, end)) == p)
			goto syntax;
		p = q;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end)
			goto trunc;
		if ((q = digits(p, end)) == p)
			goto syntax;
		p = q;
	}
	return p;
trunc:
	*err = JSON_TRUNCATED;
	*errp = p;
	return NULL;
syntax:
	*err = JSON_SYNTAX;
	*errp = p;
	return NULL;
}

static uc *
scan_literal(uc *p, uc *end, enum json_err *err, uc **errp)
{
	static const char *const lits[] = { "true", "false", "null" };
	const char	*l = lits[*p == 't' ? 0 : *p == 'f' ? 1 : 2];
	size_t		 i, n = strlen(l);

	for (i = 0; i < n; i++, p++) {
		if (p == end) {
			*err = JSON_TRUNCATED;
			*errp = p;
			return NULL;
		}
		if (*p != (uc)l[i]) {
			*err = JSON_SYNTAX;
			*errp = p;
			return NULL;
		}
	}
	return p;
}

/* A syntax error at a NUL or at a byte that starts no valid UTF-8 is
 * reported as such: those are the classes users ask about. */
static enum json_err
classify(enum json_err e, uc *p, uc *end)
{
	if (p < end && (e == JSON_SYNTAX || e == JSON_TRAILING)) {
		if (*p == 0)
			return JSON_NUL;
		if (*p >= 0x80 && utf8_seq(p, end) == 0)
			return JSON_UTF8;
	}
	return e;
}

/* Skip white space, calling out only when there is some. */
#define WS(p)	do { if ((p) < end && *(p) <= ' ') (p) = skip_ws((p), end); } while (0)

enum json_err
json_check(const char *s, size_t n, size_t *erroff)
{
	uc		*p = (uc *)s, *end = p + n, *errp = p;
	uint64_t	 stack[JSON_MAX_DEPTH / 64];	/* 1 bit: in an object */
	int		 depth = 0, obj = 0;
	enum json_err	 err = JSON_OK;

	WS(p);
	if (p == end) {
		err = JSON_EMPTY;
		goto fail;
	}
value:
	if (p == end)
		goto trunc;
	switch (*p) {
	case '{':
	case '[':
		if (depth == JSON_MAX_DEPTH) {
			err = JSON_DEPTH;
			goto fail_at;
		}
		obj = *p == '{';
		if (obj)
			stack[depth / 64] |= 1ULL << (depth % 64);
		else
			stack[depth / 64] &= ~(1ULL << (depth % 64));
		depth++;
		p++;
		WS(p);
		if (p == end)
			goto trunc;
		if (*p == (obj ? '}' : ']'))
			goto pop;
		if (obj)
			goto key;
		goto value;
	case '"':
		if ((p = scan_string(p + 1, end, &err, &errp)) == NULL)
			goto fail;
		goto next;
	case 't': case 'f': case 'n':
		if ((p = scan_literal(p, end, &err, &errp)) == NULL)
			goto fail;
		goto next;
	default:
		if (*p == '-' || (unsigned)(*p - '0') < 10) {
			if ((p = scan_number(p, end, &err, &errp)) == NULL)
				goto fail;
			goto next;
		}
		err = JSON_SYNTAX;
		goto fail_at;
	}
key:
	if (*p != '"') {
		err = JSON_SYNTAX;
		goto fail_at;
	}
	if ((p = scan_string(p + 1, end, &err, &errp)) == NULL)
		goto fail;
	WS(p);
	if (p == end)
		goto trunc;
	if (*p != ':') {
		err = JSON_SYNTAX;
		goto fail_at;
	}
	p++;
	WS(p);
	goto value;
next:
	WS(p);
	if (depth == 0) {
		if (p == end)
			return JSON_OK;
		err = JSON_TRAILING;
		goto fail_at;
	}
	if (p == end)
		goto trunc;
	if (*p == ',') {
		p++;
		WS(p);
		if (p == end)
			goto trunc;
		if (obj)
			goto key;
		goto value;
	}
	if (*p == (obj ? '}' : ']'))
		goto pop;
	err = JSON_SYNTAX;
	goto fail_at;
pop:
	/* obj always says what the innermost open container is. */
	p++;
	if (--depth > 0)
		obj = (stack[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
	goto next;
trunc:
	err = JSON_TRUNCATED;
fail_at:
	errp = p;
fail:
	err = classify(err, errp, end);
	if (erroff != NULL)
		*erroff = (const char *)errp - s;
	return err;
}

int
json_escape(struct wbuf *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uc	*p = (uc *)s, *end = p + n, *run = p;
	char	 esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	for (; p < end; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		wbuf_put(w, run, p - run);
		run = p + 1;
		switch (*p) {
		case '"':  wbuf_puts(w, "\\\""); break;
		case '\\': wbuf_puts(w, "\\\\"); break;
		case '\n': wbuf_puts(w, "\\n"); break;
		case '\r': wbuf_puts(w, "\\r"); break;
		case '\t': wbuf_puts(w, "\\t"); break;
		default:
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			wbuf_put(w, esc, 6);
		}
	}
	return wbuf_put(w, run, p - run);
}

const char *
json_skip_string(const char *s, const char *e)
{
	uc	*p = (uc *)s + 1, *end = (uc *)e;

	for (;;) {
		if ((p = str_plain(p, end)) == end)
			return NULL;
		if (*p == '"')
			return (const char *)p + 1;
		p += *p == '\\' ? 2 : 1;	/* an escape, or a byte not checked here */
		if (p > end)
			return NULL;
	}
}

const char *
json_skip(const char *s, const char *e)
{
	uc	*p = (uc *)s, *end = (uc *)e;
	int	 depth = 0;

	do {
		p = skip_ws(p, end);
		if (p == end)
			return NULL;
		switch (*p) {
		case '"':
			if ((p = (uc *)json_skip_string((const char *)p,
			    (const char *)end)) == NULL)
				return NULL;
			break;
		case '{': case '[':
			depth++;
			p++;
			break;
		case '}': case ']':
			if (--depth < 0)
				return NULL;
			p++;
			break;
		case ',': case ':':
			if (depth == 0)
				return NULL;
			p++;
			break;
		default:	/* number or literal */
			while (p < end && *p != ',' && *p != '}' &&
			    *p != ']' && *p != ' ' && *p != '\n' &&
			    *p != '\t' && *p != '\r' && *p != ':')
				p++;
		}
	} while (depth > 0);
	return (const char *)p;
}

const char *
json_find(const char *s, size_t n, const char *key)
{
	uc	*p = (uc *)s, *end = p + n, *k, *v;
	size_t	 klen = strlen(key), kl;

	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return NULL;
	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		k = p + 1;
		if ((p = (uc *)json_skip((const char *)p, (const char *)end)) == NULL)
			return NULL;
		kl = p - 1 - k;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return NULL;
		v = skip_ws(p + 1, end);
		if (kl == klen && memcmp(k, key, klen) == 0)
			return v < end ? (const char *)v : NULL;
		if ((p = (uc *)json_skip((const char *)v, (const char *)end)) == NULL)
			return NULL;
		p = skip_ws(p, end);
		if (p == end || *p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
	return NULL;
}

int
json_get(const char *s, size_t n, const char *key, struct json_span *out)
{
	const char	*v = json_find(s, n, key), *e;

	if (v == NULL || (e = json_skip(v, s + n)) == NULL)
		return -1;
	out->p = v;
	out->len = e - v;
	return 0;
}

int
json_get_str(const char *s, size_t n, const char *key, struct json_span *out)
{
	if (json_get(s, n, key, out) == -1 || out->len < 2 ||
	    out->p[0] != '"')
		return -1;
	out->p++;
	out->len -= 2;
	return 0;
}
