/* SPDX-License-Identifier: MIT
 * changes: this node's log of when it applied a change to each entity, for the local API's
 * list with updated_since (and the HTTP API's: docs/API.md). Kept in the same transaction
 * as the change, by merge_apply (every record applied: this node's own and other nodes'),
 * and by a snapshot install for every entity it installs.
 *   TBL_CHANGES    kind(1) stamp(8 BE) entity(16) -> ""   one per change applied
 *   TBL_CHANGED_AT entity(16) -> kind(1) stamp(8 BE)       the entity's last one
 * A stamp is this node's clock when it applied the change (an HLC-packed time that only
 * grows, hlc.h), not the change's own time: a change another branch made days ago and that
 * arrives now is a change since this morning here, so a client that asks what changed
 * since its last look misses none. So the log is the node's own, not a function of the
 * records (nodes differ; check does not compare it). An entry whose stamp is not its
 * entity's last is stale and skipped by readers: each change costs two puts (one at the
 * log's end) and no delete. */
#ifndef ACCORD_CHANGES_H
#define ACCORD_CHANGES_H

#include "proto/record.h"
#include "store/store.h"

#define CHANGES_KEY_LEN (1 + 8 + ID_LEN)

/* Notes that entity id of kind changed now (a write transaction). */
int changes_note(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind);
/* The stamp of the entity's last change here; ACCORD_ENOTFOUND if none is noted. */
int changes_stamp(store_txn_t *t, const uint8_t id[ID_LEN], uint64_t *stamp);
/* Whether a TBL_CHANGES key is its entity's last change (else a stale entry). */
bool changes_current(store_txn_t *t, const uint8_t key[CHANGES_KEY_LEN]);
/* Notes every stored entity that has no entry yet, at the time its state says it last
 * changed, in one transaction of its own (a store from before the log), and marks the store
 * as having the log ("changes-version" in meta): nothing to do after. *entities is how many
 * were noted (UINT64_MAX if nothing was to do). Called when the node starts. */
int changes_upgrade(store_t *st, uint64_t *entities);

#endif
