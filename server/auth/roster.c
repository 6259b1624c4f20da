/* SPDX-License-Identifier: MIT */
#include "auth/roster.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/wire.h"

#include <string.h>

#define ORG_KEY "org_pk"
#define GEN_KEY "roster_gen"

int roster_org_pk(store_txn_t *t, uint8_t org_pk[CRYPTO_PK_LEN])
{
    store_val_t v;
    int rc = store_get(t, TBL_META, ORG_KEY, strlen(ORG_KEY), &v);
    if (rc) return rc;
    if (v.len != CRYPTO_PK_LEN) return ACCORD_ESTORE;
    memcpy(org_pk, v.data, CRYPTO_PK_LEN);
    return 0;
}

int roster_pin_org(store_txn_t *t, const uint8_t org_pk[CRYPTO_PK_LEN])
{
    return store_put(t, TBL_META, ORG_KEY, strlen(ORG_KEY), org_pk, CRYPTO_PK_LEN);
}

uint64_t roster_generation(store_txn_t *t)
{
    store_val_t v;
    if (store_get(t, TBL_META, GEN_KEY, strlen(GEN_KEY), &v) || v.len != 8) return 0;
    return be64_get(v.data);
}

static void node_key(uint8_t key[1 + CRYPTO_PK_LEN], const uint8_t pk[CRYPTO_PK_LEN])
{
    key[0] = 'N';
    memcpy(key + 1, pk, CRYPTO_PK_LEN);
}

/* Does the new entry n (bytes nb) stand instead of the stored one o (bytes ob)? */
static bool wins(const roster_entry_t *n, const uint8_t *nb, size_t nlen, const roster_entry_t *o,
                 const uint8_t *ob, size_t olen)
{
    if (o->action == ROSTER_REVOKE && n->action != ROSTER_REVOKE) return false;
    if (o->action == ROSTER_REVOKE) /* two revocations: the earlier stands */
        return n->issued_ms != o->issued_ms ? n->issued_ms < o->issued_ms : memcmp(nb, ob, nlen < olen ? nlen : olen) > 0;
    if (n->action == ROSTER_REVOKE && o->action != ROSTER_REVOKE) return true;
    if (n->issued_ms != o->issued_ms) return n->issued_ms > o->issued_ms;
    size_t m = nlen < olen ? nlen : olen;
    int c = memcmp(nb, ob, m);
    return c ? c > 0 : nlen > olen;
}

int roster_add(store_txn_t *t, const uint8_t *signed_entry, size_t len, bool *changed,
               roster_entry_t *out)
{
    *changed = false;
    uint8_t org[CRYPTO_PK_LEN];
    int rc = roster_org_pk(t, org);
    if (rc) return rc;
    if ((rc = roster_entry_open(signed_entry, len, org, out))) return rc;

    uint8_t key[1 + CRYPTO_PK_LEN];
    node_key(key, out->pk);
    store_val_t v;
    rc = store_get(t, TBL_ROSTER, key, sizeof key, &v);
    if (rc == 0) {
        roster_entry_t old;
        /* Stored entries were checked on the way in; a failure here is a damaged store. */
        if (roster_entry_open(v.data, v.len, NULL, &old)) return ACCORD_ESTORE;
        if (!wins(out, signed_entry, len, &old, v.data, v.len)) return 0;
    } else if (rc != ACCORD_ENOTFOUND) {
        return rc;
    }
    uint8_t origin_key[1 + CRYPTO_ORIGIN_LEN], curve_key[1 + 32], gen_key[1 + 8];
    origin_key[0] = 'O';
    crypto_origin_of(out->pk, origin_key + 1);
    curve_key[0] = 'C';
    if (crypto_curve_pk(out->pk, curve_key + 1)) return ACCORD_EKEY;
    gen_key[0] = 'G'; /* which entry changed at each generation: what peers need sent */
    be64_put(gen_key + 1, roster_generation(t) + 1);
    if ((rc = store_put(t, TBL_ROSTER, key, sizeof key, signed_entry, len)) ||
        (rc = store_put(t, TBL_ROSTER, origin_key, sizeof origin_key, out->pk, CRYPTO_PK_LEN)) ||
        (rc = store_put(t, TBL_ROSTER, curve_key, sizeof curve_key, out->pk, CRYPTO_PK_LEN)) ||
        (rc = store_put(t, TBL_ROSTER, gen_key, sizeof gen_key, out->pk, CRYPTO_PK_LEN)) ||
        (rc = store_put(t, TBL_META, GEN_KEY, strlen(GEN_KEY), gen_key + 1, 8)))
        return rc;
    *changed = true;
    return 0;
}

int roster_by_pk(store_txn_t *t, const uint8_t pk[CRYPTO_PK_LEN], roster_entry_t *out)
{
    uint8_t key[1 + CRYPTO_PK_LEN];
    node_key(key, pk);
    store_val_t v;
    int rc = store_get(t, TBL_ROSTER, key, sizeof key, &v);
    if (rc) return rc;
    return roster_entry_open(v.data, v.len, NULL, out) ? ACCORD_ESTORE : 0;
}

static int by_alias(store_txn_t *t, uint8_t tag, const uint8_t *id, size_t len, roster_entry_t *out)
{
    uint8_t key[1 + 32];
    key[0] = tag;
    memcpy(key + 1, id, len);
    store_val_t v;
    int rc = store_get(t, TBL_ROSTER, key, 1 + len, &v);
    if (rc) return rc;
    if (v.len != CRYPTO_PK_LEN) return ACCORD_ESTORE;
    uint8_t pk[CRYPTO_PK_LEN];
    memcpy(pk, v.data, sizeof pk);
    return roster_by_pk(t, pk, out);
}

int roster_by_origin(store_txn_t *t, const uint8_t origin[CRYPTO_ORIGIN_LEN], roster_entry_t *out)
{
    return by_alias(t, 'O', origin, CRYPTO_ORIGIN_LEN, out);
}

int roster_by_curve(store_txn_t *t, const uint8_t curve_pk[32], roster_entry_t *out)
{
    return by_alias(t, 'C', curve_pk, 32, out);
}

int roster_each(store_txn_t *t, roster_fn fn, void *ctx)
{
    uint8_t org[CRYPTO_PK_LEN];
    int rc = roster_org_pk(t, org);
    if (rc) return rc == ACCORD_ENOTFOUND ? 0 : rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_ROSTER, "N", 1, false, &it))) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        roster_entry_t e;
        if (roster_entry_open(v.data, v.len, NULL, &e)) {
            rc = ACCORD_ESTORE;
            break;
        }
        if ((rc = fn(ctx, v.data, v.len, &e))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

int roster_each_since(store_txn_t *t, uint64_t gen, roster_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_ROSTER, "G", 1, false, &it);
    if (rc) return rc;
    uint8_t start[1 + 8] = {'G'};
    be64_put(start + 1, gen + 1);
    store_iter_seek(it, start, sizeof start);
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (v.len != CRYPTO_PK_LEN) continue;
        uint8_t key[1 + CRYPTO_PK_LEN];
        node_key(key, v.data);
        store_val_t e_bytes;
        roster_entry_t e;
        if (store_get(t, TBL_ROSTER, key, sizeof key, &e_bytes) ||
            roster_entry_open(e_bytes.data, e_bytes.len, NULL, &e)) {
            rc = ACCORD_ESTORE;
            break;
        }
        if ((rc = fn(ctx, e_bytes.data, e_bytes.len, &e))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

typedef struct {
    msgpack_packer pk;
    uint32_t n;
} message_t;

static int pack_entry(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)e;
    message_t *m = ctx;
    wire_pack_bin(&m->pk, signed_entry, len);
    m->n++;
    return 0;
}

int roster_message(store_txn_t *t, uint64_t since, msgpack_sbuffer *out, uint32_t *n)
{
    msgpack_sbuffer items;
    msgpack_sbuffer_init(&items);
    message_t m = {.n = 0};
    msgpack_packer_init(&m.pk, &items, msgpack_sbuffer_write);
    int rc = since ? roster_each_since(t, since, pack_entry, &m) : roster_each(t, pack_entry, &m);
    out->size = 0;
    if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
        wire_pack_roster_head(&pk, m.n);
        msgpack_sbuffer_write(out, items.data, items.size);
    }
    msgpack_sbuffer_destroy(&items);
    *n = m.n;
    return rc;
}
