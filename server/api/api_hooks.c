/* SPDX-License-Identifier: MIT
 * api_hooks: the local API's webhook_add and webhook_remove (LOCAL verbs: never over
 * HTTP). The node checks the URL here, where it knows its own ports (hooks/hook_url.h),
 * and writes the hooks table in a transaction of its own (the verb table's own_txns),
 * so the writer's cache of it (hooks/hook_outbox.h) is forgotten only once it is
 * committed. Reading hooks, status and the delivery log is `accordctl webhook`'s, from the
 * store. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "common/log.h"
#include "hooks/hook_outbox.h"
#include "hooks/hook_store.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A secret given: HOOK_SECRET_MIN..MAX printable ASCII bytes, no spaces. */
static bool secret_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < HOOK_SECRET_MIN || n > HOOK_SECRET_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* Runs fn's write in a transaction of its own, committed; then the cache is forgotten. */
static int in_own_txn(api_t *api, int (*fn)(store_txn_t *t, void *ctx), void *ctx)
{
    store_txn_t *t;
    int rc = store_txn_begin(api->st, true, &t);
    if (rc) return rc;
    if ((rc = fn(t, ctx))) {
        store_txn_abort(&t);
    } else {
        rc = store_txn_commit(&t);
    }
    hook_cache_forget(api->st);
    return rc;
}

static int add_in(store_txn_t *t, void *ctx)
{
    return hook_add(t, ctx, hlc_wall_ms());
}

int api_hooks_add(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    ACCORD_ASSERT(t == NULL); /* the node loop runs it alone */
    const req_arg_t *url = request_arg(req, "url"), *events = request_arg(req, "events"),
                    *secret = request_arg(req, "secret");
    if (!url || url->type != MP_STR) return accord_fail(msg, cap, ACCORD_EINVAL, "url: give the URL to POST changes to");
    if (!events || events->type != MP_STR)
        return accord_fail(msg, cap, ACCORD_EINVAL, "events: give the events to send, e.g. customer.*,deal.won");
    int rc = hook_url_check(url->s.s, url->s.len, &api->hook_self, msg, cap);
    if (rc) return rc;
    hook_patterns_t pat;
    if ((rc = hook_patterns_parse(events->s.s, events->s.len, &pat, msg, cap))) return rc;
    hook_t *h = calloc(1, sizeof *h);
    if (!h) abort();
    memcpy(h->url, url->s.s, url->s.len); /* hook_url_check bounds it */
    hook_patterns_format(&pat, h->events, sizeof h->events);
    if (secret && (!api_arg_cstr(secret, h->secret, sizeof h->secret) || !secret_ok(h->secret))) {
        free(h);
        return accord_fail(msg, cap, ACCORD_EINVAL, "secret: %d to %d printable ASCII characters, no spaces",
                           HOOK_SECRET_MIN, HOOK_SECRET_MAX);
    }
    if (!secret) hook_secret_new(h->secret);
    rc = in_own_txn(api, add_in, h);
    if (rc == ACCORD_ETOOBIG)
        rc = accord_fail(msg, cap, rc, "this node keeps at most %d webhooks: remove one first ('accordctl webhook "
                         "list')", HOOK_MAX);
    else if (rc)
        rc = accord_fail(msg, cap, rc, "cannot store the webhook: %s", accord_strerror(rc));
    if (!rc) {
        log_info("webhook %llu added: %s for %s", (unsigned long long)h->id, h->url, h->events);
        msgpack_pack_map(pk, 4);
        api_pack_cstr(pk, "id"); msgpack_pack_uint64(pk, h->id);
        api_pack_cstr(pk, "url"); api_pack_cstr(pk, h->url);
        api_pack_cstr(pk, "events"); api_pack_cstr(pk, h->events);
        api_pack_cstr(pk, "secret"); api_pack_cstr(pk, h->secret);
    }
    sodium_memzero(h->secret, sizeof h->secret);
    free(h);
    return rc;
}

typedef struct {
    uint64_t id, dropped;
} remove_ctx_t;

static int remove_in(store_txn_t *t, void *ctx)
{
    remove_ctx_t *r = ctx;
    return hook_remove(t, r->id, &r->dropped);
}

int api_hooks_remove(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    ACCORD_ASSERT(t == NULL); /* the node loop runs it alone */
    int64_t id;
    if (!api_arg_int(request_arg(req, "id"), &id) || id < 1)
        return accord_fail(msg, cap, ACCORD_EINVAL, "id: give the webhook's id ('accordctl webhook list')");
    remove_ctx_t r = {(uint64_t)id, 0};
    int rc = in_own_txn(api, remove_in, &r);
    if (rc == ACCORD_ENOTFOUND)
        return accord_fail(msg, cap, rc, "no webhook %lld here ('accordctl webhook list')", (long long)id);
    if (rc) return accord_fail(msg, cap, rc, "cannot remove the webhook: %s", accord_strerror(rc));
    log_info("webhook %lld removed (%llu changes it had not taken dropped)", (long long)id,
             (unsigned long long)r.dropped);
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "id"); msgpack_pack_uint64(pk, r.id);
    api_pack_cstr(pk, "dropped"); msgpack_pack_uint64(pk, r.dropped);
    return 0;
}
