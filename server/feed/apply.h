/* SPDX-License-Identifier: MIT
 * apply: takes a batch of another node's feed — a contiguous run of its records as the
 * exact bytes it wrote, plus its signature over the last one — checks it against what this
 * node already holds of that feed, and applies the new records. The replication link and
 * file bundles both feed batches through here.
 *
 * Checks, all before anything is written, in this order:
 *   every record decodes canonically, names the origin, and seqs are contiguous (EPROTO);
 *   each record's prev is the hash of the one before it (ECHAIN);
 *   the signature verifies over (origin, last seq, hash of last record) (ESIG) — before any
 *   judgement of the content, so a forged batch is reported as forged, not as anything else;
 *   each record is one a node could have written (validate.h: kind, author, fields, values)
 *   (EPROTO), and is not stamped further ahead of this node's clock than allowed (EFUTURE);
 *   against the stored head: records this node holds must be byte-identical (else EFORK),
 *   the first new record must chain to the stored head (else EFORK), and the batch may not
 *   start after seq head+1 (EGAP);
 *   no new record names an entity stored with another kind, or one an earlier record of the
 *   batch gave another kind (EPROTO).
 * Then (apply_write), in the caller's transaction: each new record is stored, merged and
 * queued for the webhooks it matches (hooks/hook_outbox.h), and the origin's
 * head and a checkpoint advance to the batch's last record (the version vector entry moves
 * with the records it covers). A batch wholly held already applies nothing and is not an
 * error: replays are harmless, and res says so. */
#ifndef ACCORD_APPLY_H
#define ACCORD_APPLY_H

#include "proto/crypto.h"
#include "proto/record.h"
#include "store/store.h"

#define APPLY_MAX_RECORDS 4096 /* records in one batch */

typedef struct {
    const uint8_t *const *recs; /* record bytes, seq order */
    const size_t *lens;
    unsigned n;
    uint8_t sig[CRYPTO_SIG_LEN]; /* the origin's signature over its last record */
} apply_batch_t;

/* The bound on a remote clock: a record may be stamped at most max_ahead_ms after now_ms. */
typedef struct {
    uint64_t now_ms;       /* this node's wall clock */
    uint64_t max_ahead_ms; /* --max-clock-skew */
} apply_clock_t;

typedef struct {
    unsigned applied;    /* new records stored and merged */
    unsigned held;       /* records this node already had, identical */
    uint64_t head_seq;   /* the origin's head after the batch */
    uint64_t first_seq;  /* the batch's first and last seq (0 if it did not decode) */
    uint64_t last_seq;
    uint64_t bad_seq;    /* on refusal, the seq at fault (0 if none in particular) */
    uint64_t max_hlc;    /* the newest HLC among the records applied */
    char why[200];       /* on refusal, a sentence for the operator */
    bool spoilt;         /* a write failed part way: the caller's transaction must be aborted */
} apply_result_t;

/* The head this node holds for origin: seq 0 and zero hash if none. */
int apply_head(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t *seq, uint8_t hash[32]);

/* What apply_check found, for apply_write: the batch's records' hashes and where the new
 * ones start. */
typedef struct {
    uint8_t (*hash)[32]; /* owned: apply_write and apply_plan_free free it */
    uint64_t first, last; /* the batch's seqs */
    uint64_t head_seq;    /* the origin's head before the batch */
    unsigned fresh;       /* records after that head: what apply_write stores */
} apply_plan_t;

/* Checks b, a batch of origin's feed signed with pk, against what t holds, writing nothing:
 * every check above, and that no new record names an entity stored (or given by an earlier
 * record of the batch) with another kind. clock (NULL: no bound) bounds a remote clock: a
 * record stamped more than max_ahead_ms after now_ms refuses the batch with ACCORD_EFUTURE,
 * so a node whose clock runs ahead cannot win every later edit; the refusal says how far
 * ahead the record is. Returns 0 with plan filled (plan->fresh == 0: wholly held already,
 * a harmless replay) and res->head_seq the head the batch reaches; or a refusal
 * (ACCORD_EPROTO, ECHAIN, ESIG, EFORK, EGAP, ETOOBIG, EFUTURE) or a store error, with res
 * saying why and nothing to free. Not for this node's own feed (its oplog holds that head
 * in memory). */
int apply_check(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[CRYPTO_PK_LEN],
                const apply_batch_t *b, const apply_clock_t *clock, apply_result_t *res, apply_plan_t *plan);

/* Stores and merges the new records apply_check planned in t, then the origin's head and a
 * checkpoint; frees the plan. Only a store error can fail it (res->why names it and the
 * record): then t holds part of the batch and must be aborted. */
int apply_write(store_txn_t *t, const uint8_t origin[ID_LEN], const apply_batch_t *b, apply_plan_t *plan,
                apply_result_t *res);
void apply_plan_free(apply_plan_t *plan);

/* apply_check, then apply_write: for callers with nothing to do between them. */
int apply_batch(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[CRYPTO_PK_LEN],
                const apply_batch_t *b, const apply_clock_t *clock, apply_result_t *res);

/* "3 h 0 min", "12.5 s": a duration for a message, into out. */
void apply_format_duration(uint64_t ms, char *out, size_t cap);

#endif
