/* SPDX-License-Identifier: MIT */
#include "state/digest.h"
#include "proto/record.h"
#include "state/entity.h"

#include <sodium.h>
#include <string.h>


static int entity_digest(store_txn_t *t, const uint8_t entity[ID_LEN], uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    store_table_t state_tables[TBL_COUNT]; /* the catalogue's STORE_T_DIGEST tables (store.h) */
    unsigned n_state = store_tables_with(STORE_T_DIGEST, state_tables);
    for (unsigned i = 0; i < n_state; i++) {
        store_iter_t *it;
        int rc = store_iter_new(t, state_tables[i], entity, ID_LEN, false, &it);
        if (rc) return rc;
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            uint8_t head[1 + 2], vl[4];
            head[0] = (uint8_t)state_tables[i];
            head[1] = (uint8_t)(k.len >> 8);
            head[2] = (uint8_t)k.len;
            for (int b = 0; b < 4; b++) vl[b] = (uint8_t)(v.len >> (24 - 8 * b));
            crypto_generichash_update(&h, head, sizeof head);
            crypto_generichash_update(&h, k.data, k.len);
            crypto_generichash_update(&h, vl, sizeof vl);
            crypto_generichash_update(&h, v.data, v.len);
        }
        store_iter_destroy(&it);
        if (rc < 0) return rc;
    }
    crypto_generichash_final(&h, out, 32);
    return 0;
}

int digest_bucket(store_txn_t *t, uint8_t bucket, digest_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_ENTITIES, &bucket, 1, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        /* deleted entities are left out: compaction reduces them to graves at some nodes
         * sooner than at others, and what a deleted entity held is shown to no one */
        if (k.len != ID_LEN || entity_deleted(t, k.data)) continue;
        uint8_t d[32];
        if ((rc = entity_digest(t, k.data, d)) || (rc = fn(ctx, k.data, d))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : (rc == 1 ? 0 : rc);
}

typedef struct {
    crypto_generichash_state h;
    uint64_t n;
} bucket_ctx_t;

static int add_entity(void *ctx, const uint8_t entity[16], const uint8_t digest[32])
{
    bucket_ctx_t *b = ctx;
    crypto_generichash_update(&b->h, entity, ID_LEN);
    crypto_generichash_update(&b->h, digest, 32);
    b->n++;
    return 0;
}

int digest_state(store_txn_t *t, state_digest_t *out)
{
    memset(out, 0, sizeof *out);
    crypto_generichash_state all;
    crypto_generichash_init(&all, NULL, 0, 32);
    for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
        bucket_ctx_t ctx;
        ctx.n = 0;
        crypto_generichash_init(&ctx.h, NULL, 0, 32);
        int rc = digest_bucket(t, (uint8_t)b, add_entity, &ctx);
        if (rc) return rc;
        crypto_generichash_final(&ctx.h, out->bucket[b], 32);
        crypto_generichash_update(&all, out->bucket[b], 32);
        out->entities += ctx.n;
    }
    crypto_generichash_final(&all, out->state, 32);
    return 0;
}
