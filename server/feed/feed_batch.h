/* SPDX-License-Identifier: MIT
 * feed_batch: reading a run of one origin's stored records that a receiver can verify with
 * one signature — it ends at a signed checkpoint. Used by replication (sync) and bundles. */
#ifndef ACCORD_FEED_BATCH_H
#define ACCORD_FEED_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"
#include "store/store.h"

#define FEED_BATCH_MAX 4096 /* records in one batch (= WIRE_MAX_RECORDS, APPLY_MAX_RECORDS) */

typedef struct {
    const uint8_t *items[FEED_BATCH_MAX]; /* the records' stored bytes, borrowed from the txn */
    size_t lens[FEED_BATCH_MAX];
    uint32_t n;
    const uint8_t *sig;                   /* the checkpoint signature over the last one */
} feed_batch_t;

/* The run of origin's records from seq `from` that ends at the furthest signed checkpoint
 * <= head keeping it within target records and about max_bytes; when the first checkpoint
 * lies further, the run goes to it (up to FEED_BATCH_MAX records). Returns the last seq,
 * or 0 when no checkpoint is in reach. */
uint64_t feed_batch(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t from, uint64_t head, uint32_t target,
                    size_t max_bytes, feed_batch_t *out);

#endif
