/* SPDX-License-Identifier: MIT
 * restamp: gives this node's own records that its hub does not hold yet the stamps of a
 * clock that is right again (docs/ARCHITECTURE.md, "A clock that was wrong").
 *
 * A node whose clock ran ahead stamps its records ahead; the hub refuses every one of them
 * stamped more than the skew ahead of its own clock (EFUTURE), and its HLC stays ahead
 * after the clock is put right, so what it writes next is refused too. The records the hub
 * does not hold (seqs held+1..head of the own feed) are held by no other node: a branch's
 * feed reaches others only through its hub. So they may be written again, as long as it
 * happens before any of them is sent: restamp_tail rebuilds each one with the same entity,
 * kind, author and ops, in the same order, stamped back by the clock's excess, and puts
 * the state of every entity they touch back to what merging the rebuilt records gives.
 *
 * The new stamp of each record, in seq order, is the first that holds of:
 *   above the previous record's (the record at held, then each rebuilt one), so the feed
 *   stays in HLC order and a node's later edit still wins over its earlier one;
 *   at most now;
 *   its wall time, if it was written while the wall clock was already right but behind
 *   the HLC (RESTAMP_WALL_KEY entries, kept by oplog_append); else its old stamp minus
 *   the excess: the clock's lead over the hub as measured by the hub's BEATs while it
 *   was wrong (RESTAMP_AHEAD_KEY, "measured"), or, never measured, the old stamp of the
 *   last such record minus the time the clock was first seen right ("estimated": the
 *   latest the records can have been written).
 * SET bases and RESOLVE pairs that name a rebuilt record's version are changed to its new
 * version; the records are chained again from the one at held, every checkpoint the tail
 * had and the head are signed again, and meta "hlc" becomes the newest new stamp.
 *
 * All of it happens in the caller's one write transaction: a crash before the commit
 * leaves the old tail, its signatures and the old state untouched. */
#ifndef ACCORD_RESTAMP_H
#define ACCORD_RESTAMP_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/identity.h"
#include "proto/record.h"
#include "store/store.h"

#define RESTAMP_DEFAULT_SKEW_MS 300000u
/* meta keys: "clock.wall." seq(8 BE) -> wall ms (8 BE), one per record written behind */
#define RESTAMP_WALL_KEY "clock.wall."
#define RESTAMP_WALL_KEY_LEN 11
/* meta: ms (8 BE) this clock was last measured ahead of the hub's, beyond the skew */
#define RESTAMP_AHEAD_KEY "clock.ahead"
/* meta: the last re-stamp, msgpack [at_ms, first_seq, last_seq, shift_ms, measured, entities] */
#define RESTAMP_NOTICE_KEY "clock.restamp"

typedef struct {
    uint64_t at_ms;        /* when the records were re-stamped (this clock) */
    uint64_t first_seq;    /* the records re-stamped: first_seq..last_seq; none if 0 */
    uint64_t last_seq;
    uint64_t shift_ms;     /* how far back the records stamped by the wrong clock moved */
    bool measured;         /* shift_ms was measured against the hub's clock, not estimated */
    uint64_t entities;     /* entities merged again */
    uint64_t new_last_hlc; /* the newest own stamp now */
    char why[240];         /* on refusal, a sentence for the operator */
} restamp_result_t;

/* oplog_append: record seq was stamped by an HLC ahead of the wall clock wall_ms. */
int restamp_note_wall(store_txn_t *t, uint64_t seq, uint64_t wall_ms);
/* The hub's BEAT says this clock runs ahead_ms ahead of the hub's, beyond the skew. */
int restamp_note_ahead(store_txn_t *t, uint64_t ahead_ms);
/* The newest stamp among origin's records after held_seq in t: 0 if there are none. */
int restamp_tail_hlc(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t held_seq, uint64_t *hlc);

/* Re-stamps id's own records after held_seq (the last one the hub holds) as above, in t,
 * with now_ms this node's (right) wall clock. Returns 0 with res filled (first_seq 0 when
 * there is nothing after held_seq); or ACCORD_EPURGED when a feed here is compacted, since
 * an entity's state then comes partly from the snapshot and cannot be derived again from
 * its records alone (res->why says so; nothing is written); or a store or decode error,
 * after which t must be aborted. */
int restamp_tail(store_txn_t *t, const identity_t *id, uint64_t held_seq, uint64_t now_ms, restamp_result_t *res);

/* The last re-stamp as kept in meta; ACCORD_ENOTFOUND if there was none. */
int restamp_last(store_txn_t *t, restamp_result_t *out);
/* "the clock was 3 h 0 min ahead (measured against the hub); records 120-340, not yet sent,
 * were re-stamped to this clock at 2024-05-01T10:00:00.000Z" into out. */
void restamp_describe(const restamp_result_t *r, char *out, size_t cap);

#endif
