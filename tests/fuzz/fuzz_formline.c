/* SPDX-License-Identifier: MIT
 * libFuzzer target: a document line as a client sends it in create's lines, "quantity=2&
 * unit_price=12.50&description=Oil%20change" (formline.h). Whatever it is given, the
 * decoder returns one of its codes with a sentence for it; a decoded line holds at most
 * FORMLINE_MAX_PAIRS pairs, each key of a-z, 0-9 and _ within its bound and no key twice,
 * each value within its bound and without a NUL; and the pairs encoded again (every byte
 * but the unreserved ones as %XX) decode to the same pairs. */
#include "proto/formline.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* key=value&... with every byte of the values percent-encoded but letters and digits */
static size_t encode(const formline_t *f, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (unsigned i = 0; i < f->n; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s%s=", i ? "&" : "", f->key[i]);
        for (const unsigned char *p = (const unsigned char *)f->val[i]; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
                out[n++] = (char)*p;
            } else {
                out[n++] = '%';
                out[n++] = hex[*p >> 4];
                out[n++] = hex[*p & 15];
            }
        }
    }
    return n;
}

static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > FORMLINE_MAX_KEY) return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static formline_t f, again;
    static char enc[FORMLINE_MAX_PAIRS * (FORMLINE_MAX_KEY + 2 + 3 * FORMLINE_MAX_VALUE) + 1];
    int rc = formline_decode((const char *)data, size, &f);
    const char *why = formline_error(rc);
    if (!why || !why[0]) abort();
    if (rc != FORMLINE_OK) {
        if (rc < FORMLINE_REPEATED || rc > FORMLINE_OK) abort(); /* one of the codes formline.h lists */
        return 0;
    }
    if (f.n == 0 || f.n > FORMLINE_MAX_PAIRS) abort();
    for (unsigned i = 0; i < f.n; i++) {
        if (!key_ok(f.key[i])) abort();
        if (strlen(f.val[i]) > FORMLINE_MAX_VALUE) abort();
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(f.key[i], f.key[j])) abort();
    }
    /* a value holds no more bytes than its text in the input, '+' and %XX each one */
    size_t text = 0;
    for (unsigned i = 0; i < f.n; i++) text += strlen(f.key[i]) + 1 + strlen(f.val[i]) + (i ? 1 : 0);
    if (text > size) abort();
    size_t n = encode(&f, enc, sizeof enc);
    if (formline_decode(enc, n, &again) != FORMLINE_OK || again.n != f.n) abort();
    for (unsigned i = 0; i < f.n; i++)
        if (strcmp(again.key[i], f.key[i]) || strcmp(again.val[i], f.val[i])) abort();
    return 0;
}
