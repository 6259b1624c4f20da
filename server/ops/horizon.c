/* SPDX-License-Identifier: MIT */
#include "ops/horizon.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "auth/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    store_txn_t *t;
    const uint8_t *self;
    horizon_t *h;
} walk_t;

/* Lowers the horizon of every feed to what node e holds of it. */
static int count_node(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)signed_entry, (void)len;
    walk_t *w = ctx;
    if (e->action != ROSTER_ENROLL) return 0;
    uint8_t origin[ID_LEN];
    crypto_origin_of(e->pk, origin);
    if (memcmp(origin, w->self, ID_LEN) == 0) return 0; /* counted with its heads */
    w->h->nodes++;
    for (uint32_t i = 0; i < w->h->n; i++) {
        horizon_entry_t *f = &w->h->feeds[i];
        uint8_t key[2 * ID_LEN];
        memcpy(key, origin, ID_LEN);
        memcpy(key + ID_LEN, f->origin, ID_LEN);
        store_val_t v;
        int rc = store_get(w->t, TBL_ACKED, key, sizeof key, &v);
        uint64_t held = 0;
        if (rc == 0 && v.len == 8) held = be64_get(v.data);
        else if (rc && rc != ACCORD_ENOTFOUND) return rc;
        if (held < f->seq) {
            f->seq = held;
            snprintf(f->held_by, sizeof f->held_by, "%s", e->name);
        } else if (held == f->seq && held < f->head) { /* name every node at the horizon */
            size_t used = strlen(f->held_by);
            if (used + strlen(e->name) + 3 < sizeof f->held_by)
                snprintf(f->held_by + used, sizeof f->held_by - used, ", %s", e->name);
        }
    }
    return 0;
}

int horizon_compute(store_txn_t *t, const uint8_t self[ID_LEN], horizon_t *out)
{
    memset(out, 0, sizeof *out);
    uint32_t cap = 0;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 8) continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            out->feeds = realloc(out->feeds, cap * sizeof *out->feeds);
            if (!out->feeds) abort();
        }
        horizon_entry_t *f = &out->feeds[out->n++];
        memset(f, 0, sizeof *f);
        memcpy(f->origin, k.data, ID_LEN);
        f->head = f->seq = be64_get(v.data);
    }
    store_iter_destroy(&it);
    if (rc < 0) {
        horizon_free(out);
        return rc;
    }
    out->nodes = 1;
    walk_t w = {t, self, out};
    if ((rc = roster_each(t, count_node, &w))) horizon_free(out);
    return rc;
}

void horizon_free(horizon_t *h)
{
    free(h->feeds);
    h->feeds = NULL;
    h->n = 0;
}

uint64_t horizon_of(const horizon_t *h, const uint8_t origin[ID_LEN])
{
    uint32_t lo = 0, hi = h->n; /* the feeds come in origin order */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(h->feeds[mid].origin, origin, ID_LEN);
        if (c == 0) return h->feeds[mid].seq;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int horizon_note(store_txn_t *t, const uint8_t peer[ID_LEN], const uint8_t feed[ID_LEN], uint64_t seq)
{
    uint8_t key[2 * ID_LEN], val[8];
    memcpy(key, peer, ID_LEN);
    memcpy(key + ID_LEN, feed, ID_LEN);
    be64_put(val, seq);
    return store_put(t, TBL_ACKED, key, sizeof key, val, sizeof val);
}

uint64_t horizon_noted(store_txn_t *t, const uint8_t peer[ID_LEN], const uint8_t feed[ID_LEN])
{
    uint8_t key[2 * ID_LEN];
    memcpy(key, peer, ID_LEN);
    memcpy(key + ID_LEN, feed, ID_LEN);
    store_val_t v;
    return store_get(t, TBL_ACKED, key, sizeof key, &v) == 0 && v.len == 8 ? be64_get(v.data) : 0;
}
