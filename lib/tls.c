/* tls: client and server SSL_CTX set up the one safe way. */
#include <arpa/inet.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

const char *
tls_errstr(char *buf, size_t len)
{
	unsigned long	 e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static SSL_CTX *
fail(SSL_CTX *ctx, char *err, size_t errlen, const char *what,
    const char *file)
{
	char	 e[200];

	snprintf(err, errlen, "%s%s%s: %s", what, file ? " " : "",
	    file ? file : "", tls_errstr(e, sizeof e));
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_client_ctx(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return fail(NULL, err, errlen, "SSL_CTX_new", NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
			return fail(ctx, err, errlen, "cannot load CA file",
			    ca_file);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		return fail(ctx, err, errlen, "cannot load system CAs", NULL);
	/* Writes from a bufferevent may move between retries. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE);
	return ctx;
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return fail(NULL, err, errlen, "SSL_CTX_new", NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return fail(ctx, err, errlen, "cannot load certificate", cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return fail(ctx, err, errlen, "cannot load key", key);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return fail(ctx, err, errlen, "key does not match", cert);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE);
	return ctx;
}

SSL *
tls_client_ssl(SSL_CTX *ctx, const char *host)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	SSL		*ssl;
	int		 isip;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	isip = inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	if ((!isip && (SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1)) ||
	    (isip && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}
