/* SPDX-License-Identifier: MIT
 * horizon: for each feed, the seq up to which every enrolled node holds it. Only records
 * behind it may be compacted away (compact.h), because no node can ask for them again.
 *
 * A node knows what its peers hold from their HELLO vectors and ACKs; sync keeps that in
 * TBL_ACKED (peer origin, feed origin -> seq). Every standing (not revoked) roster entry
 * counts, whether or not it ever connected here: a node never heard from holds nothing,
 * so it holds the horizon at 0 — a freshly enrolled branch stops compaction until it has
 * caught up, and a revoked one no longer counts. This node counts with its own heads. */
#ifndef ACCORD_HORIZON_H
#define ACCORD_HORIZON_H

#include "proto/record.h"
#include "proto/roster_entry.h"
#include "store/store.h"

typedef struct {
    uint8_t origin[ID_LEN];
    uint64_t head;                        /* what this node holds of the feed */
    uint64_t seq;                         /* the horizon: every enrolled node holds up to here */
    char held_by[200];                    /* the nodes holding it lowest, by name ("" if none below head) */
} horizon_entry_t;

typedef struct {
    horizon_entry_t *feeds; /* one per feed this node holds, in origin order */
    uint32_t n;
    uint32_t nodes;         /* enrolled nodes counted, this one included */
} horizon_t;

/* Computes the horizon from the roster, TBL_ACKED and this node's heads in t. */
int horizon_compute(store_txn_t *t, const uint8_t self[ID_LEN], horizon_t *out);
void horizon_free(horizon_t *h);
/* The horizon of origin, 0 if it holds no such feed. */
uint64_t horizon_of(const horizon_t *h, const uint8_t origin[ID_LEN]);

/* Keeps what peer says it holds of feed: the value horizon_compute reads. */
int horizon_note(store_txn_t *t, const uint8_t peer[ID_LEN], const uint8_t feed[ID_LEN], uint64_t seq);
/* What peer was last noted to hold of feed (horizon_note), across restarts; 0 if nothing
 * was noted or the store cannot say. */
uint64_t horizon_noted(store_txn_t *t, const uint8_t peer[ID_LEN], const uint8_t feed[ID_LEN]);

#endif
