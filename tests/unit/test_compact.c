/* SPDX-License-Identifier: MIT
 * compact: behind the horizon a deleted customer becomes a grave and the feed is cut at a
 * checkpoint; the digest does not move, the feed still verifies from its signed base, check
 * re-derives the state from the snapshot, a late change cannot bring a graved customer
 * back, running it again changes nothing, and a snapshot that was altered or cut short is
 * refused. */
#include "helpers.h"
#include "fixture.h"
#include "proto/datadir.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "proto/snapshot.h"
#include "proto/hlc.h"
#include "proto/timeid.h"
#include "ops/check.h"
#include "ops/compact.h"
#include "state/digest.h"
#include "state/entity.h"
#include "state/merge.h"

typedef struct {
    fixture_t fx; /* the hub: its store, identity and feed in a temporary directory */
    char snap[160];
    uint8_t ids[4][ID_LEN];
} node_t;

/* One record of this node's own feed in its own commit, so each ends at a checkpoint. */
static void commit_record(node_t *n, record_t *rec)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    assert_int_equal(oplog_append(n->fx.log, t, rec), 0);
    assert_int_equal(oplog_seal(n->fx.log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(n->fx.log);
}

static void customer_record(record_t *rec, const uint8_t id[ID_LEN], const char *name)
{
    memset(rec, 0, sizeof *rec);
    memcpy(rec->entity, id, ID_LEN);
    rec->kind = KIND_CUSTOMER;
    rec->author = "t";
    rec->author_len = 1;
    rec->n_ops = 1;
    rec->ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name, strlen(name)}, false, {0}};
}

static void delete_customer(node_t *n, const uint8_t id[ID_LEN])
{
    record_t rec;
    customer_record(&rec, id, "x");
    rec.ops[0] = (record_op_t){F_DELETED, OP_SET, {VAL_BOOL, 1, NULL, 0}, false, {0}};
    commit_record(n, &rec);
}

static int setup(void **state)
{
    node_t *n = calloc(1, sizeof *n);
    crypto_init();
    fixture_open(&n->fx, "hq", "hub");
    datadir_path(n->fx.path, DATADIR_SNAPSHOT, n->snap, sizeof n->snap);
    static const char *const names[] = {"Ali Rezaei", "王小明", "Anna Müller", "Sara Ahmadi"};
    timeid_clock_t clock = {0, 0};
    for (unsigned i = 0; i < 4; i++) {
        record_t rec;
        uint8_t rnd[8];
        crypto_random(rnd, sizeof rnd);
        if (i < 2) timeid_make(&clock, hlc_wall_ms(), rnd, n->ids[i]); /* as nodes make ids now */
        else crypto_random(n->ids[i], ID_LEN);                         /* as they made them before */
        customer_record(&rec, n->ids[i], names[i]);
        commit_record(n, &rec);
    }
    delete_customer(n, n->ids[1]); /* seq 5 */
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    node_t *n = *state;
    fixture_close(&n->fx);
    free(n);
    return 0;
}

static void state_digest(node_t *n, uint8_t out[32])
{
    store_txn_t *t;
    state_digest_t d;
    assert_int_equal(store_txn_begin(n->fx.st, false, &t), 0);
    assert_int_equal(digest_state(t, &d), 0);
    store_txn_abort(&t);
    memcpy(out, d.state, 32);
}

/* With no roster this node is the only one: everything it holds is behind the horizon. */
static int compact(node_t *n, bool dry_run, compact_report_t *rep)
{
    store_txn_t *t;
    horizon_t h;
    assert_int_equal(store_txn_begin(n->fx.st, false, &t), 0);
    assert_int_equal(horizon_compute(t, n->fx.id->origin, &h), 0);
    store_txn_abort(&t);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.feeds[0].seq, h.feeds[0].head);
    int rc = compact_run(n->fx.st, n->fx.id, &h, dry_run, n->snap, rep, NULL, NULL);
    horizon_free(&h);
    snapshot_info_free(&rep->snapshot);
    return rc;
}

static int run_check(node_t *n, check_report_t *rep)
{
    char *scratch = tmp_dir();
    int rc = check_store(n->fx.st, n->fx.id, scratch, rep, NULL, NULL);
    rm_dir(scratch);
    return rc;
}

static bool has_row(node_t *n, store_table_t tbl, const uint8_t id[ID_LEN])
{
    store_txn_t *t;
    store_val_t v;
    assert_int_equal(store_txn_begin(n->fx.st, false, &t), 0);
    bool found = store_get(t, tbl, id, ID_LEN, &v) == 0;
    store_txn_abort(&t);
    return found;
}

static void test_dry_run_changes_nothing(void **state)
{
    node_t *n = *state;
    compact_report_t rep;
    uint8_t before[32], after[32];
    state_digest(n, before);
    assert_int_equal(compact(n, true, &rep), 0);
    assert_int_equal(rep.entities, 1);
    assert_int_equal(rep.records, 5);
    assert_true(has_row(n, TBL_ENTITIES, n->ids[1]));
    assert_false(has_row(n, TBL_BASES, n->fx.id->origin));
    state_digest(n, after);
    assert_memory_equal(before, after, 32);
}

static void test_compaction_keeps_state_and_proofs(void **state)
{
    node_t *n = *state;
    compact_report_t rep;
    uint8_t before[32], after[32];
    state_digest(n, before);
    assert_int_equal(compact(n, false, &rep), 0);
    assert_int_equal(rep.entities, 1);
    assert_int_equal(rep.records, 5);
    assert_int_equal(rep.checkpoints, 5);
    assert_int_equal(rep.history, 3); /* the graved customer's two went with it (rows) */
    assert_int_equal(rep.feeds_cut, 1);
    assert_true(rep.free_after > rep.free_before);
    state_digest(n, after);
    assert_memory_equal(before, after, 32);
    assert_true(has_row(n, TBL_GRAVES, n->ids[1]));
    assert_false(has_row(n, TBL_ENTITIES, n->ids[1]));
    assert_true(has_row(n, TBL_ENTITIES, n->ids[0]));
    /* running it again finds nothing more (as after a cut-short run it finishes the job) */
    assert_int_equal(compact(n, false, &rep), 0);
    assert_int_equal(rep.entities + rep.records + rep.feeds_cut, 0);

    /* the feed goes on from its base, and still verifies end to end */
    record_t rec;
    customer_record(&rec, n->ids[0], "Ali Rezaei-Tehrani");
    commit_record(n, &rec);
    store_txn_t *t;
    feed_report_t fr;
    assert_int_equal(store_txn_begin(n->fx.st, false, &t), 0);
    assert_int_equal(oplog_verify(t, n->fx.id->origin, n->fx.id->pk, &fr, NULL, NULL), 0);
    store_txn_abort(&t);
    assert_int_equal(fr.base_seq, 5);
    assert_int_equal(fr.records, 1);
    assert_int_equal(fr.head_seq, 6);

    /* check re-derives the state from the snapshot plus record 6, and so does repair */
    check_report_t cr;
    assert_int_equal(run_check(n, &cr), 0);
    assert_true(cr.snapshot_rows > 0);
    assert_int_equal(cr.records, 1);
    assert_int_equal(check_repair(n->fx.st, n->fx.id, &cr, NULL, NULL), 0);
    assert_int_equal(run_check(n, &cr), 0);
}

static void test_late_change_cannot_revive_a_grave(void **state)
{
    node_t *n = *state;
    compact_report_t rep;
    assert_int_equal(compact(n, false, &rep), 0);
    uint8_t before[32], after[32];
    state_digest(n, before);
    /* a change another node made before it saw the delete, arriving now */
    record_t rec;
    customer_record(&rec, n->ids[1], "Back From The Dead");
    memset(rec.origin, 0x42, ID_LEN);
    rec.seq = 1;
    rec.hlc = 1;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    assert_int_equal(merge_apply(t, &rec), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_false(has_row(n, TBL_ENTITIES, n->ids[1]));
    state_digest(n, after);
    assert_memory_equal(before, after, 32);
}

static void flip_and_load(node_t *n, long at, bool cut, int want)
{
    FILE *f = fopen(n->snap, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(len > 100 && len < sizeof buf);
    if (cut) len = (size_t)at;
    else buf[at] ^= 0x01;
    char bad[200];
    snprintf(bad, sizeof bad, "%s.bad", n->snap);
    f = fopen(bad, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    f = fopen(bad, "rb");
    int rc = snapshot_verify_file(f);
    fclose(f);
    if (want) assert_int_equal(rc, want);
    else assert_int_not_equal(rc, 0); /* inside the head: malformed, or another signer */
    /* and the loader, which decodes as it goes, refuses it by its end at the latest */
    store_txn_t *t;
    snapshot_info_t info;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    assert_int_not_equal(snapshot_load_state(t, bad, &info), 0);
    assert_non_null(strstr(info.why, ".bad"));
    store_txn_abort(&t);
    snapshot_info_free(&info);
}

static void test_altered_or_cut_snapshot_is_refused(void **state)
{
    node_t *n = *state;
    compact_report_t rep;
    assert_int_equal(compact(n, false, &rep), 0);
    FILE *f = fopen(n->snap, "rb");
    assert_int_equal(snapshot_verify_file(f), 0);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    for (long at = 8; at < size; at += 37) flip_and_load(n, at, false, at < 64 ? 0 : ACCORD_ESIG);
    flip_and_load(n, size - 10, true, 0);
}


/* A customer edited many times has a row (entity.h) larger than a snapshot's ROW value may
 * be (SNAPSHOT_MAX_VALUE): its sibling log holds one entry per SET. Compaction's snapshot
 * still carries it, and check re-derives the state from that snapshot. */
static void test_snapshot_carries_a_row_larger_than_a_frame(void **state)
{
    node_t *n = *state;
    char name[32];
    unsigned edits = SNAPSHOT_MAX_VALUE / 54 + 200; /* a sibling entry: tag, lengths, field, base, version */
    for (unsigned i = 0; i < edits; i++) {
        record_t rec;
        snprintf(name, sizeof name, "Ali Rezaei %u", i);
        customer_record(&rec, n->ids[0], name);
        commit_record(n, &rec);
    }
    store_txn_t *t;
    store_val_t v;
    assert_int_equal(store_txn_begin(n->fx.st, false, &t), 0);
    assert_int_equal(store_get(t, TBL_ENTITIES, n->ids[0], ID_LEN, &v), 0);
    assert_true(v.len > SNAPSHOT_MAX_VALUE);
    store_txn_abort(&t);
    uint8_t before[32], after[32];
    state_digest(n, before);
    compact_report_t rep;
    assert_int_equal(compact(n, false, &rep), 0);
    state_digest(n, after);
    assert_memory_equal(before, after, 32);
    check_report_t cr;
    assert_int_equal(run_check(n, &cr), 0);
    assert_true(cr.snapshot_rows > 0);
    assert_int_equal(cr.missing + cr.extra + cr.differ, 0);
}

/* Writes a snapshot signed by n holding one entity row (format, customer, entries). */
static void write_snapshot_of_row(node_t *n, const char *path, const uint8_t *entries, size_t len)
{
    uint8_t row[256] = {ENTITY_ROW_FORMAT, KIND_CUSTOMER};
    memcpy(row + 2, entries, len);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    snapshot_writer_t *w;
    assert_int_equal(snapshot_writer_open(f, n->fx.id->pk, 1, &w), 0);
    assert_int_equal(snapshot_write_row(w, TBL_ENTITIES, n->ids[0], ID_LEN, row, 2 + len), 0);
    assert_int_equal(snapshot_writer_finish(&w, n->fx.id->sk), 0);
    fclose(f);
}

static int load_snapshot(const char *path)
{
    fixture_t other;
    fixture_open(&other, "empty", "branch");
    store_txn_t *t;
    snapshot_info_t info;
    assert_int_equal(store_txn_begin(other.st, true, &t), 0);
    int rc = snapshot_load_state(t, path, &info);
    store_txn_abort(&t);
    snapshot_info_free(&info);
    fixture_close(&other);
    return rc;
}

/* A row is taken from a snapshot only in the row's order, each entry once: a city
 * register before the name's would hide the name from every lookup, which stops at the
 * first entry past the one it looks for. */
static void test_snapshot_row_out_of_order_is_refused(void **state)
{
    node_t *n = *state;
    char path[200];
    snprintf(path, sizeof path, "%s.rows", n->snap);
    uint8_t a[64], b[64];
    const value_t name = {VAL_STR, 0, "Ali", 3}, city = {VAL_STR, 0, "Qom", 3};
    uint8_t version[VERSION_LEN] = {1};
    size_t alen = entity_encode_register(a, version, &name), blen = entity_encode_register(b, version, &city);
    uint8_t entries[200];
    size_t len = 0;
    unsigned fields[2] = {F_CU_NAME, F_CU_CITY};
    const uint8_t *vals[2] = {a, b};
    size_t vlens[2] = {alen, blen};
    for (int order = 0; order < 3; order++) {
        len = 0;
        for (int i = 0; i < 2; i++) {
            int which = order == 1 ? 1 - i : order == 2 ? 0 : i; /* in order, reversed, twice the same */
            entries[len++] = ENTITY_TAG_FIELD;
            entries[len++] = 0, entries[len++] = 1;
            entries[len++] = 0, entries[len++] = (uint8_t)vlens[which];
            entries[len++] = (uint8_t)fields[which];
            memcpy(entries + len, vals[which], vlens[which]);
            len += vlens[which];
        }
        write_snapshot_of_row(n, path, entries, len);
        assert_int_equal(load_snapshot(path), order == 0 ? 0 : ACCORD_EPROTO);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction_keeps_state_and_proofs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_change_cannot_revive_a_grave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_altered_or_cut_snapshot_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_carries_a_row_larger_than_a_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_row_out_of_order_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests_name("compact", tests, NULL, NULL);
}
