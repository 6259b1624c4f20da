/* SPDX-License-Identifier: MIT
 * snapshot_io: writing this node's state to a snapshot file (proto/snapshot.h) and
 * loading one, either to start an empty node (a new branch after the hub compacted) or to
 * re-derive the state in `accordctl check` on a node whose feeds no longer start at seq 1.
 *
 * What a snapshot holds: the roster, each feed's signed head (its version vector), and
 * the rows of the state tables that merging made (fields, kinds, siblings, conflicts,
 * resolved, graves). Not the history index: it lists feed records, and the records behind
 * a snapshot are not where it goes. Not the search index and the by-kind list: the loader
 * derives them from the fields, as merging does. Applying the feed records after the
 * snapshot's heads to its state gives the state of a node that applied every record. */
#ifndef ACCORD_SNAPSHOT_IO_H
#define ACCORD_SNAPSHOT_IO_H

#include <stdbool.h>

#include "proto/record.h"
#include "proto/snapshot.h"
#include "auth/identity.h"
#include "store/store.h"

#define SNAPSHOT_MAX_FEEDS 65536

typedef struct {
    uint8_t origin[ID_LEN];
    uint64_t seq;
    uint8_t hash[32];
    uint8_t sig[64];
} snapshot_feed_t;

typedef struct {
    uint8_t signer[32];
    uint64_t created_ms;
    snapshot_feed_t *feeds; /* the heads it was taken at, in origin order */
    uint32_t n_feeds;
    uint64_t rows;
    uint64_t bytes;
    char why[300];          /* on failure, a sentence naming the file and position */
} snapshot_info_t;

typedef void (*snapshot_progress_fn)(void *ctx, uint64_t rows);

/* Writes the state of one read snapshot of st to path (through path.tmp, synced and
 * renamed, so a crash leaves the old file or the new one), signed by id. */
int snapshot_save(store_t *st, const identity_t *id, const char *path, snapshot_info_t *info,
                  snapshot_progress_fn progress, void *ctx);

/* Starts the empty node st from the snapshot at path: checks the whole file's signature
 * first, then that its signer is a hub in the snapshot's roster (checked with the org key
 * this node pinned) — and is want_signer, if given — and each feed head's signature; then
 * writes the roster, the rows (in bounded transactions) and, last, the heads. A crash
 * part way leaves a mark that snapshot_clear_partial finds. ACCORD_EEXISTS if st already
 * holds feeds or state; ACCORD_EPROTO/ESIG/ETOOBIG/EVERSION/EUNKNOWN for a bad file. */
int snapshot_install(store_t *st, const char *path, const uint8_t *want_signer, snapshot_info_t *info,
                     snapshot_progress_fn progress, void *ctx);
/* The same over a node that holds data (it lacks records the hub compacted away): refused
 * unless the snapshot holds everything the node holds of every feed — its own newest
 * changes included, so nothing is lost — then the node's feeds and state are replaced in
 * the install's first transaction. The node must be stopped. */
int snapshot_install_replacing(store_t *st, const char *path, snapshot_info_t *info);
/* Removes what a cut-short install wrote; true in *cleared if there was one. */
int snapshot_clear_partial(store_t *st, bool *cleared);

/* Loads the state rows of the snapshot at path into t (the signature checked at the end:
 * the caller aborts t on error) and fills info's heads. For check and repair. */
int snapshot_load_state(store_txn_t *t, const char *path, snapshot_info_t *info);
/* The head the snapshot holds for origin, 0 if none. */
uint64_t snapshot_head_of(const snapshot_info_t *info, const uint8_t origin[ID_LEN]);
void snapshot_info_free(snapshot_info_t *info);

/* The feed's compaction base: records up to seq are purged here (0: none). */
int snapshot_base(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t *seq);

#endif
