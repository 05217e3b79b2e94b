/* yin: YAML to jansson (see yin.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yin.h"

#define YIN_DEPTH	64	/* nesting deeper than this is refused */
#define YIN_ANCHORS	256
/* Values per input, aliases counted at their full size: a few aliases of
 * aliases must not expand to gigabytes ("billion laughs"). */
#define YIN_MAX_NODES	(1u << 18)

struct anchor {
	char	*name;
	json_t	*v;
	size_t	 nodes;		/* values in v */
};

struct yp {
	yaml_parser_t	 p;
	struct anchor	 a[YIN_ANCHORS];
	size_t		 na;
	size_t		 nodes;		/* values made so far */
	char		*err;
	size_t		 errlen;
};

static int
fail(struct yp *y, size_t line, const char *why)
{
	snprintf(y->err, y->errlen, "line %zu: %s", line + 1, why);
	return -1;
}

static int
word_in(const char *s, size_t len, const char *const *w)
{
	for (; *w != NULL; w++)
		if (strlen(*w) == len && memcmp(*w, s, len) == 0)
			return 1;
	return 0;
}

static int
all_digits(const char *s, size_t len, const char *set)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (strchr(set, s[i]) == NULL || s[i] == '\0')
			return 0;
	return len > 0;
}

/* [-+]?(digits.digits?|.digits)(e[-+]?digits)? or digits e digits */
static int
is_float(const char *s, size_t len)
{
	size_t	i = 0, d = 0, dot = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.')
			dot++;
		else
			d++;
	}
	if (d == 0 || dot > 1)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (!all_digits(s + i, len - i, "0123456789"))
			return 0;
		return 1;
	}
	return i == len && dot == 1;
}

json_t *
yin_plain(const char *s, size_t len)
{
	static const char *const nul[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	const char	*d = s;
	size_t		 dl = len;
	char		 tmp[64];
	long long	 v;
	char		*end;

	if (word_in(s, len, nul))
		return json_null();
	if (word_in(s, len, yes))
		return json_true();
	if (word_in(s, len, no))
		return json_false();
	if (len > 0 && len < sizeof(tmp) && (*s == '-' || *s == '+')) {
		d++;
		dl--;
	}
	if (len < sizeof(tmp) && all_digits(d, dl, "0123456789")) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		errno = 0;
		/* YAML 1.1: a leading 0 means octal. */
		v = strtoll(tmp, &end, dl > 1 && *d == '0' &&
		    all_digits(d, dl, "01234567") ? 8 : 10);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
		return json_stringn(s, len);
	}
	if (len < sizeof(tmp) && is_float(s, len)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		return json_real(strtod(tmp, NULL));
	}
	return json_stringn(s, len);
}

static json_t	*node(struct yp *, yaml_event_t *, int depth);

static void
anchor_set(struct yp *y, const yaml_char_t *name, json_t *v, size_t nodes)
{
	if (name == NULL || v == NULL || y->na >= YIN_ANCHORS)
		return;
	y->a[y->na].name = strdup((const char *)name);
	y->a[y->na].v = json_incref(v);
	y->a[y->na].nodes = nodes;
	y->na++;
}

static json_t *
anchor_get(struct yp *y, const yaml_char_t *name, size_t line)
{
	size_t	i;

	for (i = y->na; i-- > 0;)
		if (y->a[i].name && strcmp(y->a[i].name, (const char *)name) == 0) {
			y->nodes += y->a[i].nodes;
			if (y->nodes > YIN_MAX_NODES) {
				fail(y, line, "too many values (aliases expand "
				    "past the limit)");
				return NULL;
			}
			return json_deep_copy(y->a[i].v);
		}
	fail(y, line, "unknown alias");
	return NULL;
}

static int
next(struct yp *y, yaml_event_t *e)
{
	if (!yaml_parser_parse(&y->p, e))
		return fail(y, y->p.problem_mark.line, y->p.problem ?
		    y->p.problem : "YAML syntax error");
	return 0;
}

static json_t *
scalar(yaml_event_t *e)
{
	const char	*s = (const char *)e->data.scalar.value;
	size_t		 n = e->data.scalar.length;
	const char	*tag = (const char *)e->data.scalar.tag;

	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (tag != NULL && strcmp(tag, YAML_STR_TAG) == 0))
		return json_stringn(s, n);
	return yin_plain(s, n);
}

static json_t *
mapping(struct yp *y, int depth)
{
	json_t		*o = json_object(), *k, *v;
	yaml_event_t	 e;
	char		 num[64];
	const char	*ks;

	for (;;) {
		if (next(y, &e) == -1)
			goto bad;
		if (e.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&e);
			return o;
		}
		k = node(y, &e, depth + 1);
		if (k == NULL)
			goto bad;
		if (json_is_string(k))
			ks = json_string_value(k);
		else if (json_is_integer(k)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(k));
			ks = num;
		} else if (json_is_boolean(k))
			ks = json_is_true(k) ? "true" : "false";
		else {
			json_decref(k);
			fail(y, y->p.mark.line, "a mapping key must be a scalar");
			goto bad;
		}
		if (next(y, &e) == -1 || (v = node(y, &e, depth + 1)) == NULL) {
			json_decref(k);
			goto bad;
		}
		if (json_object_get(o, ks) != NULL) {
			json_decref(k);
			json_decref(v);
			fail(y, y->p.mark.line, "duplicate mapping key");
			goto bad;
		}
		json_object_set_new(o, ks, v);
		json_decref(k);
	}
bad:
	json_decref(o);
	return NULL;
}

static json_t *
sequence(struct yp *y, int depth)
{
	json_t		*a = json_array(), *v;
	yaml_event_t	 e;

	for (;;) {
		if (next(y, &e) == -1)
			goto bad;
		if (e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			return a;
		}
		if ((v = node(y, &e, depth + 1)) == NULL)
			goto bad;
		json_array_append_new(a, v);
	}
bad:
	json_decref(a);
	return NULL;
}

/* The value starting at event e (consumed). */
static json_t *
node(struct yp *y, yaml_event_t *e, int depth)
{
	json_t		*v = NULL;
	yaml_char_t	*anchor = NULL;
	size_t		 line = e->start_mark.line, start = y->nodes;

	if (depth > YIN_DEPTH) {
		yaml_event_delete(e);
		fail(y, line, "nested too deep");
		return NULL;
	}
	if (++y->nodes > YIN_MAX_NODES) {
		yaml_event_delete(e);
		fail(y, line, "too many values");
		return NULL;
	}
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		v = scalar(e);
		anchor = e->data.scalar.anchor;
		break;
	case YAML_ALIAS_EVENT:
		v = anchor_get(y, e->data.alias.anchor, line);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		if (anchor != NULL)
			anchor = (yaml_char_t *)strdup((char *)anchor);
		yaml_event_delete(e);
		v = mapping(y, depth);
		anchor_set(y, anchor, v, y->nodes - start);
		free(anchor);
		return v;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		if (anchor != NULL)
			anchor = (yaml_char_t *)strdup((char *)anchor);
		yaml_event_delete(e);
		v = sequence(y, depth);
		anchor_set(y, anchor, v, y->nodes - start);
		free(anchor);
		return v;
	default:
		fail(y, line, "unexpected YAML event");
		break;
	}
	if (anchor != NULL)
		anchor_set(y, anchor, v, 1);
	yaml_event_delete(e);
	return v;
}

int
yin_parse(const char *buf, size_t len, json_t *docs, char *err,
    size_t errlen)
{
	struct yp	 y = { .err = err, .errlen = errlen };
	yaml_event_t	 e;
	json_t		*v;
	int		 rc = -1, done = 0;
	size_t		 i;

	yaml_parser_initialize(&y.p);
	yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
	while (!done) {
		if (next(&y, &e) == -1)
			goto out;
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			yaml_event_delete(&e);
			break;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&e);
			break;
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(&e);
			if (next(&y, &e) == -1)
				goto out;
			if ((v = node(&y, &e, 0)) == NULL)
				goto out;
			if (json_is_null(v))
				json_decref(v);
			else
				json_array_append_new(docs, v);
			break;
		default:
			yaml_event_delete(&e);
			fail(&y, y.p.mark.line, "unexpected YAML event");
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < y.na; i++) {
		free(y.a[i].name);
		json_decref(y.a[i].v);
	}
	yaml_parser_delete(&y.p);
	return rc;
}
