/* SPDX-License-Identifier: MIT
 * compact: frees what no node can need again, behind the horizon (horizon.h).
 *
 *   Tombstones: a deleted entity all of whose records lie behind the horizon is reduced to
 *   its grave (TBL_GRAVES: kind and delete version) and every other row of it goes. The
 *   grave stays, because a change made before its writer saw the delete may still be on
 *   its way (it is held by no one yet, so the horizon cannot speak for it); merging skips
 *   a graved entity, so that change cannot bring it back. Deleted entities count in no
 *   digest, so nodes that compacted and nodes that did not still compare equal.
 *   Feeds: each feed is cut at its last signed checkpoint behind the horizon; the records
 *   and checkpoints up to it go, with their history entries, and TBL_BASES keeps the cut's
 *   seq, hash and signature, so the rest of the feed still verifies from it.
 *   Snapshot: last, the state is written, signed, to the data directory (snapshot_io.h):
 *   it is what a new node starts from and what `accordctl check` re-derives from.
 *
 * Every step runs in bounded transactions and may be cut at any point: what it removed is
 * behind the horizon, and running it again finishes the job. Safe on a live node. */
#ifndef ACCORD_COMPACT_H
#define ACCORD_COMPACT_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/horizon.h"
#include "auth/identity.h"
#include "ops/snapshot_io.h"
#include "store/store.h"

typedef struct {
    uint64_t entities;     /* deleted entities reduced to graves */
    uint64_t rows;         /* state rows they took with them */
    uint64_t records;      /* feed records purged */
    uint64_t checkpoints;  /* checkpoints purged */
    uint64_t history;      /* history entries purged */
    uint32_t feeds_cut;    /* feeds whose base moved */
    uint64_t free_before, free_after; /* bytes on the store's free list */
    snapshot_info_t snapshot;         /* what was written (not on a dry run) */
} compact_report_t;

typedef void (*compact_progress_fn)(void *ctx, const char *stage, uint64_t done);

/* Compacts st behind h. dry_run counts what would go and changes nothing.
 * snapshot_path: where the snapshot goes. */
int compact_run(store_t *st, const identity_t *id, const horizon_t *h, bool dry_run, const char *snapshot_path,
                compact_report_t *rep, compact_progress_fn progress, void *ctx);

#endif
