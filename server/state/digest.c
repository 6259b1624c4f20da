/* SPDX-License-Identifier: MIT */
#include "state/digest.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "state/entity.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The table whose keys list the entities (entity(16) -> its row): the only state table named
 * here; every other is found in the catalogue by its STORE_T_DIGEST flag. */
#define ENTITY_LIST TBL_ENTITIES

/* TBL_DIGESTS (store.h): what the hook keeps */
#define KEPT_FORMAT 1 /* of the sums below: another value is not kept, and digest_upgrade computes them */
#define KEY_ENTITY 'E' /* 'E' bucket(1) entity(16) -> entity digest(32), for each live entity */
#define KEY_SUM 'S'    /* 'S' bucket(1) -> sum(32) count(8 BE); an absent one is 0, 0 */
#define KEY_FORMAT 'V' /* 'V' -> KEPT_FORMAT(1) */
#define SUM_VAL_LEN (32 + 8)
#define ENTITY_KEY_LEN (2 + ID_LEN)

/* An entity's bucket: the last byte of its id, random in every id (a time-ordered id's
 * first bytes are its clock, the same for all entities made in a year: proto/timeid.h). */
static uint8_t bucket_of(const uint8_t id[ID_LEN])
{
    return id[ID_LEN - 1];
}

static void entity_key(const uint8_t id[ID_LEN], uint8_t key[ENTITY_KEY_LEN])
{
    key[0] = KEY_ENTITY;
    key[1] = bucket_of(id);
    memcpy(key + 2, id, ID_LEN);
}

typedef struct {
    uint8_t sum[32]; /* little-endian, modulo 2^256 */
    uint64_t count;
} bucket_sum_t;

/* Walks the entities' rows in the STORE_T_DIGEST tables of the catalogue (store.h): one
 * iterator per table, started again at each entity (no cursor opened per entity). */
typedef struct {
    store_txn_t *t;
    store_table_t tables[TBL_COUNT];
    store_iter_t *its[TBL_COUNT]; /* opened at the first entity */
    unsigned n;
    bool list_is_state;           /* ENTITY_LIST is among them */
} walker_t;

static void walker_init(walker_t *w, store_txn_t *t)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->n = store_tables_with(STORE_T_DIGEST, w->tables);
    for (unsigned i = 0; i < w->n; i++) w->list_is_state |= w->tables[i] == ENTITY_LIST;
}

static void walker_release(walker_t *w)
{
    for (unsigned i = 0; i < w->n; i++) store_iter_destroy(&w->its[i]);
}

/* The entity's digest; *listed (may be NULL) says whether ENTITY_LIST holds it. */
static int entity_digest(walker_t *w, const uint8_t entity[ID_LEN], uint8_t out[32], bool *listed)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    if (listed) *listed = false;
    for (unsigned i = 0; i < w->n; i++) {
        int rc = w->its[i] ? store_iter_reset(w->its[i], entity, ID_LEN)
                           : store_iter_new(w->t, w->tables[i], entity, ID_LEN, false, &w->its[i]);
        if (rc) return rc;
        store_val_t k, v;
        while ((rc = store_iter_next(w->its[i], &k, &v)) == 1) {
            uint8_t head[1 + 2], vl[4];
            if (listed && w->tables[i] == ENTITY_LIST && k.len == ID_LEN) *listed = true;
            head[0] = (uint8_t)w->tables[i];
            head[1] = (uint8_t)(k.len >> 8);
            head[2] = (uint8_t)k.len;
            for (int b = 0; b < 4; b++) vl[b] = (uint8_t)(v.len >> (24 - 8 * b));
            crypto_generichash_update(&h, head, sizeof head);
            crypto_generichash_update(&h, k.data, k.len);
            crypto_generichash_update(&h, vl, sizeof vl);
            crypto_generichash_update(&h, v.data, v.len);
        }
        if (rc < 0) return rc;
    }
    crypto_generichash_final(&h, out, 32);
    if (listed && !w->list_is_state) { /* the list is no state table: ask it */
        store_val_t v;
        int rc = store_get(w->t, ENTITY_LIST, entity, ID_LEN, &v);
        if (rc && rc != ACCORD_ENOTFOUND) return rc;
        *listed = rc == 0;
    }
    return 0;
}

/* Calls fn for each live entity of the state (of one bucket, or all if bucket < 0) with
 * its digest, in id order: a scan of the entities' rows. */
static int scan_entities(store_txn_t *t, int bucket, digest_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, ENTITY_LIST, NULL, 0, false, &it);
    if (rc) return rc;
    walker_t w;
    walker_init(&w, t);
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || (bucket >= 0 && bucket_of(k.data) != bucket)) continue;
        /* deleted entities are left out: compaction reduces them to graves at some nodes
         * sooner than at others, and what a deleted entity held is shown to no one */
        if (entity_deleted(t, k.data)) continue;
        uint8_t d[32];
        if ((rc = entity_digest(&w, k.data, d, NULL)) || (rc = fn(ctx, k.data, d))) break;
    }
    walker_release(&w);
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

/* The entity's digest if it counts (listed and not deleted); *live false if not. */
static int entity_now(walker_t *w, const uint8_t id[ID_LEN], uint8_t digest[32], bool *live)
{
    bool listed;
    int rc = entity_digest(w, id, digest, &listed);
    *live = !rc && listed && !entity_deleted(w->t, id);
    return rc;
}

static void entity_term(const uint8_t id[ID_LEN], const uint8_t digest[32], uint8_t term[32])
{
    uint8_t in[ID_LEN + 32];
    memcpy(in, id, ID_LEN);
    memcpy(in + ID_LEN, digest, 32);
    crypto_generichash(term, 32, in, sizeof in, NULL, 0);
}

static void sum_add(bucket_sum_t *b, const uint8_t term[32])
{
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        carry += (unsigned)b->sum[i] + term[i];
        b->sum[i] = (uint8_t)carry;
        carry >>= 8;
    }
    b->count++;
}

static void sum_sub(bucket_sum_t *b, const uint8_t term[32])
{
    unsigned borrow = 0;
    for (int i = 0; i < 32; i++) {
        unsigned d = (unsigned)b->sum[i] - term[i] - borrow;
        b->sum[i] = (uint8_t)d;
        borrow = (d >> 8) & 1; /* the subtraction wrapped below 0 */
    }
    b->count--;
}

static void finish(const bucket_sum_t sums[DIGEST_BUCKETS], state_digest_t *out)
{
    memset(out, 0, sizeof *out);
    crypto_generichash_state all;
    crypto_generichash_init(&all, NULL, 0, 32);
    for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
        uint8_t in[SUM_VAL_LEN];
        memcpy(in, sums[b].sum, 32);
        be64_put(in + 32, sums[b].count);
        crypto_generichash(out->bucket[b], 32, in, sizeof in, NULL, 0);
        crypto_generichash_update(&all, out->bucket[b], 32);
        out->entities += sums[b].count;
    }
    crypto_generichash_final(&all, out->state, 32);
}

typedef struct {
    bucket_sum_t *sums; /* DIGEST_BUCKETS of them */
    store_txn_t *keep;  /* the write transaction the entity digests are kept in, or NULL */
} scan_ctx_t;

static int add_scanned(void *ctx, const uint8_t entity[ID_LEN], const uint8_t digest[32])
{
    scan_ctx_t *s = ctx;
    uint8_t term[32], key[ENTITY_KEY_LEN];
    entity_term(entity, digest, term);
    sum_add(&s->sums[bucket_of(entity)], term);
    if (!s->keep) return 0;
    entity_key(entity, key);
    return store_put(s->keep, TBL_DIGESTS, key, sizeof key, digest, 32);
}

static int write_sum(store_txn_t *t, unsigned bucket, const bucket_sum_t *sum)
{
    uint8_t key[2] = {KEY_SUM, (uint8_t)bucket}, val[SUM_VAL_LEN];
    memcpy(val, sum->sum, 32);
    be64_put(val + 32, sum->count);
    return store_put(t, TBL_DIGESTS, key, sizeof key, val, sizeof val);
}

/* Sums every entity's term; with keep, writes what TBL_DIGESTS holds from scratch. */
static int scan(store_txn_t *t, bucket_sum_t sums[DIGEST_BUCKETS], bool keep)
{
    int rc = keep ? store_clear_table(t, TBL_DIGESTS) : 0;
    scan_ctx_t ctx = {sums, keep ? t : NULL};
    if (!rc) rc = scan_entities(t, -1, add_scanned, &ctx);
    for (unsigned b = 0; b < DIGEST_BUCKETS && keep && !rc; b++) rc = write_sum(t, b, &sums[b]);
    if (keep && !rc) {
        uint8_t key = KEY_FORMAT, format = KEPT_FORMAT;
        rc = store_put(t, TBL_DIGESTS, &key, 1, &format, 1);
    }
    return rc;
}

static bool sums_kept(store_txn_t *t, int *rc)
{
    uint8_t key = KEY_FORMAT;
    store_val_t v;
    *rc = store_get(t, TBL_DIGESTS, &key, 1, &v);
    bool kept = *rc == 0 && v.len == 1 && *(const uint8_t *)v.data == KEPT_FORMAT;
    if (*rc == ACCORD_ENOTFOUND || *rc == 0) *rc = 0;
    return kept;
}

static int read_sum(store_txn_t *t, unsigned bucket, bucket_sum_t *out)
{
    uint8_t key[2] = {KEY_SUM, (uint8_t)bucket};
    store_val_t v;
    memset(out, 0, sizeof *out);
    int rc = store_get(t, TBL_DIGESTS, key, sizeof key, &v);
    if (rc == ACCORD_ENOTFOUND) return 0;
    if (rc) return rc;
    if (v.len != SUM_VAL_LEN) return ACCORD_ESTORE;
    memcpy(out->sum, v.data, 32);
    out->count = be64_get((const uint8_t *)v.data + 32);
    return 0;
}

int digest_kept(store_txn_t *t, state_digest_t *out)
{
    int rc;
    if (!sums_kept(t, &rc)) return rc ? rc : ACCORD_ENOTFOUND;
    bucket_sum_t *sums = calloc(DIGEST_BUCKETS, sizeof *sums);
    if (!sums) abort();
    for (unsigned b = 0; b < DIGEST_BUCKETS && !rc; b++) rc = read_sum(t, b, &sums[b]);
    if (!rc) finish(sums, out);
    free(sums);
    return rc;
}

int digest_compute(store_txn_t *t, state_digest_t *out)
{
    bucket_sum_t *sums = calloc(DIGEST_BUCKETS, sizeof *sums);
    if (!sums) abort();
    int rc = scan(t, sums, false);
    if (!rc) finish(sums, out);
    free(sums);
    return rc;
}

int digest_state(store_txn_t *t, state_digest_t *out)
{
    int rc = digest_kept(t, out);
    return rc == ACCORD_ENOTFOUND ? digest_compute(t, out) : rc;
}

int digest_bucket(store_txn_t *t, uint8_t bucket, digest_fn fn, void *ctx)
{
    int rc;
    if (!sums_kept(t, &rc)) return rc ? rc : scan_entities(t, bucket, fn, ctx);
    uint8_t prefix[2] = {KEY_ENTITY, bucket};
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_DIGESTS, prefix, sizeof prefix, false, &it))) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ENTITY_KEY_LEN || v.len != 32) {
            rc = ACCORD_ESTORE;
            break;
        }
        if ((rc = fn(ctx, (const uint8_t *)k.data + 2, v.data))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

/* The kept digests and sums against a scan of the state, bucket by bucket. */
typedef struct {
    store_txn_t *t;
    bucket_sum_t sum[DIGEST_BUCKETS];   /* of the state, as scanned */
    uint64_t found[DIGEST_BUCKETS];     /* live entities with a kept digest */
    uint64_t differ[DIGEST_BUCKETS];    /* kept digests missing or wrong */
} audit_ctx_t;

static int audit_entity(void *ctx, const uint8_t entity[ID_LEN], const uint8_t digest[32])
{
    audit_ctx_t *a = ctx;
    uint8_t term[32], key[ENTITY_KEY_LEN];
    unsigned b = bucket_of(entity);
    entity_term(entity, digest, term);
    sum_add(&a->sum[b], term);
    entity_key(entity, key);
    store_val_t v;
    int rc = store_get(a->t, TBL_DIGESTS, key, sizeof key, &v);
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    if (!rc) a->found[b]++;
    if (rc || v.len != 32 || memcmp(v.data, digest, 32)) a->differ[b]++;
    return 0;
}

/* Counts the kept entity digests of one bucket. */
static int count_kept(store_txn_t *t, uint8_t bucket, uint64_t *n)
{
    uint8_t prefix[2] = {KEY_ENTITY, bucket};
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_DIGESTS, prefix, sizeof prefix, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    *n = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) ++*n;
    store_iter_destroy(&it);
    return rc;
}

int digest_audit(store_txn_t *t, digest_audit_t *out)
{
    memset(out, 0, sizeof *out);
    out->first_bucket = -1;
    int rc;
    if (!(out->kept = sums_kept(t, &rc)) || rc) return rc;
    audit_ctx_t *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->t = t;
    rc = scan_entities(t, -1, audit_entity, a);
    for (unsigned b = 0; b < DIGEST_BUCKETS && !rc; b++) {
        bucket_sum_t kept;
        uint64_t rows;
        if ((rc = read_sum(t, b, &kept)) || (rc = count_kept(t, (uint8_t)b, &rows))) break;
        uint64_t differ = a->differ[b] + (rows - a->found[b]); /* and the digests kept of entities gone */
        bool sum_differs = kept.count != a->sum[b].count || memcmp(kept.sum, a->sum[b].sum, 32);
        out->buckets_differ += sum_differs;
        out->entities_differ += differ;
        if ((sum_differs || differ) && out->first_bucket < 0) out->first_bucket = (int)b;
        out->kept_entities += kept.count;
        out->entities += a->sum[b].count;
    }
    free(a);
    return rc;
}

/* The sums one commit changes, read as the entities reach them. */
typedef struct {
    bucket_sum_t sum[DIGEST_BUCKETS];
    bool read[DIGEST_BUCKETS];
    bool changed[DIGEST_BUCKETS];
} pending_sums_t;

/* Takes the entity's kept term out of its bucket and adds the one it has now. */
static int update_entity(walker_t *w, const uint8_t id[ID_LEN], pending_sums_t *p)
{
    store_txn_t *t = w->t;
    uint8_t now[32], key[ENTITY_KEY_LEN], old_term[32], new_term[32];
    bool live;
    int rc = entity_now(w, id, now, &live);
    if (rc) return rc;
    entity_key(id, key);
    store_val_t v;
    rc = store_get(t, TBL_DIGESTS, key, sizeof key, &v);
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    bool was = rc == 0;
    if (was && v.len != 32) return ACCORD_ESTORE;
    if (was == live && (!live || !memcmp(v.data, now, 32))) return 0; /* unchanged */
    if (was) entity_term(id, v.data, old_term); /* before the put below replaces v */
    unsigned b = bucket_of(id);
    if (!p->read[b] && (rc = read_sum(t, b, &p->sum[b]))) return rc;
    p->read[b] = p->changed[b] = true;
    if (was) sum_sub(&p->sum[b], old_term);
    if (live) {
        entity_term(id, now, new_term);
        sum_add(&p->sum[b], new_term);
        return store_put(t, TBL_DIGESTS, key, sizeof key, now, 32);
    }
    return store_del(t, TBL_DIGESTS, key, sizeof key);
}

/* The store's digest hook (store.h). */
static int on_commit(store_txn_t *t, const uint8_t (*entities)[16], size_t n, bool all)
{
    if (all) { /* a state table was cleared: whatever was kept says nothing now */
        bucket_sum_t *sums = calloc(DIGEST_BUCKETS, sizeof *sums);
        if (!sums) abort();
        int rc = scan(t, sums, true);
        free(sums);
        return rc;
    }
    int rc;
    if (!sums_kept(t, &rc)) return rc; /* nothing kept to follow: digest_upgrade computes it */
    pending_sums_t *p = calloc(1, sizeof *p);
    if (!p) abort();
    walker_t w;
    walker_init(&w, t);
    for (size_t i = 0; i < n && !rc; i++) rc = update_entity(&w, entities[i], p);
    walker_release(&w);
    for (unsigned b = 0; b < DIGEST_BUCKETS && !rc; b++)
        if (p->changed[b]) rc = write_sum(t, b, &p->sum[b]);
    free(p);
    return rc;
}

void digest_keep(store_t *st)
{
    store_set_digest_hook(st, on_commit);
}

int digest_upgrade(store_t *st, uint64_t *entities)
{
    digest_keep(st);
    *entities = UINT64_MAX;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    if (sums_kept(t, &rc) || rc) {
        store_txn_abort(&t);
        return rc;
    }
    bucket_sum_t *sums = calloc(DIGEST_BUCKETS, sizeof *sums);
    if (!sums) abort();
    if (!(rc = scan(t, sums, true))) {
        uint64_t n = 0;
        for (unsigned b = 0; b < DIGEST_BUCKETS; b++) n += sums[b].count;
        if (!(rc = store_txn_commit(&t))) *entities = n;
    }
    free(sums);
    store_txn_abort(&t);
    return rc;
}
