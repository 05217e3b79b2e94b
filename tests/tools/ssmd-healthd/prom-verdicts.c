/* prom-verdicts: for each file argument print "ok" or "bad <reason>" as
 * prom_parse judges it; with --union first, print instead the union of
 * the files it accepts (merge_union), as ssmd-healthd would serve it.  A
 * helper for differential tests against the Prometheus Python parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "prom.h"

int	main(int, char *[]);

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*b = NULL;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(74);
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

int
main(int argc, char *argv[])
{
	struct prom_doc		*docs;
	const struct prom_doc	**ok;
	struct hd_union_stats	 st;
	char			**bufs, err[160];
	size_t			 len, n = 0;
	int			 i, good, u = argc > 1 &&
				     strcmp(argv[1], "--union") == 0;

	docs = calloc((size_t)argc, sizeof(*docs));
	ok = calloc((size_t)argc, sizeof(*ok));
	bufs = calloc((size_t)argc, sizeof(*bufs));
	if (docs == NULL || ok == NULL || bufs == NULL)
		return 70;
	for (i = 1 + u; i < argc; i++) {
		bufs[i] = slurp(argv[i], &len);
		good = prom_parse(&docs[i], bufs[i], len, err, sizeof(err)) == 0;
		if (good)
			ok[n++] = &docs[i];
		if (!u)
			printf(good ? "ok\n" : "bad %s\n", err);
	}
	if (u && merge_union(stdout, ok, n, &st) == -1)
		return 70;
	for (i = 1 + u; i < argc; i++) {
		prom_doc_free(&docs[i]);
		free(bufs[i]);
	}
	free(docs);
	free(ok);
	free(bufs);
	return 0;
}
