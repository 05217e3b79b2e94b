/* ref-sub: the baseline consumer of scripts/bench-nats, written straight
 * against nats.c: an ordered consumer from the start of the stream, each
 * payload written to stdout with a newline, until COUNT messages.  Not
 * part of ssmd.
 *   ref-sub URL STREAM SUBJECT COUNT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nats/nats.h>

int
main(int argc, char *argv[])
{
	natsConnection		*nc = NULL;
	natsSubscription	*sub = NULL;
	natsMsg			*m;
	jsCtx			*js = NULL;
	jsSubOptions		 so;
	uint64_t		 got = 0, want;
	static char		 obuf[1 << 18];

	if (argc < 5)
		return 64;
	want = strtoull(argv[4], NULL, 10);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK ||
	    natsConnection_JetStream(&js, nc, NULL) != NATS_OK)
		return 69;
	jsSubOptions_Init(&so);
	so.Stream = argv[2];
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverAll;
	if (js_SubscribeSync(&sub, js, argv[3], NULL, &so, NULL) != NATS_OK)
		return 70;
	while (got < want) {
		if (natsSubscription_NextMsg(&m, sub, 5000) != NATS_OK)
			break;
		fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m),
		    stdout);
		putchar('\n');
		natsMsg_Destroy(m);
		got++;
	}
	fflush(stdout);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return got == want ? 0 : 1;
}
