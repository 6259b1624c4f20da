/* SPDX-License-Identifier: MIT
 * digest: a fingerprint of the merged state, to check that two nodes hold the same data.
 * Nodes that applied the same records hold byte-identical state tables (merge.h), so
 * hashing those tables' keys and values in key order compares them exactly.
 *
 *   entities      = the live ones: a deleted entity counts in no digest (compact.h)
 *   entity digest = BLAKE2b-256 over, for each state table (fields, kinds, siblings,
 *                   conflicts, resolved) in that order, each entry of the entity as
 *                   table(1) klen(2 BE) key vlen(4 BE) value
 *   bucket digest = BLAKE2b-256 over (entity id, entity digest) of the entities whose id
 *                   starts with that byte, in id order (256 buckets)
 *   state digest  = BLAKE2b-256 over the 256 bucket digests
 * Range digests let two nodes find the records that differ without sending them all. */
#ifndef ACCORD_DIGEST_H
#define ACCORD_DIGEST_H

#include <stdint.h>

#include "store/store.h"

#define DIGEST_BUCKETS 256

typedef struct {
    uint8_t state[32];
    uint8_t bucket[DIGEST_BUCKETS][32];
    uint64_t entities;
} state_digest_t;

int digest_state(store_txn_t *t, state_digest_t *out);
/* Calls fn for each entity of one bucket with its digest, in id order. */
typedef int (*digest_fn)(void *ctx, const uint8_t entity[16], const uint8_t digest[32]);
int digest_bucket(store_txn_t *t, uint8_t bucket, digest_fn fn, void *ctx);

#endif
