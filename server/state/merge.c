/* SPDX-License-Identifier: MIT */
#include "state/merge.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/kpi.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t no_base[VERSION_LEN]; /* "the writer saw no value" */

/* kind: what entity_kind said of the record's entity before it (looked up once per record). */
static int check_kind(store_txn_t *t, const record_t *rec, int kind)
{
    if (kind == ACCORD_ENOTFOUND) {
        uint8_t key[1 + ID_LEN];
        key[0] = rec->kind;
        memcpy(key + 1, rec->entity, ID_LEN);
        int rc = store_put(t, TBL_KINDS, rec->entity, ID_LEN, &rec->kind, 1);
        return rc ? rc : store_put(t, TBL_BYKIND, key, sizeof key, "", 0);
    }
    if (kind < 0) return kind;
    return kind == rec->kind ? 0 : ACCORD_EPROTO;
}

/* Records op under its base; if another op already has that base, the (entity, field,
 * base) group is a conflict. One marker per group, however many siblings it has: storage
 * and work per record stay constant (N concurrent SETs once made N(N-1)/2 pairs). */
static int note_sibling(store_txn_t *t, const record_t *rec, const record_op_t *op,
                        const uint8_t version[VERSION_LEN])
{
    uint8_t key[MERGE_SIBLING_KEY_LEN];
    memcpy(key, rec->entity, ID_LEN);
    key[ID_LEN] = op->field;
    memcpy(key + ID_LEN + 1, op->has_base ? op->base : no_base, VERSION_LEN);
    memcpy(key + MERGE_CONFLICT_KEY_LEN, version, VERSION_LEN);
    store_val_t v;
    int rc = store_get(t, TBL_SIBLINGS, key, sizeof key, &v);
    if (rc == 0) return 0; /* already applied */
    if (rc != ACCORD_ENOTFOUND) return rc;

    /* is there a sibling already? The first key under the group's prefix tells. */
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_SIBLINGS, key, MERGE_CONFLICT_KEY_LEN, false, &it))) return rc;
    store_val_t k;
    rc = store_iter_next(it, &k, &v);
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    if (rc == 1 && (rc = store_put(t, TBL_CONFLICTS, key, MERGE_CONFLICT_KEY_LEN, "", 0))) return rc;
    return store_put(t, TBL_SIBLINGS, key, sizeof key, "", 0);
}

int merge_conflicts_rebuild(store_txn_t *t, uint64_t *groups)
{
    *groups = 0;
    int rc = store_clear_table(t, TBL_CONFLICTS);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_SIBLINGS, NULL, 0, false, &it))) return rc;
    uint8_t prev[MERGE_CONFLICT_KEY_LEN], marked[MERGE_CONFLICT_KEY_LEN];
    bool have_prev = false, have_marked = false;
    /* siblings of a group are adjacent; collect markers first (no writes while walking) */
    uint8_t (*found)[MERGE_CONFLICT_KEY_LEN] = NULL;
    size_t n = 0, cap = 0;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != MERGE_SIBLING_KEY_LEN) continue;
        if (have_prev && !memcmp(prev, k.data, sizeof prev) && !(have_marked && !memcmp(marked, prev, sizeof prev))) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                found = realloc(found, cap * sizeof *found);
                if (!found) abort();
            }
            memcpy(found[n++], prev, sizeof prev);
            memcpy(marked, prev, sizeof prev);
            have_marked = true;
        }
        memcpy(prev, k.data, sizeof prev);
        have_prev = true;
    }
    store_iter_destroy(&it);
    for (size_t i = 0; i < n && rc >= 0; i++) rc = store_put(t, TBL_CONFLICTS, found[i], sizeof found[i], "", 0);
    free(found);
    if (rc < 0) return rc;
    *groups = n;
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

static int apply_set(store_txn_t *t, const record_t *rec, const record_op_t *op,
                     const uint8_t version[VERSION_LEN])
{
    int rc = note_sibling(t, rec, op, version);
    if (rc) return rc;
    uint8_t key[ID_LEN + 1];
    memcpy(key, rec->entity, ID_LEN);
    key[ID_LEN] = op->field;
    store_val_t cur;
    rc = store_get(t, TBL_FIELDS, key, sizeof key, &cur);
    if (rc == 0 && (cur.len < VERSION_LEN || memcmp(version, cur.data, VERSION_LEN) <= 0)) return 0;
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    uint8_t val[VERSION_LEN + 1 + RECORD_MAX_STR + 8];
    size_t n = entity_encode_register(val, version, &op->val);
    return store_put(t, TBL_FIELDS, key, sizeof key, val, n);
}

static int apply_elem(store_txn_t *t, const record_t *rec, const record_op_t *op,
                      const uint8_t version[VERSION_LEN])
{
    uint8_t key[ID_LEN + 1 + RECORD_MAX_ELEM];
    memcpy(key, rec->entity, ID_LEN);
    key[ID_LEN] = op->field;
    memcpy(key + ID_LEN + 1, op->val.s, op->val.len);
    size_t klen = ID_LEN + 1 + op->val.len;
    store_val_t cur;
    int rc = store_get(t, TBL_FIELDS, key, klen, &cur);
    if (rc == 0 && (cur.len < VERSION_LEN || memcmp(version, cur.data, VERSION_LEN) <= 0)) return 0;
    if (rc && rc != ACCORD_ENOTFOUND) return rc;
    uint8_t val[VERSION_LEN + 1];
    memcpy(val, version, VERSION_LEN);
    val[VERSION_LEN] = op->op == OP_ADD;
    return store_put(t, TBL_FIELDS, key, klen, val, sizeof val);
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
} merge_scratch_t;

static void merge_scratch_release(void *buf)
{
    merge_scratch_t *scratch = buf;
    index_terms_release(&scratch->before);
    index_terms_release(&scratch->after);
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
    /* the report counters' terms before the record (none for an entity not yet stored) */
    int kind = entity_kind(t, rec->entity);
    bool is_new = kind == ACCORD_ENOTFOUND, touches_kpi = is_new; /* a new entity counts */
    for (uint32_t i = 0; i < rec->n_ops && !touches_kpi; i++)
        touches_kpi = kpi_field_counted(rec->kind, rec->ops[i].field);
    merge_scratch_t *scratch = store_writer_scratch(t, sizeof *scratch, merge_scratch_release);
    kpi_terms_t *kpi_before = &scratch->kpi_before;
    kpi_before->n = 0, kpi_before->has_link = false;
    if (touches_kpi && !is_new && (rc = kpi_terms(t, rec->entity, rec->kind, kpi_before))) return rc;
    if ((rc = check_kind(t, rec, kind))) return rc;

    bool touches_index = is_new; /* a new entity has an ORDER term for every list field */
    for (uint32_t i = 0; i < rec->n_ops && !touches_index; i++)
        touches_index = index_field_indexed(rec->kind, rec->ops[i].field);
    index_terms_t *before = &scratch->before;
    before->n = 0, before->folded_len = 0; /* a new entity has no terms in the index yet */
    if (touches_index && !is_new && (rc = index_terms(t, rec->entity, rec->kind, before))) return rc;

    uint8_t version[VERSION_LEN];
    version_make(version, rec->hlc, rec->origin);
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        switch (op->op) {
        case OP_SET: rc = apply_set(t, rec, op, version); break;
        case OP_ADD:
        case OP_REMOVE: rc = apply_elem(t, rec, op, version); break;
        case OP_RESOLVE: rc = apply_resolve(t, rec, op, version); break;
        default: rc = ACCORD_EPROTO; break;
        }
        if (rc) return rc;
    }
    if (touches_index && (rc = index_update(t, rec->entity, rec->kind, before, &scratch->after))) return rc;
    if (touches_kpi && (rc = kpi_update(t, rec->entity, rec->kind, kpi_before))) return rc;

    uint8_t hkey[ID_LEN + ID_LEN + 8];
    memcpy(hkey, rec->entity, ID_LEN);
    memcpy(hkey + ID_LEN, rec->origin, ID_LEN);
    be64_put(hkey + 2 * ID_LEN, rec->seq);
    return store_put(t, TBL_HISTORY, hkey, sizeof hkey, "", 0);
}
