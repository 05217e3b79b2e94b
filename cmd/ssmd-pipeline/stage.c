#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage.h"

enum stage_split_result
stage_split(char **argv, int argc, const char *sep, struct stage *st,
    size_t *n, size_t *bad)
{
	int	i, start = 0;

	*n = 0;
	for (i = 0; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], sep) != 0)
			continue;
		if (i == start) {
			*bad = *n;
			return STAGE_SPLIT_EMPTY;
		}
		if (*n == STAGE_MAX)
			return STAGE_SPLIT_TOO_MANY;
		memset(&st[*n], 0, sizeof(st[*n]));
		st[*n].argv = &argv[start];
		if (i < argc)
			argv[i] = NULL;	/* the separator ends this stage */
		(*n)++;
		start = i + 1;
	}
	return STAGE_SPLIT_OK;
}

/* A label value needs no escaping if it holds only these. */
static void
set_name(struct stage *st)
{
	const char	*b = strrchr(st->argv[0], '/');
	size_t		 i;

	b = b != NULL ? b + 1 : st->argv[0];
	snprintf(st->name, sizeof(st->name), "%s", b);
	for (i = 0; st->name[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._-", st->name[i]) == NULL)
			st->name[i] = '_';
}

static enum stage_find_result
check(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return STAGE_FIND_MISSING;
	return access(path, X_OK) == 0 ? STAGE_FIND_OK :
	    STAGE_FIND_NOT_EXECUTABLE;
}

enum stage_find_result
stage_find(struct stage *st)
{
	const char		*p, *end, *envpath;
	enum stage_find_result	 r, best = STAGE_FIND_MISSING;
	size_t			 dlen;

	set_name(st);
	if (strchr(st->argv[0], '/') != NULL) {
		snprintf(st->path, sizeof(st->path), "%s", st->argv[0]);
		return check(st->path);
	}
	envpath = getenv("PATH");
	if (envpath == NULL)
		envpath = "/usr/local/bin:/usr/bin:/bin";
	for (p = envpath; ; p = end + 1) {
		end = strchrnul(p, ':');
		dlen = (size_t)(end - p);
		/* An empty PATH element is the current directory. */
		if (snprintf(st->path, sizeof(st->path), "%.*s%s%s", (int)dlen,
		    p, dlen ? "/" : "./", st->argv[0]) < (int)sizeof(st->path)) {
			r = check(st->path);
			if (r == STAGE_FIND_OK)
				return r;
			if (r == STAGE_FIND_NOT_EXECUTABLE)
				best = r;
		}
		if (*end == '\0')
			break;
	}
	st->path[0] = '\0';
	return best;
}
