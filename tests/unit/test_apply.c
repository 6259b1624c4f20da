/* SPDX-License-Identifier: MIT
 * apply: another node's signed batches are applied once, in order, and refused with
 * nothing applied when they are damaged, forged, forked or leave a gap. */
#include "helpers.h"
#include "fixture.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "feed/apply.h"
#include "auth/identity.h"
#include "feed/oplog.h"

/* a branch: its store, identity and feed in a temporary directory */
typedef fixture_t node_t;

static void node_open(node_t *n, const char *name)
{
    fixture_open(n, name, "branch");
}

static void node_close(node_t *n)
{
    fixture_close(n);
}

/* count customers, each in its own commit (its own signed checkpoint) */
static void write_customers(node_t *n, unsigned count, const char *prefix)
{
    fixture_write_customers(n, count, prefix, true);
}

/* A batch of n's records first..last, signed by its checkpoint at last. Copies bytes. */
typedef struct {
    uint8_t *bytes[64];
    const uint8_t *recs[64];
    size_t lens[64];
    apply_batch_t b;
} held_batch_t;

static void take_batch(node_t *n, uint64_t first, uint64_t last, held_batch_t *hb)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    memset(hb, 0, sizeof *hb);
    for (uint64_t s = first; s <= last; s++) {
        uint8_t key[ID_LEN + 8];
        memcpy(key, n->id->origin, ID_LEN);
        be64_put(key + ID_LEN, s);
        store_val_t v;
        assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
        unsigned i = (unsigned)(s - first);
        hb->bytes[i] = malloc(v.len);
        memcpy(hb->bytes[i], v.data, v.len);
        hb->recs[i] = hb->bytes[i];
        hb->lens[i] = v.len;
        if (s == last) {
            assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
            memcpy(hb->b.sig, v.data, CRYPTO_SIG_LEN);
        }
    }
    hb->b.recs = hb->recs;
    hb->b.lens = hb->lens;
    hb->b.n = (unsigned)(last - first + 1);
    store_txn_abort(&t);
}

static void free_batch(held_batch_t *hb)
{
    for (unsigned i = 0; i < hb->b.n; i++) free(hb->bytes[i]);
}

/* Applies in its own transaction, committing only on success, as a receiver would. */
static int apply(node_t *to, node_t *from, const uint8_t *pk, held_batch_t *hb, apply_result_t *res)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(to->st, true, &t), 0);
    int rc = apply_batch(t, from->id->origin, pk, &hb->b, NULL, res);
    if (rc) store_txn_abort(&t);
    else assert_int_equal(store_txn_commit(&t), 0);
    return rc;
}

static uint64_t head_of(node_t *n, const uint8_t *origin)
{
    store_txn_t *t;
    uint64_t seq;
    uint8_t hash[32];
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_int_equal(apply_head(t, origin, &seq, hash), 0);
    store_txn_abort(&t);
    return seq;
}

static int count_customers(node_t *n)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    uint8_t kind = KIND_CUSTOMER;
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, TBL_BYKIND, &kind, 1, false, &it), 0);
    int count = 0;
    store_val_t k, v;
    while (store_iter_next(it, &k, &v) == 1) count++;
    store_iter_destroy(&it);
    store_txn_abort(&t);
    return count;
}

static void test_batches_apply_once_and_in_order(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "a");
    node_open(&b, "b");
    write_customers(&a, 8, "Ana");
    held_batch_t hb;
    apply_result_t res;

    take_batch(&a, 1, 4, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    assert_int_equal(res.applied, 4);
    assert_int_equal(head_of(&b, a.id->origin), 4);
    assert_int_equal(count_customers(&b), 4);
    /* the same batch again changes nothing */
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    assert_int_equal(res.applied, 0);
    assert_int_equal(res.held, 4);
    assert_int_equal(head_of(&b, a.id->origin), 4);
    free_batch(&hb);

    /* a gap is refused */
    take_batch(&a, 6, 8, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), ACCORD_EGAP);
    assert_int_equal(res.bad_seq, 5);
    assert_int_equal(head_of(&b, a.id->origin), 4);
    free_batch(&hb);

    /* an overlapping batch applies only what is new */
    take_batch(&a, 3, 8, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    assert_int_equal(res.applied, 4);
    assert_int_equal(res.held, 2);
    assert_int_equal(head_of(&b, a.id->origin), 8);
    assert_int_equal(count_customers(&b), 8);
    free_batch(&hb);

    /* an old batch replayed later applies nothing */
    take_batch(&a, 1, 2, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    assert_int_equal(res.applied, 0);
    assert_int_equal(head_of(&b, a.id->origin), 8);
    free_batch(&hb);

    /* b's copy of a's feed verifies like a's own */
    store_txn_t *t;
    feed_report_t rep;
    assert_int_equal(store_txn_begin(b.st, false, &t), 0);
    assert_int_equal(oplog_verify(t, a.id->origin, a.id->pk, &rep, NULL, NULL), 0);
    assert_int_equal(rep.records, 8);
    store_txn_abort(&t);
    node_close(&a);
    node_close(&b);
}

static void test_damaged_and_forged_batches_are_refused(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b, c;
    node_open(&a, "a");
    node_open(&b, "b");
    node_open(&c, "c");
    write_customers(&a, 4, "Ana");
    held_batch_t hb;
    apply_result_t res;
    take_batch(&a, 1, 4, &hb);

    /* one flipped byte anywhere: refused, nothing applied */
    for (unsigned i = 0; i < 4; i++) {
        for (size_t off = 0; off < hb.lens[i]; off += 5) {
            hb.bytes[i][off] ^= 0x40;
            int rc = apply(&b, &a, a.id->pk, &hb, &res);
            hb.bytes[i][off] ^= 0x40;
            if (rc == 0) fail_msg("flip at record %u byte %zu was applied", i + 1, off);
            assert_int_equal(head_of(&b, a.id->origin), 0);
        }
    }
    assert_int_equal(count_customers(&b), 0);
    /* the signature of another node, or a batch claiming another origin */
    assert_int_equal(apply(&b, &a, c.id->pk, &hb, &res), ACCORD_ESIG);
    hb.b.sig[5] ^= 1;
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), ACCORD_ESIG);
    hb.b.sig[5] ^= 1;
    assert_int_equal(apply(&b, &c, c.id->pk, &hb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "another origin"));
    /* records out of order */
    const uint8_t *r0 = hb.recs[0];
    size_t l0 = hb.lens[0];
    hb.recs[0] = hb.recs[1];
    hb.lens[0] = hb.lens[1];
    assert_int_not_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    hb.recs[0] = r0;
    hb.lens[0] = l0;
    /* untouched, it applies */
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    assert_int_equal(res.applied, 4);
    free_batch(&hb);
    node_close(&a);
    node_close(&b);
    node_close(&c);
}

/* A node restored from an old backup that kept writing under the same key: its new
 * records reuse seqs the others already hold. */
static void test_fork_is_refused(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "a");
    node_open(&b, "b");
    write_customers(&a, 3, "Ana");
    held_batch_t hb;
    apply_result_t res;
    take_batch(&a, 1, 3, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), 0);
    free_batch(&hb);
    /* "restore": a's feed back to record 2, then new, different writes */
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.st, true, &t), 0);
    uint8_t key[ID_LEN + 8], val[8 + 32 + 64];
    memcpy(key, a.id->origin, ID_LEN);
    be64_put(key + ID_LEN, 3);
    assert_int_equal(store_del(t, TBL_FEED, key, sizeof key), 0);
    be64_put(key + ID_LEN, 2);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
    be64_put(val, 2);
    crypto_record_hash(v.data, v.len, val + 8);
    assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
    memcpy(val + 40, v.data, 64);
    assert_int_equal(store_put(t, TBL_HEADS, a.id->origin, ID_LEN, val, sizeof val), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_destroy(&a.log);
    assert_int_equal(oplog_open(a.st, a.id, &a.log), 0);
    write_customers(&a, 2, "Forked");
    take_batch(&a, 3, 4, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), ACCORD_EFORK);
    assert_int_equal(res.bad_seq, 3);
    assert_int_equal(head_of(&b, a.id->origin), 3);
    free_batch(&hb);
    /* only the forked record beyond what b holds: it does not follow b's record 3 */
    take_batch(&a, 4, 4, &hb);
    assert_int_equal(apply(&b, &a, a.id->pk, &hb, &res), ACCORD_EFORK);
    free_batch(&hb);
    assert_int_equal(count_customers(&b), 3);
    node_close(&a);
    node_close(&b);
}

/* A record that names an entity an earlier record of the same batch made with another
 * kind is refused before anything of the batch is written: the transaction it was checked
 * in stays as it was and can still commit what came before (no nested transactions). */
static void test_kind_clash_inside_a_batch_is_refused_before_writing(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "a");
    node_open(&b, "b");
    write_customers(&a, 2, "Ana");
    uint8_t entity[ID_LEN];
    memset(entity, 0x5a, sizeof entity);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.author = "t";
    rec.author_len = 1;
    rec.n_ops = 1;
    memcpy(rec.entity, entity, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Bea", 3}, false, {0}};
    assert_int_equal(oplog_append(a.log, t, &rec), 0);
    /* a node that does not check kinds (a bug or a forgery) then writes it as a deal */
    assert_int_equal(store_del(t, TBL_ENTITIES, entity, ID_LEN), 0);
    rec.kind = KIND_DEAL;
    rec.ops[0] = (record_op_t){F_DE_TITLE, OP_SET, {VAL_STR, 0, "Van", 3}, false, {0}};
    assert_int_equal(oplog_append(a.log, t, &rec), 0);
    assert_int_equal(oplog_seal(a.log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(a.log);

    held_batch_t first, clash;
    take_batch(&a, 1, 2, &first);
    take_batch(&a, 3, 4, &clash);
    apply_result_t res;
    assert_int_equal(store_txn_begin(b.st, true, &t), 0);
    assert_int_equal(apply_batch(t, a.id->origin, a.id->pk, &first.b, NULL, &res), 0);
    assert_int_equal(apply_batch(t, a.id->origin, a.id->pk, &clash.b, NULL, &res), ACCORD_EPROTO);
    assert_int_equal(res.bad_seq, 4);
    assert_non_null(strstr(res.why, "another kind"));
    assert_int_equal(store_txn_commit(&t), 0); /* the first batch stands, nothing of the second */
    assert_int_equal(head_of(&b, a.id->origin), 2);
    assert_int_equal(count_customers(&b), 2);
    assert_int_equal(store_txn_begin(b.st, false, &t), 0);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_ENTITIES, entity, ID_LEN, &v), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    free_batch(&first);
    free_batch(&clash);
    node_close(&a);
    node_close(&b);
}

/* A store error while a batch is only checked (here a damaged row of the entity it names)
 * refuses that batch with nothing written and does not spoil the transaction: the batches
 * before it in the group commit (res.spoilt stays false; only a failed write sets it). */
static void test_a_read_error_while_checking_spoils_nothing(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "a");
    node_open(&b, "b");
    write_customers(&a, 3, "Ana");
    held_batch_t first, second;
    take_batch(&a, 1, 2, &first);
    take_batch(&a, 3, 3, &second);
    record_t rec;
    assert_int_equal(record_decode(second.recs[0], second.lens[0], &rec), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(b.st, true, &t), 0);
    assert_int_equal(store_put(t, TBL_ENTITIES, rec.entity, ID_LEN, "\x09", 1), 0); /* not a row */
    assert_int_equal(store_txn_commit(&t), 0);
    apply_result_t res;
    assert_int_equal(store_txn_begin(b.st, true, &t), 0);
    assert_int_equal(apply_batch(t, a.id->origin, a.id->pk, &first.b, NULL, &res), 0);
    assert_false(res.spoilt);
    assert_int_equal(apply_batch(t, a.id->origin, a.id->pk, &second.b, NULL, &res), ACCORD_ESTORE);
    assert_false(res.spoilt);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(head_of(&b, a.id->origin), 2);
    free_batch(&first);
    free_batch(&second);
    node_close(&a);
    node_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_apply_once_and_in_order),
        cmocka_unit_test(test_damaged_and_forged_batches_are_refused),
        cmocka_unit_test(test_fork_is_refused),
        cmocka_unit_test(test_kind_clash_inside_a_batch_is_refused_before_writing),
        cmocka_unit_test(test_a_read_error_while_checking_spoils_nothing),
    };
    return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
