/* SPDX-License-Identifier: MIT
 * ingest: the one door through which a batch of another node's feed enters this store,
 * whether it came over the replication link (repl/) or in a bundle file (bundle_in.h).
 * Both call ingest_batch and, for a refusal, ingest_record_refusal, so the same admission
 * rules hold and every refusal is kept and shown by `accordctl sync status`.
 *
 * Admission, in this order, before anything is written:
 *   this node's own feed only while it rejoins from its hub (else EFORK: a restored node);
 *   not a quarantined feed (EQUARANTINE: it forked, TBL_QUARANTINE);
 *   an enrolled origin (EUNKNOWN) that is not revoked (EREVOKED);
 * then apply_check's checks (apply.h); a batch wholly held already is EREPLAY;
 * then the origin's allowance of the day (EQUOTA): no origin can make this node store more
 * than origin_day_bytes of its records in one UTC day, so a compromised branch cannot fill
 * every store of the network (the rest applies the next day, or once the limit is raised);
 * only then is anything written (apply_write). A refused batch therefore leaves the
 * caller's transaction as it was, and many batches share one large transaction without
 * nested ones (the store maps with MDB_WRITEMAP, which has none); only a store error while
 * writing spoils the transaction, and the caller then aborts it whole. */
#ifndef ACCORD_INGEST_H
#define ACCORD_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "feed/apply.h"
#include "store/store.h"

/* The source of refusals that came in a bundle file, in TBL_REJECTS' peer column. */
extern const uint8_t INGEST_SOURCE_BUNDLE[ID_LEN];

typedef struct {
    const uint8_t *self;     /* this node's origin (ID_LEN bytes) */
    bool own_feed_ok;        /* rejoining from its hub: records of its own feed are expected */
    const apply_clock_t *clock; /* apply_batch's bound on a remote clock (NULL: none) */
    const char *own_feed_why; /* the sentence for an unexpected own-feed batch; NULL: the default */
    uint64_t origin_day_bytes; /* record bytes one origin may add here per UTC day (0: no bound) */
} ingest_policy_t;

#define INGEST_ORIGIN_DAY_MB 1024 /* the default of origin_day_bytes, in MiB (--origin-daily-mb) */

/* The allowance ACCORD_ORIGIN_DAILY_MB sets (MiB, 0: no bound), else the default, in bytes:
 * for the tools that apply a bundle with no node running. */
uint64_t ingest_origin_day_bytes_from_env(void);

/* Admits and applies b, a batch of origin's feed, in t (a write transaction of the caller's).
 * Returns 0 with res filled; or a refusal code (EFORK, EQUARANTINE, EUNKNOWN, EREVOKED,
 * EREPLAY, EQUOTA, apply_check's codes), with why (a sentence for the operator) and
 * res->bad_seq set, and nothing of this batch written (a store error while only reading,
 * e.g. a damaged row, is one of these); or a store error while writing, with res->spoilt
 * set: t holds part of the batch and must be aborted whole. */
int ingest_batch(store_txn_t *t, const ingest_policy_t *pol, const uint8_t origin[ID_LEN], const apply_batch_t *b,
                 apply_result_t *res, char *why, size_t why_cap);

/* Keeps a refusal: the latest one per (source, feed, code) in TBL_REJECTS, in its own write
 * transaction (call it with no other write transaction open). A fork of another node's
 * feed also quarantines that feed in TBL_QUARANTINE and returns *quarantined = true. */
int ingest_record_refusal(store_t *st, const uint8_t self[ID_LEN], const uint8_t source[ID_LEN],
                          const uint8_t origin[ID_LEN], int code, uint64_t seq, const char *why,
                          uint64_t now_ms, bool *quarantined);

#endif
