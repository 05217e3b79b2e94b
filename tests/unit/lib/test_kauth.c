/* kauth: signatures made by kauth_sign verify with plain OpenSSL (and
 * the reverse), PKCS#1 and PKCS#8 keys load from text and files, and bad
 * signatures, messages and keys are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/encoder.h>

#include "kauth.h"

static EVP_PKEY *key;
static char pkcs8[8192], pkcs1[8192], pub[4096];

static void
pem_of(EVP_PKEY *k, int which, char *out, size_t cap)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;

	if (which == 8)
		assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, k, NULL,
		    NULL, 0, NULL, NULL), 1);
	else if (which == 1) {
		OSSL_ENCODER_CTX *ec;
		/* "type-specific" is PKCS#1 for RSA. */
		ec = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "PEM",
		    "type-specific", NULL);
		assert_non_null(ec);
		assert_int_equal(OSSL_ENCODER_to_bio(ec, b), 1);
		OSSL_ENCODER_CTX_free(ec);
	} else
		assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0 && (size_t)n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
	BIO_free(b);
}

static int
setup(void **state)
{
	key = EVP_RSA_gen(2048);
	if (key == NULL)
		return -1;
	pem_of(key, 8, pkcs8, sizeof pkcs8);
	pem_of(key, 1, pkcs1, sizeof pkcs1);
	pem_of(key, 0, pub, sizeof pub);
	return 0;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(key);
	return 0;
}

/* Verify with OpenSSL directly, independent of kauth_verify. */
static int
openssl_verify(EVP_PKEY *k, const char *msg, const char *b64)
{
	unsigned char	 sig[1024];
	EVP_PKEY_CTX	*pc;
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	int		 n, pad = 0, ok;

	n = EVP_DecodeBlock(sig, (const unsigned char *)b64, strlen(b64));
	pad += b64[strlen(b64) - 1] == '=';
	pad += b64[strlen(b64) - 2] == '=';
	assert_int_equal(EVP_DigestVerifyInit(md, &pc, EVP_sha256(), NULL, k), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) > 0);
	ok = EVP_DigestVerify(md, sig, n - pad, (const unsigned char *)msg,
	    strlen(msg));
	EVP_MD_CTX_free(md);
	return ok;
}

static void
sign_verifies_with_openssl(void **state)
{
	char	 err[256], sig[KAUTH_SIG_MAX], sig2[KAUTH_SIG_MAX];
	EVP_PKEY *k, *p;
	int	 n;

	k = kauth_load_key(pkcs8, err, sizeof err);
	assert_non_null(k);
	n = kauth_sign(k, "1770897976123", "GET", "/trade-api/ws/v2", sig,
	    sizeof sig);
	assert_int_equal(n, 344);	/* 256 bytes, base64 */
	assert_int_equal(strlen(sig), 344);
	assert_int_equal(openssl_verify(key,
	    "1770897976123GET/trade-api/ws/v2", sig), 1);
	assert_int_equal(openssl_verify(key,
	    "1770897976124GET/trade-api/ws/v2", sig), 0);
	/* PSS is randomized: a second signature differs and also verifies. */
	assert_true(kauth_sign(k, "1770897976123", "GET", "/trade-api/ws/v2",
	    sig2, sizeof sig2) > 0);
	assert_string_not_equal(sig, sig2);
	p = kauth_load_pubkey(pub, err, sizeof err);
	assert_non_null(p);
	assert_int_equal(kauth_verify(p, "1770897976123", "GET",
	    "/trade-api/ws/v2", sig2), 1);
	/* The query string is not signed. */
	assert_int_equal(kauth_verify(p, "1770897976123", "GET",
	    "/trade-api/ws/v2?x=1", sig2), 1);
	assert_int_equal(kauth_verify(p, "1770897976123", "POST",
	    "/trade-api/ws/v2", sig2), 0);
	assert_int_equal(kauth_verify(p, "1770897976123", "GET",
	    "/trade-api/v2", sig2), 0);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

static void
pkcs1_and_files(void **state)
{
	char	 err[256], sig[KAUTH_SIG_MAX], path[] = "/tmp/kauthXXXXXX";
	EVP_PKEY *k, *p;
	FILE	*f;
	int	 fd;

	k = kauth_load_key(pkcs1, err, sizeof err);
	assert_non_null(k);
	assert_true(strstr(pkcs1, "BEGIN RSA PRIVATE KEY") != NULL);
	assert_true(kauth_sign(k, "1", "GET", "/p", sig, sizeof sig) > 0);
	EVP_PKEY_free(k);
	assert_int_equal(openssl_verify(key, "1GET/p", sig), 1);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(pkcs1, f);
	fclose(f);
	k = kauth_load_key(path, err, sizeof err);
	assert_non_null(k);
	/* A private key file also serves as the public key. */
	p = kauth_load_pubkey(path, err, sizeof err);
	assert_non_null(p);
	assert_int_equal(kauth_verify(p, "1", "GET", "/p", sig), 1);
	unlink(path);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

/* The body between the BEGIN and END lines of pem, joined on one line
 * (or kept in lines when keep_nl). */
static void
body_of(const char *pem, int keep_nl, char *out, size_t cap)
{
	const char	*p = strchr(pem, '\n') + 1, *end = strstr(pem, "-----END");
	size_t		 n = 0;

	for (; p < end && n + 1 < cap; p++)
		if (*p != '\n' || keep_nl)
			out[n++] = *p;
	out[n] = '\0';
}

static void
bare_base64_bodies(void **state)
{
	char		 body[8192], err[256];
	EVP_PKEY	*k;

	body_of(pkcs8, 0, body, sizeof body);
	assert_non_null(k = kauth_load_key(body, err, sizeof err));
	assert_int_equal(EVP_PKEY_eq(k, key), 1);
	EVP_PKEY_free(k);
	body_of(pkcs1, 1, body, sizeof body);
	assert_non_null(k = kauth_load_key(body, err, sizeof err));
	assert_int_equal(EVP_PKEY_eq(k, key), 1);
	EVP_PKEY_free(k);
	/* A damaged body: refused, and no part of it in the error. */
	body_of(pkcs8, 0, body, sizeof body);
	memmove(body + 100, body + 300, strlen(body + 300) + 1);
	assert_null(kauth_load_key(body, err, sizeof err));
	assert_non_null(strstr(err, "base64 body"));
	assert_null(strstr(err, "MII"));
	{
		char	 piece[17];

		memcpy(piece, body + 40, 16);
		piece[16] = '\0';
		assert_null(strstr(err, piece));
	}
}

static void
bad_keys_and_signatures(void **state)
{
	char	 err[256], sig[KAUTH_SIG_MAX];
	EVP_PKEY *p, *other, *ec;

	assert_null(kauth_load_key("/nonexistent/key.pem", err, sizeof err));
	/* Not even a path is echoed: it may be a mangled key. */
	assert_null(strstr(err, "nonexistent"));
	assert_non_null(strstr(err, "readable file"));
	assert_null(kauth_load_key("-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", err, sizeof err));
	/* The error never repeats key text. */
	assert_null(strstr(err, "AAAA"));
	assert_null(kauth_load_key(pub, err, sizeof err));
	assert_null(kauth_load_key("", err, sizeof err));
	ec = EVP_EC_gen("P-256");
	assert_non_null(ec);
	{
		char	 ecpem[2048];
		pem_of(ec, 8, ecpem, sizeof ecpem);
		assert_null(kauth_load_key(ecpem, err, sizeof err));
		assert_non_null(strstr(err, "not an RSA key"));
	}
	EVP_PKEY_free(ec);

	p = kauth_load_pubkey(pub, err, sizeof err);
	assert_non_null(p);
	assert_true(kauth_sign(key, "5", "GET", "/x", sig, sizeof sig) > 0);
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", sig), 1);
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", "not base64!"), 0);
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", ""), 0);
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", "QUFB"), 0);
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", sig), 0);
	/* Another key's signature does not verify. */
	other = EVP_RSA_gen(2048);
	assert_true(kauth_sign(other, "5", "GET", "/x", sig, sizeof sig) > 0);
	assert_int_equal(kauth_verify(p, "5", "GET", "/x", sig), 0);
	/* A buffer too small is an error, not a truncated signature. */
	assert_int_equal(kauth_sign(other, "5", "GET", "/x", sig, 100), -1);
	EVP_PKEY_free(other);
	EVP_PKEY_free(p);
}

static void
now_ms(void **state)
{
	char	 b[21];
	long long v = atoll(kauth_now_ms(b));

	assert_true(v > 1700000000000LL && v < 4000000000000LL);
	assert_int_equal(strlen(b), 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_verifies_with_openssl),
		cmocka_unit_test(pkcs1_and_files),
		cmocka_unit_test(bad_keys_and_signatures),
		cmocka_unit_test(bare_base64_bodies),
		cmocka_unit_test(now_ms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
