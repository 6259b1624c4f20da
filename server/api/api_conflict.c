/* SPDX-License-Identifier: MIT
 * api_conflict: concurrent SETs of one field that merge kept every side of (a group per
 * (entity, field, base) in TBL_CONFLICTS, merge.h): listing them, a page at a time, with the
 * record's name, the value it holds now, each side's value, who wrote it where and when and
 * which one won, and resolving one by writing the chosen
 * value again with OP_RESOLVE pairs that join every side, closing the conflict on every node
 * the record reaches. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <stdlib.h>
#include <string.h>

/* Finds the value a SET op with this version wrote to entity's field, from its feed record. */
static int value_of_version(store_txn_t *t, const uint8_t *entity, unsigned field,
                            const uint8_t *version, record_t *rec, const record_op_t **op)
{
    uint8_t key[ID_LEN + 8];
    const uint8_t *origin = version + 8;
    uint64_t hlc = version_hlc(version);
    /* the history index lists this entity's records; pick the one from origin at hlc */
    uint8_t prefix[2 * ID_LEN];
    memcpy(prefix, entity, ID_LEN);
    memcpy(prefix + ID_LEN, origin, ID_LEN);
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HISTORY, prefix, sizeof prefix, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int found = ACCORD_ENOTFOUND;
    while (found == ACCORD_ENOTFOUND && (rc = store_iter_next(it, &k, &v)) == 1) {
        memcpy(key, (const uint8_t *)k.data + ID_LEN, ID_LEN + 8);
        store_val_t raw;
        if (store_get(t, TBL_FEED, key, sizeof key, &raw) || record_decode(raw.data, raw.len, rec)) continue;
        if (rec->hlc != hlc) continue;
        for (uint32_t i = 0; i < rec->n_ops; i++)
            if (rec->ops[i].field == field && rec->ops[i].op == OP_SET) {
                *op = &rec->ops[i];
                found = 0;
            }
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : found;
}

static void pack_side(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *entity,
                      unsigned field, const uint8_t *version, const char *label)
{
    record_t *rec = &api->side;
    const record_op_t *op = NULL;
    char when[40];
    hlc_format(version_hlc(version), when, sizeof when);
    msgpack_pack_map(pk, 5);
    api_pack_cstr(pk, "side");
    api_pack_cstr(pk, label);
    api_pack_cstr(pk, "value");
    if (value_of_version(t, entity, field, version, rec, &op) == 0) api_pack_value(pk, &op->val);
    else msgpack_pack_nil(pk);
    api_pack_cstr(pk, "author");
    if (op) api_pack_str(pk, rec->author, rec->author_len);
    else msgpack_pack_nil(pk);
    api_pack_cstr(pk, "branch");
    api_pack_origin_name(api, t, pk, version + 8);
    api_pack_cstr(pk, "when");
    api_pack_cstr(pk, when);
}

/* One conflict group (merge.h): its siblings in version order, joined into sets by the
 * RESOLVE pairs stored for the field (union-find over indexes into v). */
typedef struct {
    uint8_t (*v)[VERSION_LEN]; /* the siblings' versions, ascending */
    uint32_t *up;              /* union-find parent of each */
    size_t n;
} group_t;

static uint32_t group_find(group_t *g, uint32_t i)
{
    while (g->up[i] != i) i = g->up[i] = g->up[g->up[i]];
    return i;
}

static long group_index(const group_t *g, const uint8_t *version)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(g->v[mid], version, VERSION_LEN);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static void group_free(group_t *g)
{
    free(g->v);
    free(g->up);
    memset(g, 0, sizeof *g);
}

typedef struct {
    group_t *g;
    size_t cap;
} group_fill_t;

static int add_sibling(void *ctx, const entity_entry_t *e)
{
    group_fill_t *fill = ctx;
    group_t *g = fill->g;
    if (e->klen != 1 + 2 * VERSION_LEN) return 0;
    if (g->n == fill->cap) {
        fill->cap = fill->cap ? 2 * fill->cap : 8;
        g->v = realloc(g->v, fill->cap * VERSION_LEN);
        g->up = realloc(g->up, fill->cap * sizeof *g->up);
        if (!g->v || !g->up) abort();
    }
    g->up[g->n] = (uint32_t)g->n;
    memcpy(g->v[g->n++], e->key + 1 + VERSION_LEN, VERSION_LEN);
    return 0;
}

static int group_load(store_txn_t *t, const uint8_t key[API_CONFLICT_KEY_LEN], group_t *g)
{
    memset(g, 0, sizeof *g);
    /* the group's siblings: the row's entries field base version under (field, base) */
    group_fill_t fill = {g, 0};
    int rc = entity_each_entry(t, key, ENTITY_TAG_SIBLING, key + ID_LEN, API_CONFLICT_KEY_LEN - ID_LEN, add_sibling,
                               &fill);
    if (rc < 0) return rc;
    store_iter_t *it;
    store_val_t k, v;
    /* resolutions of this field: entity field a b; only pairs of this group's siblings join */
    if ((rc = store_iter_new(t, TBL_RESOLVED, key, ID_LEN + 1, false, &it))) return rc;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN + 1 + 2 * VERSION_LEN) continue;
        const uint8_t *a = (const uint8_t *)k.data + ID_LEN + 1;
        long ia = group_index(g, a), ib = group_index(g, a + VERSION_LEN);
        if (ia >= 0 && ib >= 0) g->up[group_find(g, (uint32_t)ia)] = group_find(g, (uint32_t)ib);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

static size_t group_sets(group_t *g)
{
    size_t sets = 0;
    for (size_t i = 0; i < g->n; i++) sets += group_find(g, (uint32_t)i) == i;
    return sets;
}

static void side_label(size_t i, char out[2])
{
    out[0] = (char)('a' + i);
    out[1] = 0;
}

/* What people call the record: a customer's or contact's name, a deal's or task's title;
 * "" for a kind without one, or a record that holds none. */
static void pack_display_name(store_txn_t *t, msgpack_packer *pk, const uint8_t *id, int kind)
{
    unsigned field = kind == KIND_CUSTOMER ? F_CU_NAME : kind == KIND_CONTACT ? F_CO_NAME
                   : kind == KIND_DEAL ? F_DE_TITLE : kind == KIND_TASK ? F_TA_TITLE : 0;
    size_t n = 0;
    const char *name = field ? entity_text(t, id, field, &n) : NULL;
    api_pack_str(pk, name ? name : "", name ? n : 0);
}

static void pack_group(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *key, group_t *g)
{
    int kind = entity_kind(t, key);
    unsigned field = key[ID_LEN];
    const field_def_t *f = schema_field_by_id((unsigned)(kind > 0 ? kind : 0), field);
    field_state_t cur;
    bool have = entity_get(t, key, field, &cur) == 0;
    size_t shown = g->n < API_CONFLICT_SIDES ? g->n : API_CONFLICT_SIDES;
    char label[2], winner[16] = "later edit";
    if (!have) snprintf(winner, sizeof winner, "?");
    long w = have ? group_index(g, cur.version) : -1;
    if (w >= 0 && (size_t)w < shown) side_label((size_t)w, winner);
    else if (w >= 0) snprintf(winner, sizeof winner, "not shown");
    msgpack_pack_map(pk, 11);
    api_pack_cstr(pk, "conflict"); api_pack_hex(pk, key, API_CONFLICT_KEY_LEN);
    api_pack_cstr(pk, "id"); api_pack_hex(pk, key, ID_LEN);
    api_pack_cstr(pk, "kind"); api_pack_cstr(pk, kind > 0 ? schema_kind_name((unsigned)kind) : "?");
    api_pack_cstr(pk, "name"); pack_display_name(t, pk, key, kind);
    api_pack_cstr(pk, "field"); api_pack_cstr(pk, f ? f->name : "?");
    api_pack_cstr(pk, "sides");
    msgpack_pack_array(pk, (uint32_t)shown);
    for (size_t i = 0; i < shown; i++) {
        side_label(i, label);
        pack_side(api, t, pk, key, field, g->v[i], label);
    }
    api_pack_cstr(pk, "n_sides"); msgpack_pack_uint64(pk, g->n);
    api_pack_cstr(pk, "unjoined"); msgpack_pack_uint64(pk, group_sets(g) - 1);
    api_pack_cstr(pk, "winner"); api_pack_cstr(pk, winner);
    api_pack_cstr(pk, "current");
    if (have) api_pack_register(pk, &cur); else msgpack_pack_nil(pk);
    api_pack_cstr(pk, "resolved"); group_sets(g) == 1 ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

static bool arg_group_key(const req_arg_t *a, uint8_t key[API_CONFLICT_KEY_LEN])
{
    char hex[2 * API_CONFLICT_KEY_LEN + 1];
    return api_arg_cstr(a, hex, sizeof hex) && strlen(hex) == 2 * API_CONFLICT_KEY_LEN &&
           crypto_unhex(hex, key, API_CONFLICT_KEY_LEN) == 0;
}

int api_conflict_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "all");
    bool all = a && a->type == MP_BOOL && a->i;
    int limit = api_arg_limit(req, API_CONFLICT_DEFAULT, msg, cap);
    if (limit < 0) return limit;
    uint8_t after[API_CONFLICT_KEY_LEN];
    const req_arg_t *af = request_arg(req, "after");
    if (af && !arg_group_key(af, after))
        return accord_fail(msg, cap, ACCORD_EINVAL, "after: give a conflict's id as listed (the 'next' of a page)");
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it);
    if (!rc && af) rc = store_iter_seek(it, after, sizeof after);
    if (rc) return accord_fail(msg, cap, rc, "cannot read conflicts");
    uint8_t (*keys)[API_CONFLICT_KEY_LEN] = api->conflict_keys;
    unsigned n = 0;
    bool more = false;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != API_CONFLICT_KEY_LEN) continue; /* a pair of an older store, until its upgrade */
        if (af && !memcmp(k.data, after, sizeof after)) continue;
        group_t g;
        if ((rc = group_load(t, k.data, &g))) break;
        bool resolved = group_sets(&g) <= 1;
        group_free(&g);
        if (resolved && !all) continue;
        if (n == (unsigned)limit) {
            more = true;
            break;
        }
        memcpy(keys[n++], k.data, k.len);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read conflicts");
    msgpack_pack_map(pk, 3);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        group_t g;
        if (group_load(t, keys[i], &g)) return accord_fail(msg, cap, ACCORD_ESTORE, "cannot read conflicts");
        pack_group(api, t, pk, keys[i], &g);
        group_free(&g);
    }
    api_pack_cstr(pk, "more");
    more ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    api_pack_cstr(pk, "next");
    if (more) api_pack_hex(pk, keys[n - 1], API_CONFLICT_KEY_LEN);
    else msgpack_pack_nil(pk);
    return 0;
}

/* Writes the chosen side's value again, with RESOLVE pairs that join every other set of
 * the group to the chosen side's (at most what one record holds: the reply says how many
 * sets remain for a second run). */
int api_conflict_resolve(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    uint8_t key[API_CONFLICT_KEY_LEN];
    char keep[8];
    int rc;
    if (!arg_group_key(request_arg(req, "conflict"), key))
        return accord_fail(msg, cap, ACCORD_EINVAL, "conflict: give the conflict's id as listed by 'accord conflicts'");
    store_val_t v;
    if (store_get(t, TBL_CONFLICTS, key, sizeof key, &v)) return accord_fail(msg, cap, ACCORD_ENOTFOUND, "conflict: no such conflict");
    if ((rc = api_write_author(api, t, req, w, msg, cap))) return rc;
    group_t g;
    if ((rc = group_load(t, key, &g))) return accord_fail(msg, cap, rc, "cannot read the conflict");
    size_t shown = g.n < API_CONFLICT_SIDES ? g.n : API_CONFLICT_SIDES;
    if (group_sets(&g) <= 1) { /* keeping a side now would only undo whatever came after */
        group_free(&g);
        return accord_fail(msg, cap, ACCORD_EEXISTS, "conflict: already resolved; edit the field to change it");
    }
    if (!api_arg_cstr(request_arg(req, "keep"), keep, sizeof keep) || strlen(keep) != 1 || keep[0] < 'a' ||
        (size_t)(keep[0] - 'a') >= shown) {
        group_free(&g);
        return accord_fail(msg, cap, ACCORD_EINVAL, "keep: give the side to keep, a to %c", (int)('a' + shown - 1));
    }
    size_t chosen_i = (size_t)(keep[0] - 'a');
    memcpy(w->rec.entity, key, ID_LEN);
    int kind = entity_kind(t, key);
    if (kind < 0) {
        group_free(&g);
        return accord_fail(msg, cap, kind, "the conflict's record is missing");
    }
    w->rec.kind = (uint8_t)kind;
    unsigned field = key[ID_LEN];
    record_t *src = &api->side;
    const record_op_t *chosen;
    if ((rc = value_of_version(t, key, field, g.v[chosen_i], src, &chosen))) {
        group_free(&g);
        return accord_fail(msg, cap, rc, "the chosen value's record is missing: run 'accordctl feed verify'");
    }
    record_op_t *o = api_write_new_op(w, (uint8_t)field, OP_SET);
    o->val = chosen->val;
    if (o->val.type == VAL_STR || o->val.type == VAL_REF) {
        memcpy(w->buf[0], chosen->val.s, chosen->val.len);
        o->val.s = w->buf[0];
    }
    /* one pair from the chosen side to a member of each other set, ordered a < b */
    uint32_t mine = group_find(&g, (uint32_t)chosen_i);
    size_t sets = group_sets(&g), joined = 0;
    for (size_t i = 0; i < g.n && w->rec.n_ops < RECORD_MAX_OPS; i++) {
        uint32_t root = group_find(&g, (uint32_t)i);
        if (root != i || root == mine) continue;
        record_op_t *r = api_write_new_op(w, (uint8_t)field, OP_RESOLVE);
        char *pair = w->buf[w->rec.n_ops - 1];
        bool chosen_first = memcmp(g.v[chosen_i], g.v[i], VERSION_LEN) < 0;
        memcpy(pair, chosen_first ? g.v[chosen_i] : g.v[i], VERSION_LEN);
        memcpy(pair + VERSION_LEN, chosen_first ? g.v[i] : g.v[chosen_i], VERSION_LEN);
        r->val = (value_t){VAL_REF, 0, pair, 2 * VERSION_LEN};
        joined++;
    }
    group_free(&g);
    if ((rc = api_write_fill_bases(t, w))) return accord_fail(msg, cap, rc, "cannot read the record");
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    api_pack_cstr(pk, "remaining");
    msgpack_pack_uint64(pk, sets - 1 - joined);
    return 0;
}
