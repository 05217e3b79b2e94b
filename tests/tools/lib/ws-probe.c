/* ws-probe: a tiny WebSocket client for the simulator's tests, built on
 * lib/ws and lib/kauth.  It signs the upgrade like Kalshi clients do,
 * sends commands, prints every text message received as one line on
 * stdout and a summary line on stderr:
 *   http=101 frames=12 pings=3 fragments=0 close=1000 reason="..."
 *
 * usage: ws-probe URL [--ca FILE] [--key FILE --key-id ID] [--ts-ms MS]
 *        [--send [N:]JSON]... [--frames N] [--timeout SECS]
 *        [--max-message BYTES] [--close-at-end]
 * --send N:JSON sends JSON once N messages have arrived (default 0: at
 * open).  It stops after --frames messages, at --timeout, or at close. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "kauth.h"
#include "log.h"
#include "sig.h"
#include "tls.h"
#include "ws.h"

#define MAXSEND	32

static struct {
	const char	*msg[MAXSEND];
	unsigned long	 after[MAXSEND];
	int		 sent[MAXSEND];
	int		 n;
} sends;

static struct event_base *base;
static unsigned long frames, pings, conts, maxframes;
static int closecode, status, close_at_end;
static char reason[200] = "";

static void
send_due(struct ws_conn *c)
{
	for (int i = 0; i < sends.n; i++)
		if (!sends.sent[i] && sends.after[i] <= frames) {
			sends.sent[i] = 1;
			ws_send_text(c, sends.msg[i], strlen(sends.msg[i]));
		}
}

static void
on_open(struct ws_conn *c, void *arg)
{
	send_due(c);
}

static void
on_text(struct ws_conn *c, const char *p, size_t n, void *arg)
{
	/* More may be buffered after the last one wanted. */
	if (maxframes > 0 && frames >= maxframes)
		return;
	fwrite(p, 1, n, stdout);
	putchar('\n');
	frames++;
	send_due(c);
	if (maxframes > 0 && frames >= maxframes) {
		fflush(stdout);
		if (close_at_end)
			ws_close(c, 1000, "probe done");
		else
			event_base_loopbreak(base);
	}
}

static void
on_frame(struct ws_conn *c, int op, void *arg)
{
	if (op == 9)
		pings++;
	else if (op == 0)
		conts++;
}

static void
on_close(struct ws_conn *c, int code, const char *why, void *arg)
{
	closecode = code;
	status = ws_http_status(c);
	snprintf(reason, sizeof reason, "%s", why);
	ws_free(c);
	*(struct ws_conn **)arg = NULL;
	event_base_loopbreak(base);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'i' },
		{ "ts-ms", required_argument, NULL, 't' },
		{ "send", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-message", required_argument, NULL, 'm' },
		{ "close-at-end", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct ws_cbs	 cbs = { on_open, on_text, on_frame, on_close, NULL };
	struct ws_client_opts o = { 0 };
	struct ws_conn	*c;
	struct ws_url	 u;
	struct timeval	 tv = { 10, 0 };
	SSL_CTX		*ssl = NULL;
	EVP_PKEY	*key = NULL;
	const char	*ca = NULL, *keyfile = NULL, *keyid = "test-key", *ts = NULL;
	char		 err[256], now[21], sig[KAUTH_SIG_MAX];
	char		 h1[128], h2[64], h3[KAUTH_SIG_MAX + 40];
	const char	*hdrs[4] = { NULL };
	char		*colon;
	int		 ch;

	log_init("ws-probe");
	sig_init();
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': ca = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'i': keyid = optarg; break;
		case 't': ts = optarg; break;
		case 's':
			if (sends.n == MAXSEND)
				return 2;
			colon = strchr(optarg, ':');
			if (optarg[0] != '{' && colon != NULL) {
				sends.after[sends.n] = strtoul(optarg, NULL, 10);
				sends.msg[sends.n++] = colon + 1;
			} else
				sends.msg[sends.n++] = optarg;
			break;
		case 'f': maxframes = strtoul(optarg, NULL, 10); break;
		case 'T': tv.tv_sec = strtol(optarg, NULL, 10); break;
		case 'm': o.max_message = strtoul(optarg, NULL, 10); break;
		case 'C': close_at_end = 1; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || ws_parse_url(argv[optind], &u) == -1) {
		fprintf(stderr, "usage: ws-probe URL [options]\n");
		return 2;
	}
	if (u.tls && (ssl = tls_client_ctx(ca, err, sizeof err)) == NULL) {
		fprintf(stderr, "ws-probe: %s\n", err);
		return 2;
	}
	if (keyfile != NULL) {
		if ((key = kauth_load_key(keyfile, err, sizeof err)) == NULL) {
			fprintf(stderr, "ws-probe: %s\n", err);
			return 2;
		}
		if (ts == NULL)
			ts = kauth_now_ms(now);
		/* The signed path never has the query. */
		u.path[strcspn(u.path, "?")] = '\0';
		if (kauth_sign(key, ts, "GET", u.path, sig, sizeof sig) < 0)
			return 2;
		snprintf(h1, sizeof h1, "KALSHI-ACCESS-KEY: %s", keyid);
		snprintf(h2, sizeof h2, "KALSHI-ACCESS-TIMESTAMP: %s", ts);
		snprintf(h3, sizeof h3, "KALSHI-ACCESS-SIGNATURE: %s", sig);
		hdrs[0] = h1;
		hdrs[1] = h2;
		hdrs[2] = h3;
	}
	base = event_base_new();
	o.url = argv[optind];
	o.ssl = ssl;
	o.headers = hdrs;
	o.timeout_ms = 10000;
	if ((c = ws_connect(base, NULL, &o, &cbs, &c)) == NULL)
		return 2;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	fflush(stdout);
	if (c != NULL)
		status = ws_http_status(c);
	fprintf(stderr, "http=%d frames=%lu pings=%lu fragments=%lu close=%d "
	    "reason=\"%s\"\n", status, frames, pings, conts, closecode, reason);
	ws_free(c);
	event_base_free(base);
	EVP_PKEY_free(key);
	SSL_CTX_free(ssl);
	return 0;
}
