/* SPDX-License-Identifier: MIT
 * The unit tests' node fixture (see fixture.h). */
#include "helpers.h"

#include "fixture.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "state/digest.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/kpi.h"

/* The store's counters and index are this version's, as `accordctl node init` notes them. */
static void note_versions(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(kpi_note_version(t), 0);
    assert_int_equal(index_note_version(t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

void fixture_open(fixture_t *f, const char *name, const char *role)
{
    char err[256];
    memset(f, 0, sizeof *f);
    assert_int_equal(crypto_init(), 0);
    f->dir = tmp_dir();
    snprintf(f->path, sizeof f->path, "%s/n", f->dir);
    assert_int_equal(identity_create(f->path, name, role, err, sizeof err), 0);
    assert_int_equal(store_open(f->path, STORE_NOSYNC, &f->st), 0);
    note_versions(f->st); /* a store this version made, as node init makes one */
    uint64_t digested; /* and kept its state digest from the start, as the node does */
    assert_int_equal(digest_upgrade(f->st, &digested), 0);
    assert_int_equal(identity_load(f->path, f->st, &f->id, err, sizeof err), 0);
    assert_int_equal(oplog_open(f->st, f->id, &f->log), 0);
}

void fixture_close(fixture_t *f)
{
    oplog_destroy(&f->log);
    identity_destroy(&f->id);
    store_close(&f->st);
    rm_dir(f->dir);
    f->dir = NULL;
}

void fixture_write_customers(fixture_t *f, unsigned count, const char *prefix, bool each_commit)
{
    store_txn_t *t = NULL;
    for (unsigned i = 0; i < count; i++) {
        if (!t) assert_int_equal(store_txn_begin(f->st, true, &t), 0);
        record_t rec;
        memset(&rec, 0, sizeof rec);
        crypto_random(rec.entity, ID_LEN);
        rec.kind = KIND_CUSTOMER;
        rec.author = "t";
        rec.author_len = 1;
        char name[64];
        snprintf(name, sizeof name, "%s %u", prefix, i);
        rec.n_ops = 1;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name, strlen(name)}, false, {0}};
        assert_int_equal(oplog_append(f->log, t, &rec), 0);
        if (each_commit || i + 1 == count) {
            assert_int_equal(oplog_seal(f->log, t), 0);
            assert_int_equal(store_txn_commit(&t), 0);
            oplog_commit_done(f->log);
        }
    }
}

fixture_t *fixture_new(const char *name, const char *role)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fixture_open(f, name, role);
    return f;
}

void fixture_free(fixture_t *f)
{
    fixture_close(f);
    free(f);
}

int fixture_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

typedef struct {
    store_txn_t *t;
    index_terms_t terms;
    uint64_t n_terms;
} index_walk_t;

static int index_of_entity(void *ctx, const uint8_t id[ID_LEN], unsigned kind)
{
    index_walk_t *w = ctx;
    assert_int_equal(index_terms(w->t, id, kind, &w->terms), 0);
    for (unsigned i = 0; i < w->terms.n; i++) {
        uint8_t key[INDEX_TERM_MAX + 2 + ID_LEN];
        memcpy(key, w->terms.terms[i].key, w->terms.terms[i].len);
        memcpy(key + w->terms.terms[i].len, id, ID_LEN);
        store_val_t v;
        if (store_get(w->t, TBL_INDEX, key, w->terms.terms[i].len + ID_LEN, &v))
            fail_msg("the index lacks a term (type %u) of an entity that computing its terms afresh gives",
                     w->terms.terms[i].key[0]);
    }
    w->n_terms += w->terms.n;
    return 0;
}

void fixture_assert_index_complete(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    index_walk_t w = {t, {0}, 0};
    assert_int_equal(entity_each(t, NULL, 0, index_of_entity, &w), 0);
    index_terms_release(&w.terms);
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, TBL_INDEX, NULL, 0, false, &it), 0);
    store_val_t k, v;
    uint64_t stored = 0;
    while (store_iter_next(it, &k, &v) == 1)
        if (((const uint8_t *)k.data)[0] != IDX_FOLDED) stored++;
    store_iter_destroy(&it);
    store_txn_abort(&t);
    if (stored != w.n_terms)
        fail_msg("the index holds %llu terms, computing every entity's afresh gives %llu", (unsigned long long)stored,
                 (unsigned long long)w.n_terms);
}
