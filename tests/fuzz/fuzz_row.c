/* SPDX-License-Identifier: MIT
 * libFuzzer target: an entity row (state/entity.h) from anywhere, as a snapshot install
 * takes it from a file: walked entry by entry (a damaged row is ESTORE, never a read out
 * of bounds), searched, and rebuilt entry by entry with entity_row_buf_put. Oracle: the
 * rebuilt row is well formed and strictly sorted, and a row that was already canonical
 * (sorted, each (tag, key) once) comes back byte for byte. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "state/entity.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int entry_cmp(const entity_entry_t *a, const entity_entry_t *b)
{
    if (a->tag != b->tag) return a->tag < b->tag ? -1 : 1;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    entity_row_t r;
    if (entity_row_open(data, size, &r)) return 0;
    entity_row_buf_t b = {0};
    entity_row_buf_load(&b, NULL, 0, (unsigned)r.kind);
    entity_entry_t e, prev;
    bool canonical = true, have_prev = false;
    int rc;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (have_prev && entry_cmp(&prev, &e) >= 0) canonical = false;
        prev = e, have_prev = true;
        entity_row_t whole;
        entity_entry_t found;
        if (entity_row_open(data, size, &whole) == 0 && entity_row_find(&whole, e.tag, e.key, e.klen, &found) == 0 &&
            entry_cmp(&found, &e) != 0)
            abort(); /* find returned another entry than the one asked for */
        entity_row_buf_put(&b, e.tag, e.key, e.klen, e.val, e.vlen);
    }
    if (rc == 0) {
        entity_row_t out;
        if (entity_row_open(b.buf, b.len, &out)) abort();
        have_prev = false;
        while ((rc = entity_row_next(&out, &e)) == 1) {
            if (have_prev && entry_cmp(&prev, &e) >= 0) abort(); /* not strictly sorted */
            prev = e, have_prev = true;
        }
        if (rc != 0) abort();
        if (canonical && (b.len != size || memcmp(b.buf, data, size))) abort();
    }
    entity_row_buf_free(&b);
    return 0;
}
