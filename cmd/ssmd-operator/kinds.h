/* kinds: what each custom resource becomes.  Each builder appends c's
 * desired children to out, in a fixed order, or returns CR_INVALID with
 * the field and reason in c (out is then left as it was). */
#ifndef SSMD_OP_KINDS_H
#define SSMD_OP_KINDS_H

#include <jansson.h>

#include "cr.h"

#define KINDS_NATS_URL	"nats://nats.nats.svc.cluster.local:4222"
#define KINDS_WS_URL	"wss://api.elections.kalshi.com/trade-api/ws/v2"
#define KINDS_REST_URL	"https://api.elections.kalshi.com/trade-api/v2"

enum cr_rc	connector_children(struct cr *, json_t *out);
enum cr_rc	archiver_children(struct cr *, json_t *out);
enum cr_rc	signal_cr_children(struct cr *, json_t *out);
enum cr_rc	notifier_children(struct cr *, json_t *out);
/* What the Archiver's finalize hook decided. */
struct kinds_fin {
	int		 finalized;
	const char	*reason;	/* condition reason: the stage */
	char		 msg[1200];
	int		 syncing;	/* the final-sync Job is running */
};
/* Desired children while c is being deleted, and whether the finalizer
 * may go. */
enum cr_rc	archiver_finalize(struct cr *, json_t *out, struct kinds_fin *);
/* StorageHealthy from what was observed: 1 true, 0 false; reason, msg. */
int		archiver_storage(const struct cr *, const char **reason,
		    char *msg, size_t len);
/* Any kind. */
enum cr_rc	kinds_children(struct cr *, json_t *out);
/* The customize hook's relatedResources for c. */
json_t		*kinds_related(const struct cr *);
/* Name helpers: "<name>-<comp>" and "<name>-<comp>-config". */
void		 kinds_name(const struct cr *, char *out, size_t len,
		    const char *suffix);
/* Checks shared by the kinds. */
int		 kinds_stream_ok(const char *);	/* JetStream stream name */
int		 kinds_subject_ok(const char *, int wildcards);
/* A string list at spec path, each checked by ok (NULL: any non-empty);
 * returns CR_INVALID naming the item. */
/* The strings of an array joined by sep (to free; "" for none). */
char		*kinds_join(const json_t *, const char *sep);
enum cr_rc	 kinds_strlist(struct cr *, const char *path, int (*ok)(const char *));

#endif
