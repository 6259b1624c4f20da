/* SPDX-License-Identifier: MIT
 * entity_id: the time-ordered ids a node makes (proto/timeid.h) sort in the order they
 * were made, many in one millisecond too; the short form people see (the random part's
 * digits) resolves to its record; the leading digits of an old random id still resolve;
 * text that names more than one record, by either rule, is refused naming them; the
 * index's short id terms are what check derives (deleted records keep theirs).
 * ACCORD_SHORTID_COUNT=100000 measures resolution over that many customers (default 2000). */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "proto/timeid.h"
#include "ops/check.h"
#include "state/entity_id.h"
#include "state/index.h"

#include <ctype.h>
#include <time.h>

static void random_bytes(uint8_t out[8], unsigned seed)
{
    for (unsigned i = 0; i < 8; i++) out[i] = (uint8_t)(seed * 2654435761u >> (i * 3));
}

/* 10,000 ids in one millisecond (past the 4,096 its counter holds), then a clock set back
 * by five seconds, then one moved on: every id sorts after the one before. */
static void test_ids_sort_in_creation_order(void **state)
{
    (void)state;
    timeid_clock_t c = {0, 0};
    uint8_t prev[ID_LEN] = {0}, id[ID_LEN], rnd[8];
    const uint64_t ms = 1764600000123ULL; /* 2025-12-01 */
    for (unsigned i = 0; i < 12000; i++) {
        uint64_t now = i < 10000 ? ms : i < 11000 ? ms - 5000 : ms + 60000;
        random_bytes(rnd, i);
        timeid_make(&c, now, rnd, id);
        assert_true(timeid_is_timed(id));
        assert_int_equal(id[6] >> 4, 7);     /* the version */
        assert_int_equal(id[8] >> 6, 2);     /* the variant */
        assert_memory_equal(id + TIMEID_RANDOM_AT, rnd + 1, TIMEID_RANDOM_LEN);
        if (i) assert_true(memcmp(prev, id, ID_LEN) < 0);
        if (i == 0) assert_int_equal(timeid_ms(id), ms);
        if (i == 4096) assert_int_equal(timeid_ms(id), ms + 1); /* the counter was full */
        if (i == 11000) assert_int_equal(timeid_ms(id), ms + 60000);
        memcpy(prev, id, ID_LEN);
    }
    /* the short form: the random part's digits, or an old id's first digits */
    char hex[33], shown[16];
    crypto_hex(id, ID_LEN, hex);
    timeid_short(id, 12, shown);
    assert_int_equal(strlen(shown), 12);
    assert_memory_equal(shown, hex + 18, 12);
    uint8_t old[ID_LEN];
    memset(old, 0xab, sizeof old); /* version nibble a: not time-ordered */
    assert_false(timeid_is_timed(old));
    timeid_short(old, 8, shown);
    assert_string_equal(shown, "abababab");
    assert_true(timeid_short_hex("ABABABABABABABABABABABABABABABAB", 6, shown, sizeof shown));
    assert_string_equal(shown, "ababab");
    assert_false(timeid_short_hex("abab", 6, shown, sizeof shown));
}

static void create_customer(node_t *n, const char *name, char id[33])
{
    result_t r = {0};
    call(n, &r, "create", "kind", "customer", "name", name, NULL);
    id_of(&r, id);
}

static void unhex(const char *hex, uint8_t id[ID_LEN])
{
    assert_int_equal(crypto_unhex(hex, id, ID_LEN), 0);
}

/* The ids the node makes: time-ordered, in the order of their creates (hundreds of them in
 * a few milliseconds), their milliseconds the node's clock. */
static void test_node_makes_time_ordered_ids(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran-1");
    uint64_t before = hlc_wall_ms();
    char prev[33] = "", id[33];
    for (unsigned i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "Customer %u", i);
        create_customer(&n, name, id);
        uint8_t b[ID_LEN];
        unhex(id, b);
        assert_true(timeid_is_timed(b));
        assert_true(timeid_ms(b) >= before && timeid_ms(b) <= hlc_wall_ms());
        if (i) assert_true(strcmp(prev, id) < 0);
        memcpy(prev, id, sizeof prev);
    }
    node_close(&n);
}

/* A record written by an older node or another peer: any 16 bytes as its id. */
static void write_record_with_id(node_t *n, const uint8_t id[ID_LEN], const char *name)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.entity, id, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.author = "t";
    rec.author_len = 1;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name, strlen(name)}, false, {0}};
    assert_int_equal(oplog_append(n->fx.log, t, &rec), 0);
    assert_int_equal(oplog_seal(n->fx.log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(n->fx.log);
}

static void get_is(node_t *n, const char *typed, const char *want_id)
{
    result_t r = {0};
    call(n, &r, "get", "id", typed, NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "id"), want_id);
    result_done(&r);
}

static int check_passes(node_t *n)
{
    check_report_t rep;
    char *scratch = tmp_dir();
    int rc = check_store(n->fx.st, n->fx.id, scratch, &rep, NULL, NULL);
    rm_dir(scratch);
    if (rc) fail_msg("check: %s (%s)", accord_errname(rc), rep.n_examples ? rep.examples[0] : "");
    return rc;
}

/* The short form the CLI shows (12 digits) and the app shows (8) resolve, in either case,
 * and so does a start of it of 4 digits; the full id too; an old random id by its leading
 * digits, as before; a deleted record keeps its short id; check derives the same index. */
static void test_short_ids_resolve(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran-1");
    char a[33], b[33], shown[16];
    create_customer(&n, "Sara Ahmadi", a);
    create_customer(&n, "Ali Rezaei", b);
    assert_true(timeid_short_hex(a, TIMEID_SHORT_CLI, shown, sizeof shown));
    assert_memory_not_equal(shown, a, 8); /* not the clock's digits */
    get_is(&n, shown, a);
    shown[8] = 0;
    get_is(&n, shown, a);
    for (char *p = shown; *p; p++) *p = (char)toupper((unsigned char)*p);
    get_is(&n, shown, a);
    assert_true(timeid_short_hex(b, 4, shown, sizeof shown));
    get_is(&n, shown, b);
    get_is(&n, b, b);

    uint8_t old[ID_LEN];
    do crypto_random(old, ID_LEN);
    while (timeid_is_timed(old));
    write_record_with_id(&n, old, "Old Random");
    char old_hex[33];
    crypto_hex(old, ID_LEN, old_hex);
    old_hex[6] = 0;
    char full[33];
    crypto_hex(old, ID_LEN, full);
    get_is(&n, old_hex, full);
    old_hex[5] = 0; /* an odd count of digits */
    get_is(&n, old_hex, full);

    result_t r = {0};
    call(&n, &r, "delete", "id", a, NULL);
    ok(&r);
    result_done(&r);
    assert_true(timeid_short_hex(a, TIMEID_SHORT_CLI, shown, sizeof shown));
    get_is(&n, shown, a);
    assert_int_equal(check_passes(&n), 0);
    node_close(&n);
}

/* Two records whose short forms start alike, and an old random id whose leading digits
 * are a new id's short form: refused as ambiguous, naming the records by their short ids;
 * one digit more, where they differ, resolves. */
static void test_ambiguous_text_names_the_records(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran-1");
    timeid_clock_t c = {0, 0};
    uint8_t x[ID_LEN], y[ID_LEN], old[ID_LEN];
    uint8_t rx[8] = {0, 0xc0, 0xff, 0xee, 1, 2, 3, 4}, ry[8] = {0, 0xc0, 0xff, 0xef, 5, 6, 7, 8};
    timeid_make(&c, hlc_wall_ms(), rx, x);
    timeid_make(&c, hlc_wall_ms(), ry, y);
    write_record_with_id(&n, x, "First");
    write_record_with_id(&n, y, "Second");
    result_t r = {0};
    call(&n, &r, "get", "id", "c0ffe", NULL);
    refused(&r, ACCORD_EAMBIGUOUS, "id prefix 'c0ffe' matches more than one record (customer c0ffee010203, customer c0ffef050607)");
    char hx[33], hy[33];
    crypto_hex(x, ID_LEN, hx);
    crypto_hex(y, ID_LEN, hy);
    get_is(&n, "c0ffee", hx);
    get_is(&n, "c0ffef0", hy);

    memset(old, 0, sizeof old);
    old[0] = 0xc0, old[1] = 0xff, old[2] = 0xee, old[3] = 0x99; /* version nibble 0 */
    write_record_with_id(&n, old, "Old");
    call(&n, &r, "get", "id", "c0ffee", NULL);
    refused(&r, ACCORD_EAMBIGUOUS, "customer c0ffee99");
    get_is(&n, "c0ffee0", hx);
    char ho[33];
    crypto_hex(old, ID_LEN, ho);
    get_is(&n, "c0ffee9", ho);

    uint8_t id[ID_LEN], named[2][ID_LEN];
    unsigned count;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n.fx.st, false, &t), 0);
    assert_int_equal(entity_resolve_id_candidates(t, "c0ff", id, named, 2, &count), ACCORD_EAMBIGUOUS);
    assert_int_equal(count, 3); /* two named, and more */
    assert_memory_equal(named[0], old, ID_LEN); /* by its leading digits first */
    assert_int_equal(entity_resolve_id(t, "c0fg", id), ACCORD_EINVAL);
    assert_int_equal(entity_resolve_id(t, "c0f", id), ACCORD_EINVAL);
    assert_int_equal(entity_resolve_id(t, "d00d", id), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    node_close(&n);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Resolution reads only the keys that match: its cost does not grow with the store. Writes
 * count customers, half with time-ordered ids spread over an hour, half with old random
 * ones, then resolves 1,000 of each by 8 digits of their short form, and a 5-digit start of
 * the clock that all the time-ordered ones share. */
static void test_resolution_needs_no_scan(void **state)
{
    (void)state;
    const char *env = getenv("ACCORD_SHORTID_COUNT");
    unsigned count = env ? (unsigned)strtoul(env, NULL, 10) : 2000;
    if (count < 1000) count = 1000;
    node_t n;
    node_open(&n, "tehran-1");
    uint8_t (*ids)[ID_LEN] = calloc(count, ID_LEN);
    assert_non_null(ids);
    timeid_clock_t c = {0, 0};
    uint64_t ms = hlc_wall_ms() - 3600 * 1000; /* an hour's records */
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n.fx.st, true, &t), 0);
    for (unsigned i = 0; i < count; i++) {
        uint8_t rnd[8];
        crypto_random(rnd, sizeof rnd);
        if (i % 2) {
            timeid_make(&c, ms + i * 3600000ULL / count, rnd, ids[i]);
        } else {
            do crypto_random(ids[i], ID_LEN);
            while (timeid_is_timed(ids[i]));
        }
        record_t rec;
        memset(&rec, 0, sizeof rec);
        memcpy(rec.entity, ids[i], ID_LEN);
        rec.kind = KIND_CUSTOMER;
        rec.author = "t";
        rec.author_len = 1;
        rec.n_ops = 1;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "N", 1}, false, {0}};
        assert_int_equal(oplog_append(n.fx.log, t, &rec), 0);
    }
    assert_int_equal(oplog_seal(n.fx.log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(n.fx.log);

    assert_int_equal(store_txn_begin(n.fx.st, false, &t), 0);
    struct timespec t0;
    unsigned resolved[2] = {0, 0}, tried[2] = {0, 0};
    double took[2] = {0, 0};
    for (unsigned i = 0; i < count && tried[0] + tried[1] < 2000; i += count / 1000) {
        for (unsigned j = i; j < i + 2 && j < count; j++) {
            char shown[16];
            uint8_t got[ID_LEN];
            timeid_short(ids[j], 8, shown);
            clock_gettime(CLOCK_MONOTONIC, &t0);
            int rc = entity_resolve_id(t, shown, got);
            took[j % 2] += seconds_since(&t0);
            tried[j % 2]++;
            if (rc == 0) {
                assert_memory_equal(got, ids[j], ID_LEN);
                resolved[j % 2]++;
            } else {
                assert_int_equal(rc, ACCORD_EAMBIGUOUS); /* two share 8 digits: rare */
            }
        }
    }
    assert_true(resolved[0] + 2 >= tried[0] && resolved[1] + 2 >= tried[1]);
    char clock5[6];
    char hex[33];
    crypto_hex(ids[count - 1], ID_LEN, hex);
    memcpy(clock5, hex, 5), clock5[5] = 0;
    uint8_t got[ID_LEN];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(entity_resolve_id(t, clock5, got), ACCORD_EAMBIGUOUS);
    double took_clock = seconds_since(&t0);
    store_txn_abort(&t);
    print_message("%u customers: a short id of a time-ordered id resolves in %.1f us, an old id's leading digits in %.1f us"
                  " (mean of %u and %u); a 5-digit start of the clock shared by many: %.1f us\n",
                  count, 1e6 * took[1] / tried[1], 1e6 * took[0] / tried[0], tried[1], tried[0], 1e6 * took_clock);
    free(ids);
    node_close(&n);
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_sort_in_creation_order),
        cmocka_unit_test(test_node_makes_time_ordered_ids),
        cmocka_unit_test(test_short_ids_resolve),
        cmocka_unit_test(test_ambiguous_text_names_the_records),
        cmocka_unit_test(test_resolution_needs_no_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
