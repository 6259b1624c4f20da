/* SPDX-License-Identifier: MIT
 * libFuzzer target: the feed record decoder and the validator every written and applied
 * record passes (validate.h). Decoded records must re-encode to the bytes they came from. */
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/validate.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static record_t rec;
    if (record_decode(data, size, &rec) != 0) return 0;
    for (uint32_t i = 0; i < rec.n_ops; i++) (void)schema_check_op(rec.kind, &rec.ops[i]);
    char why[160];
    if (validate_record(&rec, why, sizeof why) != 0 && !memchr(why, 0, sizeof why)) abort(); /* a sentence */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (record_encode(&rec, &sb) == 0 && sb.size == size && memcmp(sb.data, data, size) != 0) abort();
    msgpack_sbuffer_destroy(&sb);
    return 0;
}
