/* SPDX-License-Identifier: MIT
 * crypto: the hashes and signatures of the feed format, on libsodium.
 * Pure functions over byte buffers; key material lives in the caller's sodium_malloc memory. */
#ifndef ACCORD_CRYPTO_H
#define ACCORD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_HASH_LEN 32
#define CRYPTO_PK_LEN 32
#define CRYPTO_SK_LEN 64
#define CRYPTO_SIG_LEN 64
#define CRYPTO_ORIGIN_LEN 16

/* Must be called once before any other function; 0 or ACCORD_EINTERNAL. */
int crypto_init(void);
/* BLAKE2b-256 of buf. */
void crypto_record_hash(const void *buf, size_t len, uint8_t out[CRYPTO_HASH_LEN]);
/* A node's origin id: the first 16 bytes of BLAKE2b-256 over its Ed25519 public key. */
void crypto_origin_of(const uint8_t pk[CRYPTO_PK_LEN], uint8_t origin[CRYPTO_ORIGIN_LEN]);
/* Signs / verifies a feed head (origin, seq, hash of the record at seq); see PROTOCOL.md. */
void crypto_head_sign(const uint8_t sk[CRYPTO_SK_LEN], const uint8_t origin[CRYPTO_ORIGIN_LEN],
                      uint64_t seq, const uint8_t hash[CRYPTO_HASH_LEN],
                      uint8_t sig[CRYPTO_SIG_LEN]);
int crypto_head_verify(const uint8_t pk[CRYPTO_PK_LEN], const uint8_t origin[CRYPTO_ORIGIN_LEN],
                       uint64_t seq, const uint8_t hash[CRYPTO_HASH_LEN],
                       const uint8_t sig[CRYPTO_SIG_LEN]);
/* Signs / verifies msg under a domain string (so a signature of one kind of object can
 * never pass for another): Ed25519 over domain || msg. Used for roster entries. */
void crypto_sign_domain(const uint8_t sk[CRYPTO_SK_LEN], const char *domain, const void *msg,
                        size_t len, uint8_t sig[CRYPTO_SIG_LEN]);
int crypto_verify_domain(const uint8_t pk[CRYPTO_PK_LEN], const char *domain, const void *msg,
                         size_t len, const uint8_t sig[CRYPTO_SIG_LEN]);
/* The CurveZMQ (X25519) keys of an Ed25519 identity, so a node has one key to keep.
 * 0, or ACCORD_EKEY for a public key that is not a valid curve point. */
int crypto_curve_pk(const uint8_t pk[CRYPTO_PK_LEN], uint8_t curve_pk[32]);
int crypto_curve_sk(const uint8_t sk[CRYPTO_SK_LEN], uint8_t curve_sk[32]);
/* A new Ed25519 key pair; sk must be sodium_malloc'd by the caller. */
void crypto_keypair(uint8_t pk[CRYPTO_PK_LEN], uint8_t sk[CRYPTO_SK_LEN]);
void crypto_random(void *buf, size_t len);
/* Lower-case hex; out must hold 2*len+1 bytes. */
void crypto_hex(const uint8_t *in, size_t len, char *out);
/* Parses exactly 2*len hex digits; 0 or ACCORD_EINVAL. */
int crypto_unhex(const char *hex, uint8_t *out, size_t len);

#endif
