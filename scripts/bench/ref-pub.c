/* ref-pub: the baseline publisher of scripts/bench-nats, written straight
 * against nats.c: the corpus is read into memory, split at newlines, and
 * each line published to one subject with js_PublishAsync (mode async),
 * the same with a Nats-Msg-Id (the line number: mode async-id), or one
 * js_Publish request per line (mode sync).  No parsing.  Not part of ssmd.
 *   ref-pub URL STREAM SUBJECT FILE [async|async-id|sync [MAXLINES]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

static uint64_t	errors;

static void
on_err(jsCtx *js, jsPubAckErr *pae, void *arg)
{
	(void)js; (void)pae; (void)arg;
	errors++;
}

static double
now(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE	*f = fopen(path, "rb");
	char	*b;
	long	 sz;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0)
		exit(1);
	rewind(f);
	if ((b = malloc((size_t)sz + 1)) == NULL ||
	    fread(b, 1, (size_t)sz, f) != (size_t)sz)
		exit(1);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

int
main(int argc, char *argv[])
{
	natsConnection	*nc = NULL;
	jsCtx		*js = NULL;
	jsOptions	 jo;
	jsPubAck	*pa;
	jsPubOptions	 po;
	char		 id[32];
	natsStatus	 s;
	size_t		 n;
	char		*buf, *p, *e, *nl;
	uint64_t	 lines = 0, max = UINT64_MAX;
	const char	*mode = argc > 5 ? argv[5] : "async";
	int		 sync = strcmp(mode, "sync") == 0;
	int		 withid = strcmp(mode, "async-id") == 0;
	double		 t0;

	if (argc < 5)
		return 64;
	if (argc > 6)
		max = strtoull(argv[6], NULL, 10);
	buf = slurp(argv[4], &n);
	if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK)
		return 69;
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = 4096;
	jo.PublishAsync.ErrHandler = on_err;
	if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK)
		return 70;
	t0 = now();
	for (p = buf, e = buf + n; p < e && lines < max; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if (sync) {
			s = js_Publish(&pa, js, argv[3], p, (int)(nl - p), NULL,
			    NULL);
			if (s == NATS_OK)
				jsPubAck_Destroy(pa);
		} else if (withid) {
			jsPubOptions_Init(&po);
			snprintf(id, sizeof(id), "%llu",
			    (unsigned long long)lines + 1);
			po.MsgId = id;
			s = js_PublishAsync(js, argv[3], p, (int)(nl - p), &po);
		} else
			s = js_PublishAsync(js, argv[3], p, (int)(nl - p), NULL);
		if (s != NATS_OK)
			errors++;
		lines++;
	}
	if (!sync && js_PublishAsyncComplete(js, NULL) != NATS_OK)
		errors++;
	printf("%llu %.3f %llu\n", (unsigned long long)lines, now() - t0,
	    (unsigned long long)errors);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(buf);
	return 0;
}
