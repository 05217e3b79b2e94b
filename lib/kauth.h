/* kauth: Kalshi request signing.  A request is signed with RSA-PSS over
 * SHA-256 (MGF1 SHA-256, salt length 32) of ts_ms + METHOD + path, where
 * ts_ms is the decimal epoch-millisecond time sent in
 * KALSHI-ACCESS-TIMESTAMP and path has no query string.  PSS signatures are
 * randomized: verify them, never compare them. */
#ifndef SSMD_KAUTH_H
#define SSMD_KAUTH_H

#include <stddef.h>
#include <openssl/evp.h>

/* Room for the base64 signature of an RSA key up to 8192 bits. */
#define KAUTH_SIG_MAX	1400

/* A private key from PEM text (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1
 * "BEGIN RSA PRIVATE KEY"), from the bare base64 body of either (no
 * BEGIN/END lines), or else from the PEM file it names.  Only RSA keys
 * are accepted.  On failure NULL, with a reason in err that never holds
 * the value given (neither key material nor what was taken for a path). */
EVP_PKEY *kauth_load_key(const char *pem_or_path, char *err, size_t errlen);
/* A public key the same way ("BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC
 * KEY"); a private key is accepted too and its public half used. */
EVP_PKEY *kauth_load_pubkey(const char *pem_or_path, char *err, size_t errlen);

/* Sign ts_ms + method + path; the base64 signature goes to b64sig (cap
 * bytes, KAUTH_SIG_MAX is enough).  Returns its length, or -1. */
int	kauth_sign(EVP_PKEY *, const char *ts_ms, const char *method,
	    const char *path, char *b64sig, size_t cap);
/* 1 if b64sig is a valid signature of ts_ms + method + path by the key's
 * owner, 0 if not (also for malformed base64), -1 on internal error. */
int	kauth_verify(EVP_PKEY *pub, const char *ts_ms, const char *method,
	    const char *path, const char *b64sig);
/* The current time as Kalshi wants it: epoch milliseconds, decimal.
 * out needs 21 bytes; returns out. */
char	*kauth_now_ms(char out[21]);

#endif
