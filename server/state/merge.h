/* SPDX-License-Identifier: MIT
 * merge: applies one decoded record to the store's state: field-level last-writer-wins
 * registers ordered by version (hlc, origin), per-element LWW sets, tombstones as the
 * "deleted" register, the sibling/conflict log, the history index and the search index.
 *
 * Why the state converges: every key's new value depends only on the set of ops applied
 * to it (max by version, or a set union), never on their order, so applying the same
 * records in any order, any number of times, leaves byte-identical tables.
 *
 * Conflicts: two or more SET ops on the same field that carry the same base version (the
 * writers saw the same value and changed it) are concurrent siblings. The entity's row
 * records every SET op under its base (entity.h, tag 'S'); TBL_CONFLICTS holds one marker per (entity, field, base)
 * group with two or more siblings, put by the second to arrive whichever it is. A group is
 * resolved when OP_RESOLVE pairs (TBL_RESOLVED) join all its siblings into one set: a
 * resolution of two siblings is one pair, and a sibling that arrives after the resolution
 * is not joined, so the group opens again (api_conflict.c). Storage grows by one row per
 * SET, not per pair of SETs. */
#ifndef ACCORD_MERGE_H
#define ACCORD_MERGE_H

#include "proto/record.h"
#include "store/store.h"

/* Applies rec inside t. Returns 0; or ACCORD_EPROTO if the record breaks the schema or
 * names an entity of another kind, found before anything is written; or a store error,
 * after which t may hold part of the record and must be aborted. Applying a record
 * already applied changes nothing. */
int merge_apply(store_txn_t *t, const record_t *rec);

#define MERGE_CONFLICT_KEY_LEN (ID_LEN + 1 + VERSION_LEN)                /* entity field base */
#define MERGE_SIBLING_KEY_LEN (MERGE_CONFLICT_KEY_LEN + VERSION_LEN)     /* ... version */

/* Remakes TBL_CONFLICTS from the rows' siblings: a store written before conflicts were kept per
 * group held one row per pair. *groups receives the number of conflict groups. */
int merge_conflicts_rebuild(store_txn_t *t, uint64_t *groups);

/* Upgrades a store in place once: TBL_CONFLICTS from pairs to groups, in one transaction
 * of its own (a crash leaves the old rows, and the next start does it again). *groups is
 * UINT64_MAX if nothing was to do, else the number of groups. Called when the node starts. */
int merge_upgrade(store_t *st, uint64_t *groups);

#endif
