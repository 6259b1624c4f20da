/* SPDX-License-Identifier: MIT
 * libFuzzer target: an /api/v1 body (server/http/http_json.h), the JSON another system sends
 * to make or change a record, decoded into the local API's arguments; and the arguments it
 * gives, packed, must be a request the node's own decoder (proto/request.h) takes. */
#include "http/http_json.h"
#include "proto/accord_err.h"
#include "proto/request.h"

#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The arguments packed as the client packs a call, read by the node's decoder. */
static int node_reads(const accord_args_t *args)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_str_with_body(&pk, "update", 6);
    msgpack_pack_map(&pk, args->n);
    msgpack_sbuffer_write(&out, args->buf.data, args->buf.size);
    static request_t req;
    int rc = request_decode(out.data, out.size, &req);
    msgpack_sbuffer_destroy(&out);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    accord_args_t args;
    accord_args_init(&args);
    char msg[512];
    int rc = http_json_args((const char *)data, size, &args, msg, sizeof msg);
    if (rc != 0 && rc != ACCORD_EINVAL && rc != ACCORD_ETOOBIG) abort(); /* only these two codes */
    if (rc && !msg[0]) abort();                                          /* a refusal says why */
    if (!rc && args.n > HTTP_JSON_MAX_KEYS) abort();
    if (!rc && node_reads(&args)) abort(); /* a body taken is one the node answers */
    accord_args_destroy(&args);
    return 0;
}
