#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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

/* The URLs (comma-separated) without any user:password@ part, for logs
 * and errors. */
static const char *
redact(const char *urls, char *buf, size_t cap)
{
	const char	*p = urls, *end, *sep, *at;
	size_t		 o = 0, n;

	buf[0] = '\0';
	while (*p != '\0' && o + 1 < cap) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		sep = memmem(p, n, "://", 3);
		at = sep ? memchr(sep + 3, '@', n - (size_t)(sep + 3 - p)) : NULL;
		if (at != NULL)
			o += (size_t)snprintf(buf + o, cap - o, "%s%.*s%.*s",
			    o ? "," : "", (int)(sep + 3 - p), p,
			    (int)(n - (size_t)(at + 1 - p)), at + 1);
		else
			o += (size_t)snprintf(buf + o, cap - o, "%s%.*s",
			    o ? "," : "", (int)n, p);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return buf;
}

int
nats_conn_url_ok(const char *urls)
{
	const char	*p = urls, *end;

	do {
		if (strncmp(p, "nats://", 7) != 0 && strncmp(p, "tls://", 6) != 0)
			return 0;
		end = strchr(p, ',');
		p = end + 1;
	} while (end != NULL);
	return 1;
}

int
nats_conn_option(int ch, const char *arg, struct nats_conn_opts *o)
{
	char	buf[512];

	switch (ch) {
	case 'u':
		if (!nats_conn_url_ok(arg))
			log_die(EX_USAGE, "bad --url: want nats://HOST:PORT or "
			    "tls://HOST:PORT, comma-separated", "url=%s",
			    log_q(redact(arg, buf, sizeof(buf))));
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
	char		 buf[512];

	memset(c, 0, sizeof(*c));
	if (!nats_conn_url_ok(url)) {
		log_error("bad NATS URL (NATS_URL?): want nats://HOST:PORT or "
		    "tls://HOST:PORT, comma-separated", "url=%s",
		    log_q(redact(url, buf, sizeof(buf))));
		return NATS_CONN_BADURL;
	}
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
		/* The URL may hold a password: it is logged without. */
		log_error("cannot connect to NATS", "url=%s status=%s",
		    log_q(redact(url, buf, sizeof(buf))),
		    log_q(natsStatus_GetText(s)));
		goto fail;
	}
	natsOptions_Destroy(opts);
	log_info("connected to NATS", "url=%s",
	    log_q(safe_url(c->nc, buf, sizeof(buf))));
	return NATS_CONN_OK;
fail:
	natsOptions_Destroy(opts);
	return NATS_CONN_FAILED;
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
