/* SPDX-License-Identifier: MIT
 * oplog and index: a node's feed is chained and signed, a changed byte anywhere is found
 * with its seq, and search finds what staff type in any script or formatting. */
#include "helpers.h"
#include "fixture.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "auth/identity.h"
#include "state/index.h"
#include "feed/oplog.h"
#include "state/textnorm.h"

/* a branch: its store, identity and feed in a temporary directory */
typedef fixture_t node_t;

static int node_setup(void **state)
{
    *state = fixture_new("test-branch", "branch");
    return 0;
}

/* Writes one customer per transaction (one signed checkpoint each) or several per txn. */
static void add_customers(node_t *n, const char *const *names, unsigned count, unsigned per_txn, uint8_t (*ids)[ID_LEN])
{
    for (unsigned i = 0; i < count;) {
        store_txn_t *t;
        assert_int_equal(store_txn_begin(n->st, true, &t), 0);
        for (unsigned j = 0; j < per_txn && i < count; j++, i++) {
            record_t rec;
            memset(&rec, 0, sizeof rec);
            crypto_random(rec.entity, ID_LEN);
            if (ids) memcpy(ids[i], rec.entity, ID_LEN);
            rec.kind = KIND_CUSTOMER;
            rec.author = "t";
            rec.author_len = 1;
            rec.n_ops = 2;
            rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, names[i], strlen(names[i])}, false, {0}};
            char phone[32];
            snprintf(phone, sizeof phone, "+98912555%04u", i);
            rec.ops[1] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, phone, strlen(phone)}, false, {0}};
            assert_int_equal(oplog_append(n->log, t, &rec), 0);
        }
        assert_int_equal(oplog_seal(n->log, t), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        oplog_commit_done(n->log);
    }
}

static int verify(node_t *n, feed_report_t *rep)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    int rc = oplog_verify(t, n->id->origin, n->id->pk, rep, NULL, NULL);
    store_txn_abort(&t);
    return rc;
}

/* Flips one bit of record seq (at byte offset off) directly in the store. */
static void flip(node_t *n, uint64_t seq, size_t off)
{
    uint8_t key[ID_LEN + 8], buf[RECORD_MAX_BYTES];
    memcpy(key, n->id->origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
    store_txn_t *t;
    store_val_t v;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
    memcpy(buf, v.data, v.len);
    buf[off % v.len] ^= 0x01;
    assert_int_equal(store_put(t, TBL_FEED, key, sizeof key, buf, v.len), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static const char *const names20[] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9",
                                      "b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"};

static void test_feed_sound(void **state)
{
    node_t *n = *state;
    feed_report_t rep;
    assert_int_equal(verify(n, &rep), 0); /* empty feed */
    add_customers(n, names20, 20, 3, NULL);
    assert_int_equal(verify(n, &rep), 0);
    assert_int_equal(rep.records, 20);
    assert_int_equal(rep.head_seq, 20);
    assert_int_equal(rep.checkpoints, 7); /* ceil(20 / 3) commits */
    assert_int_equal(oplog_head(n->log).seq, 20);
}

static void test_every_flipped_byte_is_found_with_its_seq(void **state)
{
    node_t *n = *state;
    add_customers(n, names20, 20, 4, NULL);
    for (uint64_t seq = 1; seq <= 20; seq += 3) {
        for (size_t off = 0; off < 120; off += 7) {
            flip(n, seq, off);
            feed_report_t rep;
            int rc = verify(n, &rep);
            assert_int_not_equal(rc, 0);
            if (rep.bad_seq != seq) fail_msg("flip in record %llu at %zu reported at %llu: %s", (unsigned long long)seq, off,
                                             (unsigned long long)rep.bad_seq, rep.why);
            store_txn_t *t;
            assert_int_equal(store_txn_begin(n->st, false, &t), 0);
            assert_int_not_equal(oplog_prove(t, n->id->origin, n->id->pk, seq), 0);
            store_txn_abort(&t);
            flip(n, seq, off); /* flip back */
            assert_int_equal(verify(n, &rep), 0);
        }
    }
}

static void test_prove_and_other_key(void **state)
{
    node_t *n = *state;
    add_customers(n, names20, 5, 5, NULL);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    for (uint64_t s = 1; s <= 5; s++) assert_int_equal(oplog_prove(t, n->id->origin, n->id->pk, s), 0);
    assert_int_equal(oplog_prove(t, n->id->origin, n->id->pk, 6), ACCORD_ENOTFOUND);
    uint8_t other_pk[32], other_sk[64];
    crypto_keypair(other_pk, other_sk);
    assert_int_equal(oplog_prove(t, n->id->origin, other_pk, 1), ACCORD_ESIG);
    feed_report_t rep;
    assert_int_equal(oplog_verify(t, n->id->origin, other_pk, &rep, NULL, NULL), ACCORD_ESIG);
    store_txn_abort(&t);
}

static void test_rollback_reuses_seq(void **state)
{
    node_t *n = *state;
    add_customers(n, names20, 2, 1, NULL);
    feed_head_t mark = oplog_mark(n->log);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = KIND_CUSTOMER;
    rec.author = "t";
    rec.author_len = 1;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "gone", 4}, false, {0}};
    assert_int_equal(oplog_append(n->log, t, &rec), 0);
    store_txn_abort(&t);
    oplog_rollback(n->log, mark);
    add_customers(n, names20, 1, 1, NULL);
    feed_report_t rep;
    assert_int_equal(verify(n, &rep), 0);
    assert_int_equal(rep.records, 3);
}

static int search(node_t *n, search_by_t by, const char *q, uint8_t (*out)[ID_LEN])
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    int found = index_search(t, KIND_CUSTOMER, by, q, out, 10, NULL);
    store_txn_abort(&t);
    return found;
}

/* A name that grows 18-fold when decomposed (U+FDFA) must fold to a bounded prefix. */
static void test_fold_of_expanding_text_is_bounded(void **state)
{
    (void)state;
    char name[3 * 66 + 1] = "", folded[TEXTNORM_MAX + 1];
    for (int i = 0; i < 66; i++) strcat(name, "\xef\xb7\xba");
    size_t n = textnorm_fold(name, strlen(name), folded);
    assert_true(n > 0 && n <= TEXTNORM_MAX);
    char big[4096];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    n = textnorm_fold(big, strlen(big), folded);
    assert_true(n > TEXTNORM_MAX / 2 && n <= TEXTNORM_MAX);
}

static void test_search(void **state)
{
    node_t *n = *state;
    static const char *const names[] = {"علي رضايي", "王小明", "Anna Müller", "می‌خواهم كريم", "Ali Reza", "山田太郎"};
    uint8_t ids[6][ID_LEN], out[10][ID_LEN];
    add_customers(n, names, 6, 2, ids);
    assert_int_equal(search(n, SEARCH_NAME, "علی", out), 1); /* Persian yeh finds Arabic yeh */
    assert_memory_equal(out[0], ids[0], ID_LEN);
    assert_int_equal(search(n, SEARCH_NAME, "رضايی", out), 1);
    assert_int_equal(search(n, SEARCH_NAME, "کریم", out), 1); /* keheh finds kaf */
    assert_memory_equal(out[0], ids[3], ID_LEN);
    assert_int_equal(search(n, SEARCH_NAME, "میخواهم", out), 1); /* ZWNJ ignored */
    assert_int_equal(search(n, SEARCH_NAME, "小明", out), 1);      /* CJK substring */
    assert_memory_equal(out[0], ids[1], ID_LEN);
    assert_int_equal(search(n, SEARCH_NAME, "明", out), 1);
    assert_int_equal(search(n, SEARCH_NAME, "田太", out), 1);
    assert_int_equal(search(n, SEARCH_NAME, "明王", out), 0); /* not a substring */
    assert_int_equal(search(n, SEARCH_NAME, "MULLER", out), 1); /* case and accents folded */
    assert_int_equal(search(n, SEARCH_NAME, "ali", out), 1);
    assert_memory_equal(out[0], ids[4], ID_LEN);
    assert_int_equal(search(n, SEARCH_NAME, "an mü", out), 1);
    assert_int_equal(search(n, SEARCH_PHONE, "555 0003", out), 1); /* suffix, any formatting */
    assert_memory_equal(out[0], ids[3], ID_LEN);
    assert_int_equal(search(n, SEARCH_PHONE, "۰۰۰۵", out), 1); /* Persian digits */
    assert_int_equal(search(n, SEARCH_PHONE, "12", out), ACCORD_EINVAL);
    assert_int_equal(search(n, SEARCH_AUTO, "+98 912 555 0001", out), 1);
    assert_memory_equal(out[0], ids[1], ID_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_feed_sound, node_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_every_flipped_byte_is_found_with_its_seq, node_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_prove_and_other_key, node_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_reuses_seq, node_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_search, node_setup, fixture_teardown),
        cmocka_unit_test(test_fold_of_expanding_text_is_bounded),
    };
    return cmocka_run_group_tests_name("feed", tests, NULL, NULL);
}
