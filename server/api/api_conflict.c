/* SPDX-License-Identifier: MIT
 * api_conflict: concurrent SETs of one field that merge kept both sides of (TBL_CONFLICTS,
 * merge.h): listing them with both values, who wrote each and which one won, and resolving
 * one by writing the chosen value again with an OP_RESOLVE that closes the conflict on
 * every node the record reaches. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"

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
                      unsigned field, const uint8_t *version)
{
    record_t *rec = &api->side;
    const record_op_t *op = NULL;
    char when[40];
    hlc_format(version_hlc(version), when, sizeof when);
    msgpack_pack_map(pk, 4);
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

int api_conflict_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "all");
    bool all = a && a->type == MP_BOOL && a->i;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it);
    if (rc) return accord_fail(msg, cap, rc, "cannot read conflicts");
    uint8_t (*keys)[API_CONFLICT_KEY_LEN] = api->conflict_keys;
    bool *resolved = api->resolved;
    unsigned n = 0;
    store_val_t k, v;
    while (n < API_LIST_MAX && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != sizeof keys[0]) continue;
        store_val_t r;
        resolved[n] = store_get(t, TBL_RESOLVED, k.data, k.len, &r) == 0;
        if (resolved[n] && !all) continue;
        memcpy(keys[n++], k.data, k.len);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read conflicts");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *key = keys[i];
        int kind = entity_kind(t, key);
        unsigned field = key[ID_LEN];
        const field_def_t *f = schema_field_by_id((unsigned)(kind > 0 ? kind : 0), field);
        field_state_t cur;
        bool have = entity_get(t, key, field, &cur) == 0;
        const uint8_t *va = key + ID_LEN + 1, *vb = va + VERSION_LEN;
        msgpack_pack_map(pk, 9);
        api_pack_cstr(pk, "conflict"); api_pack_hex(pk, key, sizeof keys[0]);
        api_pack_cstr(pk, "id"); api_pack_hex(pk, key, ID_LEN);
        api_pack_cstr(pk, "kind"); api_pack_cstr(pk, kind > 0 ? schema_kind_name((unsigned)kind) : "?");
        api_pack_cstr(pk, "field"); api_pack_cstr(pk, f ? f->name : "?");
        api_pack_cstr(pk, "a"); pack_side(api, t, pk, key, field, va);
        api_pack_cstr(pk, "b"); pack_side(api, t, pk, key, field, vb);
        api_pack_cstr(pk, "winner");
        api_pack_cstr(pk, !have ? "?" : !memcmp(cur.version, va, VERSION_LEN) ? "a" : !memcmp(cur.version, vb, VERSION_LEN) ? "b" : "later edit");
        api_pack_cstr(pk, "current");
        if (have) api_pack_register(pk, &cur); else msgpack_pack_nil(pk);
        api_pack_cstr(pk, "resolved"); resolved[i] ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    return 0;
}

int api_conflict_resolve(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    uint8_t key[API_CONFLICT_KEY_LEN];
    char hex[2 * sizeof key + 1], keep[8];
    int rc;
    if (!api_arg_cstr(request_arg(req, "conflict"), hex, sizeof hex) || crypto_unhex(hex, key, sizeof key))
        return accord_fail(msg, cap, ACCORD_EINVAL, "conflict: give the conflict's id as listed by 'accord conflicts'");
    store_val_t v;
    if (store_get(t, TBL_CONFLICTS, key, sizeof key, &v)) return accord_fail(msg, cap, ACCORD_ENOTFOUND, "conflict: no such conflict");
    if (!api_arg_cstr(request_arg(req, "keep"), keep, sizeof keep) || (strcmp(keep, "a") && strcmp(keep, "b")))
        return accord_fail(msg, cap, ACCORD_EINVAL, "keep: give a or b, the value to keep");
    if ((rc = api_write_author(req, w, msg, cap))) return rc;
    memcpy(w->rec.entity, key, ID_LEN);
    int kind = entity_kind(t, key);
    if (kind < 0) return accord_fail(msg, cap, kind, "the conflict's record is missing");
    w->rec.kind = (uint8_t)kind;
    unsigned field = key[ID_LEN];
    record_t *src = &api->side;
    const record_op_t *chosen;
    const uint8_t *version = key + ID_LEN + 1 + (keep[0] == 'b' ? VERSION_LEN : 0);
    if ((rc = value_of_version(t, key, field, version, src, &chosen)))
        return accord_fail(msg, cap, rc, "the chosen value's record is missing: run 'accordctl feed verify'");
    record_op_t *o = api_write_new_op(w, (uint8_t)field, OP_SET);
    o->val = chosen->val;
    if (o->val.type == VAL_STR || o->val.type == VAL_REF) {
        memcpy(w->buf[0], chosen->val.s, chosen->val.len);
        o->val.s = w->buf[0];
    }
    record_op_t *r = api_write_new_op(w, (uint8_t)field, OP_RESOLVE);
    r->val = (value_t){VAL_REF, 0, (const char *)key + ID_LEN + 1, 2 * VERSION_LEN};
    if ((rc = api_write_fill_bases(t, w))) return accord_fail(msg, cap, rc, "cannot read the record");
    if ((rc = oplog_append(api->log, t, &w->rec)))
        return accord_fail(msg, cap, rc, "cannot store the resolution: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    return 0;
}
