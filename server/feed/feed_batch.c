/* SPDX-License-Identifier: MIT */
#include "feed/feed_batch.h"
#include "proto/crypto.h"

#include <string.h>

uint64_t feed_batch(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t from, uint64_t head, uint32_t target,
                    size_t max_bytes, feed_batch_t *out)
{
    out->n = 0;
    out->sig = NULL;
    uint8_t key[ID_LEN + 8];
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, from);
    store_iter_t *it;
    if (store_iter_new(t, TBL_CHECKPTS, origin, ID_LEN, false, &it)) return 0;
    store_iter_seek(it, key, sizeof key);
    store_val_t k, v;
    uint64_t last = 0, limit = from + (target ? target : 1) - 1;
    /* checkpoints in range: the batch ends at the furthest one that keeps it in bounds */
    uint64_t checkpoints[64];
    const uint8_t *sigs[64];
    unsigned n_cp = 0;
    while (n_cp < 64 && store_iter_next(it, &k, &v) == 1 && k.len == sizeof key && v.len == CRYPTO_SIG_LEN) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq > head || (seq > limit && n_cp > 0)) break;
        checkpoints[n_cp] = seq;
        sigs[n_cp++] = v.data;
        if (seq >= limit) break;
    }
    store_iter_destroy(&it);
    if (n_cp == 0) return 0;
    if (store_iter_new(t, TBL_FEED, origin, ID_LEN, false, &it)) return 0;
    store_iter_seek(it, key, sizeof key);
    size_t bytes = 0;
    uint32_t n = 0;
    unsigned cp = 0;
    while (store_iter_next(it, &k, &v) == 1) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq != from + n || n >= FEED_BATCH_MAX) break;
        if (bytes + v.len > max_bytes && last) break; /* full, and a checkpoint was reached */
        out->items[n] = v.data;
        out->lens[n] = v.len;
        bytes += v.len;
        n++;
        if (seq == checkpoints[cp]) {
            last = seq;
            out->sig = sigs[cp];
            if (++cp == n_cp) break;
        }
    }
    store_iter_destroy(&it);
    if (!last) return 0;
    out->n = (uint32_t)(last - from + 1);
    return last;
}
