/* cr: one custom resource being reconciled, and what every kind's
 * builder shares: the parent, the observed state Metacontroller sent
 * (children, related objects; both NULL in render mode), the default
 * image, and the first validation error found. */
#ifndef SSMD_OP_CR_H
#define SSMD_OP_CR_H

#include <jansson.h>

#define CR_GROUP	"ssmd.ssmd.io"
#define CR_API		"ssmd.ssmd.io/v1alpha1"
#define CR_NAME_MAX	40	/* leaves room for "-archiver-final-sync" */

enum cr_kind { CR_CONNECTOR, CR_ARCHIVER, CR_SIGNAL, CR_NOTIFIER, CR_NKINDS };

enum cr_rc { CR_OK = 0, CR_INVALID = 1, CR_ERROR = 2 };

struct cr {
	enum cr_kind	 kind;
	const char	*kname;		/* "Connector" */
	const char	*comp;		/* "connector" */
	json_t		*parent;	/* borrowed */
	const char	*name, *ns;	/* ns may be NULL in render mode */
	json_t		*spec;
	json_t		*children;	/* observed, hook v2 map, or NULL */
	json_t		*related;	/* observed, hook v2 map, or NULL */
	const char	*image;		/* default image */
	int		 finalizing;
	char		 field[160];	/* the first invalid field */
	char		 why[512];	/* and why */
};

/* Set up c for parent (an object with kind, metadata, spec); returns
 * CR_OK, or CR_INVALID with c->why set when it is not one of ours. */
enum cr_rc	 cr_init(struct cr *, json_t *parent, const char *image);
/* Record a validation error (the first one wins); returns CR_INVALID. */
enum cr_rc	 cr_bad(struct cr *, const char *field, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* "Deployment.apps/v1" map of observed children (or related), or NULL. */
json_t		*cr_observed(const json_t *map, const char *type);
/* One observed object by type and name in c's namespace, or NULL. */
json_t		*cr_find(const struct cr *, const json_t *map,
		    const char *type, const char *name);
/* Nonzero if s is a DNS-1123 label of at most max characters. */
int		 cr_dns_label(const char *s, size_t max);
/* Kind index for a kind name, or -1. */
int		 cr_kind_of(const char *kind);
/* Kind index for a path word ("connector"), or -1. */
int		 cr_kind_of_comp(const char *comp, size_t len);
extern const char *const cr_kinds[CR_NKINDS];
extern const char *const cr_comps[CR_NKINDS];
extern const char *const cr_plurals[CR_NKINDS];

#endif
