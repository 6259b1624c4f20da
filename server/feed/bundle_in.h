/* SPDX-License-Identifier: MIT
 * bundle_in: a bundle file (proto/bundle.h) applied to this node's store through the one
 * ingest path (ingest.h), so a bundle meets the same admission rules as sync — a
 * quarantined feed's records are refused — and its refusals are kept where
 * `accordctl sync status` shows them (source INGEST_SOURCE_BUNDLE). Used by the running
 * node (the local API's bundle_import verb, on its writer thread) and by accordctl when no
 * node runs (never both: the data directory's lock decides, datadir.h).
 *
 * Two passes: first the whole file must open, authenticate and decode, ending with its
 * final chunk — else nothing is applied; then each ROSTER entry and BATCH is applied in a
 * transaction of its own, so what was applied before a failure stands. */
#ifndef ACCORD_BUNDLE_IN_H
#define ACCORD_BUNDLE_IN_H

#include "auth/identity.h"
#include "feed/apply.h"
#include "store/store.h"

/* How far ahead of this clock a bundle's record may be stamped, as --max-clock-skew's
 * default (the refused batch applies once clocks agree, like sync's EFUTURE). */
#define BUNDLE_IN_MAX_SKEW_MS 300000

typedef struct {
    uint64_t batches, records;   /* in the file */
    uint64_t applied;            /* records applied */
    uint64_t held_batches;       /* batches this node held already */
    uint64_t refused;            /* batches refused (each kept in TBL_REJECTS) */
    uint64_t roster_entries;     /* new roster entries */
    uint64_t done_batches;       /* batches looked at so far */
    int first_code;              /* the first refusal's code, 0 if none */
    bool applying;               /* pass 1 passed: an error now leaves what was applied */
    char why[400];               /* why the file was refused, or the first batch refusal */
} bundle_in_report_t;

typedef struct {
    /* called after each batch; may be NULL */
    void (*progress)(void *ctx, const bundle_in_report_t *rep);
    /* called for each refused batch, with its feed in hex; may be NULL */
    void (*refused)(void *ctx, const char *feed_hex, int code, const char *why);
    void *ctx;
} bundle_in_hooks_t;

/* Applies the bundle at path to st as the node id, with clock as apply_batch's bound (NULL: none)
 * and origin_day_bytes as each origin's daily allowance (ingest.h; 0: none).
 * Returns 0 when the file was read whole (rep->refused says whether batches were refused);
 * ACCORD_EIO if it cannot be opened; the bundle's own error (ACCORD_ENOTMINE, ESIG, EPROTO,
 * ETOOBIG) if pass 1 fails, with nothing applied; a store error or ACCORD_EPROTO if pass 2
 * stops part way (what was applied stands). rep->why says it in a sentence. */
int bundle_in_file(store_t *st, const identity_t *id, const char *path, const apply_clock_t *clock, uint64_t origin_day_bytes,
                   const bundle_in_hooks_t *hooks, bundle_in_report_t *rep);

#endif
