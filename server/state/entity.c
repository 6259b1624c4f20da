/* SPDX-License-Identifier: MIT */
#include "state/entity.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "common/log.h"
#include "proto/crypto.h"

#include <sodium.h>

#include <stdlib.h>
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

/* ---- the row ---- */

#define ENTRY_HEAD 5 /* tag(1) klen(2) vlen(2) */

int entity_row_open(const void *data, size_t len, entity_row_t *r)
{
    const uint8_t *b = data;
    if (len < 2 || b[0] != ENTITY_ROW_FORMAT) return ACCORD_ESTORE;
    r->kind = b[1];
    r->p = b + 2;
    r->end = b + len;
    return 0;
}

int entity_row_next(entity_row_t *r, entity_entry_t *e)
{
    if (r->p == r->end) return 0;
    if ((size_t)(r->end - r->p) < ENTRY_HEAD) return ACCORD_ESTORE;
    const uint8_t *h = r->p;
    size_t klen = (size_t)h[1] << 8 | h[2], vlen = (size_t)h[3] << 8 | h[4];
    if ((size_t)(r->end - r->p) - ENTRY_HEAD < klen + vlen) return ACCORD_ESTORE;
    e->tag = h[0];
    e->key = h + ENTRY_HEAD;
    e->klen = klen;
    e->val = e->key + klen;
    e->vlen = vlen;
    r->p = e->val + vlen;
    return 1;
}

int entity_row(store_txn_t *t, const uint8_t id[ID_LEN], entity_row_t *r)
{
    store_val_t v;
    int rc = store_get(t, TBL_ENTITIES, id, ID_LEN, &v);
    return rc ? rc : entity_row_open(v.data, v.len, r);
}

uint64_t entity_row_updated(const void *data, size_t len)
{
    entity_row_t r;
    entity_entry_t e;
    uint64_t newest = 0, h;
    if (entity_row_open(data, len, &r)) return 0;
    while (entity_row_next(&r, &e) == 1) {
        if (e.tag == ENTITY_TAG_FIELD && e.vlen >= VERSION_LEN) h = version_hlc(e.val);
        else if (e.tag == ENTITY_TAG_SIBLING && e.klen == 1 + 2 * VERSION_LEN) h = version_hlc(e.key + 1 + VERSION_LEN);
        else continue;
        if (h > newest) newest = h;
    }
    return newest;
}

int entity_etag(store_txn_t *t, const uint8_t id[ID_LEN], char out[ENTITY_ETAG_LEN + 1])
{
    store_val_t v;
    int rc = store_get(t, TBL_ENTITIES, id, ID_LEN, &v);
    if (rc) return rc;
    uint8_t h[ENTITY_ETAG_LEN / 2];
    crypto_generichash(h, sizeof h, v.data, v.len, NULL, 0);
    crypto_hex(h, sizeof h, out);
    return 0;
}

/* Byte order of (tag, key), a shorter key first: the row's order. */
static int entry_cmp(uint8_t tag_a, const uint8_t *a, size_t alen, uint8_t tag_b, const uint8_t *b, size_t blen)
{
    if (tag_a != tag_b) return tag_a < tag_b ? -1 : 1;
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return (alen > blen) - (alen < blen);
}

int entity_entry_cmp(const entity_entry_t *a, const entity_entry_t *b)
{
    return entry_cmp(a->tag, a->key, a->klen, b->tag, b->key, b->klen);
}

int entity_row_find(const entity_row_t *r, uint8_t tag, const void *key, size_t klen, entity_entry_t *e)
{
    entity_row_t walk = *r;
    int rc;
    while ((rc = entity_row_next(&walk, e)) == 1) {
        int c = entry_cmp(e->tag, e->key, e->klen, tag, key, klen);
        if (c == 0) return 0;
        if (c > 0) break; /* sorted: it is not further on */
    }
    return rc < 0 ? rc : ACCORD_ENOTFOUND;
}

static void buf_reserve(entity_row_buf_t *b, size_t more)
{
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    b->buf = realloc(b->buf, cap);
    if (!b->buf) abort();
    b->cap = cap;
}

void entity_row_buf_load(entity_row_buf_t *b, const void *data, size_t len, unsigned kind)
{
    b->len = 0;
    if (data) {
        buf_reserve(b, len);
        memcpy(b->buf, data, len);
        b->len = len;
        return;
    }
    buf_reserve(b, 2);
    b->buf[0] = ENTITY_ROW_FORMAT;
    b->buf[1] = (uint8_t)kind;
    b->len = 2;
}

void entity_row_buf_put(entity_row_buf_t *b, uint8_t tag, const void *key, size_t klen, const void *val, size_t vlen)
{
    ACCORD_ASSERT(klen <= 0xffff && vlen <= 0xffff);
    entity_row_t r = {b->buf + 2, b->buf + b->len, b->buf[1]};
    entity_entry_t e;
    const uint8_t *at = r.end; /* where the entry goes: before the first greater one */
    size_t old = 0;            /* bytes of the entry it replaces */
    for (;;) {
        const uint8_t *here = r.p;
        if (entity_row_next(&r, &e) != 1) break;
        int c = entry_cmp(e.tag, e.key, e.klen, tag, key, klen);
        if (c < 0) continue;
        at = here;
        if (c == 0) old = ENTRY_HEAD + e.klen + e.vlen;
        break;
    }
    size_t off = (size_t)(at - b->buf), need = ENTRY_HEAD + klen + vlen;
    if (need > old) buf_reserve(b, need - old);
    uint8_t *p = b->buf + off;
    memmove(p + need, p + old, b->len - off - old);
    b->len = b->len - old + need;
    p[0] = tag;
    p[1] = (uint8_t)(klen >> 8), p[2] = (uint8_t)klen;
    p[3] = (uint8_t)(vlen >> 8), p[4] = (uint8_t)vlen;
    if (klen) memcpy(p + ENTRY_HEAD, key, klen);
    if (vlen) memcpy(p + ENTRY_HEAD + klen, val, vlen);
}

void entity_row_buf_free(entity_row_buf_t *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

int entity_each_entry(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t tag, const void *prefix, size_t plen,
                      entity_entry_fn fn, void *ctx)
{
    entity_row_t r;
    int rc = entity_row(t, id, &r);
    if (rc) return rc == ACCORD_ENOTFOUND ? 0 : rc;
    entity_entry_t e;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (e.tag < tag) continue;
        if (e.tag > tag) break;
        if (e.klen < plen || (plen && memcmp(e.key, prefix, plen))) {
            if (plen && e.klen >= plen && memcmp(e.key, prefix, plen) > 0) break;
            continue;
        }
        if ((rc = fn(ctx, &e))) return rc;
    }
    return rc < 0 ? rc : 0;
}

int entity_each(store_txn_t *t, const void *prefix, size_t plen, entity_id_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_ENTITIES, prefix, plen, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *row = v.data;
        if (k.len != ID_LEN || v.len < 2 || row[0] != ENTITY_ROW_FORMAT) continue;
        if ((rc = fn(ctx, k.data, row[1]))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

/* ---- reading fields ---- */

int entity_get(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, field_state_t *out)
{
    entity_row_t r;
    int rc = entity_row(t, id, &r);
    if (rc) return rc;
    uint8_t key = (uint8_t)field;
    entity_entry_t e;
    if ((rc = entity_row_find(&r, ENTITY_TAG_FIELD, &key, 1, &e))) return rc;
    return entity_decode_register(e.val, e.vlen, out);
}

int entity_kind(store_txn_t *t, const uint8_t id[ID_LEN])
{
    store_val_t v;
    int rc = store_get(t, TBL_ENTITIES, id, ID_LEN, &v);
    if (rc) return rc;
    const uint8_t *row = v.data;
    return v.len >= 2 && row[0] == ENTITY_ROW_FORMAT ? row[1] : ACCORD_ESTORE;
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

typedef struct {
    entity_elem_fn fn;
    void *ctx;
} elem_walk_t;

static int elem_entry(void *ctx, const entity_entry_t *e)
{
    elem_walk_t *w = ctx;
    if (e->klen == 1) return 0; /* the field's register, not an element */
    if (e->vlen != VERSION_LEN + 1 || !e->val[VERSION_LEN]) return 0;
    return w->fn(w->ctx, (const char *)e->key + 1, e->klen - 1);
}

int entity_each_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field,
                     entity_elem_fn fn, void *ctx)
{
    uint8_t prefix = (uint8_t)field;
    elem_walk_t w = {fn, ctx};
    int rc = entity_each_entry(t, id, ENTITY_TAG_FIELD, &prefix, 1, elem_entry, &w);
    return rc < 0 ? rc : 0;
}

bool entity_has_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, const char *elem, size_t len)
{
    uint8_t key[1 + RECORD_MAX_STR];
    if (len > RECORD_MAX_STR) return false;
    key[0] = (uint8_t)field;
    memcpy(key + 1, elem, len);
    entity_row_t r;
    entity_entry_t e;
    return entity_row(t, id, &r) == 0 && entity_row_find(&r, ENTITY_TAG_FIELD, key, 1 + len, &e) == 0 &&
           e.vlen == VERSION_LEN + 1 && e.val[VERSION_LEN];
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
