/* SPDX-License-Identifier: MIT
 * libFuzzer target: a bundle file from anywhere, opened as the (fixed-key) addressee and
 * read to the end; every message inside is decoded as accordctl bundle import would.
 * Reads stay within BUNDLE_MAX_MSG; nothing past an authentication failure is used. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/bundle.h"
#include "proto/wire.h"
#include "fuzz_keys.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *items[WIRE_MAX_ROSTER];
static size_t item_lens[WIRE_MAX_ROSTER];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_keys_t keys;
    static int ready;
    if (!ready) {
        if (crypto_init()) return 0;
        fuzz_keys(&keys);
        ready = 1;
    }
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    bundle_reader_t *r;
    if (bundle_reader_open(f, keys.node_pk, keys.node_sk, &r) == 0) {
        const uint8_t *msg;
        size_t len;
        int rc;
        while ((rc = bundle_read(r, &msg, &len)) == 1) {
            wire_vec_t vec[1];
            wire_digest_t none[1];
            wire_space_t sp = {vec, 0, items, item_lens, WIRE_MAX_ROSTER, none, 0};
            wire_msg_t m;
            if (wire_decode(msg, len, &sp, &m)) break;
        }
        (void)bundle_offset(r);
        bundle_reader_close(&r);
    }
    fclose(f);
    return 0;
}
