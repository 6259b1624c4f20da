/* SPDX-License-Identifier: MIT
 * oplog: this node's own feed. Each local change becomes one record, chained to the one
 * before by BLAKE2b-256, stored as its exact bytes in TBL_FEED and applied to the state in
 * the same transaction. Before each commit the head (origin, seq, hash) is signed with the
 * node's Ed25519 key and kept both as the feed head (TBL_HEADS) and as a checkpoint
 * (TBL_CHECKPTS), so any record can be proven by walking to the next checkpoint.
 *
 * Head states: durable (committed on disk) <= sealed (signed in the open txn) <= head
 * (records appended). oplog_commit_done() makes head durable; oplog_commit_failed() and
 * oplog_rollback() move it back. Only the writer thread calls these. */
#ifndef ACCORD_OPLOG_H
#define ACCORD_OPLOG_H

#include "proto/hlc.h"
#include "proto/record.h"
#include "auth/identity.h"
#include "store/store.h"

typedef struct {
    uint64_t seq;      /* 0 for an empty feed */
    uint8_t hash[32];  /* hash of record seq; zeros for an empty feed */
} feed_head_t;

typedef struct oplog oplog_t;

int oplog_open(store_t *st, const identity_t *id, oplog_t **out);
void oplog_destroy(oplog_t **log);
/* Reads the own feed's head again: records of it were applied from elsewhere (rejoin). */
int oplog_reload(oplog_t *log, store_t *st);

/* Fills rec's origin, seq, hlc and prev, encodes it, stores it and applies it to the
 * state in t, and queues it for the webhooks it matches (hooks/hook_outbox.h). A record stamped while the wall clock is more than the max skew behind the
 * HLC (the clock was ahead and has been put right) also leaves its wall time in TBL_META
 * (RESTAMP_WALL_KEY, feed/restamp.h), the real time a re-stamp gives it. A refused record (ACCORD_EPROTO, ACCORD_EINVAL, ACCORD_ETOOBIG) leaves t
 * untouched; after a store error (ACCORD_ESTORE, ACCORD_EFULL) t may hold part of it and
 * must be aborted. Either way the caller calls oplog_rollback with the mark taken before. */
int oplog_append(oplog_t *log, store_txn_t *t, record_t *rec);
/* Why the last oplog_append was refused with ACCORD_EPERM (the author's roles, people.h). */
const char *oplog_why(const oplog_t *log);
feed_head_t oplog_mark(const oplog_t *log);
void oplog_rollback(oplog_t *log, feed_head_t mark);
/* Signs the head and writes it to t if records were appended since the last seal. */
int oplog_seal(oplog_t *log, store_txn_t *t);
void oplog_commit_done(oplog_t *log);
void oplog_commit_failed(oplog_t *log);
feed_head_t oplog_head(const oplog_t *log);
uint64_t oplog_now(oplog_t *log); /* next HLC timestamp */
/* The clock's last reading: the newest timestamp it issued or folded in. */
uint64_t oplog_clock(const oplog_t *log);
/* How far this node's wall clock may lag its HLC before a record written counts as
 * written "behind" (see oplog_append); the node's --max-clock-skew, 300 s by default. */
void oplog_set_max_skew(oplog_t *log, uint64_t max_skew_ms);
/* Sets the clock to the newest of hlc and the remote timestamps folded in since open,
 * after this node's own unsent records were re-stamped (feed/restamp.h) so that hlc is
 * now the newest own stamp. */
void oplog_reset_clock(oplog_t *log, uint64_t hlc);
/* Folds the HLC of a record applied from another node into this node's clock, so a local
 * edit made after seeing a remote one is ordered after it. */
void oplog_observe(oplog_t *log, uint64_t hlc);

typedef struct {
    uint64_t records;      /* records read */
    uint64_t checkpoints;  /* signatures checked */
    uint64_t head_seq;     /* seq named by the signed head */
    uint64_t base_seq;     /* records up to here were compacted away (compact.h) */
    uint64_t bad_seq;      /* first record found damaged, 0 if none */
    int code;              /* 0, ACCORD_ECHAIN, ACCORD_ESIG, ACCORD_EPROTO */
    char why[256];         /* a sentence for the operator */
} feed_report_t;

typedef void (*feed_progress_fn)(void *ctx, uint64_t done);

/* Walks origin's whole feed in t: decodes every record, checks every hash link backwards
 * from each signed checkpoint, every checkpoint signature and the head. Returns 0 when the
 * feed is sound, else the code also put in rep. progress may be NULL. pk NULL checks the
 * chain only (an origin whose key this node does not know yet). */
int oplog_verify(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[32],
                 feed_report_t *rep, feed_progress_fn progress, void *ctx);



/* Proves one stored record of origin: walks from seq to the next signed checkpoint,
 * checking every hash link, then the checkpoint's signature with pk. 0, ACCORD_ECHAIN,
 * ACCORD_ESIG or ACCORD_ENOTFOUND. */
int oplog_prove(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[32], uint64_t seq);
#endif
