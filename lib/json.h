/* json: a strict RFC 8259 checker for one JSON text, a string escaper and
 * a small reader of top-level object members.  None of them allocates. */
#ifndef SSMD_JSON_H
#define SSMD_JSON_H

#include <stddef.h>

struct wbuf;

enum json_err {
	JSON_OK = 0,
	JSON_EMPTY,	/* nothing but white space ("blank") */
	JSON_SYNTAX,	/* not JSON */
	JSON_TRUNCATED,	/* the text ends inside a value */
	JSON_TRAILING,	/* more after one complete value */
	JSON_NUL,	/* a NUL byte */
	JSON_UTF8,	/* invalid UTF-8 */
	JSON_DEPTH,	/* nested deeper than JSON_MAX_DEPTH */
	JSON_NERR
};

#define JSON_MAX_DEPTH	1024

/* Check that p[0..n) is exactly one JSON value with optional white space
 * around it.  On error, *erroff (if not NULL) is the offending offset. */
enum json_err	json_check(const char *p, size_t n, size_t *erroff);
/* A short stable token for an error: "syntax", "utf8", ... */
const char	*json_reason(enum json_err);
/* Nonzero if p[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int		 json_utf8_valid(const char *p, size_t n);

/* Write p[0..n) as the body of a JSON string (no quotes).  Bytes must be
 * valid UTF-8; control characters and NUL are escaped as \u00XX. */
int		 json_escape(struct wbuf *, const char *p, size_t n);

/* A span of the input. */
struct json_span {
	const char	*p;
	size_t		 len;
};

/* Find member key in the object that spans p[0..n), without validating.
 * On success out is the member's raw value (a string keeps its quotes)
 * and 0 is returned; -1 if p is not an object or has no such member. */
int	json_get(const char *p, size_t n, const char *key, struct json_span *out);
/* Where member key's value starts in the object at p[0..n), without
 * reading past its start (json_get also finds where it ends); NULL if p
 * is not an object or has no such member. */
const char	*json_find(const char *p, size_t n, const char *key);
/* Like json_get, but a string value's span excludes the quotes and -1 is
 * returned when the value is not a string. */
int	json_get_str(const char *p, size_t n, const char *key, struct json_span *out);
/* Pointer just past the string whose opening quote is at p, or NULL if it
 * does not end before end.  Not validated: for text json_check passed. */
const char	*json_skip_string(const char *p, const char *end);
/* Pointer just past the value that starts at p, or NULL if malformed. */
const char	*json_skip(const char *p, const char *end);

#endif
