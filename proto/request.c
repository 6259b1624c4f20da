/* SPDX-License-Identifier: MIT */
#include "request.h"
#include "accord_err.h"

#include <string.h>

bool req_str_eq(req_str_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.s, lit, n) == 0;
}

int request_decode(const void *buf, size_t len, request_t *req)
{
    if (len > REQUEST_MAX_BYTES) return ACCORD_ETOOBIG;
    mpread_t r;
    mpread_init(&r, buf, len);
    req->n_args = req->n_items = 0;
    if (mpread_array(&r, 3) != 3) return ACCORD_EPROTO;
    req->id = mpread_uint(&r);
    req->verb.s = mpread_str(&r, &req->verb.len, REQUEST_MAX_VERB);
    uint32_t n = mpread_map(&r, REQUEST_MAX_ARGS);
    if (r.err || req->verb.len == 0) return ACCORD_EPROTO;
    for (uint32_t i = 0; i < n; i++) {
        req_arg_t *a = &req->args[req->n_args++];
        memset(a, 0, sizeof *a);
        a->key.s = mpread_str(&r, &a->key.len, REQUEST_MAX_KEY);
        if (r.err || a->key.len == 0) return ACCORD_EPROTO;
        for (uint32_t j = 0; j + 1 < req->n_args; j++)
            if (req->args[j].key.len == a->key.len && !memcmp(req->args[j].key.s, a->key.s, a->key.len))
                return ACCORD_EPROTO; /* a key given twice is ambiguous */
        a->type = mpread_peek(&r);
        switch (a->type) {
        case MP_NIL: mpread_nil(&r); break;
        case MP_BOOL: a->i = mpread_bool(&r); break;
        case MP_UINT:
        case MP_INT: a->type = MP_INT; a->i = mpread_int(&r); break;
        case MP_STR: a->s.s = mpread_str(&r, &a->s.len, REQUEST_MAX_STR); break;
        case MP_BIN: a->s.s = (const char *)mpread_bin(&r, &a->s.len, 64); break;
        case MP_ARRAY: {
            uint32_t m = mpread_array(&r, REQUEST_MAX_ITEMS);
            if (req->n_items + m > REQUEST_MAX_ITEMS) return ACCORD_ETOOBIG;
            a->first_item = (uint16_t)req->n_items;
            a->n_items = (uint16_t)m;
            for (uint32_t j = 0; j < m; j++) {
                req_str_t *it = &req->items[req->n_items++];
                it->s = mpread_str(&r, &it->len, REQUEST_MAX_STR);
            }
            break;
        }
        default: return ACCORD_EPROTO;
        }
        if (r.err) return ACCORD_EPROTO;
    }
    return mpread_done(&r) ? 0 : ACCORD_EPROTO;
}

const req_arg_t *request_arg(const request_t *req, const char *key)
{
    for (unsigned i = 0; i < req->n_args; i++)
        if (req_str_eq(req->args[i].key, key)) return &req->args[i];
    return NULL;
}
