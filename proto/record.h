/* SPDX-License-Identifier: MIT
 * record: the feed record, Accord's unit of change, encoded once with msgpack by its origin
 * and then stored and forwarded as those exact bytes. Byte layout: docs/PROTOCOL.md.
 * A version is (hlc, origin), 24 bytes: hlc big-endian then origin, so memcmp orders it. */
#ifndef ACCORD_RECORD_H
#define ACCORD_RECORD_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_FORMAT 1
#define RECORD_MAX_OPS 64
#define RECORD_MAX_BYTES 65536
#define RECORD_MAX_STR 4096
#define RECORD_MAX_ELEM 256
#define RECORD_AUTHOR_MAX 64
#define RECORD_MAX_FIELD 63
#define ID_LEN 16
#define VERSION_LEN 24

typedef enum { OP_SET = 1, OP_ADD = 2, OP_REMOVE = 3, OP_RESOLVE = 4 } op_kind_t;
typedef enum { VAL_NIL = 0, VAL_BOOL = 1, VAL_INT = 2, VAL_STR = 3, VAL_REF = 4 } value_type_t;

typedef struct {
    value_type_t type; /* which member holds the value */
    int64_t i;         /* VAL_BOOL (0/1) and VAL_INT */
    const char *s;     /* VAL_STR bytes, VAL_REF 16 bytes, OP_RESOLVE 48 bytes; borrowed */
    size_t len;        /* length of s */
} value_t;

typedef struct {
    uint8_t field;              /* field id within the record's kind (schema.h) */
    uint8_t op;                 /* op_kind_t */
    value_t val;                /* new value, set element, or the resolved pair */
    bool has_base;              /* false: the writer saw no value */
    uint8_t base[VERSION_LEN];  /* version the writer saw (OP_SET only) */
} record_op_t;

typedef struct {
    uint8_t origin[ID_LEN];     /* the writing node */
    uint64_t seq;               /* position in the origin's feed, from 1 */
    uint64_t hlc;               /* hybrid logical clock of the change */
    uint8_t prev[32];           /* BLAKE2b-256 of record seq-1; zeros for seq 1 */
    const char *author;         /* user name, borrowed */
    size_t author_len;
    uint8_t entity[ID_LEN];     /* the record changed */
    uint8_t kind;               /* entity kind (schema.h) */
    uint32_t n_ops;
    record_op_t ops[RECORD_MAX_OPS];
} record_t;

/* Appends the canonical encoding of rec to out. 0, or ACCORD_ETOOBIG / ACCORD_EINVAL. */
int record_encode(const record_t *rec, msgpack_sbuffer *out);
/* Strictly decodes one record that fills buf exactly. Pointers in rec borrow from buf.
 * Returns 0, ACCORD_EPROTO (malformed), ACCORD_EVERSION or ACCORD_ETOOBIG. */
int record_decode(const void *buf, size_t len, record_t *rec);
/* version = hlc (8 bytes big-endian) || origin. */
void version_make(uint8_t out[VERSION_LEN], uint64_t hlc, const uint8_t origin[ID_LEN]);
uint64_t version_hlc(const uint8_t v[VERSION_LEN]);
void be64_put(uint8_t *p, uint64_t v);
uint64_t be64_get(const uint8_t *p);

#endif
