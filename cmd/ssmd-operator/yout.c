/* yout: jansson to YAML (see yout.h). */
#include <stdio.h>
#include <string.h>

#include "yin.h"
#include "yout.h"

int
yout_plain_ok(const char *s)
{
	const char	*p;
	size_t		 n = strlen(s);
	json_t		*v;
	int		 ok;

	if (n == 0 || s[n - 1] == ' ')
		return 0;
	/* "--name" is plain; "- x" and "---" are not. */
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9') || *s == '/' || *s == '_' ||
	    (*s == '-' && n > 1 && s[1] != ' ' && strncmp(s, "---", 3) != 0)))
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_.-+=@ :", *p)))
			return 0;
		/* ": " starts a mapping value; a final ':' too. */
		if (*p == ':' && (p[1] == ' ' || p[1] == '\0'))
			return 0;
	}
	/* A one-letter y or n is a boolean to some YAML 1.1 readers. */
	if (n == 1 && strchr("yYnN", *s))
		return 0;
	v = yin_plain(s, n);
	ok = json_is_string(v);
	json_decref(v);
	return ok;
}

/* A literal block keeps the text exactly when every line is printable,
 * has no trailing blank, and the first does not start with a space. */
static int
block_ok(const char *s)
{
	const char	*p;

	if (strchr(s, '\n') == NULL || *s == ' ' || *s == '\n')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return 0;
		if (*p == ' ' && (p[1] == '\n' || p[1] == '\0'))
			return 0;
		if (*p == '\n' && p[1] == '\n' && p[2] == '\0')
			return 0;	/* trailing empty lines need |+ */
	}
	return 1;
}

static void
indent(FILE *f, int n)
{
	while (n-- > 0)
		fputc(' ', f);
}

static void
quoted(FILE *f, const char *s)
{
	json_t	*v = json_string(s);

	json_dumpf(v, f, JSON_ENCODE_ANY);
	json_decref(v);
}

static void
scalar(FILE *f, const json_t *v, int ind)
{
	const char	*s, *p, *nl;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if (yout_plain_ok(s))
			fputs(s, f);
		else if (block_ok(s)) {
			fputs(s[strlen(s) - 1] == '\n' ? "|" : "|-", f);
			for (p = s; *p != '\0'; p = *nl ? nl + 1 : nl) {
				if ((nl = strchr(p, '\n')) == NULL)
					nl = p + strlen(p);
				fputc('\n', f);
				if (nl > p)
					indent(f, ind);
				fwrite(p, 1, (size_t)(nl - p), f);
			}
		} else
			quoted(f, s);
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		json_dumpf(v, f, JSON_ENCODE_ANY);
		break;
	default:
		break;
	}
}

static int
empty(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0);
}

static void	node(FILE *, const json_t *, int ind, int inline_first);

/* After "key:" or "- ": the value on the same line or below. */
static void
value(FILE *f, const json_t *v, int ind)
{
	if (json_is_object(v) && !empty(v)) {
		fputc('\n', f);
		node(f, v, ind, 0);
	} else if (json_is_array(v) && !empty(v)) {
		fputc('\n', f);
		node(f, v, ind, 0);
	} else {
		fputc(' ', f);
		if (empty(v))
			fputs(json_is_object(v) ? "{}" : "[]", f);
		else
			scalar(f, v, ind);
		fputc('\n', f);
	}
}

static void
node(FILE *f, const json_t *v, int ind, int inline_first)
{
	const char	*k;
	json_t		*c;
	size_t		 i;
	int		 first = 1;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) {
			if (!(first && inline_first))
				indent(f, ind);
			first = 0;
			if (yout_plain_ok(k))
				fputs(k, f);
			else
				quoted(f, k);
			fputc(':', f);
			value(f, c, ind + 2);
		}
		return;
	}
	json_array_foreach(v, i, c) {
		if (!(first && inline_first))
			indent(f, ind);
		first = 0;
		fputc('-', f);
		if ((json_is_object(c) || json_is_array(c)) && !empty(c)) {
			fputc(' ', f);
			node(f, c, ind + 2, 1);
		} else
			value(f, c, ind + 2);
	}
}

void
yout_doc(FILE *f, const json_t *v)
{
	if (empty(v) || !(json_is_object(v) || json_is_array(v))) {
		if (empty(v))
			fputs(json_is_object(v) ? "{}" : "[]", f);
		else
			scalar(f, v, 0);
		fputc('\n', f);
		return;
	}
	node(f, v, 0, 0);
}
