/* SPDX-License-Identifier: MIT
 * digest: the state digest the store keeps (state/digest.h) is, after every transaction,
 * the one a scan of the state gives: random creates, edits, deletes, conflicts and
 * resolutions over many entities, transactions aborted, rows purged and tables cleared; replicas that applied the same records in other orders and other transactions
 * keep the same digest; an aborted transaction leaves it as it was; a store that keeps
 * none (an older version's) gets it from digest_upgrade; and the digest is the one
 * docs/PROTOCOL.md "State digests" defines. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "state/digest.h"
#include "state/entity.h"
#include "state/merge.h"

#include <sodium.h>

#define MAX_RECS 2000
#define MAX_ENTITIES 256
#define ORIGINS 3

typedef struct {
    record_t rec;
    char strs[RECORD_MAX_OPS][32];
    uint8_t pair[2 * VERSION_LEN]; /* a RESOLVE's two versions */
} gen_record_t;

static gen_record_t *recs; /* MAX_RECS of them, on the heap: 4 KiB each */
static unsigned n_recs;
static uint8_t entities[MAX_ENTITIES][ID_LEN];

/* The versions SETs wrote to a name, per entity: the bases of later SETs and the pairs
 * RESOLVE names, so that concurrent edits make conflicts. */
static uint8_t name_versions[MAX_ENTITIES][8][VERSION_LEN];
static unsigned n_name_versions[MAX_ENTITIES];

static const char *const names[] = {"Ali", "Sara", "王小明", "Anna", "كريم", "Zahra"};
static const char *const words[] = {"+989121234567", "02188887777", "vip", "fleet", "new"};

/* Entity ids: half crowd into 8 buckets (sums of many terms; a bucket is an id's last
 * byte) and 8 first bytes (prefixes of many entities), half are spread over all. */
static void gen_entities(unsigned n)
{
    for (unsigned e = 0; e < n; e++) {
        for (unsigned i = 0; i < ID_LEN; i++) entities[e][i] = (uint8_t)rng();
        if (e % 2) {
            entities[e][0] = (uint8_t)rng_below(8);
            entities[e][ID_LEN - 1] = (uint8_t)rng_below(8);
        }
    }
    memset(n_name_versions, 0, sizeof n_name_versions);
}

static void add_op(gen_record_t *g, unsigned field, unsigned op, const char *s)
{
    record_t *rec = &g->rec;
    record_op_t *o = &rec->ops[rec->n_ops];
    memset(o, 0, sizeof *o);
    o->op = (uint8_t)op;
    o->field = (uint8_t)field;
    snprintf(g->strs[rec->n_ops], sizeof g->strs[0], "%s", s);
    o->val = (value_t){VAL_STR, 0, g->strs[rec->n_ops], strlen(g->strs[rec->n_ops])};
    rec->n_ops++;
}

/* n random records of ORIGINS origins over the first n_entities entities. */
static void gen_records(unsigned n, unsigned n_entities)
{
    uint64_t seq[ORIGINS] = {0}, hlc[ORIGINS] = {1000, 1000, 1000};
    n_recs = n;
    for (unsigned r = 0; r < n; r++) {
        gen_record_t *g = &recs[r];
        record_t *rec = &g->rec;
        memset(rec, 0, offsetof(record_t, ops));
        unsigned origin = rng_below(ORIGINS), e = rng_below(n_entities);
        rec->origin[0] = (uint8_t)(0x10 + origin);
        rec->seq = ++seq[origin];
        rec->hlc = hlc[origin] += 1 + rng_below(2); /* equal HLCs of two origins are common */
        rec->author = "tester";
        rec->author_len = 6;
        rec->kind = KIND_CUSTOMER;
        memcpy(rec->entity, entities[e], ID_LEN);
        uint8_t version[VERSION_LEN];
        version_make(version, rec->hlc, rec->origin);
        unsigned what = rng_below(10);
        if (what < 4) { /* a name, on a base some origin wrote: concurrent ones conflict */
            add_op(g, F_CU_NAME, OP_SET, names[rng_below(6)]);
            unsigned nv = n_name_versions[e] < 8 ? n_name_versions[e] : 8;
            if (nv && rng_below(4)) {
                rec->ops[0].has_base = true;
                memcpy(rec->ops[0].base, name_versions[e][rng_below(nv)], VERSION_LEN);
            }
            memcpy(name_versions[e][n_name_versions[e]++ % 8], version, VERSION_LEN);
            if (rng_below(2)) add_op(g, F_CU_CITY, OP_SET, names[rng_below(6)]);
        } else if (what < 7) { /* a phone or tag added or removed */
            unsigned w = rng_below(5);
            add_op(g, w < 2 ? F_CU_PHONES : F_CU_TAGS, rng_below(3) ? OP_ADD : OP_REMOVE, words[w]);
        } else if (what < 9) { /* deleted, or now and then undeleted */
            record_op_t *o = &rec->ops[rec->n_ops++];
            memset(o, 0, sizeof *o);
            o->op = OP_SET;
            o->field = F_DELETED;
            o->val = (value_t){VAL_BOOL, rng_below(2), NULL, 0};
        } else { /* two name versions resolved (they need not be a real conflict) */
            unsigned nv = n_name_versions[e] < 8 ? n_name_versions[e] : 8;
            if (nv < 2) {
                add_op(g, F_CU_TAGS, OP_ADD, "seen");
                continue;
            }
            const uint8_t *a = name_versions[e][rng_below(nv)], *b = name_versions[e][rng_below(nv)];
            if (memcmp(a, b, VERSION_LEN) > 0) { const uint8_t *t = a; a = b; b = t; }
            memcpy(g->pair, a, VERSION_LEN);
            memcpy(g->pair + VERSION_LEN, b, VERSION_LEN);
            record_op_t *o = &rec->ops[rec->n_ops++];
            memset(o, 0, sizeof *o);
            o->op = OP_RESOLVE;
            o->field = F_CU_NAME;
            o->val = (value_t){VAL_REF, 0, (const char *)g->pair, sizeof g->pair};
        }
    }
}

static store_t *open_kept(char **dir)
{
    *dir = tmp_dir();
    store_t *st;
    assert_int_equal(store_open(*dir, STORE_NOSYNC, &st), 0);
    uint64_t digested;
    assert_int_equal(digest_upgrade(st, &digested), 0);
    assert_int_equal(digested, 0); /* a new store: nothing to digest, but kept from now on */
    return st;
}

/* The kept digest is the scanned one, and digest_state answers with it. */
static void assert_kept_is_computed(store_t *st, state_digest_t *out)
{
    store_txn_t *t;
    state_digest_t *kept = malloc(sizeof *kept), *scanned = malloc(sizeof *scanned), *answered = malloc(sizeof *answered);
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(digest_kept(t, kept), 0);
    assert_int_equal(digest_compute(t, scanned), 0);
    assert_int_equal(digest_state(t, answered), 0);
    digest_audit_t a;
    assert_int_equal(digest_audit(t, &a), 0);
    store_txn_abort(&t);
    assert_int_equal(kept->entities, scanned->entities);
    for (unsigned b = 0; b < DIGEST_BUCKETS; b++)
        if (memcmp(kept->bucket[b], scanned->bucket[b], 32)) fail_msg("bucket %02x: the kept sum is not the state's", b);
    assert_memory_equal(kept->state, scanned->state, 32);
    assert_memory_equal(answered, kept, sizeof *kept);
    assert_true(a.kept);
    assert_int_equal(a.buckets_differ, 0);
    assert_int_equal(a.entities_differ, 0);
    if (out) *out = *kept;
    free(kept);
    free(scanned);
    free(answered);
}

/* Compaction's purge of an entity's rows: by prefix, from every STORE_T_PURGE table. */
static void purge_entity(store_txn_t *t, const uint8_t id[ID_LEN])
{
    store_table_t per_entity[TBL_COUNT];
    unsigned n = store_tables_with(STORE_T_PURGE, per_entity);
    for (unsigned i = 0; i < n; i++) assert_int_equal(store_del_prefix(t, per_entity[i], id, ID_LEN, NULL), 0);
}

static void test_kept_digest_follows_every_transaction(void **state)
{
    (void)state;
    rng_seed();
    char *dir;
    store_t *st = open_kept(&dir);
    gen_entities(200);
    gen_records(MAX_RECS, 200);
    store_table_t state_tables[TBL_COUNT]; /* the digest's, as the catalogue lists them */
    unsigned n_state = store_tables_with(STORE_T_DIGEST, state_tables);
    assert_true(n_state >= 2);
    static state_digest_t seen[200];
    state_digest_t last;
    assert_kept_is_computed(st, &last);
    unsigned n_txns = 0, distinct = 0, aborted = 0, purges = 0, clears = 0, conflicts = 0;
    uint64_t most = 0;
    for (unsigned r = 0; r < n_recs; n_txns++) {
        store_txn_t *t;
        assert_int_equal(store_txn_begin(st, true, &t), 0);
        for (unsigned end = r + 1 + rng_below(60); r < end && r < n_recs; r++)
            assert_int_equal(merge_apply(t, &recs[r].rec), 0);
        unsigned what = rng_below(12);
        if (what == 0) { /* compaction of a deleted entity */
            for (unsigned e = 0; e < 200; e++)
                if (entity_deleted(t, entities[e])) {
                    purge_entity(t, entities[e]);
                    purges++;
                    break;
                }
        } else if (what == 1) { /* the entities of one first byte lose their rows: a prefix shorter than an id */
            uint8_t first = (uint8_t)rng_below(8);
            assert_int_equal(store_del_prefix(t, state_tables[rng_below(n_state)], &first, 1, NULL), 0);
        } else if (what == 2) { /* a state table cleared: computed anew */
            assert_int_equal(store_clear_table(t, rng_below(2) ? TBL_CONFLICTS : TBL_RESOLVED), 0);
            clears++;
        }
        state_digest_t now;
        if (rng_below(8) == 0) { /* given up: nothing of it stays, in the digest either */
            store_txn_abort(&t);
            aborted++;
            assert_kept_is_computed(st, &now);
            assert_memory_equal(&now, &last, sizeof now);
            continue;
        }
        assert_int_equal(store_txn_commit(&t), 0);
        assert_kept_is_computed(st, &now);
        last = now;
        bool is_new = true;
        for (unsigned i = 0; i < distinct && is_new; i++) is_new = memcmp(seen[i].state, now.state, 32) != 0;
        if (is_new && distinct < 200) seen[distinct++] = now;
        if (now.entities > most) most = now.entities;
        assert_int_equal(store_txn_begin(st, false, &t), 0);
        store_iter_t *it;
        store_val_t k, v;
        assert_int_equal(store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it), 0);
        while (store_iter_next(it, &k, &v) == 1) conflicts++;
        store_iter_destroy(&it);
        store_txn_abort(&t);
    }
    fprintf(stderr, "# %u transactions, %u distinct digests, up to %llu live entities, %u conflicts seen, %u aborted, "
            "%u purges, %u clears\n", n_txns, distinct, (unsigned long long)most, conflicts, aborted, purges, clears);
    assert_true(n_txns >= 20);
    assert_true(distinct >= (n_txns - aborted) * 3 / 4); /* the digest moves with the state */
    assert_true(most >= 100);
    assert_true(aborted > 0 && purges > 0 && clears > 0 && conflicts > 0);
    store_close(&st);
    rm_dir(dir);
}

/* The records in some order, in transactions of random sizes, some of them twice. */
static void apply_in_order(store_t *st, const unsigned *order, unsigned n)
{
    for (unsigned i = 0; i < n;) {
        store_txn_t *t;
        assert_int_equal(store_txn_begin(st, true, &t), 0);
        for (unsigned end = i + 1 + rng_below(150); i < end && i < n; i++)
            assert_int_equal(merge_apply(t, &recs[order[i]].rec), 0);
        assert_int_equal(store_txn_commit(&t), 0);
    }
}

static void test_replicas_in_other_orders_keep_one_digest(void **state)
{
    (void)state;
    rng_seed();
    gen_entities(120);
    gen_records(1200, 120);
    static unsigned order[2 * MAX_RECS];
    char *dirs[2];
    store_t *st[2];
    state_digest_t d[2];
    for (int r = 0; r < 2; r++) {
        st[r] = open_kept(&dirs[r]);
        unsigned n = 0;
        for (unsigned i = 0; i < n_recs; i++) order[n++] = i;
        if (r) { /* the second replica: shuffled, with duplicates */
            for (unsigned i = 0; i < n_recs / 4; i++) order[n++] = rng_below(n_recs);
            for (unsigned i = n; i > 1; i--) {
                unsigned j = rng_below(i), x = order[i - 1];
                order[i - 1] = order[j];
                order[j] = x;
            }
        }
        apply_in_order(st[r], order, n);
        assert_kept_is_computed(st[r], &d[r]);
    }
    assert_true(d[0].entities > 50);
    assert_memory_equal(d[0].state, d[1].state, 32);
    assert_memory_equal(d[0].bucket, d[1].bucket, sizeof d[0].bucket);
    for (int r = 0; r < 2; r++) {
        store_close(&st[r]);
        rm_dir(dirs[r]);
    }
}

static void test_an_aborted_transaction_leaves_the_digest(void **state)
{
    (void)state;
    rng_seed();
    gen_entities(60);
    gen_records(400, 60);
    char *dir;
    store_t *st = open_kept(&dir);
    unsigned order[MAX_RECS];
    for (unsigned i = 0; i < 200; i++) order[i] = i;
    apply_in_order(st, order, 200);
    state_digest_t before, after;
    assert_kept_is_computed(st, &before);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = 200; i < n_recs; i++) assert_int_equal(merge_apply(t, &recs[i].rec), 0);
    assert_int_equal(store_clear_table(t, TBL_CONFLICTS), 0);
    store_txn_abort(&t);
    assert_kept_is_computed(st, &after);
    assert_memory_equal(&before, &after, sizeof before);
    /* and the next transaction starts from nothing touched: one record, one entity */
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(merge_apply(t, &recs[200].rec), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_kept_is_computed(st, &after);
    store_close(&st);
    rm_dir(dir);
}

/* A store written with no digest hook, as today's nodes' stores were, keeps no digest:
 * digest_state scans it, and digest_upgrade computes the sums once at the next start. A
 * program that writes with no hook later takes what was kept away rather than leave it
 * stale. */
static void test_a_store_without_kept_sums_gets_them_once(void **state)
{
    (void)state;
    rng_seed();
    gen_entities(80);
    gen_records(500, 80);
    char *dir = tmp_dir();
    store_t *st;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    unsigned order[MAX_RECS];
    for (unsigned i = 0; i < n_recs; i++) order[i] = i;
    apply_in_order(st, order, 400);
    store_txn_t *t;
    state_digest_t scanned, answered;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(digest_kept(t, &answered), ACCORD_ENOTFOUND);
    assert_int_equal(digest_compute(t, &scanned), 0);
    assert_int_equal(digest_state(t, &answered), 0);
    store_txn_abort(&t);
    assert_memory_equal(&scanned, &answered, sizeof scanned);
    store_close(&st);

    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0); /* the next start */
    uint64_t digested;
    assert_int_equal(digest_upgrade(st, &digested), 0);
    assert_int_equal(digested, scanned.entities);
    assert_true(digested > 20);
    assert_kept_is_computed(st, &answered);
    assert_memory_equal(&scanned, &answered, sizeof scanned);
    assert_int_equal(digest_upgrade(st, &digested), 0);
    assert_int_equal(digested, UINT64_MAX); /* once */
    apply_in_order(st, order + 400, 50);
    assert_kept_is_computed(st, NULL);
    store_close(&st);

    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0); /* a program that sets no hook */
    apply_in_order(st, order + 450, 50);
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(digest_kept(t, &answered), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    assert_int_equal(digest_upgrade(st, &digested), 0);
    assert_true(digested > 20 && digested != UINT64_MAX);
    assert_kept_is_computed(st, NULL);
    store_close(&st);
    rm_dir(dir);
}

/* docs/PROTOCOL.md "State digests", worked here without the module: the entity digest
 * over the catalogue's STORE_T_DIGEST tables, the terms BLAKE2b-256(id ‖ entity digest),
 * a bucket's sum of them modulo 2^256 as little-endian numbers and its count, bucket
 * digest = BLAKE2b-256(sum ‖ count(8 BE)), state digest = BLAKE2b-256 over the 256. Two
 * entities end with byte 07 (a sum that carries, most likely), one with c3, and a
 * deleted one counts nowhere. */
static void documented_entity_digest(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t out[32])
{
    store_table_t tables[TBL_COUNT];
    unsigned n = store_tables_with(STORE_T_DIGEST, tables);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    for (unsigned i = 0; i < n; i++) {
        store_iter_t *it;
        store_val_t k, v;
        assert_int_equal(store_iter_new(t, tables[i], id, ID_LEN, false, &it), 0);
        while (store_iter_next(it, &k, &v) == 1) {
            uint8_t head[3] = {(uint8_t)tables[i], (uint8_t)(k.len >> 8), (uint8_t)k.len};
            uint8_t vlen[4] = {(uint8_t)(v.len >> 24), (uint8_t)(v.len >> 16), (uint8_t)(v.len >> 8), (uint8_t)v.len};
            crypto_generichash_update(&h, head, 3);
            crypto_generichash_update(&h, k.data, k.len);
            crypto_generichash_update(&h, vlen, 4);
            crypto_generichash_update(&h, v.data, v.len);
        }
        store_iter_destroy(&it);
    }
    crypto_generichash_final(&h, out, 32);
}

static void test_the_digest_is_the_documented_one(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_kept(&dir);
    static const uint8_t first[4] = {0x01, 0x02, 0x01, 0x01}, last[4] = {0x07, 0x07, 0xc3, 0x07};
    uint8_t ids[4][ID_LEN];
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = 0; i < 4; i++) {
        record_t rec;
        memset(&rec, 0, sizeof rec);
        memset(rec.entity, 0x5a, ID_LEN);
        rec.entity[0] = first[i];
        rec.entity[7] = (uint8_t)i;
        rec.entity[ID_LEN - 1] = last[i];
        memcpy(ids[i], rec.entity, ID_LEN);
        rec.seq = i + 1;
        rec.hlc = 100 + i;
        rec.author = "t";
        rec.author_len = 1;
        rec.kind = KIND_CUSTOMER;
        rec.n_ops = 2;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, names[i], strlen(names[i])}, false, {0}};
        rec.ops[1] = (record_op_t){F_DELETED, OP_SET, {VAL_BOOL, i == 3, NULL, 0}, false, {0}};
        assert_int_equal(merge_apply(t, &rec), 0);
    }
    assert_int_equal(store_txn_commit(&t), 0);
    state_digest_t d;
    assert_kept_is_computed(st, &d);
    assert_int_equal(d.entities, 3);

    uint8_t sums[DIGEST_BUCKETS][40] = {{0}}; /* sum(32) count(8 BE) */
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    for (unsigned i = 0; i < 3; i++) { /* the fourth is deleted */
        uint8_t term_in[ID_LEN + 32], term[32], *sum = sums[ids[i][ID_LEN - 1]];
        memcpy(term_in, ids[i], ID_LEN);
        documented_entity_digest(t, ids[i], term_in + ID_LEN);
        crypto_generichash(term, 32, term_in, sizeof term_in, NULL, 0);
        unsigned carry = 0;
        for (unsigned k = 0; k < 32; k++) {
            carry += sum[k] + term[k];
            sum[k] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        sum[39]++;
    }
    store_txn_abort(&t);
    uint8_t bucket_digests[DIGEST_BUCKETS][32], want[32];
    for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
        crypto_generichash(bucket_digests[b], 32, sums[b], sizeof sums[b], NULL, 0);
        assert_memory_equal(bucket_digests[b], d.bucket[b], 32);
    }
    crypto_generichash(want, 32, &bucket_digests[0][0], sizeof bucket_digests, NULL, 0);
    assert_memory_equal(want, d.state, 32);
    store_close(&st);
    rm_dir(dir);
}

/* verify's drill-down: a bucket's entities with their digests, in id order, the same
 * from the kept digests as from a scan of a store that keeps none. */
typedef struct {
    uint8_t ids[64][ID_LEN], digests[64][32];
    unsigned n;
} listed_t;

static int list_entity(void *ctx, const uint8_t entity[16], const uint8_t digest[32])
{
    listed_t *l = ctx;
    if (l->n == 64) return 1;
    memcpy(l->ids[l->n], entity, ID_LEN);
    memcpy(l->digests[l->n++], digest, 32);
    return 0;
}

static void test_a_bucket_lists_its_entities(void **state)
{
    (void)state;
    rng_seed();
    gen_entities(150);
    gen_records(800, 150);
    char *dirs[2];
    store_t *st[2];
    st[0] = open_kept(&dirs[0]);
    dirs[1] = tmp_dir();
    assert_int_equal(store_open(dirs[1], STORE_NOSYNC, &st[1]), 0); /* keeps none */
    unsigned order[MAX_RECS];
    for (unsigned i = 0; i < n_recs; i++) order[i] = i;
    for (int r = 0; r < 2; r++) apply_in_order(st[r], order, n_recs);
    static listed_t l[2];
    unsigned listed = 0;
    for (unsigned b = 0; b < 8; b++) {
        for (int r = 0; r < 2; r++) {
            store_txn_t *t;
            l[r].n = 0;
            assert_int_equal(store_txn_begin(st[r], false, &t), 0);
            assert_int_equal(digest_bucket(t, (uint8_t)b, list_entity, &l[r]), 0);
            store_txn_abort(&t);
        }
        assert_int_equal(l[0].n, l[1].n);
        for (unsigned i = 0; i < l[0].n; i++) {
            assert_int_equal(l[0].ids[i][ID_LEN - 1], b);
            if (i) assert_true(memcmp(l[0].ids[i - 1], l[0].ids[i], ID_LEN) < 0);
        }
        assert_memory_equal(l[0].ids, l[1].ids, l[0].n * ID_LEN);
        assert_memory_equal(l[0].digests, l[1].digests, l[0].n * 32);
        listed += l[0].n;
    }
    assert_true(listed > 20);
    for (int r = 0; r < 2; r++) {
        store_close(&st[r]);
        rm_dir(dirs[r]);
    }
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    recs = calloc(MAX_RECS, sizeof *recs);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_digest_follows_every_transaction),
        cmocka_unit_test(test_replicas_in_other_orders_keep_one_digest),
        cmocka_unit_test(test_an_aborted_transaction_leaves_the_digest),
        cmocka_unit_test(test_a_store_without_kept_sums_gets_them_once),
        cmocka_unit_test(test_the_digest_is_the_documented_one),
        cmocka_unit_test(test_a_bucket_lists_its_entities),
    };
    int rc = cmocka_run_group_tests_name("digest", tests, NULL, NULL);
    free(recs);
    return rc;
}
