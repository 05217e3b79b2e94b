#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nats_conn.h"

const char *
nats_conn_url(const char *url)
{
	const char	*e = getenv("NATS_URL");

	if (url != NULL)
		return url;
	return e != NULL && *e != '\0' ? e : NATS_CONN_DEFAULT_URL;
}

int
nats_conn_option(int ch, const char *arg, struct nats_conn_opts *o)
{
	switch (ch) {
	case 'u':
		o->url = arg;
		return 1;
	case 'C':
		o->creds = arg;
		return 1;
	case 'A':
		o->ca = arg;
		return 1;
	}
	return 0;
}

void
nats_conn_log(const char *msg, natsStatus s)
{
	natsStatus	 ls;
	const char	*last = nats_GetLastError(&ls);

	log_error(msg, "status=%s detail=%s", log_q(natsStatus_GetText(s)),
	    log_q(last != NULL && *last != '\0' ? last : "none"));
}

/* URL without any user:password@ part, for logs. */
static const char *
safe_url(natsConnection *nc, char *buf, size_t cap)
{
	char	*at, *sep;

	if (natsConnection_GetConnectedUrl(nc, buf, cap) != NATS_OK)
		return "?";
	if ((sep = strstr(buf, "://")) != NULL &&
	    (at = strchr(sep + 3, '@')) != NULL)
		memmove(sep + 3, at + 1, strlen(at + 1) + 1);
	return buf;
}

static void
on_disconnected(natsConnection *nc, void *arg)
{
	struct nats_conn	*c = arg;

	(void)nc;
	c->disconnected = 1;
	if (!c->closing)
		log_warn("disconnected from NATS; reconnecting", "");
}

static void
on_reconnected(natsConnection *nc, void *arg)
{
	struct nats_conn	*c = arg;
	char		 url[256];

	c->reconnected = 1;
	c->reconnects++;
	log_info("reconnected to NATS", "url=%s",
	    log_q(safe_url(nc, url, sizeof(url))));
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *arg)
{
	static struct log_rate	rate = LOG_RATE_INIT(5, 60);
	unsigned		supp;

	(void)nc; (void)sub; (void)arg;
	if (log_rate_ok(&rate, &supp))
		log_warn("NATS asynchronous error", "status=%s suppressed=%u",
		    log_q(natsStatus_GetText(s)), supp);
}

int
nats_conn_open(struct nats_conn *c, const struct nats_conn_opts *o)
{
	natsOptions	*opts = NULL;
	natsStatus	 s;
	const char	*url = nats_conn_url(o->url);
	char		 buf[256];

	memset(c, 0, sizeof(*c));
	s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetURL(opts, url);
	if (s == NATS_OK && o->name != NULL)
		s = natsOptions_SetName(opts, o->name);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(opts, 200);
	if (s == NATS_OK && o->reconnect_buf > 0)
		s = natsOptions_SetReconnectBufSize(opts, o->reconnect_buf);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(opts, on_disconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(opts, on_reconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(opts, on_error, c);
	if (s == NATS_OK && strncmp(url, "tls://", 6) == 0)
		s = natsOptions_SetSecure(opts, true);
	if (s == NATS_OK && o->ca != NULL)
		s = natsOptions_LoadCATrustedCertificates(opts, o->ca);
	if (s == NATS_OK && o->creds != NULL)
		s = natsOptions_SetUserCredentialsFromFiles(opts, o->creds,
		    NULL);
	if (s != NATS_OK) {
		nats_conn_log("cannot set NATS options", s);
		goto fail;
	}
	if ((s = natsConnection_Connect(&c->nc, opts)) != NATS_OK) {
		/* The URL may hold a password: log only that it failed. */
		nats_conn_log("cannot connect to NATS", s);
		goto fail;
	}
	natsOptions_Destroy(opts);
	log_info("connected to NATS", "url=%s",
	    log_q(safe_url(c->nc, buf, sizeof(buf))));
	return 0;
fail:
	natsOptions_Destroy(opts);
	return -1;
}

uint64_t
nats_conn_reconnects(struct nats_conn *c)
{
	uint64_t	n = 0;

	if (c->stats == NULL && natsStatistics_Create(&c->stats) != NATS_OK)
		return 0;
	if (natsConnection_GetStats(c->nc, c->stats) == NATS_OK)
		(void)natsStatistics_GetCounts(c->stats, NULL, NULL, NULL,
		    NULL, &n);
	return n;
}

int
nats_conn_up(struct nats_conn *c)
{
	return natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED;
}

void
nats_conn_close(struct nats_conn *c)
{
	if (c->js != NULL)
		jsCtx_Destroy(c->js);
	if (c->nc != NULL) {
		c->closing = 1;
		natsConnection_Close(c->nc);
		natsConnection_Destroy(c->nc);
		/* The callbacks get c: wait until nats.c's threads, which
		 * run them, are gone. */
		(void)nats_CloseAndWait(5000);
	}
	if (c->stats != NULL)
		natsStatistics_Destroy(c->stats);
	c->stats = NULL;
	c->js = NULL;
	c->nc = NULL;
}
