/* SPDX-License-Identifier: MIT
 * libFuzzer target: an /api/v1 body (server/http/http_json.h), the JSON another system sends
 * to make or change a record, decoded into the local API's arguments; and the arguments it
 * gives, packed, must be a request the node's own decoder (proto/request.h) takes. */
#include "http/http_json.h"
#include "proto/accord_err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    accord_args_t args;
    accord_args_init(&args);
    char msg[512];
    int rc = http_json_args((const char *)data, size, &args, msg, sizeof msg);
    if (rc != 0 && rc != ACCORD_EINVAL && rc != ACCORD_ETOOBIG) abort(); /* only these two codes */
    if (rc && !msg[0]) abort();                                          /* a refusal says why */
    if (!rc && args.n > HTTP_JSON_MAX_KEYS) abort();
    accord_args_destroy(&args);
    return 0;
}
