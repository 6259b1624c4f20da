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
    /* the feed's records and its checkpoints walked side by side: the batch ends at the
     * furthest checkpoint that keeps it within target records and max_bytes, or at the
     * first checkpoint if even that one is beyond them (a batch cannot end between two) */
    store_iter_t *cps, *it;
    if (store_iter_new(t, TBL_CHECKPTS, origin, ID_LEN, false, &cps)) return 0;
    store_iter_seek(cps, key, sizeof key);
    if (store_iter_new(t, TBL_FEED, origin, ID_LEN, false, &it)) {
        store_iter_destroy(&cps);
        return 0;
    }
    store_iter_seek(it, key, sizeof key);
    store_val_t k, v, ck, cv;
    uint64_t last = 0, next_cp = 0;
    const uint8_t *next_sig = NULL;
    size_t bytes = 0;
    uint32_t n = 0, want = target ? target : 1;
    while (store_iter_next(it, &k, &v) == 1) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq != from + n || seq > head || n >= FEED_BATCH_MAX) break;
        if (last && (n >= want || bytes + v.len > max_bytes)) break; /* full, and a checkpoint was reached */
        while (next_cp < seq) { /* the next checkpoint at or after this record */
            if (store_iter_next(cps, &ck, &cv) != 1 || ck.len != sizeof key || cv.len != CRYPTO_SIG_LEN) {
                next_cp = UINT64_MAX;
                break;
            }
            next_cp = be64_get((const uint8_t *)ck.data + ID_LEN);
            next_sig = cv.data;
        }
        out->items[n] = v.data;
        out->lens[n] = v.len;
        bytes += v.len;
        n++;
        if (seq == next_cp) {
            last = seq;
            out->sig = next_sig;
        }
    }
    store_iter_destroy(&it);
    store_iter_destroy(&cps);
    if (!last) return 0;
    out->n = (uint32_t)(last - from + 1);
    return last;
}
