/* SPDX-License-Identifier: MIT
 * Property tests of merge: random ops from three origins, applied to three replicas in
 * random orders with duplicates, must leave byte-identical state, the last-writer-wins
 * value, and a conflict log holding exactly the groups of ops that share a base. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/merge.h"

#define REPLICAS 3
#define ORIGINS 3
#define MAX_RECS 24
#define CASES_DEFAULT 10000


typedef struct {
    record_t rec;
    char strs[RECORD_MAX_OPS][32];
} gen_record_t;

static gen_record_t recs[MAX_RECS];
static unsigned n_recs;

/* Versions that SETs wrote, per (entity, field): the pool bases are drawn from. */
typedef struct {
    uint8_t entity;
    uint8_t field;
    uint8_t version[VERSION_LEN];
    bool has_base;
    uint8_t base[VERSION_LEN];
} set_op_t;

static set_op_t sets[MAX_RECS * 4];
static unsigned n_sets;

static const char *const names[] = {"Ali", "Sara", "王小明", "Anna", "كريم"};
static const char *const phones[] = {"+989121234567", "02188887777", "5551234"};
static const char *const tags[] = {"vip", "fleet", "new"};

static void make_entity_id(uint8_t id[ID_LEN], unsigned which)
{
    memset(id, 0, ID_LEN);
    id[0] = 0xe0;
    id[15] = (uint8_t)which;
}

static void gen_case(void)
{
    n_recs = 2 + rng_below(MAX_RECS - 2);
    n_sets = 0;
    uint64_t seq[ORIGINS] = {0}, last_hlc[ORIGINS] = {1000, 1000, 1000};
    for (unsigned r = 0; r < n_recs; r++) {
        gen_record_t *g = &recs[r];
        record_t *rec = &g->rec;
        memset(rec, 0, offsetof(record_t, ops));
        unsigned origin = rng_below(ORIGINS);
        memset(rec->origin, 0, ID_LEN);
        rec->origin[0] = (uint8_t)(0x10 + origin);
        rec->seq = ++seq[origin];
        /* an origin's clock only moves forward, in small steps, so that equal HLCs from
         * different origins are common and the origin id has to break ties */
        rec->hlc = last_hlc[origin] += 1 + rng_below(2);
        rec->author = "tester";
        rec->author_len = 6;
        unsigned ent = rng_below(2);
        make_entity_id(rec->entity, ent);
        rec->kind = KIND_CUSTOMER;
        unsigned n_ops = 1 + rng_below(4);
        uint8_t version[VERSION_LEN];
        version_make(version, rec->hlc, rec->origin);
        for (unsigned i = 0; i < n_ops; i++) {
            record_op_t *op = &rec->ops[rec->n_ops];
            memset(op, 0, sizeof *op);
            unsigned what = rng_below(7);
            if (what <= 2) { /* SET name or city */
                op->op = OP_SET;
                op->field = what == 0 ? F_CU_CITY : F_CU_NAME;
                bool dup_field = false;
                for (unsigned j = 0; j < rec->n_ops; j++)
                    dup_field |= rec->ops[j].op == OP_SET && rec->ops[j].field == op->field;
                if (dup_field) continue; /* one SET per field per record */
                snprintf(g->strs[rec->n_ops], 32, "%s", names[rng_below(5)]);
                op->val = (value_t){VAL_STR, 0, g->strs[rec->n_ops], strlen(g->strs[rec->n_ops])};
                /* base: nothing, or a version some origin wrote to this field earlier */
                unsigned cands[MAX_RECS * 4], nc = 0;
                for (unsigned s = 0; s < n_sets; s++)
                    if (sets[s].entity == ent && sets[s].field == op->field) cands[nc++] = s;
                if (nc && rng_below(4)) {
                    op->has_base = true;
                    memcpy(op->base, sets[cands[rng_below(nc)]].version, VERSION_LEN);
                }
                set_op_t *so = &sets[n_sets++];
                so->entity = (uint8_t)ent;
                so->field = op->field;
                memcpy(so->version, version, VERSION_LEN);
                so->has_base = op->has_base;
                memcpy(so->base, op->base, VERSION_LEN);
            } else if (what <= 4) { /* ADD or REMOVE a phone or tag */
                op->op = rng_below(3) ? OP_ADD : OP_REMOVE;
                bool phone = rng_below(2);
                op->field = phone ? F_CU_PHONES : F_CU_TAGS;
                snprintf(g->strs[rec->n_ops], 32, "%s", phone ? phones[rng_below(3)] : tags[rng_below(3)]);
                op->val = (value_t){VAL_STR, 0, g->strs[rec->n_ops], strlen(g->strs[rec->n_ops])};
            } else if (what == 5) { /* delete or undelete */
                op->op = OP_SET;
                op->field = F_DELETED;
                bool dup_field = false;
                for (unsigned j = 0; j < rec->n_ops; j++) dup_field |= rec->ops[j].field == F_DELETED;
                if (dup_field) continue;
                op->val = (value_t){VAL_BOOL, rng_below(4) == 0 ? 0 : 1, NULL, 0};
                op->has_base = false;
                set_op_t *so = &sets[n_sets++];
                so->entity = (uint8_t)ent;
                so->field = F_DELETED;
                memcpy(so->version, version, VERSION_LEN);
                so->has_base = false;
            } else { /* resolve some pair (it need not be a real conflict) */
                unsigned cands[MAX_RECS * 4], nc = 0;
                for (unsigned s = 0; s < n_sets; s++)
                    if (sets[s].entity == ent && sets[s].field == F_CU_NAME) cands[nc++] = s;
                if (nc < 2) continue;
                unsigned a = cands[rng_below(nc)], b = cands[rng_below(nc)];
                if (a == b) continue;
                const uint8_t *va = sets[a].version, *vb = sets[b].version;
                if (memcmp(va, vb, VERSION_LEN) > 0) { const uint8_t *t = va; va = vb; vb = t; }
                static uint8_t pairs[MAX_RECS][RECORD_MAX_OPS][2 * VERSION_LEN];
                memcpy(pairs[r][rec->n_ops], va, VERSION_LEN);
                memcpy(pairs[r][rec->n_ops] + VERSION_LEN, vb, VERSION_LEN);
                op->op = OP_RESOLVE;
                op->field = F_CU_NAME;
                op->val = (value_t){VAL_REF, 0, (const char *)pairs[r][rec->n_ops], 2 * VERSION_LEN};
            }
            rec->n_ops++;
        }
        if (rec->n_ops == 0) { /* every record changes something */
            record_op_t *op = &rec->ops[rec->n_ops++];
            memset(op, 0, sizeof *op);
            op->op = OP_ADD;
            op->field = F_CU_TAGS;
            op->val = (value_t){VAL_STR, 0, "seen", 4};
        }
    }
}

static void apply_shuffled(store_t *st)
{
    unsigned order[MAX_RECS * 2], n = 0;
    for (unsigned i = 0; i < n_recs; i++) order[n++] = i;
    for (unsigned i = 0; i < n_recs; i++)
        if (rng_below(3) == 0) order[n++] = rng_below(n_recs); /* duplicates */
    for (unsigned i = n; i > 1; i--) {
        unsigned j = rng_below(i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(store_clear_all(t), 0);
    for (unsigned i = 0; i < n; i++) assert_int_equal(merge_apply(t, &recs[order[i]].rec), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void assert_same_tables(store_t *a, store_t *b)
{
    store_txn_t *ta, *tb;
    assert_int_equal(store_txn_begin(a, false, &ta), 0);
    assert_int_equal(store_txn_begin(b, false, &tb), 0);
    /* every table derived from the feeds (the catalogue in store.h) must be byte-identical */
    store_table_t state_tables[TBL_COUNT];
    unsigned n_state = store_tables_with(STORE_T_DERIVED, state_tables);
    assert_true(n_state >= 8);
    bool rows = false; /* the entity rows are among them */
    for (unsigned i = 0; i < n_state; i++) rows |= state_tables[i] == TBL_ENTITIES;
    assert_true(rows);
    for (unsigned i = 0; i < n_state; i++) {
        store_iter_t *ia, *ib;
        assert_int_equal(store_iter_new(ta, state_tables[i], NULL, 0, false, &ia), 0);
        assert_int_equal(store_iter_new(tb, state_tables[i], NULL, 0, false, &ib), 0);
        for (;;) {
            store_val_t ka, va, kb, vb;
            int ra = store_iter_next(ia, &ka, &va), rb = store_iter_next(ib, &kb, &vb);
            if (ra != rb) fail_msg("table %u: one replica has more keys", i);
            if (ra == 0) break;
            assert_int_equal(ka.len, kb.len);
            assert_memory_equal(ka.data, kb.data, ka.len);
            assert_int_equal(va.len, vb.len);
            if (va.len) assert_memory_equal(va.data, vb.data, va.len);
        }
        store_iter_destroy(&ia);
        store_iter_destroy(&ib);
    }
    store_txn_abort(&ta);
    store_txn_abort(&tb);
}

/* The conflict log must hold exactly one entry per (entity, field, base) that two distinct
 * SETs share: a group, however many SETs it has (N of them once made N(N-1)/2 pairs). */
static void assert_conflicts_exact(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    static uint8_t groups[MAX_RECS * 4][MERGE_CONFLICT_KEY_LEN];
    unsigned expected = 0;
    for (unsigned i = 0; i < n_sets; i++)
        for (unsigned j = i + 1; j < n_sets; j++) {
            const set_op_t *x = &sets[i], *y = &sets[j];
            if (x->entity != y->entity || x->field != y->field || x->has_base != y->has_base) continue;
            if (x->has_base && memcmp(x->base, y->base, VERSION_LEN)) continue;
            if (!memcmp(x->version, y->version, VERSION_LEN)) continue;
            uint8_t key[MERGE_CONFLICT_KEY_LEN];
            make_entity_id(key, x->entity);
            key[ID_LEN] = x->field;
            if (x->has_base) memcpy(key + ID_LEN + 1, x->base, VERSION_LEN);
            else memset(key + ID_LEN + 1, 0, VERSION_LEN);
            store_val_t v;
            if (store_get(t, TBL_CONFLICTS, key, sizeof key, &v) != 0) fail_msg("a concurrent group is missing from the conflict log");
            bool seen = false;
            for (unsigned g = 0; g < expected && !seen; g++) seen = !memcmp(groups[g], key, sizeof key);
            if (!seen) memcpy(groups[expected++], key, sizeof key);
        }
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it), 0);
    unsigned n = 0;
    store_val_t k, v;
    while (store_iter_next(it, &k, &v) == 1) n++;
    store_iter_destroy(&it);
    if (n != expected) fail_msg("conflict log holds %u groups, expected %u", n, expected);
    store_txn_abort(&t);
}

/* Each register holds the value of the greatest version written to it. */
static void assert_lww(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    for (unsigned ent = 0; ent < 2; ent++) {
        uint8_t id[ID_LEN];
        make_entity_id(id, ent);
        for (unsigned f = 0; f <= F_CU_NAME; f++) {
            const uint8_t *best = NULL;
            for (unsigned s = 0; s < n_sets; s++)
                if (sets[s].entity == ent && sets[s].field == f && (!best || memcmp(sets[s].version, best, VERSION_LEN) > 0))
                    best = sets[s].version;
            field_state_t fs;
            int rc = entity_get(t, id, f, &fs);
            if (!best) { assert_int_equal(rc, ACCORD_ENOTFOUND); continue; }
            assert_int_equal(rc, 0);
            assert_memory_equal(fs.version, best, VERSION_LEN);
        }
    }
    store_txn_abort(&t);
}

static void test_random_orders_converge(void **state)
{
    (void)state;
    rng_seed();
    const char *env = getenv("ACCORD_MERGE_CASES");
    unsigned cases = env ? (unsigned)atoi(env) : CASES_DEFAULT;
    char *dirs[REPLICAS];
    store_t *st[REPLICAS];
    for (int r = 0; r < REPLICAS; r++) {
        dirs[r] = tmp_dir();
        assert_int_equal(store_open(dirs[r], STORE_NOSYNC, &st[r]), 0);
    }
    unsigned total_conflicts = 0;
    for (unsigned c = 0; c < cases; c++) {
        gen_case();
        for (int r = 0; r < REPLICAS; r++) apply_shuffled(st[r]);
        for (int r = 1; r < REPLICAS; r++) assert_same_tables(st[0], st[r]);
        assert_conflicts_exact(st[0]);
        assert_lww(st[0]);
        store_txn_t *t;
        assert_int_equal(store_txn_begin(st[0], false, &t), 0);
        store_iter_t *it;
        assert_int_equal(store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it), 0);
        store_val_t k, v;
        while (store_iter_next(it, &k, &v) == 1) total_conflicts++;
        store_iter_destroy(&it);
        store_txn_abort(&t);
    }
    fprintf(stderr, "# %u random cases converged; %u conflicts checked\n", cases, total_conflicts);
    assert_true(total_conflicts > 0); /* the generator must make concurrent edits */
    for (int r = 0; r < REPLICAS; r++) {
        store_close(&st[r]);
        rm_dir(dirs[r]);
    }
}

static void test_kind_mismatch_refused(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    store_t *st;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.hlc = 5;
    rec.author = "x";
    rec.author_len = 1;
    rec.kind = KIND_CUSTOMER;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "A", 1}, false, {0}};
    assert_int_equal(merge_apply(t, &rec), 0);
    rec.kind = KIND_DEAL;
    rec.ops[0].field = F_DE_TITLE;
    assert_int_equal(merge_apply(t, &rec), ACCORD_EPROTO);
    /* a value of the wrong type for the field is refused too */
    rec.kind = KIND_CUSTOMER;
    rec.ops[0] = (record_op_t){F_CU_CONSENT_SMS, OP_SET, {VAL_STR, 0, "yes", 3}, false, {0}};
    assert_int_equal(merge_apply(t, &rec), ACCORD_EPROTO);
    store_txn_abort(&t);
    store_close(&st);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_orders_converge),
        cmocka_unit_test(test_kind_mismatch_refused),
    };
    return cmocka_run_group_tests_name("merge", tests, NULL, NULL);
}
