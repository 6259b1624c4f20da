/* SPDX-License-Identifier: MIT
 * restamp: a branch's unsent records stamped by a clock that ran ahead get the stamps of
 * the right clock; versions that named them follow, the chain and signatures hold, the
 * state is what the rebuilt records give, and a cut-short re-stamp leaves the old tail. */
#include "helpers.h"
#include "fixture.h"

#include "feed/restamp.h"
#include "ops/check.h"
#include "proto/accord_err.h"
#include "state/entity.h"
#include "state/merge.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"

#define AHEAD_MS (3ULL * 3600 * 1000)

typedef struct {
    fixture_t f;
    uint8_t customer[ID_LEN];
    uint64_t now_ms;
    uint8_t v[8][VERSION_LEN]; /* the version of record seq i (1..6) as written */
} scene_t;

static void commit(fixture_t *f, store_txn_t **t)
{
    assert_int_equal(oplog_seal(f->log, *t), 0);
    assert_int_equal(store_txn_commit(t), 0);
    oplog_commit_done(f->log);
}

/* A SET of the customer's name, stamped hlc (0: now), on base (NULL: none). */
static void set_name(scene_t *s, store_txn_t *t, const char *name, uint64_t hlc, const uint8_t *base)
{
    record_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.entity, s->customer, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.author = "t";
    rec.author_len = 1;
    rec.hlc = hlc;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name, strlen(name)}, base != NULL, {0}};
    if (base) memcpy(rec.ops[0].base, base, VERSION_LEN);
    assert_int_equal(oplog_append(s->f.log, t, &rec), 0);
    version_make(s->v[rec.seq], rec.hlc, rec.origin);
}

/* Record 1 written with the right clock and held by the hub; 2-5 written 3 h ahead:
 * 2 and 3 both change the name seen in 1 (a conflict), 4 resolves (2, 3), 5 changes 3. */
static int setup(void **state)
{
    scene_t *s = calloc(1, sizeof *s);
    fixture_open(&s->f, "b", "branch");
    crypto_random(s->customer, ID_LEN);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    set_name(s, t, "Ali", 0, NULL);
    commit(&s->f, &t);
    s->now_ms = HLC_MS(version_hlc(s->v[1])); /* "now" as the records were written */
    uint64_t ahead = HLC_PACK(s->now_ms + AHEAD_MS, 0);
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    set_name(s, t, "Ali R", ahead + 1, s->v[1]);
    set_name(s, t, "Ali Rezaei", ahead + 2, s->v[1]);
    commit(&s->f, &t);
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.entity, s->customer, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.author = "t";
    rec.author_len = 1;
    rec.hlc = ahead + 3;
    uint8_t pair[2 * VERSION_LEN];
    memcpy(pair, s->v[2], VERSION_LEN);
    memcpy(pair + VERSION_LEN, s->v[3], VERSION_LEN);
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_RESOLVE, {VAL_REF, 0, (const char *)pair, sizeof pair}, false, {0}};
    assert_int_equal(oplog_append(s->f.log, t, &rec), 0);
    version_make(s->v[4], rec.hlc, rec.origin);
    set_name(s, t, "Ali Rezaei Jr", ahead + 4, s->v[3]);
    oplog_observe(s->f.log, ahead + 4); /* the node's HLC went where its clock was */
    commit(&s->f, &t);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    scene_t *s = *state;
    fixture_close(&s->f);
    free(s);
    return 0;
}

static void load(scene_t *s, store_txn_t *t, uint64_t seq, record_t *rec, uint8_t *bytes, size_t *len)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, s->f.id->origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
    memcpy(bytes, v.data, v.len);
    *len = v.len;
    assert_int_equal(record_decode(bytes, v.len, rec), 0);
}

static void assert_sound(scene_t *s)
{
    store_txn_t *t;
    feed_report_t fr;
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    assert_int_equal(oplog_verify(t, s->f.id->origin, s->f.id->pk, &fr, NULL, NULL), 0);
    store_txn_abort(&t);
    check_report_t rep;
    char *scratch = tmp_dir();
    int rc = check_store(s->f.st, s->f.id, scratch, &rep, NULL, NULL);
    for (unsigned i = 0; i < rep.n_examples; i++) fprintf(stderr, "# %s\n", rep.examples[i]);
    rm_dir(scratch);
    assert_int_equal(rc, 0);
}

static int restamp(scene_t *s, uint64_t held, restamp_result_t *res, bool commit_it)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    int rc = restamp_tail(t, s->f.id, held, s->now_ms + 2000, res);
    if (rc == 0 && commit_it) assert_int_equal(store_txn_commit(&t), 0);
    else store_txn_abort(&t);
    return rc;
}

static void note_lead(scene_t *s, uint64_t lead_ms)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    assert_int_equal(restamp_note_ahead(t, lead_ms), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_the_tail_gets_the_right_clock_and_versions_follow(void **state)
{
    scene_t *s = *state;
    note_lead(s, AHEAD_MS);
    restamp_result_t res;
    assert_int_equal(restamp(s, 1, &res, true), 0);
    assert_int_equal(res.first_seq, 2);
    assert_int_equal(res.last_seq, 5);
    assert_true(res.measured);
    assert_int_equal(res.shift_ms, AHEAD_MS);
    assert_int_equal(res.entities, 1);

    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    record_t *rec = malloc(sizeof *rec);
    uint8_t bytes[RECORD_MAX_BYTES], nv[6][VERSION_LEN];
    size_t len;
    uint64_t prev = version_hlc(s->v[1]);
    for (uint64_t seq = 2; seq <= 5; seq++) {
        load(s, t, seq, rec, bytes, &len);
        assert_true(rec->hlc > prev);                                  /* still in order, after record 1 */
        assert_true(HLC_MS(rec->hlc) <= s->now_ms + 2000);              /* not above now */
        assert_int_equal(rec->hlc, version_hlc(s->v[seq]) - HLC_PACK(AHEAD_MS, 0)); /* back by the lead */
        prev = rec->hlc;
        version_make(nv[seq], rec->hlc, rec->origin);
        if (seq == 3) assert_memory_equal(rec->ops[0].base, s->v[1], VERSION_LEN); /* held: unchanged */
        if (seq == 4) {
            assert_memory_equal(rec->ops[0].val.s, nv[2], VERSION_LEN);
            assert_memory_equal(rec->ops[0].val.s + VERSION_LEN, nv[3], VERSION_LEN);
        }
        if (seq == 5) assert_memory_equal(rec->ops[0].base, nv[3], VERSION_LEN);
    }
    /* the conflict (one group: name, base record 1) keeps its sides under the new versions */
    store_val_t v;
    uint8_t gkey[MERGE_CONFLICT_KEY_LEN], skey[MERGE_SIBLING_KEY_LEN];
    memcpy(gkey, s->customer, ID_LEN);
    gkey[ID_LEN] = F_CU_NAME;
    memcpy(gkey + ID_LEN + 1, s->v[1], VERSION_LEN);
    assert_int_equal(store_get(t, TBL_CONFLICTS, gkey, sizeof gkey, &v), 0);
    entity_row_t row;
    entity_entry_t e;
    assert_int_equal(entity_row(t, s->customer, &row), 0);
    memcpy(skey, gkey + ID_LEN, 1 + VERSION_LEN); /* the row's sibling key: field base version */
    for (int seq = 2; seq <= 3; seq++) {
        memcpy(skey + 1 + VERSION_LEN, nv[seq], VERSION_LEN);
        assert_int_equal(entity_row_find(&row, ENTITY_TAG_SIBLING, skey, 1 + 2 * VERSION_LEN, &e), 0);
        memcpy(skey + 1 + VERSION_LEN, s->v[seq], VERSION_LEN);
        assert_int_equal(entity_row_find(&row, ENTITY_TAG_SIBLING, skey, 1 + 2 * VERSION_LEN, &e), ACCORD_ENOTFOUND);
    }
    field_state_t name;
    assert_int_equal(entity_get(t, s->customer, F_CU_NAME, &name), 0);
    assert_memory_equal(name.version, nv[5], VERSION_LEN);
    assert_int_equal(store_get(t, TBL_META, "hlc", 3, &v), 0);
    assert_int_equal(be64_get(v.data), version_hlc(nv[5]));
    assert_int_equal(store_get(t, TBL_META, RESTAMP_AHEAD_KEY, strlen(RESTAMP_AHEAD_KEY), &v), ACCORD_ENOTFOUND);
    restamp_result_t kept;
    assert_int_equal(restamp_last(t, &kept), 0);
    assert_int_equal(kept.first_seq, 2);
    assert_int_equal(kept.last_seq, 5);
    char text[400];
    restamp_describe(&kept, text, sizeof text);
    assert_non_null(strstr(text, "3 h 0 min ahead (measured against the hub); records 2-5, not yet sent"));
    uint64_t newest;
    assert_int_equal(restamp_tail_hlc(t, s->f.id->origin, 1, &newest), 0);
    assert_int_equal(newest, version_hlc(nv[5]));
    store_txn_abort(&t);
    free(rec);
    assert_sound(s); /* chain, checkpoints, head signature; state = what the feed gives */

    /* the node's feed goes on from the new head and clock */
    assert_int_equal(oplog_reload(s->f.log, s->f.st), 0);
    oplog_reset_clock(s->f.log, version_hlc(nv[5]));
    fixture_write_customers(&s->f, 1, "after", true);
    assert_sound(s);
    /* done once: nothing is left after what the hub will hold */
    assert_int_equal(restamp(s, 6, &res, true), 0);
    assert_int_equal(res.first_seq, 0);
}

static void test_a_cut_short_restamp_leaves_the_old_tail(void **state)
{
    scene_t *s = *state;
    static uint8_t before[4][RECORD_MAX_BYTES], after[RECORD_MAX_BYTES];
    size_t lens[4], len;
    record_t *rec = malloc(sizeof *rec);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    for (uint64_t seq = 2; seq <= 5; seq++) load(s, t, seq, rec, before[seq - 2], &lens[seq - 2]);
    store_txn_abort(&t);
    restamp_result_t res;
    assert_int_equal(restamp(s, 1, &res, false), 0); /* the transaction never commits: a crash */
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    for (uint64_t seq = 2; seq <= 5; seq++) {
        load(s, t, seq, rec, after, &len);
        assert_int_equal(len, lens[seq - 2]);
        assert_memory_equal(after, before[seq - 2], len);
    }
    assert_int_equal(restamp_last(t, &res), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    free(rec);
    assert_sound(s);
}

static void test_never_measured_the_records_end_when_the_clock_was_seen_right(void **state)
{
    scene_t *s = *state;
    /* record 6 was written after the clock was put right: the HLC stamped it, its wall time kept */
    store_txn_t *t;
    uint64_t right_ms = s->now_ms + 1000;
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    set_name(s, t, "Ali Rezaei Sr", version_hlc(s->v[5]) + 1, s->v[5]);
    assert_int_equal(restamp_note_wall(t, 6, right_ms), 0);
    commit(&s->f, &t);
    restamp_result_t res;
    assert_int_equal(restamp(s, 1, &res, true), 0);
    assert_false(res.measured);
    assert_int_equal(res.shift_ms, HLC_MS(version_hlc(s->v[5])) - right_ms);
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    record_t *rec = malloc(sizeof *rec);
    uint8_t bytes[RECORD_MAX_BYTES];
    size_t len;
    load(s, t, 5, rec, bytes, &len);
    assert_int_equal(HLC_MS(rec->hlc), right_ms); /* the last written ahead: when the clock was seen right */
    uint64_t five = rec->hlc;
    load(s, t, 6, rec, bytes, &len);
    assert_true(rec->hlc > five && HLC_MS(rec->hlc) == right_ms); /* its wall time, kept after record 5 */
    uint8_t wkey[RESTAMP_WALL_KEY_LEN + 8];
    memcpy(wkey, RESTAMP_WALL_KEY, RESTAMP_WALL_KEY_LEN);
    be64_put(wkey + RESTAMP_WALL_KEY_LEN, 6);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_META, wkey, sizeof wkey, &v), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    free(rec);
    assert_sound(s);
}

static void test_a_compacted_store_keeps_its_tail(void **state)
{
    scene_t *s = *state;
    store_txn_t *t;
    uint8_t base[8 + 32 + 64] = {0};
    assert_int_equal(store_txn_begin(s->f.st, true, &t), 0);
    assert_int_equal(store_put(t, TBL_BASES, s->customer, ID_LEN, base, sizeof base), 0); /* any feed's base */
    assert_int_equal(store_txn_commit(&t), 0);
    restamp_result_t res;
    assert_int_equal(restamp(s, 1, &res, true), ACCORD_EPURGED);
    assert_non_null(strstr(res.why, "records 2-5 keep their stamps"));
}

static void test_the_oplog_keeps_the_wall_time_of_a_record_written_behind(void **state)
{
    scene_t *s = *state;
    /* the HLC is 3 h ahead of the wall clock (record 5): the next record is written behind */
    fixture_write_customers(&s->f, 1, "behind", true);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(s->f.st, false, &t), 0);
    uint8_t wkey[RESTAMP_WALL_KEY_LEN + 8];
    memcpy(wkey, RESTAMP_WALL_KEY, RESTAMP_WALL_KEY_LEN);
    be64_put(wkey + RESTAMP_WALL_KEY_LEN, 6);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_META, wkey, sizeof wkey, &v), 0);
    uint64_t wall = be64_get(v.data);
    assert_true(wall >= s->now_ms && wall <= hlc_wall_ms());
    be64_put(wkey + RESTAMP_WALL_KEY_LEN, 5);
    assert_int_equal(store_get(t, TBL_META, wkey, sizeof wkey, &v), ACCORD_ENOTFOUND); /* stamped, not behind */
    store_txn_abort(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_tail_gets_the_right_clock_and_versions_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_cut_short_restamp_leaves_the_old_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_measured_the_records_end_when_the_clock_was_seen_right, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_compacted_store_keeps_its_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_oplog_keeps_the_wall_time_of_a_record_written_behind, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
