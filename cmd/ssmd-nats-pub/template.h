/* template: --subject TEMPLATE, a subject with {field} placeholders that
 * each line fills in:
 *
 *	signals.kalshi.{signalId}.fires.{ticker}
 *
 * A field is a member of the line by name, a dotted name for members of
 * objects within ({payload.direction}); a name not found at the top of an
 * envelope is looked up in its "data".  A string gives its content, a
 * number or true/false its text, escaped as subject(3)'s tokens are
 * (bytes other than A-Z a-z 0-9 - become %XX).  A field that is missing,
 * null, empty, an object or array, or longer than SUBJECT_TOKEN_MAX once
 * escaped renders as "_", which no escaped value ever contains. */
#ifndef SSMD_NATS_PUB_TEMPLATE_H
#define SSMD_NATS_PUB_TEMPLATE_H

#include <stddef.h>

enum template_res {
	TEMPLATE_FIXED = 0,	/* no placeholder: a fixed subject */
	TEMPLATE_FIELDS,	/* placeholders to fill per line */
	TEMPLATE_BAD		/* not a valid template */
};

/* Check a template.  For a valid one, wild (cap bytes) receives the
 * subject filter that covers every rendering: each token holding a
 * placeholder becomes "*". */
enum template_res	template_check(const char *tmpl, char *wild,
			    size_t cap);
/* The subject of line p[0..n) into out (cap >= SUBJECT_MAX).  Never
 * fails: what cannot be filled renders as "_". */
void	template_render(const char *tmpl, const char *p, size_t n, char *out,
	    size_t cap);

#endif
