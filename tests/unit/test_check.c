/* SPDX-License-Identifier: MIT
 * check: the stored state is compared with the state the feeds give; a damaged index or
 * field is found and repaired, and so is a wrong kept state digest; a damaged feed stops
 * the repair. */
#include "helpers.h"
#include "fixture.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "ops/check.h"
#include "state/index.h"
#include "state/kpi.h"

/* a branch: its store, identity and feed in a temporary directory */
typedef fixture_t node_t;

static int setup(void **state)
{
    node_t *n = fixture_new("b", "branch");
    static const char *const names[] = {"Ali Rezaei", "王小明", "Anna Müller", "Sara Ahmadi"};
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    for (unsigned i = 0; i < 4; i++) {
        record_t rec;
        memset(&rec, 0, sizeof rec);
        crypto_random(rec.entity, ID_LEN);
        rec.kind = KIND_CUSTOMER;
        rec.author = "t";
        rec.author_len = 1;
        char phone[32];
        snprintf(phone, sizeof phone, "+9891255500%02u", i);
        rec.n_ops = 3;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, names[i], strlen(names[i])}, false, {0}};
        rec.ops[1] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, phone, strlen(phone)}, false, {0}};
        rec.ops[2] = (record_op_t){F_CU_TAGS, OP_ADD, {VAL_STR, 0, "vip", 3}, false, {0}};
        assert_int_equal(oplog_append(n->log, t, &rec), 0);
    }
    assert_int_equal(oplog_seal(n->log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(n->log);
    *state = n;
    return 0;
}


static int run_check(node_t *n, check_report_t *rep)
{
    char *scratch = tmp_dir();
    int rc = check_store(n->st, n->id, scratch, rep, NULL, NULL);
    rm_dir(scratch);
    return rc;
}

/* Applies fn to the first key of a table, in its own transaction. */
static void damage(node_t *n, store_table_t tbl, int how)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, tbl, NULL, 0, false, &it), 0);
    store_val_t k, v;
    assert_int_equal(store_iter_next(it, &k, &v), 1);
    uint8_t key[512], val[4096];
    size_t klen = k.len, vlen = v.len;
    memcpy(key, k.data, klen);
    memcpy(val, v.data, vlen);
    store_iter_destroy(&it);
    if (how == 0) {
        assert_int_equal(store_del(t, tbl, key, klen), 0);
    } else if (how == 1) {
        val[vlen - 1] ^= 1;
        assert_int_equal(store_put(t, tbl, key, klen, val, vlen), 0);
    } else {
        key[klen - 1] ^= 1;
        assert_int_equal(store_put(t, tbl, key, klen, val, vlen), 0);
    }
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_sound_store_checks_clean(void **state)
{
    node_t *n = *state;
    check_report_t rep;
    assert_int_equal(run_check(n, &rep), 0);
    assert_int_equal(rep.feeds, 1);
    assert_int_equal(rep.records, 4);
    assert_int_equal(rep.missing + rep.extra + rep.differ, 0);
    assert_false(rep.digest_unkept);
    assert_int_equal(rep.digest_buckets_differ + rep.digest_records_differ, 0);
}

/* The counters are derived again in the store's report zone, not in UTC: a customer made at
 * 22:00 UTC on 2026-12-01 is one of 2 December's in Tehran (report_test failed each evening
 * from 20:30 UTC). */
static void test_counters_are_checked_in_the_stores_zone(void **state)
{
    node_t *n = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    crypto_random(rec.entity, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.author = "t";
    rec.author_len = 1;
    static const char created[] = "2026-12-01T22:00:00Z";
    rec.n_ops = 2;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Late Customer", 13}, false, {0}};
    rec.ops[1] = (record_op_t){F_CREATED, OP_SET, {VAL_STR, 0, created, sizeof created - 1}, false, {0}};
    assert_int_equal(oplog_append(n->log, t, &rec), 0);
    assert_int_equal(oplog_seal(n->log, t), 0);
    assert_int_equal(kpi_rebuild(t, "Asia/Tehran"), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(n->log);
    check_report_t rep;
    int rc = run_check(n, &rep);
    for (unsigned i = 0; i < rep.n_examples; i++) fprintf(stderr, "# %s\n", rep.examples[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(rep.missing + rep.extra + rep.differ, 0);
}

static void test_damaged_index_is_found_and_repaired(void **state)
{
    node_t *n = *state;
    check_report_t rep;
    damage(n, TBL_INDEX, 0);  /* a lost index entry */
    damage(n, TBL_ENTITIES, 1); /* a changed row */
    damage(n, TBL_BYKIND, 2); /* a stray key beside the real one */
    assert_int_equal(run_check(n, &rep), ACCORD_ESTORE);
    assert_int_equal(rep.missing, 1); /* the lost index entry */
    assert_int_equal(rep.extra, 1);
    assert_int_equal(rep.differ, 1);
    assert_true(rep.n_examples >= 3);
    assert_non_null(strstr(rep.examples[0], "entities") ? rep.examples[0] : strstr(rep.examples[1], "entities") ? rep.examples[1] : strstr(rep.examples[2], "entities"));
    assert_int_equal(check_repair(n->st, n->id, &rep, NULL, NULL), 0);
    assert_int_equal(rep.records, 4);
    assert_int_equal(run_check(n, &rep), 0);
    /* and search finds every customer again */
    store_txn_t *t;
    uint8_t out[10][ID_LEN];
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_int_equal(index_search(t, KIND_CUSTOMER, SEARCH_TAG, "vip", out, 10, NULL), 4);
    assert_int_equal(index_search(t, KIND_CUSTOMER, SEARCH_PHONE, "5550002", out, 10, NULL), 1);
    store_txn_abort(&t);
}

static void test_damaged_feed_stops_the_repair(void **state)
{
    node_t *n = *state;
    check_report_t rep;
    damage(n, TBL_INDEX, 0);
    damage(n, TBL_FEED, 1);
    int rc = run_check(n, &rep);
    assert_true(rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO);
    assert_int_equal(rep.feeds_bad, 1);
    rc = check_repair(n->st, n->id, &rep, NULL, NULL);
    assert_true(rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO);
    damage(n, TBL_FEED, 1); /* put the byte back: the missing index entry is still missing */
    assert_int_equal(run_check(n, &rep), ACCORD_ESTORE);
    assert_int_equal(rep.missing, 1);
}


/* The report counters of an older version (no new-customer shares, "kpi-version" 1) are
 * not compared, and check says so: they would all show as missing until the node's start
 * rebuilds them. A repair makes them this version's. */
static void test_counters_of_an_older_version_are_not_compared(void **state)
{
    node_t *n = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    uint8_t key[KPI_KEY_MAX];
    size_t klen;
    do { /* the new customers with a phone: one key per day created */
        store_iter_t *it;
        store_val_t k, v;
        uint8_t m = KPI_NEW_WITH_PHONE;
        assert_int_equal(store_iter_new(t, TBL_KPI, &m, 1, false, &it), 0);
        klen = store_iter_next(it, &k, &v) == 1 ? k.len : 0;
        if (klen) memcpy(key, k.data, klen);
        store_iter_destroy(&it);
        if (klen) assert_int_equal(store_del(t, TBL_KPI, key, klen), 0);
    } while (klen);
    assert_int_equal(store_put(t, TBL_META, "kpi-version", 11, "1", 1), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    check_report_t rep;
    assert_int_equal(run_check(n, &rep), 0);
    assert_true(rep.kpi_stale);
    assert_int_equal(rep.missing + rep.extra + rep.differ, 0);
    assert_int_equal(check_repair(n->st, n->id, &rep, NULL, NULL), 0);
    assert_int_equal(run_check(n, &rep), 0);
    assert_false(rep.kpi_stale);
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_true(kpi_current(t));
    store_txn_abort(&t);
    /* and a counter of this version that is wrong is found as before */
    damage(n, TBL_KPI, 1);
    assert_int_equal(run_check(n, &rep), ACCORD_ESTORE);
    assert_int_equal(rep.differ, 1);
}

/* The same for an index an older version built (no ORDER terms, no version): not
 * compared, said so, rebuilt by --repair, which notes the version. */
static void test_an_index_of_an_older_version_is_not_compared(void **state)
{
    node_t *n = *state;
    store_txn_t *t;
    uint8_t order = IDX_ORDER;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    assert_int_equal(store_del_prefix(t, TBL_INDEX, &order, 1, NULL), 0);
    assert_int_equal(store_del(t, TBL_META, "index-version", 13), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    check_report_t rep;
    assert_int_equal(run_check(n, &rep), 0);
    assert_true(rep.index_stale);
    assert_int_equal(rep.missing + rep.extra + rep.differ, 0);
    assert_int_equal(check_repair(n->st, n->id, &rep, NULL, NULL), 0);
    assert_int_equal(run_check(n, &rep), 0);
    assert_false(rep.index_stale);
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_true(index_current(t));
    store_txn_abort(&t);
    uint64_t rebuilt;
    assert_int_equal(index_upgrade(n->st, &rebuilt), 0); /* the repair noted it: the next start does nothing */
    assert_int_equal(rebuilt, UINT64_MAX);
    damage(n, TBL_INDEX, 0); /* and a missing term of this version is found as before */
    assert_int_equal(run_check(n, &rep), ACCORD_ESTORE);
}

/* The state digest the store keeps (state/digest.h) is compared with the stored state: a
 * wrong bucket sum and a wrong record digest (which would make the next change's sum
 * wrong) are found, and the repair computes them again. */
static void test_a_wrong_kept_digest_is_found_and_repaired(void **state)
{
    node_t *n = *state;
    damage(n, TBL_DIGESTS, 1); /* the first key: a record's digest ('E' entity) */
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    store_iter_t *it;
    store_val_t k, v;
    uint8_t sum_key = 'S', key[2], val[40];
    assert_int_equal(store_iter_new(t, TBL_DIGESTS, &sum_key, 1, false, &it), 0);
    do assert_int_equal(store_iter_next(it, &k, &v), 1);
    while (v.len != sizeof val || !((const uint8_t *)v.data)[39]); /* a bucket that counts a record */
    memcpy(key, k.data, sizeof key);
    memcpy(val, v.data, sizeof val);
    store_iter_destroy(&it);
    val[0] ^= 1;
    assert_int_equal(store_put(t, TBL_DIGESTS, key, sizeof key, val, sizeof val), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    check_report_t rep;
    assert_int_equal(run_check(n, &rep), ACCORD_ESTORE);
    assert_int_equal(rep.missing + rep.extra + rep.differ, 0);
    assert_int_equal(rep.digest_buckets_differ, 1);
    assert_int_equal(rep.digest_records_differ, 1);
    assert_int_equal(rep.n_examples, 1);
    assert_non_null(strstr(rep.examples[0], "digests: the kept state digest is not the stored state's"));
    assert_int_equal(check_repair(n->st, n->id, &rep, NULL, NULL), 0);
    assert_int_equal(run_check(n, &rep), 0);
    assert_int_equal(rep.digest_buckets_differ + rep.digest_records_differ, 0);
}

/* A store that keeps no digest yet (an older version's) is not refused: check says so. */
static void test_a_store_keeping_no_digest_is_not_compared(void **state)
{
    node_t *n = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    assert_int_equal(store_clear_table(t, TBL_DIGESTS), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    check_report_t rep;
    assert_int_equal(run_check(n, &rep), 0);
    assert_true(rep.digest_unkept);
    assert_int_equal(check_repair(n->st, n->id, &rep, NULL, NULL), 0); /* which computes it */
    assert_int_equal(run_check(n, &rep), 0);
    assert_false(rep.digest_unkept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sound_store_checks_clean, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_counters_are_checked_in_the_stores_zone, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_index_is_found_and_repaired, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_feed_stops_the_repair, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_counters_of_an_older_version_are_not_compared, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_an_index_of_an_older_version_is_not_compared, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_wrong_kept_digest_is_found_and_repaired, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_store_keeping_no_digest_is_not_compared, setup, fixture_teardown),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
