/* reconcile: the pure function at the heart of the operator.
 * Metacontroller hook request (hook API v2) in, response out:
 *
 *	sync:      parent + children + related -> children + status
 *	finalize:  the same while the parent is being deleted, + finalized
 *	customize: parent -> the related objects to watch
 *
 * Nothing here does I/O; the pods' /metrics, which status counters come
 * from, are scraped by the caller and passed in. */
#ifndef SSMD_OP_RECONCILE_H
#define SSMD_OP_RECONCILE_H

#include <jansson.h>
#include <time.h>

enum reconcile_hook { RECONCILE_SYNC, RECONCILE_FINALIZE, RECONCILE_CUSTOMIZE };

enum reconcile_rc {
	RECONCILE_OK,		/* *resp set: answer 200 */
	RECONCILE_BAD_REQUEST,	/* err says why: answer 400 */
	RECONCILE_INTERNAL	/* answer 500 */
};

struct reconcile_in {
	enum reconcile_hook	 hook;
	int			 kind;	/* expected kind (cr_kind), or -1: any */
	json_t			*req;
	const char		*image;
	time_t			 now;
	const json_t		*scraped;	/* see status_build */
};

enum reconcile_rc reconcile_run(const struct reconcile_in *, json_t **resp,
		    char *err, size_t errlen);
/* The pods to scrape for this request (name -> ip), or NULL when none or
 * the request is not a sync/finalize of a known kind. */
json_t		*reconcile_targets(const struct reconcile_in *);
/* An observed object in the form a hook returns it: its last-applied
 * configuration when Metacontroller recorded one, else the object
 * without server-set fields and status. */
json_t		*reconcile_apply_form(const json_t *observed);

#endif
