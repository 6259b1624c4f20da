/* SPDX-License-Identifier: MIT
 * merge: applies one decoded record to the store's state: field-level last-writer-wins
 * registers ordered by version (hlc, origin), per-element LWW sets, tombstones as the
 * "deleted" register, the sibling/conflict log, the history index and the search index.
 *
 * Why the state converges: every key's new value depends only on the set of ops applied
 * to it (max by version, or a set union), never on their order, so applying the same
 * records in any order, any number of times, leaves byte-identical tables.
 *
 * Conflicts: two SET ops on the same field that carry the same base version (both writers
 * saw the same value and changed it) are concurrent; each such pair is kept in
 * TBL_CONFLICTS until an OP_RESOLVE names it. Detected from TBL_SIBLINGS, which records
 * every SET op under its base, so the pair is found whichever op arrives first. */
#ifndef ACCORD_MERGE_H
#define ACCORD_MERGE_H

#include "proto/record.h"
#include "store/store.h"

/* Applies rec inside t. Returns 0; or ACCORD_EPROTO if the record breaks the schema or
 * names an entity of another kind, found before anything is written; or a store error,
 * after which t may hold part of the record and must be aborted. Applying a record
 * already applied changes nothing. */
int merge_apply(store_txn_t *t, const record_t *rec);

#endif
