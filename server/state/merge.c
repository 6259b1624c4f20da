/* SPDX-License-Identifier: MIT */
#include "state/merge.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/changes.h"
#include "state/kpi.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t no_base[VERSION_LEN]; /* "the writer saw no value" */

/* Records op under its base in the row; if another op already has that base, the (entity,
 * field, base) group is a conflict. One marker per group, however many siblings it has:
 * storage and work per record stay constant (N concurrent SETs once made N(N-1)/2 pairs).
 * *fresh is false if this very op was applied before. */
static int note_sibling(store_txn_t *t, entity_row_buf_t *row, const record_t *rec, const record_op_t *op,
                        const uint8_t version[VERSION_LEN], bool *fresh)
{
    uint8_t key[1 + 2 * VERSION_LEN];
    key[0] = op->field;
    memcpy(key + 1, op->has_base ? op->base : no_base, VERSION_LEN);
    memcpy(key + 1 + VERSION_LEN, version, VERSION_LEN);
    entity_row_t r;
    ACCORD_ASSERT(entity_row_open(row->buf, row->len, &r) == 0);
    entity_entry_t e;
    bool sibling = false; /* is there another SET under this base? */
    int rc;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (e.tag != ENTITY_TAG_SIBLING || e.klen != sizeof key || memcmp(e.key, key, 1 + VERSION_LEN)) continue;
        if (!memcmp(e.key + 1 + VERSION_LEN, version, VERSION_LEN)) {
            *fresh = false; /* already applied */
            return 0;
        }
        sibling = true;
    }
    if (rc < 0) return rc;
    *fresh = true;
    if (sibling) {
        uint8_t ckey[MERGE_CONFLICT_KEY_LEN];
        memcpy(ckey, rec->entity, ID_LEN);
        memcpy(ckey + ID_LEN, key, 1 + VERSION_LEN);
        if ((rc = store_put(t, TBL_CONFLICTS, ckey, sizeof ckey, "", 0))) return rc;
    }
    entity_row_buf_put(row, ENTITY_TAG_SIBLING, key, sizeof key, "", 0);
    return 0;
}

typedef struct {
    uint8_t (*found)[MERGE_CONFLICT_KEY_LEN];
    size_t n, cap;
    const uint8_t *entity;
    uint8_t prev[1 + VERSION_LEN];
    bool have_prev, marked;
} rebuild_t;

static int rebuild_sibling(void *ctx, const entity_entry_t *e)
{
    rebuild_t *rb = ctx;
    if (e->klen != 1 + 2 * VERSION_LEN) return 0;
    bool same = rb->have_prev && !memcmp(rb->prev, e->key, sizeof rb->prev);
    if (same && !rb->marked) { /* a second sibling of one (field, base): a conflict group */
        if (rb->n == rb->cap) {
            rb->cap = rb->cap ? 2 * rb->cap : 64;
            rb->found = realloc(rb->found, rb->cap * sizeof *rb->found);
            if (!rb->found) abort();
        }
        memcpy(rb->found[rb->n], rb->entity, ID_LEN);
        memcpy(rb->found[rb->n++] + ID_LEN, e->key, sizeof rb->prev);
        rb->marked = true;
    }
    if (!same) rb->marked = false;
    memcpy(rb->prev, e->key, sizeof rb->prev);
    rb->have_prev = true;
    return 0;
}

typedef struct {
    store_txn_t *t;
    rebuild_t rb;
} rebuild_walk_t;

static int rebuild_one(void *ctx, const uint8_t id[ID_LEN], unsigned kind)
{
    (void)kind;
    rebuild_walk_t *w = ctx;
    w->rb.entity = id;
    w->rb.have_prev = w->rb.marked = false;
    return entity_each_entry(w->t, id, ENTITY_TAG_SIBLING, NULL, 0, rebuild_sibling, &w->rb);
}

int merge_conflicts_rebuild(store_txn_t *t, uint64_t *groups)
{
    *groups = 0;
    int rc = store_clear_table(t, TBL_CONFLICTS);
    if (rc) return rc;
    /* collect the markers first: no writes while walking */
    rebuild_walk_t w = {t, {0}};
    rc = entity_each(t, NULL, 0, rebuild_one, &w);
    for (size_t i = 0; i < w.rb.n && rc >= 0; i++)
        rc = store_put(t, TBL_CONFLICTS, w.rb.found[i], sizeof w.rb.found[i], "", 0);
    free(w.rb.found);
    if (rc < 0) return rc;
    *groups = w.rb.n;
    return 0;
}

int merge_upgrade(store_t *st, uint64_t *groups)
{
    static const char flag[] = "conflict-groups";
    *groups = UINT64_MAX;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    store_val_t v;
    rc = store_get(t, TBL_META, flag, sizeof flag - 1, &v);
    if (rc == 0) {
        store_txn_abort(&t);
        return 0;
    }
    if (rc == ACCORD_ENOTFOUND && !(rc = merge_conflicts_rebuild(t, groups)) &&
        !(rc = store_put(t, TBL_META, flag, sizeof flag - 1, "1", 1)))
        return store_txn_commit(&t);
    store_txn_abort(&t);
    return rc;
}

/* Does the row's entry (tag F, key) hold a version at or after version? */
static bool holds_newer(const entity_row_buf_t *row, const uint8_t *key, size_t klen, const uint8_t version[VERSION_LEN])
{
    entity_row_t r;
    entity_entry_t e;
    if (entity_row_open(row->buf, row->len, &r) || entity_row_find(&r, ENTITY_TAG_FIELD, key, klen, &e)) return false;
    return e.vlen < VERSION_LEN || memcmp(version, e.val, VERSION_LEN) <= 0;
}

static int apply_set(store_txn_t *t, entity_row_buf_t *row, const record_t *rec, const record_op_t *op,
                     const uint8_t version[VERSION_LEN], bool *changed)
{
    bool fresh;
    int rc = note_sibling(t, row, rec, op, version, &fresh);
    if (rc) return rc;
    *changed |= fresh;
    uint8_t key = op->field;
    if (holds_newer(row, &key, 1, version)) return 0;
    uint8_t val[VERSION_LEN + 1 + RECORD_MAX_STR + 8];
    size_t n = entity_encode_register(val, version, &op->val);
    entity_row_buf_put(row, ENTITY_TAG_FIELD, &key, 1, val, n);
    *changed = true;
    return 0;
}

static void apply_elem(entity_row_buf_t *row, const record_op_t *op, const uint8_t version[VERSION_LEN],
                       bool *changed)
{
    uint8_t key[1 + RECORD_MAX_ELEM];
    key[0] = op->field;
    memcpy(key + 1, op->val.s, op->val.len);
    size_t klen = 1 + op->val.len;
    if (holds_newer(row, key, klen, version)) return;
    uint8_t val[VERSION_LEN + 1];
    memcpy(val, version, VERSION_LEN);
    val[VERSION_LEN] = op->op == OP_ADD;
    entity_row_buf_put(row, ENTITY_TAG_FIELD, key, klen, val, sizeof val);
    *changed = true;
}

static int apply_resolve(store_txn_t *t, const record_t *rec, const record_op_t *op,
                         const uint8_t version[VERSION_LEN])
{
    uint8_t key[ID_LEN + 1 + 2 * VERSION_LEN];
    memcpy(key, rec->entity, ID_LEN);
    key[ID_LEN] = op->field;
    memcpy(key + ID_LEN + 1, op->val.s, 2 * VERSION_LEN);
    store_val_t cur;
    int rc = store_get(t, TBL_RESOLVED, key, sizeof key, &cur);
    if (rc == 0 && (cur.len != VERSION_LEN || memcmp(version, cur.data, VERSION_LEN) <= 0)) return 0;
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    return store_put(t, TBL_RESOLVED, key, sizeof key, version, VERSION_LEN);
}

/* The terms of the entity before and after a record, kept in the store's writer scratch:
 * too large for the stack in the hot path, and merge keeps no state of its own. The index
 * terms' arrays grow to the largest entity merged and are freed with the scratch. */
typedef struct {
    kpi_terms_t kpi_before;
    index_terms_t before;
    index_terms_t after;
    entity_row_buf_t row; /* the entity's row with the record's ops, put once */
} merge_scratch_t;

static void merge_scratch_release(void *buf)
{
    merge_scratch_t *scratch = buf;
    index_terms_release(&scratch->before);
    index_terms_release(&scratch->after);
    entity_row_buf_free(&scratch->row);
}

int merge_apply(store_txn_t *t, const record_t *rec)
{
    int rc;
    for (uint32_t i = 0; i < rec->n_ops; i++)
        if (schema_check_op(rec->kind, &rec->ops[i])) return ACCORD_EPROTO;
    /* a deleted entity compacted to its grave: every node had its delete, so a change that
     * arrives now was made before its writer saw it, and the entity stays deleted */
    store_val_t grave;
    if ((rc = store_get(t, TBL_GRAVES, rec->entity, ID_LEN, &grave)) != ACCORD_ENOTFOUND) return rc;
    store_val_t stored;
    rc = store_get(t, TBL_ENTITIES, rec->entity, ID_LEN, &stored);
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    bool is_new = rc == ACCORD_ENOTFOUND;
    if (!is_new && (stored.len < 2 || ((const uint8_t *)stored.data)[0] != ENTITY_ROW_FORMAT)) return ACCORD_ESTORE;
    if (!is_new && ((const uint8_t *)stored.data)[1] != rec->kind) return ACCORD_EPROTO;
    /* the report counters' terms before the record (none for an entity not yet stored) */
    bool touches_kpi = is_new; /* a new entity counts */
    for (uint32_t i = 0; i < rec->n_ops && !touches_kpi; i++)
        touches_kpi = kpi_field_counted(rec->kind, rec->ops[i].field);
    merge_scratch_t *scratch = store_writer_scratch(t, sizeof *scratch, merge_scratch_release);
    kpi_terms_t *kpi_before = &scratch->kpi_before;
    kpi_before->n = 0, kpi_before->has_link = false;
    if (touches_kpi && !is_new && (rc = kpi_terms(t, rec->entity, rec->kind, kpi_before))) return rc;

    bool touches_index = is_new; /* a new entity has an ORDER term for every list field */
    for (uint32_t i = 0; i < rec->n_ops && !touches_index; i++)
        touches_index = index_field_indexed(rec->kind, rec->ops[i].field);
    index_terms_t *before = &scratch->before;
    before->n = 0, before->folded_len = 0; /* a new entity has no terms in the index yet */
    uint64_t index_mask = is_new ? INDEX_ALL_FIELDS : index_fields_mask(rec);
    if (touches_index && !is_new && (rc = index_terms_of(t, rec->entity, rec->kind, index_mask, before))) return rc;

    /* the row with the record's ops, in memory, then one put (before the index and the
     * counters read the entity after the record) */
    entity_row_buf_t *row = &scratch->row;
    entity_row_buf_load(row, is_new ? NULL : stored.data, stored.len, rec->kind);
    bool changed = is_new;
    uint8_t version[VERSION_LEN];
    version_make(version, rec->hlc, rec->origin);
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        switch (op->op) {
        case OP_SET: rc = apply_set(t, row, rec, op, version, &changed); break;
        case OP_ADD:
        case OP_REMOVE: apply_elem(row, op, version, &changed); rc = 0; break;
        case OP_RESOLVE: rc = apply_resolve(t, rec, op, version); break;
        default: rc = ACCORD_EPROTO; break;
        }
        if (rc) return rc;
    }
    if (changed && (rc = store_put(t, TBL_ENTITIES, rec->entity, ID_LEN, row->buf, row->len))) return rc;
    if (is_new) {
        uint8_t key[1 + ID_LEN];
        key[0] = rec->kind;
        memcpy(key + 1, rec->entity, ID_LEN);
        if ((rc = store_put(t, TBL_BYKIND, key, sizeof key, "", 0))) return rc;
    }
    if (touches_index && (rc = index_update_of(t, rec->entity, rec->kind, index_mask, before, &scratch->after)))
        return rc;
    if (touches_kpi && (rc = kpi_update(t, rec->entity, rec->kind, kpi_before))) return rc;
    if (changed && (rc = changes_note(t, rec->entity, rec->kind))) return rc;

    uint8_t hkey[ID_LEN + ID_LEN + 8];
    memcpy(hkey, rec->entity, ID_LEN);
    memcpy(hkey + ID_LEN, rec->origin, ID_LEN);
    be64_put(hkey + 2 * ID_LEN, rec->seq);
    return store_put(t, TBL_HISTORY, hkey, sizeof hkey, "", 0);
}
