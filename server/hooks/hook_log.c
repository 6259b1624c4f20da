/* SPDX-License-Identifier: MIT */
#include "hooks/hook_log.h"
#include "proto/accord_err.h"

#include <string.h>

#define LOG_FIXED (8 + 8 + ID_LEN + 8 + 4 + 2 + 4 + 1 + 1 + 1)

const char *hook_outcome_name(unsigned outcome)
{
    return outcome == HOOK_LOG_DELIVERED ? "delivered" : outcome == HOOK_LOG_RETRY ? "retry"
                                                     : outcome == HOOK_LOG_FAILED  ? "failed"
                                                                                   : "?";
}

static void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The first and last keys held (0, 0 when empty). */
static int bounds(store_txn_t *t, uint64_t *first, uint64_t *last)
{
    store_iter_t *it;
    store_val_t k, v;
    *first = *last = 0;
    for (int dir = 0; dir < 2; dir++) {
        int rc = store_iter_new(t, TBL_DELIVERIES, NULL, 0, dir == 1, &it);
        if (rc) return rc;
        rc = store_iter_next(it, &k, &v);
        if (rc == 1 && k.len == 8) *(dir ? last : first) = be64_get(k.data);
        store_iter_destroy(&it);
        if (rc < 0) return rc;
    }
    return 0;
}

int hook_log_append(store_txn_t *t, hook_log_entry_t *e)
{
    uint64_t first, last;
    int rc = bounds(t, &first, &last);
    if (rc) return rc;
    e->seq = last + 1;
    size_t el = strnlen(e->event, HOOK_EVENT_MAX - 1), rl = strnlen(e->error, HOOK_ERROR_MAX);
    uint8_t key[8], row[LOG_FIXED + HOOK_EVENT_MAX + HOOK_ERROR_MAX], *p = row;
    be64_put(key, e->seq);
    be64_put(p, e->time_ms), p += 8;
    be64_put(p, e->hook), p += 8;
    memcpy(p, e->origin, ID_LEN), p += ID_LEN;
    be64_put(p, e->change_seq), p += 8;
    be32_put(p, e->attempt), p += 4;
    *p++ = (uint8_t)(e->http_status >> 8), *p++ = (uint8_t)e->http_status;
    be32_put(p, e->duration_ms), p += 4;
    *p++ = e->outcome;
    *p++ = (uint8_t)el;
    *p++ = (uint8_t)rl;
    memcpy(p, e->event, el), p += el;
    memcpy(p, e->error, rl), p += rl;
    if ((rc = store_put(t, TBL_DELIVERIES, key, sizeof key, row, (size_t)(p - row)))) return rc;
    /* the newest HOOK_LOG_KEEP stay: usually one goes for the one that came */
    for (uint64_t s = first; first && e->seq - s + 1 > HOOK_LOG_KEEP; s++) {
        be64_put(key, s);
        if ((rc = store_del(t, TBL_DELIVERIES, key, sizeof key))) return rc;
    }
    return 0;
}

int hook_log_decode(const void *key, size_t klen, const void *val, size_t vlen, hook_log_entry_t *e)
{
    const uint8_t *p = val;
    memset(e, 0, sizeof *e);
    if (klen != 8 || vlen < LOG_FIXED) return ACCORD_ESTORE;
    size_t el = p[LOG_FIXED - 2], rl = p[LOG_FIXED - 1];
    if (el >= HOOK_EVENT_MAX || rl > HOOK_ERROR_MAX || vlen != LOG_FIXED + el + rl) return ACCORD_ESTORE;
    e->seq = be64_get(key);
    e->time_ms = be64_get(p), p += 8;
    e->hook = be64_get(p), p += 8;
    memcpy(e->origin, p, ID_LEN), p += ID_LEN;
    e->change_seq = be64_get(p), p += 8;
    e->attempt = be32_get(p), p += 4;
    e->http_status = (unsigned)p[0] << 8 | p[1], p += 2;
    e->duration_ms = be32_get(p), p += 4;
    e->outcome = *p;
    p += 3;
    memcpy(e->event, p, el);
    memcpy(e->error, p + el, rl);
    return 0;
}

int hook_log_each(store_txn_t *t, uint64_t hook, unsigned limit, hook_log_fn fn, void *ctx)
{
    store_iter_t *it;
    store_val_t k, v;
    int rc = store_iter_new(t, TBL_DELIVERIES, NULL, 0, true, &it);
    if (rc) return rc;
    hook_log_entry_t e;
    unsigned n = 0;
    int stop = 0;
    while ((!limit || n < limit) && (rc = store_iter_next(it, &k, &v)) == 1) {
        if ((rc = hook_log_decode(k.data, k.len, v.data, v.len, &e))) break;
        if (hook && e.hook != hook) continue;
        n++;
        if ((stop = fn(ctx, &e))) break;
    }
    store_iter_destroy(&it);
    return stop ? stop : rc < 0 ? rc : 0;
}
