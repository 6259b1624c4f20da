/* SPDX-License-Identifier: MIT
 * request: the local API's messages (docs/PROTOCOL.md, "Local API").
 *   request  [id: uint, verb: str, args: map str -> nil|bool|int|str|bin|[str...]]
 *   reply    [id: uint, code: int (0 or ACCORD_E*), message: str, body: any]
 * Decoding is strict and bounded; decoded strings borrow from the message buffer. */
#ifndef ACCORD_REQUEST_H
#define ACCORD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpread.h"

#define REQUEST_MAX_BYTES (256 * 1024)
#define REQUEST_MAX_ARGS 48
#define REQUEST_MAX_ITEMS 128
#define REQUEST_MAX_KEY 40
#define REQUEST_MAX_VERB 32
#define REQUEST_MAX_STR 8192

typedef struct {
    const char *s; /* borrowed, not NUL-terminated */
    size_t len;
} req_str_t;

typedef struct {
    req_str_t key;
    mp_type_t type;      /* MP_NIL, MP_BOOL, MP_INT (any integer), MP_STR, MP_BIN, MP_ARRAY */
    int64_t i;           /* MP_BOOL, MP_INT */
    req_str_t s;         /* MP_STR, MP_BIN */
    uint16_t first_item; /* MP_ARRAY: strings in request_t.items */
    uint16_t n_items;
} req_arg_t;

typedef struct {
    uint64_t id;
    req_str_t verb;
    unsigned n_args;
    req_arg_t args[REQUEST_MAX_ARGS];
    unsigned n_items;
    req_str_t items[REQUEST_MAX_ITEMS];
} request_t;

/* 0, ACCORD_EPROTO (malformed) or ACCORD_ETOOBIG. */
int request_decode(const void *buf, size_t len, request_t *req);
/* The argument named key, or NULL. */
const req_arg_t *request_arg(const request_t *req, const char *key);
bool req_str_eq(req_str_t s, const char *lit);

#endif
