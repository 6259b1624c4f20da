/* SPDX-License-Identifier: MIT */
#include "hooks/hook_store.h"
#include "hooks/hook_outbox.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/record.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void key_of(uint8_t key[9], char tag, uint64_t id)
{
    key[0] = (uint8_t)tag;
    be64_put(key + 1, id);
}

static void be16_put(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned be16_get(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

size_t hook_row_encode(const hook_t *h, uint8_t *out)
{
    size_t ls = strlen(h->secret), lu = strlen(h->url), le = strlen(h->events);
    uint8_t *p = out;
    *p++ = 1;
    be64_put(p, h->created_ms), p += 8;
    *p++ = (uint8_t)ls;
    be16_put(p, (unsigned)lu), p += 2;
    be16_put(p, (unsigned)le), p += 2;
    memcpy(p, h->secret, ls), p += ls;
    memcpy(p, h->url, lu), p += lu;
    memcpy(p, h->events, le), p += le;
    return (size_t)(p - out);
}

int hook_row_decode(const void *row, size_t len, uint64_t id, hook_t *h)
{
    const uint8_t *p = row;
    memset(h, 0, sizeof *h);
    if (len < 14 || p[0] != 1) return ACCORD_ESTORE;
    size_t ls = p[9], lu = be16_get(p + 10), le = be16_get(p + 12);
    if (ls > HOOK_SECRET_MAX || lu > HOOK_URL_MAX || le > HOOK_EVENTS_TEXT_MAX || len != 14 + ls + lu + le)
        return ACCORD_ESTORE;
    h->id = id;
    h->created_ms = be64_get(p + 1);
    memcpy(h->secret, p + 14, ls);
    memcpy(h->url, p + 14 + ls, lu);
    memcpy(h->events, p + 14 + ls + lu, le);
    /* what was checked before it was stored must still hold: the store is read as input */
    char why[8];
    hook_url_t u;
    hook_patterns_t pat;
    if (strlen(h->secret) != ls || hook_url_parse(h->url, lu, &u, why, sizeof why) ||
        hook_patterns_parse(h->events, le, &pat, why, sizeof why))
        return ACCORD_ESTORE;
    return 0;
}

void hook_secret_new(char out[65])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    crypto_hex(raw, sizeof raw, out);
    sodium_memzero(raw, sizeof raw);
}

static int count_hooks(store_txn_t *t, unsigned *n)
{
    store_iter_t *it;
    store_val_t k, v;
    int rc = store_iter_new(t, TBL_HOOKS, "H", 1, false, &it);
    *n = 0;
    while (!rc && (rc = store_iter_next(it, &k, &v)) == 1) (*n)++;
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

int hook_add(store_txn_t *t, hook_t *h, uint64_t now_ms)
{
    unsigned n;
    int rc = count_hooks(t, &n);
    if (rc) return rc;
    if (n >= HOOK_MAX) return ACCORD_ETOOBIG;
    store_val_t v;
    uint64_t id = 1;
    rc = store_get(t, TBL_HOOKS, "N", 1, &v);
    if (rc == 0 && v.len == 8) id = be64_get(v.data);
    else if (rc == 0) return ACCORD_ESTORE;
    else if (rc != ACCORD_ENOTFOUND) return rc;
    uint8_t next[8], key[9];
    be64_put(next, id + 1);
    h->id = id;
    h->created_ms = now_ms;
    static uint8_t row[HOOK_ROW_MAX]; /* the writer thread's only: hooks are added there */
    size_t len = hook_row_encode(h, row);
    key_of(key, 'H', id);
    if ((rc = store_put(t, TBL_HOOKS, "N", 1, next, sizeof next)) || (rc = store_put(t, TBL_HOOKS, key, sizeof key, row, len)))
        return rc;
    hook_cache_forget(store_txn_store(t));
    return 0;
}

int hook_remove(store_txn_t *t, uint64_t id, uint64_t *dropped)
{
    uint8_t key[9], prefix[8];
    store_val_t v;
    key_of(key, 'H', id);
    int rc = store_get(t, TBL_HOOKS, key, sizeof key, &v);
    if (rc) return rc;
    if ((rc = store_del(t, TBL_HOOKS, key, sizeof key))) return rc;
    key_of(key, 'S', id);
    if ((rc = store_del(t, TBL_HOOKS, key, sizeof key))) return rc;
    be64_put(prefix, id);
    uint64_t n = 0;
    if ((rc = store_del_prefix(t, TBL_OUTBOX, prefix, sizeof prefix, &n))) return rc;
    if (dropped) *dropped = n;
    hook_cache_forget(store_txn_store(t));
    return 0;
}

int hook_get(store_txn_t *t, uint64_t id, hook_t *h)
{
    uint8_t key[9];
    store_val_t v;
    key_of(key, 'H', id);
    int rc = store_get(t, TBL_HOOKS, key, sizeof key, &v);
    return rc ? rc : hook_row_decode(v.data, v.len, id, h);
}

int hook_each(store_txn_t *t, hook_fn fn, void *ctx)
{
    store_iter_t *it;
    store_val_t k, v;
    int rc = store_iter_new(t, TBL_HOOKS, "H", 1, false, &it);
    if (rc) return rc;
    hook_t *h = malloc(sizeof *h); /* 3 KiB: not on a worker's stack */
    if (!h) abort();
    int stop = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 9) rc = ACCORD_ESTORE;
        else rc = hook_row_decode(v.data, v.len, be64_get((const uint8_t *)k.data + 1), h);
        if (rc || (stop = fn(ctx, h))) break;
    }
    free(h);
    store_iter_destroy(&it);
    return stop ? stop : rc < 0 ? rc : 0;
}

#define STATS_FIXED (8 * 4 + 1)

int hook_stats_get(store_txn_t *t, uint64_t id, hook_stats_t *s)
{
    uint8_t key[9];
    store_val_t v;
    memset(s, 0, sizeof *s);
    key_of(key, 'S', id);
    int rc = store_get(t, TBL_HOOKS, key, sizeof key, &v);
    if (rc == ACCORD_ENOTFOUND) return 0;
    if (rc) return rc;
    const uint8_t *p = v.data;
    if (v.len < STATS_FIXED || p[32] > HOOK_ERROR_MAX || v.len != STATS_FIXED + (size_t)p[32]) return ACCORD_ESTORE;
    s->delivered = be64_get(p);
    s->failed = be64_get(p + 8);
    s->last_ok_ms = be64_get(p + 16);
    s->last_error_ms = be64_get(p + 24);
    memcpy(s->last_error, p + STATS_FIXED, p[32]);
    s->last_error[p[32]] = 0;
    return 0;
}

int hook_stats_put(store_txn_t *t, uint64_t id, const hook_stats_t *s)
{
    uint8_t key[9], row[STATS_FIXED + HOOK_ERROR_MAX];
    size_t el = strnlen(s->last_error, HOOK_ERROR_MAX);
    key_of(key, 'S', id);
    be64_put(row, s->delivered);
    be64_put(row + 8, s->failed);
    be64_put(row + 16, s->last_ok_ms);
    be64_put(row + 24, s->last_error_ms);
    row[32] = (uint8_t)el;
    memcpy(row + STATS_FIXED, s->last_error, el);
    return store_put(t, TBL_HOOKS, key, sizeof key, row, STATS_FIXED + el);
}
