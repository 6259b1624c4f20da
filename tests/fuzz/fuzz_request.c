/* SPDX-License-Identifier: MIT
 * libFuzzer target: the local API request decoder, then a walk over every argument. */
#include "proto/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static request_t req;
    if (request_decode(data, size, &req) != 0) return 0;
    size_t total = req.verb.len;
    for (unsigned i = 0; i < req.n_args; i++) {
        const req_arg_t *a = &req.args[i];
        total += a->key.len + a->s.len;
        for (unsigned j = 0; j < a->n_items; j++) total += req.items[a->first_item + j].len;
        if (a->type == MP_ARRAY && a->first_item + a->n_items > req.n_items) __builtin_trap();
    }
    if (total > size) __builtin_trap(); /* borrowed strings lie inside the message */
    return 0;
}
