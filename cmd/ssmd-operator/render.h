/* render: custom resources in, their children's manifests out, for
 * GitOps and review.  No observed state: every child the resource would
 * have is rendered (a PVC it names included), without owner references
 * or status. */
#ifndef SSMD_OP_RENDER_H
#define SSMD_OP_RENDER_H

#include <stdio.h>

enum render_fmt { RENDER_YAML, RENDER_JSON };

enum render_rc {
	RENDER_OK,
	RENDER_BAD_INPUT,	/* a file unreadable, not YAML, or not ours */
	RENDER_INVALID		/* a resource's spec is wrong */
};

/* Render every document of the files (NULL-terminated; "-" is stdin)
 * to out.  Errors go to the log, naming file, document and field;
 * nothing is written unless everything rendered. */
enum render_rc	render_files(const char *const *files, enum render_fmt,
		    const char *image, FILE *out);

#endif
