/* SPDX-License-Identifier: MIT */
#include "ops/check.h"
#include "auth/roster.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "state/digest.h"
#include "state/index.h"
#include "state/kpi.h"
#include "state/merge.h"
#include "ops/snapshot_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables derived from the feeds are the catalogue's STORE_T_DERIVED ones (store.h). */

static void example(check_report_t *rep, store_table_t tbl, const char *what, const store_val_t *key)
{
    if (rep->n_examples >= CHECK_MAX_EXAMPLES) return;
    char hex[2 * 40 + 1];
    size_t n = key->len > 40 ? 40 : key->len;
    crypto_hex(key->data, n, hex);
    snprintf(rep->examples[rep->n_examples++], sizeof rep->examples[0], "%s: %s key %s%s",
             store_table_name(tbl), what, hex, key->len > 40 ? "..." : "");
}

/* Verifies every origin's feed in t. */
static int verify_feeds(store_txn_t *t, const identity_t *id, check_report_t *rep)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int worst = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN) continue;
        bool own = memcmp(k.data, id->origin, ID_LEN) == 0;
        roster_entry_t e;
        const uint8_t *pk = own ? id->pk : roster_by_origin(t, k.data, &e) == 0 ? e.pk : NULL;
        feed_report_t fr;
        rep->feeds++;
        if (!pk) rep->feeds_unsigned++; /* a feed of a node this roster does not hold */
        int vr = oplog_verify(t, k.data, pk, &fr, NULL, NULL);
        if (vr) {
            rep->feeds_bad++;
            char hex[2 * ID_LEN + 1];
            crypto_hex(k.data, ID_LEN, hex);
            if (rep->n_examples < CHECK_MAX_EXAMPLES)
                snprintf(rep->examples[rep->n_examples++], sizeof rep->examples[0], "feed %.12s: %s", hex, fr.why);
            worst = vr;
        }
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : worst;
}

/* A compacted feed no longer starts at seq 1: the state behind its base comes from the
 * snapshot compaction wrote (or this node started from), which must reach every base. */
static int load_base_state(store_t *st, store_txn_t *src, store_txn_t *dst, check_report_t *rep)
{
    store_iter_t *it;
    int rc = store_iter_new(src, TBL_BASES, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    rc = store_iter_next(it, &k, &v);
    store_iter_destroy(&it);
    if (rc <= 0) return rc; /* no feed was compacted: everything derives from the feeds */
    char path[4200];
    datadir_path(store_dir(st), DATADIR_SNAPSHOT, path, sizeof path);
    snapshot_info_t info;
    if ((rc = snapshot_load_state(dst, path, &info))) {
        snprintf(rep->examples[rep->n_examples++], sizeof rep->examples[0],
                 "feeds here were compacted, and the snapshot they need cannot be used: %.220s", info.why);
        snapshot_info_free(&info);
        return rc;
    }
    rep->snapshot_rows = info.rows;
    if ((rc = store_iter_new(src, TBL_BASES, NULL, 0, false, &it))) {
        snapshot_info_free(&info);
        return rc;
    }
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 8) continue;
        if (snapshot_head_of(&info, k.data) < be64_get(v.data)) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(k.data, ID_LEN, hex);
            snprintf(rep->examples[rep->n_examples++], sizeof rep->examples[0],
                     "feed %.12s was compacted past the snapshot %s: run 'accordctl compact' to write a new one",
                     hex, datadir_file_name(DATADIR_SNAPSHOT));
            rc = ACCORD_ENOTFOUND;
            break;
        }
    }
    store_iter_destroy(&it);
    snapshot_info_free(&info);
    return rc < 0 ? rc : 0;
}

/* Re-applies every stored record of every feed into dst, on the snapshot's state if the
 * feeds were compacted (merging is idempotent: records the snapshot already holds change
 * nothing but their history entries). */
static int derive(store_t *st, store_txn_t *src, store_txn_t *dst, check_report_t *rep, check_progress_fn progress,
                  void *ctx)
{
    int rc = load_base_state(st, src, dst, rep);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(src, TBL_FEED, NULL, 0, false, &it))) return rc;
    store_val_t k, v;
    record_t rec; /* 4 KiB, on the stack: no state kept between calls */
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (record_decode(v.data, v.len, &rec)) { rc = ACCORD_EPROTO; break; }
        if ((rc = merge_apply(dst, &rec))) break;
        if (++rep->records % 65536 == 0 && progress) progress(ctx, "re-applied", rep->records);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : rc == 1 ? 0 : rc;
}

static int compare_table(store_txn_t *stored, store_txn_t *want, store_table_t tbl, check_report_t *rep)
{
    store_iter_t *is, *iw;
    int rc = store_iter_new(stored, tbl, NULL, 0, false, &is);
    if (rc) return rc;
    if ((rc = store_iter_new(want, tbl, NULL, 0, false, &iw))) {
        store_iter_destroy(&is);
        return rc;
    }
    store_val_t ks, vs, kw, vw;
    int rs = store_iter_next(is, &ks, &vs), rw = store_iter_next(iw, &kw, &vw);
    while (rs == 1 || rw == 1) {
        int c;
        if (rs != 1) c = 1;
        else if (rw != 1) c = -1;
        else {
            size_t n = ks.len < kw.len ? ks.len : kw.len;
            c = memcmp(ks.data, kw.data, n);
            if (!c) c = ks.len < kw.len ? -1 : ks.len > kw.len;
        }
        if (c < 0) { /* stored, not derived */
            rep->extra++;
            example(rep, tbl, "extra", &ks);
            rs = store_iter_next(is, &ks, &vs);
        } else if (c > 0) {
            rep->missing++;
            example(rep, tbl, "missing", &kw);
            rw = store_iter_next(iw, &kw, &vw);
        } else {
            if (vs.len != vw.len || (vs.len && memcmp(vs.data, vw.data, vs.len))) {
                rep->differ++;
                example(rep, tbl, "different value at", &ks);
            }
            rs = store_iter_next(is, &ks, &vs);
            rw = store_iter_next(iw, &kw, &vw);
        }
    }
    store_iter_destroy(&is);
    store_iter_destroy(&iw);
    return rs < 0 ? rs : rw < 0 ? rw : 0;
}

static int count_clash(void *ctx, const uint8_t (*ids)[ID_LEN], unsigned n, bool more)
{
    (void)ids, (void)n, (void)more;
    ++*(unsigned *)ctx;
    return 0;
}

static int count_invoice_clashes(store_txn_t *t, check_report_t *rep)
{
    uint8_t (*ids)[ID_LEN] = malloc(64 * ID_LEN);
    if (!ids) abort();
    int rc = index_duplicates(t, KIND_INVOICE, F_IV_NUMBER, ids, 64, count_clash, &rep->invoice_clashes);
    free(ids);
    return rc;
}

/* The state digest the store keeps against the stored state. */
static int compare_digest(store_txn_t *t, check_report_t *rep)
{
    digest_audit_t a;
    int rc = digest_audit(t, &a);
    if (rc) return rc;
    rep->digest_unkept = !a.kept;
    rep->digest_buckets_differ = a.buckets_differ;
    rep->digest_records_differ = a.entities_differ;
    if (a.first_bucket >= 0 && rep->n_examples < CHECK_MAX_EXAMPLES)
        snprintf(rep->examples[rep->n_examples++], sizeof rep->examples[0],
                 "digests: the kept state digest is not the stored state's: %u of %d bucket sums and %llu record "
                 "digests differ (first in bucket %02x); %llu records kept, %llu stored",
                 a.buckets_differ, DIGEST_BUCKETS, (unsigned long long)a.entities_differ, (unsigned)a.first_bucket,
                 (unsigned long long)a.kept_entities, (unsigned long long)a.entities);
    return 0;
}

int check_store(store_t *st, const identity_t *id, const char *scratch_dir, check_report_t *rep,
                check_progress_fn progress, void *ctx)
{
    memset(rep, 0, sizeof *rep);
    store_t *scratch = NULL;
    store_txn_t *src = NULL, *dst = NULL;
    int rc = store_txn_begin(st, false, &src);
    if (rc) return rc;
    if (progress) progress(ctx, "verifying feeds", 0);
    if ((rc = verify_feeds(src, id, rep))) goto out;
    /* the counters derived again are counted in the store's zone, not in UTC: a customer
     * made at 21:00 UTC is the next day's in Tehran */
    if ((rc = store_open(scratch_dir, STORE_NOSYNC, &scratch)) || (rc = kpi_use_time_zone_of(scratch, st)) ||
        (rc = store_txn_begin(scratch, true, &dst)))
        goto out;
    if ((rc = derive(st, src, dst, rep, progress, ctx))) goto out;
    if (progress) progress(ctx, "comparing", rep->records);
    store_table_t derived[TBL_COUNT];
    unsigned n_derived = store_tables_with(STORE_T_DERIVED, derived);
    rep->kpi_stale = !kpi_current(src);
    rep->index_stale = !index_current(src);
    for (unsigned i = 0; i < n_derived && !rc; i++)
        if (!(derived[i] == TBL_KPI && rep->kpi_stale) && !(derived[i] == TBL_INDEX && rep->index_stale))
            rc = compare_table(src, dst, derived[i], rep);
    if (!rc) rc = compare_digest(src, rep);
    if (!rc && (rep->missing || rep->extra || rep->differ || rep->digest_buckets_differ ||
                rep->digest_records_differ))
        rc = ACCORD_ESTORE;
    if (!rc && !rep->index_stale) rc = count_invoice_clashes(src, rep);
out:
    store_txn_abort(&dst);
    store_txn_abort(&src);
    store_close(&scratch);
    return rc;
}

int check_repair(store_t *st, const identity_t *id, check_report_t *rep, check_progress_fn progress, void *ctx)
{
    memset(rep, 0, sizeof *rep);
    digest_keep(st); /* clearing the state tables below makes the commit compute the digest anew */
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    if (progress) progress(ctx, "verifying feeds", 0);
    if ((rc = verify_feeds(t, id, rep))) goto fail;
    store_table_t derived[TBL_COUNT];
    unsigned n_derived = store_tables_with(STORE_T_DERIVED, derived);
    for (unsigned i = 0; i < n_derived; i++)
        if ((rc = store_clear_table(t, derived[i]))) goto fail;
    /* derive reads the feed through t and writes state through t: the tables differ */
    if ((rc = derive(st, t, t, rep, progress, ctx)) || (rc = kpi_note_version(t)) || (rc = index_note_version(t))) goto fail;
    return store_txn_commit(&t);
fail:
    store_txn_abort(&t);
    return rc;
}
