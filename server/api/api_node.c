/* SPDX-License-Identifier: MIT
 * api_node: the verbs about the node itself rather than its records: status (name, role,
 * feed head, store size, pipeline) and the two that ask the replication link, sync_status
 * and sync_reload (the link is borrowed through api_set_sync; none when the node
 * replicates with no one). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"

#include <string.h>

int api_node_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)t, (void)req, (void)msg, (void)cap;
    feed_head_t h = oplog_head(api->log);
    uint64_t used, limit;
    store_usage(api->st, &used, &limit);
    msgpack_pack_map(pk, 7);
    api_pack_cstr(pk, "name"); api_pack_cstr(pk, api->id->name);
    api_pack_cstr(pk, "role"); api_pack_cstr(pk, api->id->role);
    api_pack_cstr(pk, "origin"); api_pack_hex(pk, api->id->origin, ID_LEN);
    api_pack_cstr(pk, "public_key"); api_pack_hex(pk, api->id->pk, CRYPTO_PK_LEN);
    api_pack_cstr(pk, "feed_seq"); msgpack_pack_uint64(pk, h.seq);
    api_pack_cstr(pk, "store_bytes"); msgpack_pack_uint64(pk, used);
    api_pack_cstr(pk, "pipeline");
    msgpack_pack_array(pk, api->n_stages);
    for (unsigned i = 0; i < api->n_stages; i++) api_pack_cstr(pk, api->stages[i]);
    return 0;
}

int api_node_sync_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    (void)t, (void)req;
    if (!api->sync)
        return accord_fail(msg, cap, ACCORD_ENOTFOUND,
                           "this node replicates with no one (start it with --listen or --upstream)");
    sync_status(api->sync, pk);
    return 0;
}

/* Another process (accordctl bundle import) wrote the store: the link reads the heads again. */
int api_node_sync_reload(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    (void)t, (void)req, (void)msg, (void)cap;
    if (api->sync) sync_reload(api->sync);
    msgpack_pack_nil(pk);
    return 0;
}
