/* libFuzzer: NATS subject escaping.  Invariants: an escaped token is a
 * valid subject token, and unescaping it gives back the input (lossless);
 * the subject of any line is a valid literal subject. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "subject.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
unhex(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char	*p = (const char *)data;
	char		 tok[SUBJECT_TOKEN_MAX + 1], subj[SUBJECT_MAX];
	char		 back[SUBJECT_TOKEN_MAX];
	size_t		 i, o = 0;
	int		 len;

	if ((len = subject_escape(p, n, tok, sizeof(tok))) >= 0) {
		if ((size_t)len != strlen(tok) || len > SUBJECT_TOKEN_MAX ||
		    !subject_literal_ok(tok))
			__builtin_trap();
		for (i = 0; i < (size_t)len; i++) {
			if (tok[i] != '%') {
				back[o++] = tok[i];
				continue;
			}
			back[o++] = (char)(unhex(tok[i + 1]) * 16 +
			    unhex(tok[i + 2]));
			i += 2;
		}
		if (o != n || memcmp(back, p, n) != 0)
			__builtin_trap();
	}
	(void)subject_for("prod.kalshi", p, n, 0, subj, sizeof(subj));
	if (!subject_literal_ok(subj))
		__builtin_trap();
	return 0;
}
