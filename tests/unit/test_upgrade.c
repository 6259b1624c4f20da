/* SPDX-License-Identifier: MIT
 * upgrade: a store of format 1 (one key per field in fields, kinds and siblings) becomes
 * entity rows in place, byte-identical to the rows merging gives, also when the conversion
 * is killed half way and started again; accordctl check passes after. */
#include "helpers.h"
#include "fixture.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "ops/check.h"
#include "ops/snapshot_io.h"
#include "proto/snapshot.h"
#include "feed/oplog.h"
#include "state/entity.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    uint8_t id[ID_LEN];
    uint8_t *row;
    size_t len;
} kept_row_t;

#define MAX_ROWS 256

static unsigned dump_rows(store_t *st, kept_row_t *out)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it), 0);
    store_val_t k, v;
    unsigned n = 0;
    while (store_iter_next(it, &k, &v) == 1) {
        assert_true(n < MAX_ROWS);
        memcpy(out[n].id, k.data, ID_LEN);
        out[n].row = malloc(v.len);
        memcpy(out[n].row, v.data, v.len);
        out[n++].len = v.len;
    }
    store_iter_destroy(&it);
    store_txn_abort(&t);
    return n;
}

static void free_rows(kept_row_t *rows, unsigned n)
{
    for (unsigned i = 0; i < n; i++) free(rows[i].row);
}

/* Writes the rows back as format 1 wrote them, and removes the rows: a store of today's
 * entities in yesterday's layout. */
static void downgrade(store_t *st, const kept_row_t *rows, unsigned n)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = 0; i < n; i++) {
        entity_row_t r;
        entity_entry_t e;
        assert_int_equal(entity_row_open(rows[i].row, rows[i].len, &r), 0);
        uint8_t kind = (uint8_t)r.kind;
        assert_int_equal(store_put(t, TBL_KINDS, rows[i].id, ID_LEN, &kind, 1), 0);
        while (entity_row_next(&r, &e) == 1) {
            uint8_t key[ID_LEN + 1 + 2 * VERSION_LEN + RECORD_MAX_ELEM];
            memcpy(key, rows[i].id, ID_LEN);
            memcpy(key + ID_LEN, e.key, e.klen);
            store_table_t tbl = e.tag == ENTITY_TAG_FIELD ? TBL_FIELDS : TBL_SIBLINGS;
            assert_int_equal(store_put(t, tbl, key, ID_LEN + e.klen, e.val, e.vlen), 0);
        }
        assert_int_equal(store_del(t, TBL_ENTITIES, rows[i].id, ID_LEN), 0);
    }
    assert_int_equal(store_txn_commit(&t), 0);
}

static unsigned kill_at;

static void die_after(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    (void)total;
    if (done >= kill_at) raise(SIGKILL);
}

static bool pending(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    bool p = entity_upgrade_pending(t);
    store_txn_abort(&t);
    return p;
}

static void test_a_killed_upgrade_goes_on_and_ends_identical(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "up", "branch");
    fixture_write_customers(&f, 40, "Ana", true);
    fixture_write_customers(&f, 10, "Ana", false); /* the same names again: edits and siblings */
    kept_row_t want[MAX_ROWS], got[MAX_ROWS];
    unsigned n = dump_rows(f.st, want);
    assert_true(n >= 40);
    downgrade(f.st, want, n);
    assert_true(pending(f.st));
    store_close(&f.st);

    /* killed after two transactions of 7 */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        store_t *st;
        uint64_t done;
        if (store_open(f.path, STORE_NOSYNC, &st)) _exit(2);
        kill_at = 14;
        entity_upgrade(st, 7, die_after, NULL, &done);
        _exit(3); /* not reached: killed */
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    assert_int_equal(store_open(f.path, STORE_NOSYNC, &f.st), 0);
    assert_true(pending(f.st));
    unsigned half = dump_rows(f.st, got);
    assert_int_equal(half, 14); /* what the two committed transactions moved */
    free_rows(got, half);
    char backup[300];
    snprintf(backup, sizeof backup, "%s/backup-store-v1/data.mdb", f.path);
    struct stat sb;
    assert_int_equal(stat(backup, &sb), 0); /* taken before the first transaction */

    uint64_t done;
    assert_int_equal(entity_upgrade(f.st, 7, NULL, NULL, &done), 0);
    assert_int_equal(done, n - 14);
    assert_false(pending(f.st));
    assert_int_equal(dump_rows(f.st, got), n);
    for (unsigned i = 0; i < n; i++) {
        assert_memory_equal(got[i].id, want[i].id, ID_LEN);
        assert_int_equal(got[i].len, want[i].len);
        assert_memory_equal(got[i].row, want[i].row, want[i].len);
    }
    free_rows(got, n);
    free_rows(want, n);
    assert_int_equal(entity_upgrade(f.st, 7, NULL, NULL, &done), 0); /* nothing more to do */
    assert_int_equal(done, 0);

    /* accordctl check: the state the feeds give is the one the upgrade made */
    char *scratch = tmp_dir();
    check_report_t rep;
    assert_int_equal(check_store(f.st, f.id, scratch, &rep, NULL, NULL), 0);
    rm_dir(scratch);
    fixture_close(&f);
}

/* A row grows with the entity's edits (every SET under its base, every set element): one
 * far past a snapshot frame's 140 KiB is written in several frames and read back whole. */
static void test_a_large_row_travels_in_a_snapshot(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "big", "hub");
    uint8_t entity[ID_LEN];
    memset(entity, 0x42, sizeof entity);
    char tags[64][80];
    for (unsigned r = 0; r < 50; r++) { /* 50 records of 60 tags: a row of ~270 KB */
        store_txn_t *t;
        assert_int_equal(store_txn_begin(f.st, true, &t), 0);
        record_t rec;
        memset(&rec, 0, sizeof rec);
        rec.author = "t";
        rec.author_len = 1;
        rec.kind = KIND_CUSTOMER;
        memcpy(rec.entity, entity, ID_LEN);
        rec.n_ops = 60;
        for (unsigned i = 0; i < rec.n_ops; i++) {
            int n = snprintf(tags[i], sizeof tags[i], "tag %04u of a customer every branch tags all day long", r * 60 + i);
            rec.ops[i] = (record_op_t){F_CU_TAGS, OP_ADD, {VAL_STR, 0, tags[i], (size_t)n}, false, {0}};
        }
        assert_int_equal(oplog_append(f.log, t, &rec), 0);
        assert_int_equal(oplog_seal(f.log, t), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        oplog_commit_done(f.log);
    }
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    store_val_t row;
    assert_int_equal(store_get(t, TBL_ENTITIES, entity, ID_LEN, &row), 0);
    size_t row_len = row.len;
    store_txn_abort(&t);
    assert_true(row_len > (200u << 10));

    char path[300];
    snprintf(path, sizeof path, "%s/snapshot.acs", f.path);
    snapshot_info_t info;
    memset(&info, 0, sizeof info);
    assert_int_equal(snapshot_save(f.st, f.id, path, &info, NULL, NULL), 0);
    free(info.feeds);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    snapshot_reader_t *r;
    snap_frame_t fr;
    assert_int_equal(snapshot_reader_open(in, &r, &fr), 0);
    size_t carried = 2; /* format and kind, then the entries of every frame of the row */
    unsigned frames = 0;
    int rc;
    while ((rc = snapshot_read(r, &fr)) == 1)
        if (fr.table == TBL_ENTITIES && fr.key_len == ID_LEN && !memcmp(fr.key, entity, ID_LEN))
            carried += fr.val_len - 2, frames++;
    assert_int_equal(rc, 0); /* to the end, the signature checked */
    assert_true(frames >= 2);
    assert_int_equal(carried, row_len);
    snapshot_reader_close(&r);
    fclose(in);
    fixture_close(&f);
}

/* A store of format 1 whose snapshot install was cut short: the next start clears what the
 * install wrote before it converts the store, so the format-1 tables it wrote go too (else
 * the conversion made entity rows of them, and the node, said to be empty, refused the
 * snapshot's install again: "this node already holds data"). */
static void test_a_format1_install_cut_short_is_cleared(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "up", "branch");
    fixture_write_customers(&f, 3, "Ana", false);
    kept_row_t rows[MAX_ROWS];
    unsigned n = dump_rows(f.st, rows);
    downgrade(f.st, rows, n);
    free_rows(rows, n);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    assert_int_equal(store_clear_table(t, TBL_HEADS), 0); /* an install writes the heads last */
    assert_int_equal(store_put(t, TBL_META, "bootstrap", 9, "1", 1), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    bool cleared;
    assert_int_equal(snapshot_clear_partial(f.st, &cleared), 0);
    assert_true(cleared);
    assert_false(pending(f.st));
    uint64_t done;
    assert_int_equal(entity_upgrade(f.st, 7, NULL, NULL, &done), 0);
    assert_int_equal(done, 0);
    assert_int_equal(dump_rows(f.st, rows), 0);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_killed_upgrade_goes_on_and_ends_identical),
        cmocka_unit_test(test_a_large_row_travels_in_a_snapshot),
        cmocka_unit_test(test_a_format1_install_cut_short_is_cleared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
