/* SPDX-License-Identifier: MIT
 * formline: one document line given as a form-encoded string, "quantity=2&unit_price=12.50
 * &description=Oil%20change" (docs/SALES.md, create's lines): the pairs, percent-decoded
 * ('+' is a space), as NUL-terminated keys and values. Strict and bounded: the bytes come
 * from a client. */
#ifndef ACCORD_FORMLINE_H
#define ACCORD_FORMLINE_H

#include <stddef.h>

#define FORMLINE_MAX_PAIRS 16
#define FORMLINE_MAX_KEY 40
#define FORMLINE_MAX_VALUE 2048

typedef struct {
    unsigned n;
    char key[FORMLINE_MAX_PAIRS][FORMLINE_MAX_KEY + 1];
    char val[FORMLINE_MAX_PAIRS][FORMLINE_MAX_VALUE + 1];
} formline_t;

enum {
    FORMLINE_OK = 0,
    FORMLINE_EMPTY = -1,      /* nothing, or an empty pair (a&&b) */
    FORMLINE_NO_EQUALS = -2,  /* a pair without '=' */
    FORMLINE_BAD_ESCAPE = -3, /* '%' not followed by two hex digits, or %00 */
    FORMLINE_TOO_MANY = -4,   /* more than FORMLINE_MAX_PAIRS pairs */
    FORMLINE_TOO_LONG = -5,   /* a key or a value past its bound */
    FORMLINE_BAD_KEY = -6,    /* a key not of a-z, 0-9 and _ */
    FORMLINE_REPEATED = -7,   /* the same key twice */
};

/* Decodes len bytes at s into out. FORMLINE_OK or one of the errors above. */
int formline_decode(const char *s, size_t len, formline_t *out);
/* The error in words, for a person. */
const char *formline_error(int rc);

#endif
