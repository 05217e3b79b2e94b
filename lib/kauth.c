/* kauth: RSA-PSS request signatures as Kalshi defines them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "kauth.h"

#define SALT_LEN	32

static void
seterr(char *err, size_t len, const char *what, const char *src)
{
	unsigned long	 e = ERR_peek_last_error();
	char		 ebuf[160] = "";

	if (e != 0)
		ERR_error_string_n(e, ebuf, sizeof ebuf);
	ERR_clear_error();
	if (err != NULL && len > 0)
		snprintf(err, len, "%s (%s)%s%s", what, src, *ebuf ? ": " : "",
		    ebuf);
}

/* PEM text is read from memory; anything else names a file.  Neither is
 * ever echoed into an error: the value may be a private key (or a key's
 * bare body that was taken for a path). */
static BIO *
open_src(const char *pem_or_path, const char **src)
{
	if (strstr(pem_or_path, "-----BEGIN") != NULL) {
		*src = "PEM text";
		return BIO_new_mem_buf(pem_or_path, -1);
	}
	*src = "a file";
	return BIO_new_file(pem_or_path, "r");
}

/* The base64 body of a PEM key without its BEGIN/END lines, as .env files
 * and secrets often hold it: only base64 characters and white space, and
 * too long to be a path anyone types (a 2048-bit key's body is ~1,600). */
static int
bare_base64(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '+' || *s == '/' ||
		    *s == '='))
			return 0;
		n++;
	}
	return n >= 256;
}

/* Wrap a bare body in BEGIN/END lines of the given label, 64 columns a
 * line as PEM readers want, and read it.  The copy is wiped. */
static EVP_PKEY *
read_bare(const char *body, const char *label)
{
	EVP_PKEY	*k = NULL;
	BIO		*b;
	char		*pem, *p;
	size_t		 len = strlen(body), cap, col = 0;

	cap = len + len / 64 + 2 * strlen(label) + 64;
	if ((pem = malloc(cap)) == NULL)
		return NULL;
	p = pem + sprintf(pem, "-----BEGIN %s-----\n", label);
	for (; *body != '\0'; body++) {
		if (*body == ' ' || *body == '\t' || *body == '\r' ||
		    *body == '\n')
			continue;
		*p++ = *body;
		if (++col == 64) {
			*p++ = '\n';
			col = 0;
		}
	}
	if (col != 0)
		*p++ = '\n';
	sprintf(p, "-----END %s-----\n", label);
	if ((b = BIO_new_mem_buf(pem, -1)) != NULL) {
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
		BIO_free(b);
	}
	explicit_bzero(pem, cap);
	free(pem);
	return k;
}

static EVP_PKEY *
rsa_only(EVP_PKEY *k, char *err, size_t errlen, const char *src)
{
	if (k != NULL && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "not an RSA key (%s)", src);
		return NULL;
	}
	return k;
}

EVP_PKEY *
kauth_load_key(const char *pem_or_path, char *err, size_t errlen)
{
	const char	*src;
	EVP_PKEY	*k;
	BIO		*b;

	if (pem_or_path == NULL || *pem_or_path == '\0') {
		snprintf(err, errlen, "no private key given");
		return NULL;
	}
	if (bare_base64(pem_or_path)) {
		/* PKCS#8 first (what Kalshi hands out), then PKCS#1. */
		if ((k = read_bare(pem_or_path, "PRIVATE KEY")) == NULL)
			k = read_bare(pem_or_path, "RSA PRIVATE KEY");
		if (k == NULL) {
			seterr(err, errlen, "not the base64 body of a PEM RSA "
			    "private key", "bare base64");
			return NULL;
		}
		return rsa_only(k, err, errlen, "bare base64");
	}
	if ((b = open_src(pem_or_path, &src)) == NULL) {
		seterr(err, errlen, "neither PEM text (-----BEGIN ... KEY-----)"
		    ", its base64 body, nor a readable file", src);
		return NULL;
	}
	/* Reads PKCS#8 and traditional PKCS#1 PEM alike; no passphrase. */
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	if (k == NULL) {
		seterr(err, errlen, "not a PEM RSA private key", src);
		return NULL;
	}
	return rsa_only(k, err, errlen, src);
}

EVP_PKEY *
kauth_load_pubkey(const char *pem_or_path, char *err, size_t errlen)
{
	OSSL_DECODER_CTX	*dc;
	const char		*src;
	EVP_PKEY		*k = NULL;
	BIO			*b;

	if (pem_or_path == NULL || *pem_or_path == '\0') {
		snprintf(err, errlen, "no public key given");
		return NULL;
	}
	if ((b = open_src(pem_or_path, &src)) == NULL) {
		seterr(err, errlen, "cannot open public key file", src);
		return NULL;
	}
	/* Selection 0 takes SubjectPublicKeyInfo, PKCS#1 public and private
	 * keys; the public half is all we use. */
	dc = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", NULL, "RSA", 0, NULL,
	    NULL);
	if (dc == NULL || !OSSL_DECODER_from_bio(dc, b))
		k = NULL;
	OSSL_DECODER_CTX_free(dc);
	BIO_free(b);
	if (k == NULL) {
		seterr(err, errlen, "not a PEM RSA key", src);
		return NULL;
	}
	return rsa_only(k, err, errlen, src);
}

static int
pss_setup(EVP_PKEY_CTX *pc)
{
	return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, SALT_LEN) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) > 0;
}

/* ts + method + path into buf; -1 if it does not fit. */
static int
message(char *buf, size_t cap, const char *ts, const char *method,
    const char *path)
{
	size_t	 q = strcspn(path, "?");
	int	 n;

	n = snprintf(buf, cap, "%s%s%.*s", ts, method, (int)q, path);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
kauth_sign(EVP_PKEY *key, const char *ts_ms, const char *method,
    const char *path, char *b64sig, size_t cap)
{
	unsigned char	 sig[1024];
	char		 msg[4096];
	EVP_PKEY_CTX	*pc;
	EVP_MD_CTX	*md;
	size_t		 siglen = sizeof sig;
	int		 n, rc = -1;

	if ((n = message(msg, sizeof msg, ts_ms, method, path)) == -1 ||
	    EVP_PKEY_get_size(key) > (int)sizeof sig)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(md, &pc, EVP_sha256(), NULL, key) > 0 &&
	    pss_setup(pc) &&
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)msg, n) > 0 &&
	    cap >= 4 * ((siglen + 2) / 3) + 1)
		rc = (int)b64_encode(sig, siglen, b64sig);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}

/* Strict base64 (RFC 4648, padded) decode; -1 if malformed or too long. */
static int
b64_decode(const char *s, unsigned char *out, size_t cap)
{
	size_t	 n = strlen(s), pad = 0;
	int	 len;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap)
		return -1;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/") != n - pad)
		return -1;
	if ((len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) < 0)
		return -1;
	return len - (int)pad;
}

int
kauth_verify(EVP_PKEY *pub, const char *ts_ms, const char *method,
    const char *path, const char *b64sig)
{
	unsigned char	 sig[1100];
	char		 msg[4096];
	EVP_PKEY_CTX	*pc;
	EVP_MD_CTX	*md;
	int		 n, siglen, rc = -1;

	if ((n = message(msg, sizeof msg, ts_ms, method, path)) == -1)
		return 0;
	if ((siglen = b64_decode(b64sig, sig, sizeof sig)) <= 0)
		return 0;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestVerifyInit(md, &pc, EVP_sha256(), NULL, pub) > 0 &&
	    pss_setup(pc))
		rc = EVP_DigestVerify(md, sig, siglen, (unsigned char *)msg,
		    n) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}

char *
kauth_now_ms(char out[21])
{
	struct timespec	 t;

	clock_gettime(CLOCK_REALTIME, &t);
	snprintf(out, 21, "%lld", (long long)t.tv_sec * 1000 +
	    t.tv_nsec / 1000000);
	return out;
}
