/* SPDX-License-Identifier: MIT
 * roster: this node's copy of the org's roster, in TBL_ROSTER, and the org public key it
 * pinned (meta "org_pk"). Entries are kept only after their signature checks with that key.
 *
 * Which entry stands for a key, so every node ends with the same roster whatever order the
 * entries came in: a revocation is final and beats any enrolment; between two enrolments
 * the later issued_ms wins (between two revocations the earlier), and between equal times the greater signed bytes. */
#ifndef ACCORD_ROSTER_H
#define ACCORD_ROSTER_H

#include <msgpack.h>
#include <stdbool.h>

#include "proto/roster_entry.h"
#include "store/store.h"

/* The pinned org key; ACCORD_ENOTFOUND if this node was made without one. */
int roster_org_pk(store_txn_t *t, uint8_t org_pk[CRYPTO_PK_LEN]);
int roster_pin_org(store_txn_t *t, const uint8_t org_pk[CRYPTO_PK_LEN]);

/* Checks a signed entry and keeps it if it wins for its key; *changed says if it did.
 * ACCORD_ENOTFOUND without a pinned org key; the errors of roster_entry_open. */
int roster_add(store_txn_t *t, const uint8_t *signed_entry, size_t len, bool *changed,
               roster_entry_t *out);

/* The standing entry of the node with this origin / CurveZMQ public key / Ed25519 key. */
int roster_by_origin(store_txn_t *t, const uint8_t origin[CRYPTO_ORIGIN_LEN], roster_entry_t *out);
int roster_by_curve(store_txn_t *t, const uint8_t curve_pk[32], roster_entry_t *out);
int roster_by_pk(store_txn_t *t, const uint8_t pk[CRYPTO_PK_LEN], roster_entry_t *out);

/* Calls fn for each standing signed entry, in key order; stops at fn's first non-zero. */
typedef int (*roster_fn)(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e);
int roster_each(store_txn_t *t, roster_fn fn, void *ctx);
/* Calls fn for each entry that changed after generation gen (an entry may come twice). */
int roster_each_since(store_txn_t *t, uint64_t gen, roster_fn fn, void *ctx);
/* The whole roster (since 0), or the entries changed after generation since, as one
 * ROSTER message (proto/wire.h) in out; *n says how many entries it holds. */
int roster_message(store_txn_t *t, uint64_t since, msgpack_sbuffer *out, uint32_t *n);

/* Counts changes to the roster, so a running node notices one written by accordctl. */
uint64_t roster_generation(store_txn_t *t);

#endif
