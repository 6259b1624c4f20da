/* SPDX-License-Identifier: MIT
 * restamp: the rule is in restamp.h; this file follows it in three phases: plan the new
 * stamps, write the rebuilt tail (chain, checkpoints, head), merge its entities again. */
#include "feed/restamp.h"
#include "common/log.h"
#include "proto/validate.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/mpread.h"
#include "proto/record.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/kpi.h"
#include "state/merge.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_VAL_LEN (8 + 32 + CRYPTO_SIG_LEN)

typedef struct {
    uint64_t old_hlc, new_hlc;
} stamp_map_t;

typedef struct {
    uint8_t *bytes;   /* the old record, copied out of the store */
    size_t len;
    uint64_t old_hlc;
    uint64_t wall_ms; /* written behind: its wall time; else 0 */
    uint64_t new_hlc;
} tail_rec_t;

typedef struct {
    tail_rec_t *recs;
    uint64_t n;
    stamp_map_t *map;  /* old -> new, sorted by old_hlc */
    uint8_t (*entities)[ID_LEN];
    uint64_t n_entities;
} tail_t;

static void feed_key(uint8_t key[ID_LEN + 8], const uint8_t *origin, uint64_t seq)
{
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
}

static void wall_key(uint8_t key[RESTAMP_WALL_KEY_LEN + 8], uint64_t seq)
{
    memcpy(key, RESTAMP_WALL_KEY, RESTAMP_WALL_KEY_LEN);
    be64_put(key + RESTAMP_WALL_KEY_LEN, seq);
}

int restamp_note_wall(store_txn_t *t, uint64_t seq, uint64_t wall_ms)
{
    uint8_t key[RESTAMP_WALL_KEY_LEN + 8], val[8];
    wall_key(key, seq);
    be64_put(val, wall_ms);
    return store_put(t, TBL_META, key, sizeof key, val, sizeof val);
}

int restamp_note_ahead(store_txn_t *t, uint64_t ahead_ms)
{
    uint8_t val[8];
    be64_put(val, ahead_ms);
    return store_put(t, TBL_META, RESTAMP_AHEAD_KEY, strlen(RESTAMP_AHEAD_KEY), val, sizeof val);
}

static int own_head(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t *seq)
{
    store_val_t v;
    int rc = store_get(t, TBL_HEADS, origin, ID_LEN, &v);
    if (rc == ACCORD_ENOTFOUND) {
        *seq = 0;
        return 0;
    }
    if (rc) return rc;
    if (v.len != HEAD_VAL_LEN) return ACCORD_ESTORE;
    *seq = be64_get(v.data);
    return 0;
}

/* The stamp of stored record seq of origin. */
static int stored_hlc(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t seq, uint64_t *hlc)
{
    uint8_t key[ID_LEN + 8];
    feed_key(key, origin, seq);
    store_val_t v;
    int rc = store_get(t, TBL_FEED, key, sizeof key, &v);
    if (rc) return rc == ACCORD_ENOTFOUND ? ACCORD_ESTORE : rc;
    record_t *rec = malloc(sizeof *rec);
    if (!rec) abort();
    rc = record_decode(v.data, v.len, rec) ? ACCORD_EPROTO : 0;
    *hlc = rec->hlc;
    free(rec);
    return rc;
}

int restamp_tail_hlc(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t held_seq, uint64_t *hlc)
{
    uint64_t head;
    int rc = own_head(t, origin, &head);
    *hlc = 0;
    if (rc || head <= held_seq) return rc;
    return stored_hlc(t, origin, head, hlc); /* stamps rise along the feed: the last is the newest */
}

static void tail_free(tail_t *tl)
{
    for (uint64_t i = 0; i < tl->n; i++) free(tl->recs[i].bytes);
    free(tl->recs);
    free(tl->map);
    free(tl->entities);
}

static int cmp_map(const void *a, const void *b)
{
    const stamp_map_t *x = a, *y = b;
    return x->old_hlc < y->old_hlc ? -1 : x->old_hlc > y->old_hlc;
}

static int cmp_entity(const void *a, const void *b)
{
    return memcmp(a, b, ID_LEN);
}

/* Copies records held+1..head out of the store (a write below would move them), with the
 * wall times kept for them and the entities they touch. */
static int load_tail(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t held, uint64_t head, tail_t *tl)
{
    tl->n = head - held;
    tl->recs = calloc(tl->n, sizeof *tl->recs);
    tl->entities = calloc(tl->n, ID_LEN);
    if (!tl->recs || !tl->entities) abort();
    record_t *rec = malloc(sizeof *rec);
    if (!rec) abort();
    int rc = 0;
    for (uint64_t i = 0; i < tl->n && !rc; i++) {
        uint8_t key[ID_LEN + 8], wkey[RESTAMP_WALL_KEY_LEN + 8];
        feed_key(key, origin, held + 1 + i);
        store_val_t v;
        if ((rc = store_get(t, TBL_FEED, key, sizeof key, &v))) {
            if (rc == ACCORD_ENOTFOUND) rc = ACCORD_ESTORE;
            break;
        }
        if (record_decode(v.data, v.len, rec) || rec->seq != held + 1 + i) {
            rc = ACCORD_EPROTO;
            break;
        }
        tail_rec_t *r = &tl->recs[i];
        if (!(r->bytes = malloc(v.len))) abort();
        memcpy(r->bytes, v.data, v.len);
        r->len = v.len;
        r->old_hlc = rec->hlc;
        memcpy(tl->entities[i], rec->entity, ID_LEN);
        wall_key(wkey, held + 1 + i);
        int w = store_get(t, TBL_META, wkey, sizeof wkey, &v);
        if (w == 0 && v.len == 8) r->wall_ms = be64_get(v.data);
        else if (w && w != ACCORD_ENOTFOUND) rc = w;
    }
    free(rec);
    if (rc) return rc;
    qsort(tl->entities, tl->n, ID_LEN, cmp_entity);
    uint64_t n = 0;
    for (uint64_t i = 0; i < tl->n; i++)
        if (n == 0 || memcmp(tl->entities[n - 1], tl->entities[i], ID_LEN)) memcpy(tl->entities[n++], tl->entities[i], ID_LEN);
    tl->n_entities = n;
    return 0;
}

/* Phase 1: the excess, then each record's new stamp (restamp.h). */
static int plan(store_txn_t *t, tail_t *tl, uint64_t prev_hlc, uint64_t now_ms, restamp_result_t *res)
{
    store_val_t v;
    int rc = store_get(t, TBL_META, RESTAMP_AHEAD_KEY, strlen(RESTAMP_AHEAD_KEY), &v);
    if (rc == 0 && v.len == 8) {
        res->shift_ms = be64_get(v.data);
        res->measured = true;
    } else if (rc && rc != ACCORD_ENOTFOUND) {
        return rc;
    } else {
        uint64_t last_ahead_ms = 0, first_right_ms = now_ms;
        for (uint64_t i = 0; i < tl->n; i++) {
            if (!tl->recs[i].wall_ms) last_ahead_ms = HLC_MS(tl->recs[i].old_hlc);
            else if (tl->recs[i].wall_ms < first_right_ms) first_right_ms = tl->recs[i].wall_ms;
        }
        res->shift_ms = last_ahead_ms > first_right_ms ? last_ahead_ms - first_right_ms : 0;
    }
    uint64_t cap = HLC_PACK(now_ms, 0), shift = HLC_PACK(res->shift_ms, 0);
    tl->map = calloc(tl->n, sizeof *tl->map);
    if (!tl->map) abort();
    for (uint64_t i = 0; i < tl->n; i++) {
        tail_rec_t *r = &tl->recs[i];
        uint64_t want = r->wall_ms ? HLC_PACK(r->wall_ms, 0) : r->old_hlc > shift ? r->old_hlc - shift : 0;
        if (want > cap) want = cap;
        r->new_hlc = want > prev_hlc ? want : prev_hlc + 1;
        prev_hlc = r->new_hlc;
        tl->map[i] = (stamp_map_t){r->old_hlc, r->new_hlc};
    }
    qsort(tl->map, tl->n, sizeof *tl->map, cmp_map);
    res->new_last_hlc = prev_hlc;
    return 0;
}

/* The new version for an old one of ours in the tail; false if v names no such record. */
static bool map_version(const tail_t *tl, const uint8_t origin[ID_LEN], uint8_t v[VERSION_LEN])
{
    if (memcmp(v + 8, origin, ID_LEN)) return false;
    uint64_t old = version_hlc(v);
    size_t lo = 0, hi = tl->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->map[mid].old_hlc < old) lo = mid + 1;
        else hi = mid;
    }
    if (lo == tl->n || tl->map[lo].old_hlc != old) return false;
    be64_put(v, tl->map[lo].new_hlc);
    return true;
}

/* Phase 2: each record rebuilt and chained from the one at held; checkpoints, head, meta. */
static int rewrite(store_txn_t *t, const identity_t *id, uint64_t held, tail_t *tl)
{
    record_t *rec = malloc(sizeof *rec);
    if (!rec) abort();
    uint8_t (*pairs)[2 * VERSION_LEN] = malloc(RECORD_MAX_OPS * 2 * VERSION_LEN);
    if (!pairs) abort();
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    uint8_t hash[32], sig[CRYPTO_SIG_LEN];
    int rc = 0;
    for (uint64_t i = 0; i < tl->n && !rc; i++) {
        tail_rec_t *r = &tl->recs[i];
        uint64_t seq = held + 1 + i;
        if (record_decode(r->bytes, r->len, rec)) {
            rc = ACCORD_EPROTO;
            break;
        }
        rec->hlc = r->new_hlc;
        if (i > 0) memcpy(rec->prev, hash, 32); /* the first still follows the record at held */
        for (uint32_t k = 0; k < rec->n_ops; k++) {
            record_op_t *op = &rec->ops[k];
            if (op->op == OP_SET && op->has_base) map_version(tl, id->origin, op->base);
            if (op->op == OP_RESOLVE) {
                memcpy(pairs[k], op->val.s, 2 * VERSION_LEN);
                map_version(tl, id->origin, pairs[k]);
                map_version(tl, id->origin, pairs[k] + VERSION_LEN);
                if (memcmp(pairs[k], pairs[k] + VERSION_LEN, VERSION_LEN) > 0) { /* a pair stays a < b */
                    uint8_t tmp[VERSION_LEN];
                    memcpy(tmp, pairs[k], VERSION_LEN);
                    memcpy(pairs[k], pairs[k] + VERSION_LEN, VERSION_LEN);
                    memcpy(pairs[k] + VERSION_LEN, tmp, VERSION_LEN);
                }
                op->val.s = (const char *)pairs[k];
            }
        }
        char why[160]; /* what the hub will check: a re-stamped record must still be one */
        if (validate_record(rec, why, sizeof why)) {
            log_error("re-stamp: record %llu would not be valid: %s", (unsigned long long)seq, why);
            rc = ACCORD_EPROTO;
            break;
        }
        buf.size = 0;
        if ((rc = record_encode(rec, &buf))) break;
        crypto_record_hash(buf.data, buf.size, hash);
        uint8_t key[ID_LEN + 8], wkey[RESTAMP_WALL_KEY_LEN + 8];
        feed_key(key, id->origin, seq);
        store_val_t v;
        if ((rc = store_put(t, TBL_FEED, key, sizeof key, buf.data, buf.size))) break;
        int g = store_get(t, TBL_CHECKPTS, key, sizeof key, &v);
        if (g == 0 || i + 1 == tl->n) { /* batches end at checkpoints: keep them where they were */
            crypto_head_sign(id->sk, id->origin, seq, hash, sig);
            if ((rc = store_put(t, TBL_CHECKPTS, key, sizeof key, sig, sizeof sig))) break;
        } else if (g != ACCORD_ENOTFOUND) {
            rc = g;
            break;
        }
        wall_key(wkey, seq);
        if ((rc = store_del(t, TBL_META, wkey, sizeof wkey))) break;
    }
    if (!rc) {
        uint8_t val[HEAD_VAL_LEN], hlc[8];
        be64_put(val, held + tl->n);
        memcpy(val + 8, hash, 32);
        memcpy(val + 40, sig, CRYPTO_SIG_LEN);
        be64_put(hlc, tl->recs[tl->n - 1].new_hlc);
        if (!(rc = store_put(t, TBL_HEADS, id->origin, ID_LEN, val, sizeof val)) &&
            !(rc = store_put(t, TBL_META, "hlc", 3, hlc, sizeof hlc)))
            rc = store_del(t, TBL_META, RESTAMP_AHEAD_KEY, strlen(RESTAMP_AHEAD_KEY));
    }
    msgpack_sbuffer_destroy(&buf);
    free(pairs);
    free(rec);
    return rc;
}

/* The entity's records, as (origin, seq) keys of its history, copied out. */
static int entity_records(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t (**keys)[ID_LEN + 8], size_t *n)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HISTORY, id, ID_LEN, false, &it);
    if (rc) return rc;
    size_t cap = 0;
    *n = 0;
    *keys = NULL;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 2 * ID_LEN + 8) {
            rc = ACCORD_ESTORE;
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            if (!(*keys = realloc(*keys, cap * (ID_LEN + 8)))) abort();
        }
        memcpy((*keys)[(*n)++], (const uint8_t *)k.data + ID_LEN, ID_LEN + 8);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

typedef struct {
    index_terms_t index;
    index_terms_t after; /* index_update's scratch */
    kpi_terms_t kpi;
} entity_terms_t;

/* Takes the entity out of the state (its rows, its index terms and report counters, as
 * merging would for a change to an empty state), then merges its records again. */
static int remerge_entity(store_txn_t *t, const uint8_t id[ID_LEN])
{
    store_val_t v;
    int rc = store_get(t, TBL_GRAVES, id, ID_LEN, &v);
    if (rc != ACCORD_ENOTFOUND) return rc; /* a graved entity takes no records: nothing changed */
    uint8_t (*keys)[ID_LEN + 8];
    size_t n;
    if ((rc = entity_records(t, id, &keys, &n))) return rc;
    int kind = entity_kind(t, id);
    if (kind >= 0) {
        entity_terms_t *before = calloc(1, sizeof *before); /* zeroed: empty term arrays */
        if (!before) abort();
        uint8_t bykind[1 + ID_LEN];
        bykind[0] = (uint8_t)kind;
        memcpy(bykind + 1, id, ID_LEN);
        store_table_t per_entity[TBL_COUNT]; /* the catalogue's STORE_T_PURGE tables (store.h) */
        unsigned n_per_entity = store_tables_with(STORE_T_PURGE, per_entity);
        rc = index_terms(t, id, (unsigned)kind, &before->index);
        if (!rc) rc = kpi_terms(t, id, (unsigned)kind, &before->kpi);
        for (unsigned i = 0; i < n_per_entity && !rc; i++) rc = store_del_prefix(t, per_entity[i], id, ID_LEN, NULL);
        if (!rc) rc = store_del(t, TBL_BYKIND, bykind, sizeof bykind);
        if (!rc) rc = index_update(t, id, (unsigned)kind, &before->index, &before->after);
        if (!rc) rc = kpi_update(t, id, (unsigned)kind, &before->kpi);
        index_terms_release(&before->index);
        index_terms_release(&before->after);
        free(before);
    } else if (kind != ACCORD_ENOTFOUND) {
        rc = kind;
    }
    record_t *rec = malloc(sizeof *rec);
    if (!rec) abort();
    for (size_t i = 0; i < n && !rc; i++) {
        if ((rc = store_get(t, TBL_FEED, keys[i], ID_LEN + 8, &v))) {
            if (rc == ACCORD_ENOTFOUND) rc = ACCORD_ESTORE; /* history names a record not stored */
            break;
        }
        /* merging writes: decode from a copy, not from the map */
        uint8_t *bytes = malloc(v.len);
        if (!bytes) abort();
        memcpy(bytes, v.data, v.len);
        if (record_decode(bytes, v.len, rec)) rc = ACCORD_EPROTO;
        else rc = merge_apply(t, rec);
        free(bytes);
    }
    free(rec);
    free(keys);
    return rc;
}

static int keep_notice(store_txn_t *t, const restamp_result_t *res)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint64(&pk, res->at_ms);
    msgpack_pack_uint64(&pk, res->first_seq);
    msgpack_pack_uint64(&pk, res->last_seq);
    msgpack_pack_uint64(&pk, res->shift_ms);
    if (res->measured) msgpack_pack_true(&pk);
    else msgpack_pack_false(&pk);
    msgpack_pack_uint64(&pk, res->entities);
    int rc = store_put(t, TBL_META, RESTAMP_NOTICE_KEY, strlen(RESTAMP_NOTICE_KEY), sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static bool any_compacted(store_txn_t *t, int *rc)
{
    store_iter_t *it;
    if ((*rc = store_iter_new(t, TBL_BASES, NULL, 0, false, &it))) return false;
    store_val_t k, v;
    int r = store_iter_next(it, &k, &v);
    store_iter_destroy(&it);
    if (r < 0) *rc = r;
    return r == 1;
}

int restamp_tail(store_txn_t *t, const identity_t *id, uint64_t held_seq, uint64_t now_ms, restamp_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->at_ms = now_ms;
    uint64_t head, prev_hlc = 0;
    int rc = own_head(t, id->origin, &head);
    if (rc || head <= held_seq) return rc;
    if (any_compacted(t, &rc)) {
        snprintf(res->why, sizeof res->why,
                 "feeds here are compacted, so the state of an entity comes partly from the snapshot and cannot be "
                 "derived again from its records: records %llu-%llu keep their stamps and apply at the hub once the "
                 "clocks agree", (unsigned long long)held_seq + 1, (unsigned long long)head);
        return ACCORD_EPURGED;
    }
    if (rc) return rc;
    if (held_seq && (rc = stored_hlc(t, id->origin, held_seq, &prev_hlc))) return rc;
    tail_t tl;
    memset(&tl, 0, sizeof tl);
    if (!(rc = load_tail(t, id->origin, held_seq, head, &tl)) && !(rc = plan(t, &tl, prev_hlc, now_ms, res)) &&
        !(rc = rewrite(t, id, held_seq, &tl))) {
        for (uint64_t i = 0; i < tl.n_entities && !rc; i++) rc = remerge_entity(t, tl.entities[i]);
        res->first_seq = held_seq + 1;
        res->last_seq = head;
        res->entities = tl.n_entities;
        if (!rc) rc = keep_notice(t, res);
    }
    tail_free(&tl);
    return rc;
}

int restamp_last(store_txn_t *t, restamp_result_t *out)
{
    memset(out, 0, sizeof *out);
    store_val_t v;
    int rc = store_get(t, TBL_META, RESTAMP_NOTICE_KEY, strlen(RESTAMP_NOTICE_KEY), &v);
    if (rc) return rc;
    mpread_t r;
    mpread_init(&r, v.data, v.len);
    if (mpread_array(&r, 6) != 6) return ACCORD_ESTORE;
    out->at_ms = mpread_uint(&r);
    out->first_seq = mpread_uint(&r);
    out->last_seq = mpread_uint(&r);
    out->shift_ms = mpread_uint(&r);
    out->measured = mpread_bool(&r);
    out->entities = mpread_uint(&r);
    return r.err ? ACCORD_ESTORE : 0;
}

void restamp_describe(const restamp_result_t *r, char *out, size_t cap)
{
    char at[32];
    hlc_format(HLC_PACK(r->at_ms, 0), at, sizeof at);
    uint64_t min = (r->shift_ms + 30000) / 60000;
    snprintf(out, cap,
             "the clock was %llu h %llu min ahead (%s); records %llu-%llu, not yet sent, were re-stamped to this "
             "clock at %s", (unsigned long long)(min / 60), (unsigned long long)(min % 60),
             r->measured ? "measured against the hub" : "estimated: never measured against the hub",
             (unsigned long long)r->first_seq, (unsigned long long)r->last_seq, at);
}
