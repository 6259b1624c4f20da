/* SPDX-License-Identifier: MIT
 * check: the store's integrity check and repair. Every table of state (fields, kinds,
 * search index, history, siblings, conflicts) is a function of the feed records the node
 * holds (see merge.h), so it can be derived again from the feeds into a scratch store and
 * compared key by key with what is stored; a repair replaces the stored state with the
 * derived one in one transaction. Feeds themselves are verified first: state is never
 * rebuilt from a feed that does not verify. */
#ifndef ACCORD_CHECK_H
#define ACCORD_CHECK_H

#include "auth/identity.h"
#include "feed/oplog.h"
#include "store/store.h"

#define CHECK_MAX_EXAMPLES 8

typedef struct {
    unsigned feeds;            /* origins walked */
    unsigned feeds_unsigned;   /* of those, checked without a key (chain only) */
    unsigned feeds_bad;        /* feeds that do not verify */
    uint64_t records;          /* records re-applied */
    uint64_t snapshot_rows;    /* state rows taken from the snapshot behind compacted feeds */
    uint64_t missing;          /* keys derived but not stored */
    uint64_t extra;            /* keys stored but not derived */
    uint64_t differ;           /* keys in both with other values */
    bool kpi_stale;            /* the report counters, made by an older version, were not
                                * compared (kpi.h: the node's next start rebuilds them) */
    bool index_stale;          /* the same for the search and list index (index.h) */
    bool digest_unkept;        /* the store keeps no state digest yet (digest.h: the node's
                                * next start computes it), so none was compared */
    unsigned digest_buckets_differ; /* kept bucket sums not those of the stored state */
    uint64_t digest_records_differ; /* kept record digests missing, left over or wrong */
    unsigned invoice_clashes;  /* invoice numbers more than one invoice holds (two branches
                                * given one invoice prefix: docs/SALES.md); not a fault of
                                * the store, so the check still passes */
    unsigned n_examples;
    char examples[CHECK_MAX_EXAMPLES][300]; /* "index: missing key 03 3531...", for people */
} check_report_t;

typedef void (*check_progress_fn)(void *ctx, const char *stage, uint64_t done);

/* Verifies every feed in st and compares the stored state with the state derived from the
 * feeds in a scratch store under scratch_dir (which must exist and be empty). The state
 * digest the store keeps is compared with one computed from the stored state. Own feed
 * signatures are checked with id's key; other origins' chains only, until the roster.
 * Report counters an older version made (kpi_current false) are not compared: they differ
 * by design until the node's start rebuilds them; rep->kpi_stale says so, and
 * rep->index_stale of an index an older version built (index_current false).
 * Returns 0 if all is sound, ACCORD_ECHAIN/ESIG/EPROTO if a feed is damaged, ACCORD_ESTORE
 * if the state or the kept digest differs (rep says where), or another error. */
int check_store(store_t *st, const identity_t *id, const char *scratch_dir, check_report_t *rep,
                check_progress_fn progress, void *ctx);

/* Replaces every table of state in st with the state derived from its feeds, in one
 * transaction (the report counters with them, noted as this version's, and the kept state
 * digest computed again; digest_keep is set on st). Refuses (with the feed's error) if a feed does not verify. The node must
 * not be running. */
int check_repair(store_t *st, const identity_t *id, check_report_t *rep, check_progress_fn progress,
                 void *ctx);

#endif
