/* subject: the NATS subject of an ssmd line, and subject pattern checks.
 *
 * A line (a bare Kalshi frame, or an envelope whose "data" is one: an
 * object with a string "type") maps to
 *	{prefix}.json.{kind}.{market}	data frames with a market
 *	{prefix}.ssmd.{name}		ssmd markers ("type":"ssmd_<name>")
 *	{prefix}.other.{type}		any other object with a string "type",
 *					and data frames without a market
 *	{prefix}.other._		everything else that is JSON
 *	{prefix}.invalid		lines that are not JSON (publisher's job)
 * Tokens taken from the line are escaped: bytes other than A-Z a-z 0-9 and
 * "-" become %XX (upper-case hex), so "." in a ticker is %2E and "_"
 * never appears in an escaped token; a token that would be empty or
 * longer than SUBJECT_TOKEN_MAX sends the line to a fallback subject. */
#ifndef SSMD_SUBJECT_H
#define SSMD_SUBJECT_H

#include <stddef.h>

#define SUBJECT_TOKEN_MAX	192	/* escaped bytes of one taken token */
#define SUBJECT_MAX		512	/* a whole subject, NUL included */
/* The longest prefix with which every subject fits in SUBJECT_MAX: the
 * longest tail is ".json.event_lifecycle." and a whole token. */
#define SUBJECT_PREFIX_MAX	(SUBJECT_MAX - 1 - 22 - SUBJECT_TOKEN_MAX)

enum subject_kind {
	SUBJ_DATA,	/* {prefix}.json.{kind}.{market} */
	SUBJ_MARKER,	/* {prefix}.ssmd.{name} */
	SUBJ_OTHER,	/* {prefix}.other.{type} or {prefix}.other._ */
	SUBJ_INVALID,	/* {prefix}.invalid */
	SUBJ_NKINDS
};

/* Escape p[0..n) into out (NUL-terminated); returns the length, or -1 if
 * it is empty or would not fit in cap bytes, NUL included. */
int	subject_escape(const char *p, size_t n, char *out, size_t cap);
/* Write the subject of line p[0..n) after prefix into out (cap bytes,
 * at least SUBJECT_MAX).  The line is not validated; invalid says the
 * caller found it is not JSON.  Returns the subject_kind. */
int	subject_for(const char *prefix, const char *p, size_t n, int invalid,
	    char *out, size_t cap);
/* Nonzero if s is a valid subject without wildcards (a prefix). */
int	subject_literal_ok(const char *s);
/* Nonzero if s is a valid subject, wildcards allowed (a filter). */
int	subject_pattern_ok(const char *s);
/* Nonzero if pattern matches every subject that s[0..n) matches: for a
 * literal s, whether s matches; for a filter, whether it is covered. */
int	subject_match(const char *pattern, const char *s, size_t n);

#endif
