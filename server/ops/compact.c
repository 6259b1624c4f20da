/* SPDX-License-Identifier: MIT */
#include "ops/compact.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/index.h"

#include <stdlib.h>
#include <string.h>

#define STEP 2048 /* entities or records per transaction */
#define HEAD_VAL_LEN (8 + 32 + 64)

/* Whether every record that touched entity lies behind the horizon. */
static int all_behind(store_txn_t *t, const uint8_t id[ID_LEN], const horizon_t *h, bool *behind)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HISTORY, id, ID_LEN, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    *behind = true;
    while (*behind && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 2 * ID_LEN + 8) { rc = ACCORD_ESTORE; break; }
        const uint8_t *origin = (const uint8_t *)k.data + ID_LEN;
        if (be64_get(origin + ID_LEN) > horizon_of(h, origin)) *behind = false;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* Reduces a deleted entity to its grave. */
static int bury(store_txn_t *t, const uint8_t id[ID_LEN], compact_report_t *rep)
{
    int kind = entity_kind(t, id);
    if (kind < 0) return kind == ACCORD_ENOTFOUND ? 0 : kind;
    field_state_t del;
    int rc = entity_get(t, id, F_DELETED, &del);
    if (rc) return rc == ACCORD_ENOTFOUND ? 0 : rc;
    uint8_t grave[1 + VERSION_LEN], bykind[1 + ID_LEN];
    grave[0] = (uint8_t)kind;
    memcpy(grave + 1, del.version, VERSION_LEN);
    bykind[0] = (uint8_t)kind;
    memcpy(bykind + 1, id, ID_LEN);
    store_table_t per_entity[TBL_COUNT]; /* the catalogue's STORE_T_PURGE tables (store.h) */
    unsigned n_per_entity = store_tables_with(STORE_T_PURGE, per_entity);
    for (unsigned i = 0; i < n_per_entity; i++)
        if ((rc = store_del_prefix(t, per_entity[i], id, ID_LEN, &rep->rows))) return rc;
    /* a deleted entity has no search terms but its short id (index.h): merging removed
     * the others with the delete */
    if ((rc = index_forget_entity(t, id)) || (rc = store_del(t, TBL_BYKIND, bykind, sizeof bykind)) ||
        (rc = store_put(t, TBL_GRAVES, id, ID_LEN, grave, sizeof grave)))
        return rc;
    rep->entities++;
    return 0;
}

/* Finds up to STEP deleted entities behind the horizon, from *cursor on. */
static int find_dead(store_txn_t *t, const horizon_t *h, uint8_t cursor[ID_LEN], bool *more, uint8_t (*ids)[ID_LEN],
                     uint32_t *n)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it);
    if (rc) return rc;
    store_iter_seek(it, cursor, ID_LEN);
    store_val_t k, v;
    *n = 0;
    *more = false;
    uint32_t seen = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN) continue;
        if (++seen > 16 * STEP || *n == STEP) { /* the rest in the next transaction */
            memcpy(cursor, k.data, ID_LEN);
            *more = true;
            break;
        }
        if (!entity_deleted(t, k.data)) continue;
        bool behind;
        if ((rc = all_behind(t, k.data, h, &behind))) break;
        if (behind) memcpy(ids[(*n)++], k.data, ID_LEN);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

static int bury_dead(store_t *st, const horizon_t *h, bool dry_run, compact_report_t *rep,
                     compact_progress_fn progress, void *ctx)
{
    uint8_t (*ids)[ID_LEN] = malloc(STEP * sizeof *ids);
    if (!ids) abort();
    uint8_t cursor[ID_LEN] = {0};
    bool more = true;
    int rc = 0;
    while (more && !rc) {
        store_txn_t *t;
        if ((rc = store_txn_begin(st, !dry_run, &t))) break;
        uint32_t n = 0;
        rc = find_dead(t, h, cursor, &more, ids, &n);
        for (uint32_t i = 0; i < n && !rc; i++) {
            if (dry_run) rep->entities++;
            else rc = bury(t, ids[i], rep);
        }
        if (rc || dry_run) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
        if (progress && n) progress(ctx, "tombstones", rep->entities);
    }
    free(ids);
    return rc;
}

/* The last checkpoint of origin at or behind seq, 0 if none. */
static int last_checkpoint(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t upto, uint64_t *cut)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CHECKPTS, origin, ID_LEN, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    *cut = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq > upto) break;
        *cut = seq;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* Moves origin's base to cut, then removes up to STEP records at or behind it; *more says
 * whether some remain. */
static int cut_step(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t cut, bool set_base, bool *more,
                    compact_report_t *rep)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, origin, ID_LEN);
    int rc;
    if (set_base) {
        be64_put(key + ID_LEN, cut);
        store_val_t rec, sig;
        if ((rc = store_get(t, TBL_FEED, key, sizeof key, &rec)) ||
            (rc = store_get(t, TBL_CHECKPTS, key, sizeof key, &sig)))
            return rc == ACCORD_ENOTFOUND ? ACCORD_ESTORE : rc;
        if (sig.len != 64) return ACCORD_ESTORE;
        uint8_t base[HEAD_VAL_LEN];
        be64_put(base, cut);
        crypto_record_hash(rec.data, rec.len, base + 8);
        memcpy(base + 40, sig.data, 64);
        if ((rc = store_put(t, TBL_BASES, origin, ID_LEN, base, sizeof base))) return rc;
        rep->feeds_cut++;
    }
    *more = false;
    for (uint32_t n = 0;; n++) {
        store_iter_t *it;
        if ((rc = store_iter_new(t, TBL_FEED, origin, ID_LEN, false, &it))) return rc;
        store_val_t k, v;
        rc = store_iter_next(it, &k, &v);
        uint64_t seq = rc == 1 ? be64_get((const uint8_t *)k.data + ID_LEN) : 0;
        record_t r;
        bool decoded = rc == 1 && record_decode(v.data, v.len, &r) == 0;
        uint8_t hkey[2 * ID_LEN + 8];
        if (decoded) {
            memcpy(hkey, r.entity, ID_LEN);
            memcpy(hkey + ID_LEN, origin, ID_LEN);
            be64_put(hkey + 2 * ID_LEN, seq);
        }
        store_iter_destroy(&it);
        if (rc <= 0 || seq > cut) return rc < 0 ? rc : 0;
        if (n == STEP) {
            *more = true;
            return 0;
        }
        be64_put(key + ID_LEN, seq);
        store_val_t h;
        if (decoded && store_get(t, TBL_HISTORY, hkey, sizeof hkey, &h) == 0) {
            if ((rc = store_del(t, TBL_HISTORY, hkey, sizeof hkey))) return rc;
            rep->history++;
        }
        if (store_get(t, TBL_CHECKPTS, key, sizeof key, &h) == 0) {
            if ((rc = store_del(t, TBL_CHECKPTS, key, sizeof key))) return rc;
            rep->checkpoints++;
        }
        if ((rc = store_del(t, TBL_FEED, key, sizeof key))) return rc;
        rep->records++;
    }
}

static int cut_feeds(store_t *st, const horizon_t *h, bool dry_run, compact_report_t *rep,
                     compact_progress_fn progress, void *ctx)
{
    for (uint32_t i = 0; i < h->n; i++) {
        const horizon_entry_t *f = &h->feeds[i];
        store_txn_t *t;
        int rc = store_txn_begin(st, !dry_run, &t);
        if (rc) return rc;
        uint64_t cut, base;
        if ((rc = last_checkpoint(t, f->origin, f->seq, &cut)) || (rc = snapshot_base(t, f->origin, &base))) {
            store_txn_abort(&t);
            return rc;
        }
        if (dry_run) {
            if (cut > base) rep->feeds_cut++, rep->records += cut - base;
            store_txn_abort(&t);
            continue;
        }
        bool more = true, set_base = cut > base;
        if (!set_base) cut = base; /* a cut run before may have left records behind its base */
        while (more) {
            if (!t && (rc = store_txn_begin(st, true, &t))) return rc;
            if ((rc = cut_step(t, f->origin, cut, set_base, &more, rep))) {
                store_txn_abort(&t);
                return rc;
            }
            set_base = false;
            if ((rc = store_txn_commit(&t))) return rc;
            if (progress) progress(ctx, "feed records", rep->records);
        }
    }
    return 0;
}

int compact_run(store_t *st, const identity_t *id, const horizon_t *h, bool dry_run, const char *snapshot_path,
                compact_report_t *rep, compact_progress_fn progress, void *ctx)
{
    memset(rep, 0, sizeof *rep);
    int rc = store_free_bytes(st, &rep->free_before);
    if (!rc) rc = bury_dead(st, h, dry_run, rep, progress, ctx);
    if (!rc) rc = cut_feeds(st, h, dry_run, rep, progress, ctx);
    if (!rc && !dry_run) {
        if (progress) progress(ctx, "snapshot", 0);
        rc = snapshot_save(st, id, snapshot_path, &rep->snapshot, NULL, NULL);
    }
    if (!rc) rc = store_free_bytes(st, &rep->free_after);
    return rc;
}
