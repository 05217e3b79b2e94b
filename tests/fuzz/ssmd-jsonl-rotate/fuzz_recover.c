/* libFuzzer: crash recovery of an in-progress archive file, and the
 * archive reader under it.  The input is the file's bytes (gzip when it
 * starts with the gzip magic, else plain).  Invariants: recovery never
 * fails on bad bytes; every line of the recovered file is one JSON value,
 * and the lines are a prefix of what the reader finds in the input; the
 * input's bytes are never lost (still there as the recovered file or as
 * <name>.damaged, or the input held no whole line). */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "json.h"
#include "log.h"
#include "recover.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	root[64], day[128];

/* Each run leaves the directories empty: remove them at exit. */
static void
cleanup(void)
{
	rmdir(day);
	rmdir(root);
}

struct lines {
	char	*buf;
	size_t	 len;
	int	 bad;
};

static int
collect(const char *line, size_t len, void *arg)
{
	struct lines	*l = arg;
	char		*nb;

	if (json_check(line, len, NULL) != JSON_OK)
		l->bad = 1;
	if ((nb = realloc(l->buf, l->len + len + 1)) == NULL)
		abort();
	l->buf = nb;
	memcpy(l->buf + l->len, line, len);
	l->buf[l->len + len] = '\n';
	l->len += len + 1;
	return 0;
}

static void
put(const char *path, const uint8_t *p, size_t n)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static int
same_bytes(const char *path, const uint8_t *p, size_t n)
{
	FILE	*f = fopen(path, "r");
	char	*b = malloc(n + 1);
	size_t	 got;
	int	 same;

	if (f == NULL || b == NULL)
		abort();
	got = fread(b, 1, n + 1, f);
	fclose(f);
	same = got == n && memcmp(b, p, n) == 0;
	free(b);
	return same;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct rot_recovery	 r;
	struct lines		 in = { 0 }, out = { 0 };
	struct archive_stats	 st;
	char			 part[160], fin[160], dam[160];
	int			 gz = n >= 2 && data[0] == 0x1f && data[1] == 0x8b;

	if (root[0] == '\0') {
		log_set_level(LOG_ERROR + 1);
		snprintf(root, sizeof(root), "/tmp/fuzz_recover.XXXXXX");
		if (mkdtemp(root) == NULL)
			abort();
		atexit(cleanup);
	}
	snprintf(day, sizeof(day), "%s/2026-11-21", root);
	snprintf(fin, sizeof(fin), "%s/k-1000.jsonl%s", day, gz ? ".gz" : "");
	snprintf(part, sizeof(part), "%s" ARCHIVE_PARTIAL, fin);
	snprintf(dam, sizeof(dam), "%s" RECOVER_DAMAGED, fin);
	mkdir(day, 0755);
	put(part, data, n);
	archive_scan(part, collect, &in, NULL);
	if (recover_partial(root, 1, &r) != 0)
		__builtin_trap();
	if (access(part, F_OK) == 0)
		__builtin_trap();		/* left in progress */
	if (access(fin, F_OK) == 0) {
		if (archive_scan(fin, collect, &out, &st) != 0 ||
		    !st.complete || out.bad)
			__builtin_trap();	/* not whole, or not JSON */
		if (out.len > in.len || memcmp(out.buf, in.buf, out.len) != 0)
			__builtin_trap();	/* not a prefix of the input */
	}
	if (access(dam, F_OK) == 0 && !same_bytes(dam, data, n))
		__builtin_trap();		/* original not kept */
	if (access(fin, F_OK) != 0 && access(dam, F_OK) != 0 && !in.bad &&
	    in.len > 0)
		__builtin_trap();		/* whole valid lines lost */
	unlink(fin);
	unlink(dam);
	unlink(part);
	free(in.buf);
	free(out.buf);
	return 0;
}
