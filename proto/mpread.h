/* SPDX-License-Identifier: MIT
 * mpread: a strict, allocation-free pull reader for msgpack bytes from untrusted sources.
 * Why not msgpack-c's unpacker: it allocates storage for an array or map from the count
 * the header claims before reading one element, so five hostile bytes can ask for
 * gigabytes. Here every read checks the remaining length first and returns pointers into
 * the caller's buffer (zero-copy): they live as long as that buffer.
 * Any read past the end or of the wrong type sets r->err and every later read fails, so a
 * decoder can read a whole structure and check the error once. */
#ifndef ACCORD_MPREAD_H
#define ACCORD_MPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last byte */
    int err;            /* 0, or ACCORD_EPROTO after the first bad read */
    bool canonical;     /* refuse any but the shortest encoding (feed records) */
} mpread_t;

typedef enum {
    MP_NIL, MP_BOOL, MP_UINT, MP_INT, MP_STR, MP_BIN, MP_ARRAY, MP_MAP, MP_OTHER, MP_END
} mp_type_t;

void mpread_init(mpread_t *r, const void *buf, size_t len);
/* As mpread_init, but every integer and length must use its shortest form, as msgpack-c
 * writes it, so that one record has exactly one encoding. */
void mpread_init_canonical(mpread_t *r, const void *buf, size_t len);
mp_type_t mpread_peek(const mpread_t *r);
bool mpread_nil(mpread_t *r);                  /* consumes a nil; false (no error) if not nil */
bool mpread_bool(mpread_t *r);
uint64_t mpread_uint(mpread_t *r);              /* non-negative integers only */
int64_t mpread_int(mpread_t *r);                /* any integer in int64 range */
const char *mpread_str(mpread_t *r, size_t *len, size_t max_len);
const uint8_t *mpread_bin(mpread_t *r, size_t *len, size_t max_len);
bool mpread_bin_exact(mpread_t *r, uint8_t *out, size_t len); /* copies exactly len bytes */
uint32_t mpread_array(mpread_t *r, uint32_t max_n);
uint32_t mpread_map(mpread_t *r, uint32_t max_n);
void mpread_skip(mpread_t *r, int depth_left); /* skips one value, nesting bounded */
bool mpread_done(const mpread_t *r);           /* no error and every byte consumed */

#endif
