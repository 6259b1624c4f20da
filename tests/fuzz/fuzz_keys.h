/* SPDX-License-Identifier: MIT
 * Fixed keys for fuzzing, made from constant seeds: never use them anywhere else. */
#ifndef ACCORD_FUZZ_KEYS_H
#define ACCORD_FUZZ_KEYS_H

#include <sodium.h>
#include <string.h>

#include "proto/crypto.h"

typedef struct {
    uint8_t node_pk[32], node_sk[64], node_origin[16];
    uint8_t org_pk[32], org_sk[64];
} fuzz_keys_t;

static inline void fuzz_keys(fuzz_keys_t *k)
{
    uint8_t seed[32];
    memset(seed, 1, sizeof seed);
    crypto_sign_seed_keypair(k->node_pk, k->node_sk, seed);
    memset(seed, 2, sizeof seed);
    crypto_sign_seed_keypair(k->org_pk, k->org_sk, seed);
    crypto_origin_of(k->node_pk, k->node_origin);
}

#endif
