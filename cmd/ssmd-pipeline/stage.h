/* stage: the pipeline the command line describes, split into stages at
 * each argument equal to the separator ("|" by default), and each stage's
 * program resolved in PATH before anything starts. */
#ifndef SSMD_PIPELINE_STAGE_H
#define SSMD_PIPELINE_STAGE_H

#include <stddef.h>
#include <sys/types.h>

#define STAGE_MAX	32	/* stages in one pipeline */

enum stage_state { STAGE_IDLE, STAGE_RUNNING, STAGE_EXITED };

struct stage {
	char		**argv;		/* NULL-terminated, points into main's argv */
	char		  path[4096];	/* the program found in PATH */
	char		  name[64];	/* basename of argv[0], label-safe */
	pid_t		  pid;
	enum stage_state  state;
	int		  wstatus;	/* from waitpid, once exited */
	int		  order;	/* 1 for the first stage to exit, ... */
};

enum stage_split_result {
	STAGE_SPLIT_OK,
	STAGE_SPLIT_EMPTY,		/* no stage, or an empty one */
	STAGE_SPLIT_TOO_MANY
};

/* Split argv[0..argc) at every argument equal to sep, in place (each
 * separator becomes the NULL ending the stage before it).  On an error
 * *bad is the index of the empty stage. */
enum stage_split_result	stage_split(char **argv, int argc, const char *sep,
			    struct stage *st, size_t *n, size_t *bad);

enum stage_find_result {
	STAGE_FIND_OK,
	STAGE_FIND_MISSING,		/* not found in PATH (or not a file) */
	STAGE_FIND_NOT_EXECUTABLE
};

/* Resolve st->argv[0] the way execvp would (a name with a slash as is,
 * else each PATH directory) into st->path, and set st->name. */
enum stage_find_result	stage_find(struct stage *st);

#endif
