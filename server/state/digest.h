/* SPDX-License-Identifier: MIT
 * digest: a fingerprint of the merged state, to check that two nodes hold the same data.
 * Nodes that applied the same records hold byte-identical state tables (merge.h), so
 * hashing those tables' keys and values in key order compares them exactly.
 *
 *   entities      = the live ones: a deleted entity counts in no digest (compact.h)
 *   entity digest = BLAKE2b-256 over, for each STORE_T_DIGEST table of the catalogue
 *                   (store.h) in its order, each entry of the entity as
 *                   table(1) klen(2 BE) key vlen(4 BE) value
 *   entity term   = BLAKE2b-256(entity id ‖ entity digest)
 *   bucket sum    = the sum modulo 2^256 of the terms, each read as a little-endian number,
 *                   of the entities whose id ends with that byte (256 buckets: the last
 *                   byte is random in every id, the first is a time-ordered id's clock),
 *                   and count, how many they are
 *   bucket digest = BLAKE2b-256(sum(32) ‖ count(8 BE))
 *   state digest  = BLAKE2b-256 over the 256 bucket digests
 * Range digests let two nodes find the records that differ without sending them all.
 *
 * Kept, not scanned: a sum does not depend on the order its terms came in, so the store's
 * digest hook (store.h), set by digest_keep, takes a changed entity's old term out of its
 * bucket and adds the new one in the transaction that changed it. TBL_DIGESTS holds the
 * 256 sums and the digest of every live entity they count (its old term, without the
 * state it was computed from). Invariant: when TBL_DIGESTS holds its format key, its sums
 * are those of the state in the same snapshot. A store without them (made by an older
 * version, or written by a process that set no hook) gets them from digest_upgrade;
 * until then digest_state computes the digest by a scan. */
#ifndef ACCORD_DIGEST_H
#define ACCORD_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define DIGEST_BUCKETS 256

typedef struct {
    uint8_t state[32];
    uint8_t bucket[DIGEST_BUCKETS][32];
    uint64_t entities;
} state_digest_t;

/* The state digest of t's snapshot: the kept sums, or a scan of every entity if the store
 * keeps none. */
int digest_state(store_txn_t *t, state_digest_t *out);
/* The same computed from the state tables alone, by a scan (tests, `accordctl check`). */
int digest_compute(store_txn_t *t, state_digest_t *out);
/* The digest the store keeps, or ACCORD_ENOTFOUND if it keeps none. */
int digest_kept(store_txn_t *t, state_digest_t *out);

/* What the store keeps, compared with what the stored state gives (`accordctl check`). */
typedef struct {
    bool kept;                /* false: the store keeps no digest, and nothing was compared */
    unsigned buckets_differ;  /* kept bucket sums that are not the stored state's */
    uint64_t entities_differ; /* kept entity digests missing, left over or not the entity's */
    int first_bucket;         /* the first bucket either was found in, or -1 */
    uint64_t kept_entities;   /* how many the kept sums count */
    uint64_t entities;        /* how many live entities the state holds */
} digest_audit_t;
int digest_audit(store_txn_t *t, digest_audit_t *out);

/* Sets st's digest hook: from now on every write transaction through st keeps the sums up
 * to date (if the store holds them; one that clears a state table computes them anew). */
void digest_keep(store_t *st);
/* digest_keep, then, if st keeps no sums yet, computes them in one write transaction (a
 * scan of every entity). *entities is how many were digested, or UINT64_MAX if the sums
 * were there. On error the store is unchanged. */
int digest_upgrade(store_t *st, uint64_t *entities);

/* Calls fn for each entity of one bucket with its digest, in id order: the kept digests,
 * or a scan of every entity if the store keeps none. fn returning 1 stops the walk (0). */
typedef int (*digest_fn)(void *ctx, const uint8_t entity[16], const uint8_t digest[32]);
int digest_bucket(store_txn_t *t, uint8_t bucket, digest_fn fn, void *ctx);

#endif
