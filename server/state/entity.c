/* SPDX-License-Identifier: MIT */
#include "state/entity.h"
#include "proto/accord_err.h"
#include "proto/schema.h"

#include <ctype.h>
#include <string.h>

size_t entity_encode_register(uint8_t *out, const uint8_t version[VERSION_LEN], const value_t *v)
{
    memcpy(out, version, VERSION_LEN);
    out[VERSION_LEN] = (uint8_t)v->type;
    uint8_t *p = out + VERSION_LEN + 1;
    switch (v->type) {
    case VAL_NIL: return VERSION_LEN + 1;
    case VAL_BOOL: *p = v->i ? 1 : 0; return VERSION_LEN + 2;
    case VAL_INT: be64_put(p, (uint64_t)v->i); return VERSION_LEN + 9;
    case VAL_STR:
    case VAL_REF: memcpy(p, v->s, v->len); return VERSION_LEN + 1 + v->len;
    }
    return VERSION_LEN + 1;
}

int entity_decode_register(const void *buf, size_t len, field_state_t *out)
{
    const uint8_t *b = buf;
    if (len < VERSION_LEN + 1) return ACCORD_ESTORE;
    out->version = b;
    memset(&out->val, 0, sizeof out->val);
    out->val.type = (value_type_t)b[VERSION_LEN];
    const uint8_t *p = b + VERSION_LEN + 1;
    size_t n = len - VERSION_LEN - 1;
    switch (out->val.type) {
    case VAL_NIL: return 0;
    case VAL_BOOL: if (n != 1) return ACCORD_ESTORE; out->val.i = *p; return 0;
    case VAL_INT: if (n != 8) return ACCORD_ESTORE; out->val.i = (int64_t)be64_get(p); return 0;
    case VAL_STR:
    case VAL_REF: out->val.s = (const char *)p; out->val.len = n; return 0;
    }
    return ACCORD_ESTORE;
}

int entity_get(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, field_state_t *out)
{
    uint8_t key[ID_LEN + 1];
    memcpy(key, id, ID_LEN);
    key[ID_LEN] = (uint8_t)field;
    store_val_t v;
    int rc = store_get(t, TBL_FIELDS, key, sizeof key, &v);
    if (rc) return rc;
    return entity_decode_register(v.data, v.len, out);
}

int entity_kind(store_txn_t *t, const uint8_t id[ID_LEN])
{
    store_val_t v;
    int rc = store_get(t, TBL_KINDS, id, ID_LEN, &v);
    if (rc) return rc;
    return v.len == 1 ? *(const uint8_t *)v.data : ACCORD_ESTORE;
}

bool entity_deleted(store_txn_t *t, const uint8_t id[ID_LEN])
{
    field_state_t f;
    return entity_get(t, id, F_DELETED, &f) == 0 && f.val.type == VAL_BOOL && f.val.i;
}

const char *entity_text(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, size_t *len)
{
    field_state_t f;
    *len = 0;
    if (entity_get(t, id, field, &f) || f.val.type != VAL_STR) return NULL;
    *len = f.val.len;
    return f.val.s;
}

int entity_each_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field,
                     entity_elem_fn fn, void *ctx)
{
    uint8_t prefix[ID_LEN + 1];
    memcpy(prefix, id, ID_LEN);
    prefix[ID_LEN] = (uint8_t)field;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_FIELDS, prefix, sizeof prefix, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len == sizeof prefix) continue; /* a register, not an element */
        if (v.len != VERSION_LEN + 1 || !((const uint8_t *)v.data)[VERSION_LEN]) continue;
        if ((rc = fn(ctx, (const char *)k.data + sizeof prefix, k.len - sizeof prefix))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

bool entity_has_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, const char *elem, size_t len)
{
    uint8_t key[ID_LEN + 1 + RECORD_MAX_STR];
    if (len > RECORD_MAX_STR) return false;
    memcpy(key, id, ID_LEN);
    key[ID_LEN] = (uint8_t)field;
    memcpy(key + ID_LEN + 1, elem, len);
    store_val_t v;
    return store_get(t, TBL_FIELDS, key, ID_LEN + 1 + len, &v) == 0 && v.len == VERSION_LEN + 1 &&
           ((const uint8_t *)v.data)[VERSION_LEN];
}

static int count_one(void *ctx, const char *elem, size_t len)
{
    (void)elem;
    (void)len;
    ++*(int *)ctx;
    return 0;
}

int entity_count_elems(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field)
{
    int n = 0;
    int rc = entity_each_elem(t, id, field, count_one, &n);
    return rc ? rc : n;
}

int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN])
{
    size_t n = strlen(hex);
    if (n < 4 || n > 2 * ID_LEN) return ACCORD_EINVAL;
    uint8_t prefix[ID_LEN] = {0};
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)hex[i]);
        int d = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return ACCORD_EINVAL;
        prefix[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
    }
    if (n == 2 * ID_LEN) {
        memcpy(id, prefix, ID_LEN);
        return entity_kind(t, id) < 0 ? ACCORD_ENOTFOUND : 0;
    }
    /* an odd digit count leaves half a byte: scan the whole bytes, then check the nibble */
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_KINDS, prefix, n / 2, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int found = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *key = k.data;
        if (n % 2 && (key[n / 2] >> 4) != (prefix[n / 2] >> 4)) continue;
        if (found++) break;
        memcpy(id, key, ID_LEN);
    }
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    return found == 0 ? ACCORD_ENOTFOUND : found > 1 ? ACCORD_EAMBIGUOUS : 0;
}
