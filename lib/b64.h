/* b64: base64 (RFC 4648, with padding) written through a wbuf, in pieces. */
#ifndef SSMD_B64_H
#define SSMD_B64_H

#include <stddef.h>

struct wbuf;

struct b64 {
	unsigned char	carry[3];
	int		ncarry;
};

void	b64_begin(struct b64 *);
int	b64_put(struct b64 *, struct wbuf *, const void *, size_t);
int	b64_end(struct b64 *, struct wbuf *);
/* One-shot: out needs 4 * ((n + 2) / 3) + 1 bytes; returns the length. */
size_t	b64_encode(const void *, size_t, char *out);

#endif
