/* tls: OpenSSL contexts for the WebSocket client and server.  Clients
 * verify the peer certificate by default (system CAs or a CA file) and the
 * host name is checked per connection (see ws.c); TLS 1.2 is the minimum. */
#ifndef SSMD_TLS_H
#define SSMD_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

/* A client context that verifies peers against ca_file (PEM), or the
 * system CAs when ca_file is NULL.  NULL on failure with a reason in err. */
SSL_CTX	*tls_client_ctx(const char *ca_file, char *err, size_t errlen);
/* A server context with a certificate chain file and its key (PEM). */
SSL_CTX	*tls_server_ctx(const char *cert, const char *key, char *err,
	    size_t errlen);
/* A client SSL for one connection to host: SNI for a name (not for an IP
 * address, RFC 6066) and the peer certificate checked against the name
 * or IP.  NULL on failure. */
SSL	*tls_client_ssl(SSL_CTX *, const char *host);
/* The last OpenSSL error as a short string (clears the error queue);
 * into buf, returned. */
const char *tls_errstr(char *buf, size_t len);

#endif
