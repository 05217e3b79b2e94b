#include <string.h>

#include "b64.h"
#include "wbuf.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
quad(const unsigned char *in, size_t n, char *out)
{
	unsigned	v = in[0] << 16;

	if (n > 1)
		v |= in[1] << 8;
	if (n > 2)
		v |= in[2];
	out[0] = alphabet[v >> 18];
	out[1] = alphabet[(v >> 12) & 63];
	out[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
	out[3] = n > 2 ? alphabet[v & 63] : '=';
}

size_t
b64_encode(const void *src, size_t n, char *out)
{
	const unsigned char	*p = src;
	size_t			 o = 0;

	for (; n >= 3; n -= 3, p += 3, o += 4)
		quad(p, 3, out + o);
	if (n > 0) {
		quad(p, n, out + o);
		o += 4;
	}
	out[o] = '\0';
	return o;
}

void
b64_begin(struct b64 *b)
{
	b->ncarry = 0;
}

int
b64_put(struct b64 *b, struct wbuf *w, const void *src, size_t n)
{
	const unsigned char	*p = src;
	char			 out[4 * 1024];
	size_t			 o;

	/* Complete a group left over from the previous piece first. */
	while (b->ncarry > 0 && n > 0) {
		b->carry[b->ncarry++] = *p++;
		n--;
		if (b->ncarry == 3) {
			quad(b->carry, 3, out);
			wbuf_put(w, out, 4);
			b->ncarry = 0;
		}
	}
	if (b->ncarry > 0)	/* the piece did not complete the group */
		return w->state;
	while (n >= 3) {
		for (o = 0; n >= 3 && o < sizeof(out); o += 4) {
			quad(p, 3, out + o);
			p += 3;
			n -= 3;
		}
		wbuf_put(w, out, o);
	}
	memcpy(b->carry, p, n);
	b->ncarry = n;
	return w->state;
}

int
b64_end(struct b64 *b, struct wbuf *w)
{
	char	out[4];

	if (b->ncarry > 0) {
		quad(b->carry, b->ncarry, out);
		wbuf_put(w, out, 4);
	}
	b->ncarry = 0;
	return w->state;
}
