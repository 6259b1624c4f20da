/* SPDX-License-Identifier: MIT */
#include "formline.h"

#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes at s into out (cap bytes with the NUL). */
static int decode_part(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return FORMLINE_BAD_ESCAPE;
            int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0) return FORMLINE_BAD_ESCAPE;
            c = (char)(hi * 16 + lo);
            if (c == 0) return FORMLINE_BAD_ESCAPE;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        } else if (c == 0) {
            return FORMLINE_BAD_ESCAPE;
        }
        if (o + 1 >= cap) return FORMLINE_TOO_LONG;
        out[o++] = c;
    }
    out[o] = 0;
    return FORMLINE_OK;
}

int formline_decode(const char *s, size_t len, formline_t *out)
{
    out->n = 0;
    if (len == 0) return FORMLINE_EMPTY;
    size_t at = 0;
    while (at <= len) {
        const char *amp = memchr(s + at, '&', len - at);
        size_t end = amp ? (size_t)(amp - s) : len;
        if (end == at) return FORMLINE_EMPTY;
        const char *eq = memchr(s + at, '=', end - at);
        if (!eq) return FORMLINE_NO_EQUALS;
        if (out->n == FORMLINE_MAX_PAIRS) return FORMLINE_TOO_MANY;
        size_t klen = (size_t)(eq - (s + at));
        int rc = decode_part(s + at, klen, out->key[out->n], sizeof out->key[0]);
        if (rc) return rc;
        const char *k = out->key[out->n];
        if (!k[0]) return FORMLINE_BAD_KEY;
        for (const char *p = k; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return FORMLINE_BAD_KEY;
        for (unsigned i = 0; i < out->n; i++)
            if (!strcmp(out->key[i], k)) return FORMLINE_REPEATED;
        size_t vstart = klen + 1 + at;
        if ((rc = decode_part(s + vstart, end - vstart, out->val[out->n], sizeof out->val[0]))) return rc;
        out->n++;
        if (!amp) break;
        at = end + 1;
        if (at == len) return FORMLINE_EMPTY; /* a trailing '&' */
    }
    return FORMLINE_OK;
}

const char *formline_error(int rc)
{
    switch (rc) {
    case FORMLINE_OK: return "no error";
    case FORMLINE_EMPTY: return "an empty line or an empty pair (&&)";
    case FORMLINE_NO_EQUALS: return "a pair without '=' (give key=value)";
    case FORMLINE_BAD_ESCAPE: return "a '%' not followed by two hex digits, or a NUL byte";
    case FORMLINE_TOO_MANY: return "more than 16 fields";
    case FORMLINE_TOO_LONG: return "a key longer than 40 bytes or a value longer than 2048";
    case FORMLINE_BAD_KEY: return "a field name of other than a-z, 0-9 and _";
    case FORMLINE_REPEATED: return "the same field twice";
    default: return "malformed";
    }
}
