/* template: fill {field} placeholders of a subject from a line. */
#include <string.h>

#include "json.h"
#include "subject.h"
#include "template.h"

#define NAME_MAX_LEN	128

static int
name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Length of the placeholder name at t (just past '{'), up to '}'; -1 if
 * malformed. */
static int
name_len(const char *t)
{
	int	n = 0;

	while (n <= NAME_MAX_LEN && name_char(t[n]))
		n++;
	if (n == 0 || n > NAME_MAX_LEN || t[n] != '}' || t[0] == '.' ||
	    t[n - 1] == '.' || memmem(t, (size_t)n, "..", 2) != NULL)
		return -1;
	return n;
}

enum template_res
template_check(const char *tmpl, char *wild, size_t cap)
{
	char		 x[SUBJECT_MAX], *o = x;
	const char	*t, *tok;
	size_t		 w = 0;
	int		 n, fields = 0, star;

	/* every placeholder as "x": the rest must be a valid literal */
	for (t = tmpl; *t != '\0'; t++) {
		if ((size_t)(o - x) + 2 >= sizeof(x))
			return TEMPLATE_BAD;
		if (*t == '}')
			return TEMPLATE_BAD;
		if (*t != '{') {
			*o++ = *t;
			continue;
		}
		if ((n = name_len(t + 1)) == -1)
			return TEMPLATE_BAD;
		*o++ = 'x';
		t += n + 1;
		fields++;
	}
	*o = '\0';
	if (!subject_literal_ok(x))
		return TEMPLATE_BAD;
	/* the covering filter: tokens with a placeholder become "*" (a dot
	 * inside braces is part of a name, not a token boundary) */
	for (tok = tmpl; *tok != '\0';) {
		for (n = 0, star = 0; tok[n] != '\0' && tok[n] != '.'; n++)
			if (tok[n] == '{') {
				star = 1;
				n += name_len(tok + n + 1) + 1;
			}
		if (w + (size_t)(star ? 1 : n) + 2 > cap)
			return TEMPLATE_BAD;
		if (w > 0)
			wild[w++] = '.';
		if (star)
			wild[w++] = '*';
		else {
			memcpy(wild + w, tok, (size_t)n);
			w += (size_t)n;
		}
		tok += n;
		if (*tok == '.')
			tok++;
	}
	wild[w] = '\0';
	return fields ? TEMPLATE_FIELDS : TEMPLATE_FIXED;
}

/* The value of a dotted name in the object p[0..n), or -1. */
static int
lookup(const char *p, size_t n, const char *name, size_t nl,
    struct json_span *v)
{
	char		 seg[NAME_MAX_LEN + 1];
	const char	*dot;
	size_t		 sl;
	struct json_span cur = { p, n };

	for (;;) {
		dot = memchr(name, '.', nl);
		sl = dot != NULL ? (size_t)(dot - name) : nl;
		memcpy(seg, name, sl);
		seg[sl] = '\0';
		if (json_get(cur.p, cur.len, seg, &cur) == -1)
			return -1;
		if (dot == NULL)
			break;
		name += sl + 1;
		nl -= sl + 1;
	}
	*v = cur;
	return 0;
}

/* One field, escaped, into out; "_" when it cannot be filled. */
static size_t
field(const char *p, size_t n, const char *name, size_t nl, char *out,
    size_t cap)
{
	struct json_span v, data;
	const char	*s;
	size_t		 sl;
	int		 r = -1;

	if (lookup(p, n, name, nl, &v) == 0 ||
	    (json_get(p, n, "data", &data) == 0 && data.len > 0 &&
	    data.p[0] == '{' && lookup(data.p, data.len, name, nl, &v) == 0)) {
		s = v.p;
		sl = v.len;
		if (sl >= 2 && s[0] == '"') {
			s++;
			sl -= 2;
		} else if (sl == 0 || s[0] == '{' || s[0] == '[' ||
		    (sl == 4 && memcmp(s, "null", 4) == 0))
			sl = 0;
		if (sl > 0)
			r = subject_escape(s, sl, out, cap);
	}
	if (r < 0 && cap >= 2) {
		out[0] = '_';
		out[1] = '\0';
		return 1;
	}
	return r < 0 ? 0 : (size_t)r;
}

void
template_render(const char *tmpl, const char *p, size_t n, char *out,
    size_t cap)
{
	char		 tok[SUBJECT_TOKEN_MAX + 1];
	const char	*t;
	size_t		 o = 0, fl;
	int		 nl;

	for (t = tmpl; *t != '\0' && o + 1 < cap; t++) {
		if (*t != '{') {
			out[o++] = *t;
			continue;
		}
		nl = name_len(t + 1);	/* checked by template_check */
		fl = field(p, n, t + 1, (size_t)nl, tok, sizeof(tok));
		if (o + fl + 1 >= cap)
			fl = 0;
		if (fl == 0 && o + 2 < cap)
			out[o++] = '_';
		memcpy(out + o, tok, fl);
		o += fl;
		t += nl + 1;
	}
	out[o] = '\0';
}
