/* libFuzzer: healthd's Prometheus text parser, and the merge of what it
 * accepts.  Invariants: whatever the parser accepts, the merge of it
 * (twice, as two files) parses again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "prom.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct prom_doc		 d, again;
	const struct prom_doc	*docs[2] = { &d, &d };
	struct hd_union_stats	 st;
	char			 err[256], *out = NULL;
	size_t			 len = 0;
	FILE			*f;

	memset(&d, 0, sizeof(d));
	if (prom_parse(&d, (const char *)data, n, err, sizeof(err)) != 0) {
		prom_doc_free(&d);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	if ((f = open_memstream(&out, &len)) == NULL)
		abort();
	if (merge_union(f, docs, 2, &st) != 0)
		abort();
	fclose(f);
	memset(&again, 0, sizeof(again));
	if (prom_parse(&again, out, len, err, sizeof(err)) != 0) {
		fprintf(stderr, "merge output rejected: %s\n%s", err, out);
		__builtin_trap();
	}
	prom_doc_free(&again);
	prom_doc_free(&d);
	free(out);
	return 0;
}
