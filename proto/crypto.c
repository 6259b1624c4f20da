/* SPDX-License-Identifier: MIT */
#include "crypto.h"
#include "accord_err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_DOMAIN "accord-head-v1"
#define HEAD_DOMAIN_LEN 14
#define HEAD_MSG_LEN (HEAD_DOMAIN_LEN + CRYPTO_ORIGIN_LEN + 8 + CRYPTO_HASH_LEN)

int crypto_init(void)
{
    return sodium_init() < 0 ? ACCORD_EINTERNAL : 0;
}

void crypto_record_hash(const void *buf, size_t len, uint8_t out[CRYPTO_HASH_LEN])
{
    crypto_generichash(out, CRYPTO_HASH_LEN, buf, len, NULL, 0);
}

void crypto_origin_of(const uint8_t pk[CRYPTO_PK_LEN], uint8_t origin[CRYPTO_ORIGIN_LEN])
{
    uint8_t h[CRYPTO_HASH_LEN];
    crypto_generichash(h, sizeof h, pk, CRYPTO_PK_LEN, NULL, 0);
    memcpy(origin, h, CRYPTO_ORIGIN_LEN);
}

static void head_message(uint8_t msg[HEAD_MSG_LEN], const uint8_t *origin, uint64_t seq,
                         const uint8_t *hash)
{
    memcpy(msg, HEAD_DOMAIN, HEAD_DOMAIN_LEN);
    memcpy(msg + HEAD_DOMAIN_LEN, origin, CRYPTO_ORIGIN_LEN);
    for (int i = 0; i < 8; i++)
        msg[HEAD_DOMAIN_LEN + CRYPTO_ORIGIN_LEN + i] = (uint8_t)(seq >> (56 - 8 * i));
    memcpy(msg + HEAD_DOMAIN_LEN + CRYPTO_ORIGIN_LEN + 8, hash, CRYPTO_HASH_LEN);
}

void crypto_head_sign(const uint8_t sk[CRYPTO_SK_LEN], const uint8_t origin[CRYPTO_ORIGIN_LEN],
                      uint64_t seq, const uint8_t hash[CRYPTO_HASH_LEN],
                      uint8_t sig[CRYPTO_SIG_LEN])
{
    uint8_t msg[HEAD_MSG_LEN];
    head_message(msg, origin, seq, hash);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
}

int crypto_head_verify(const uint8_t pk[CRYPTO_PK_LEN], const uint8_t origin[CRYPTO_ORIGIN_LEN],
                       uint64_t seq, const uint8_t hash[CRYPTO_HASH_LEN],
                       const uint8_t sig[CRYPTO_SIG_LEN])
{
    uint8_t msg[HEAD_MSG_LEN];
    head_message(msg, origin, seq, hash);
    return crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0 ? 0 : ACCORD_ESIG;
}

#define DOMAIN_MAX 32
#define DOMAIN_MSG_MAX 1024

static size_t domain_message(uint8_t *buf, const char *domain, const void *msg, size_t len)
{
    size_t dl = strlen(domain);
    if (dl > DOMAIN_MAX || len > DOMAIN_MSG_MAX) return 0;
    memcpy(buf, domain, dl);
    memcpy(buf + dl, msg, len);
    return dl + len;
}

void crypto_sign_domain(const uint8_t sk[CRYPTO_SK_LEN], const char *domain, const void *msg,
                        size_t len, uint8_t sig[CRYPTO_SIG_LEN])
{
    uint8_t buf[DOMAIN_MAX + DOMAIN_MSG_MAX];
    size_t n = domain_message(buf, domain, msg, len);
    if (n == 0) abort(); /* callers sign only bounded objects */
    crypto_sign_detached(sig, NULL, buf, n, sk);
}

int crypto_verify_domain(const uint8_t pk[CRYPTO_PK_LEN], const char *domain, const void *msg,
                         size_t len, const uint8_t sig[CRYPTO_SIG_LEN])
{
    uint8_t buf[DOMAIN_MAX + DOMAIN_MSG_MAX];
    size_t n = domain_message(buf, domain, msg, len);
    if (n == 0) return ACCORD_ETOOBIG;
    return crypto_sign_verify_detached(sig, buf, n, pk) == 0 ? 0 : ACCORD_ESIG;
}

int crypto_curve_pk(const uint8_t pk[CRYPTO_PK_LEN], uint8_t curve_pk[32])
{
    return crypto_sign_ed25519_pk_to_curve25519(curve_pk, pk) == 0 ? 0 : ACCORD_EKEY;
}

int crypto_curve_sk(const uint8_t sk[CRYPTO_SK_LEN], uint8_t curve_sk[32])
{
    return crypto_sign_ed25519_sk_to_curve25519(curve_sk, sk) == 0 ? 0 : ACCORD_EKEY;
}

void crypto_keypair(uint8_t pk[CRYPTO_PK_LEN], uint8_t sk[CRYPTO_SK_LEN])
{
    crypto_sign_keypair(pk, sk);
}

void crypto_random(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void crypto_hex(const uint8_t *in, size_t len, char *out)
{
    sodium_bin2hex(out, 2 * len + 1, in, len);
}

int crypto_unhex(const char *hex, uint8_t *out, size_t len)
{
    size_t got = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * len) return ACCORD_EINVAL;
    if (sodium_hex2bin(out, len, hex, 2 * len, NULL, &got, &end) != 0 || got != len)
        return ACCORD_EINVAL;
    return 0;
}
