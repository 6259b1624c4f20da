/* SPDX-License-Identifier: MIT */
#include "mpread.h"
#include "accord_err.h"

#include <string.h>

void mpread_init(mpread_t *r, const void *buf, size_t len)
{
    r->p = buf;
    r->end = r->p + len;
    r->err = 0;
    r->canonical = false;
}

void mpread_init_canonical(mpread_t *r, const void *buf, size_t len)
{
    mpread_init(r, buf, len);
    r->canonical = true;
}

/* The bytes the shortest encoding of an unsigned value takes after its tag: 0 for fixint. */
static int uint_width(uint64_t v)
{
    return v <= 0x7f ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffULL ? 4 : 8;
}

static int neg_width(int64_t v)
{
    return v >= -32 ? 0 : v >= -128 ? 1 : v >= -32768 ? 2 : v >= INT32_MIN ? 4 : 8;
}

static bool fail(mpread_t *r)
{
    r->err = ACCORD_EPROTO;
    r->p = r->end;
    return false;
}

static bool have(mpread_t *r, size_t n)
{
    if (r->err) return false;
    if ((size_t)(r->end - r->p) < n) return fail(r);
    return true;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

mp_type_t mpread_peek(const mpread_t *r)
{
    if (r->err || r->p >= r->end) return MP_END;
    uint8_t b = *r->p;
    if (b <= 0x7f || b == 0xcc || b == 0xcd || b == 0xce || b == 0xcf) return MP_UINT;
    if (b >= 0xe0 || b == 0xd0 || b == 0xd1 || b == 0xd2 || b == 0xd3) return MP_INT;
    if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb) return MP_STR;
    if (b == 0xc4 || b == 0xc5 || b == 0xc6) return MP_BIN;
    if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) return MP_ARRAY;
    if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) return MP_MAP;
    if (b == 0xc0) return MP_NIL;
    if (b == 0xc2 || b == 0xc3) return MP_BOOL;
    return MP_OTHER;
}

bool mpread_nil(mpread_t *r)
{
    if (!have(r, 1) || *r->p != 0xc0) return false;
    r->p++;
    return true;
}

bool mpread_bool(mpread_t *r)
{
    if (!have(r, 1)) return false;
    uint8_t b = *r->p;
    if (b != 0xc2 && b != 0xc3) return fail(r);
    r->p++;
    return b == 0xc3;
}

int64_t mpread_int(mpread_t *r)
{
    if (!have(r, 1)) return 0;
    uint8_t b = *r->p++;
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return (int8_t)b;
    int n;
    bool is_signed;
    switch (b) {
    case 0xcc: n = 1; is_signed = false; break;
    case 0xcd: n = 2; is_signed = false; break;
    case 0xce: n = 4; is_signed = false; break;
    case 0xcf: n = 8; is_signed = false; break;
    case 0xd0: n = 1; is_signed = true; break;
    case 0xd1: n = 2; is_signed = true; break;
    case 0xd2: n = 4; is_signed = true; break;
    case 0xd3: n = 8; is_signed = true; break;
    default: fail(r); return 0;
    }
    if (!have(r, (size_t)n)) return 0;
    uint64_t v = be(r->p, n);
    r->p += n;
    if (!is_signed) {
        if (v > INT64_MAX || (r->canonical && uint_width(v) != n)) { fail(r); return 0; }
        return (int64_t)v;
    }
    int64_t sv = (int64_t)v;
    if (n < 8) { /* sign-extend */
        uint64_t sign = 1ULL << (n * 8 - 1);
        sv = (int64_t)((v ^ sign) - sign);
    }
    if (r->canonical && (sv >= 0 || neg_width(sv) != n)) { fail(r); return 0; }
    return sv;
}

uint64_t mpread_uint(mpread_t *r)
{
    if (!have(r, 1)) return 0;
    uint8_t b = *r->p;
    if (b <= 0x7f) { r->p++; return b; }
    int n;
    switch (b) {
    case 0xcc: n = 1; break;
    case 0xcd: n = 2; break;
    case 0xce: n = 4; break;
    case 0xcf: n = 8; break;
    default: fail(r); return 0;
    }
    r->p++;
    if (!have(r, (size_t)n)) return 0;
    uint64_t v = be(r->p, n);
    r->p += n;
    if (r->canonical && uint_width(v) != n) { fail(r); return 0; }
    return v;
}

static size_t read_len(mpread_t *r, uint8_t b, uint8_t fix_mask, uint8_t fix_tag,
                       uint8_t t8, uint8_t t16, uint8_t t32, bool *ok)
{
    *ok = true;
    if (fix_mask && (b & fix_mask) == fix_tag) return b & (uint8_t)~fix_mask;
    int n = b == t8 ? 1 : b == t16 ? 2 : b == t32 ? 4 : 0;
    if (!n) { *ok = false; return 0; }
    if (!have(r, (size_t)n)) { *ok = false; return 0; }
    size_t v = (size_t)be(r->p, n);
    r->p += n;
    if (r->canonical) {
        /* shortest form: a fix form when there is one, else the narrowest width */
        size_t fix_max = fix_mask ? (size_t)(uint8_t)~fix_mask : 0;
        int want = v <= fix_max && fix_mask ? 0 : (t8 && v <= 0xff) ? 1 : v <= 0xffff ? 2 : 4;
        if (want != n) { *ok = false; return 0; }
    }
    return v;
}

const char *mpread_str(mpread_t *r, size_t *len, size_t max_len)
{
    *len = 0;
    if (!have(r, 1)) return NULL;
    uint8_t b = *r->p++;
    bool ok;
    size_t n = read_len(r, b, 0xe0, 0xa0, 0xd9, 0xda, 0xdb, &ok);
    if (!ok || n > max_len || !have(r, n)) { fail(r); return NULL; }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = n;
    return s;
}

const uint8_t *mpread_bin(mpread_t *r, size_t *len, size_t max_len)
{
    *len = 0;
    if (!have(r, 1)) return NULL;
    uint8_t b = *r->p++;
    bool ok;
    size_t n = read_len(r, b, 0, 0, 0xc4, 0xc5, 0xc6, &ok);
    if (!ok || n > max_len || !have(r, n)) { fail(r); return NULL; }
    const uint8_t *s = r->p;
    r->p += n;
    *len = n;
    return s;
}

bool mpread_bin_exact(mpread_t *r, uint8_t *out, size_t len)
{
    size_t n;
    const uint8_t *p = mpread_bin(r, &n, len);
    if (!p) return false;
    if (n != len) return fail(r);
    memcpy(out, p, len);
    return true;
}

uint32_t mpread_array(mpread_t *r, uint32_t max_n)
{
    if (!have(r, 1)) return 0;
    uint8_t b = *r->p++;
    bool ok;
    size_t n = read_len(r, b, 0xf0, 0x90, 0, 0xdc, 0xdd, &ok);
    /* each element takes at least one byte: a count beyond the rest is a lie */
    if (!ok || n > max_n || n > (size_t)(r->end - r->p)) { fail(r); return 0; }
    return (uint32_t)n;
}

uint32_t mpread_map(mpread_t *r, uint32_t max_n)
{
    if (!have(r, 1)) return 0;
    uint8_t b = *r->p++;
    bool ok;
    size_t n = read_len(r, b, 0xf0, 0x80, 0, 0xde, 0xdf, &ok);
    if (!ok || n > max_n || n * 2 > (size_t)(r->end - r->p)) { fail(r); return 0; }
    return (uint32_t)n;
}

void mpread_skip(mpread_t *r, int depth_left)
{
    size_t len;
    if (depth_left <= 0) { fail(r); return; }
    switch (mpread_peek(r)) {
    case MP_NIL: mpread_nil(r); break;
    case MP_BOOL: mpread_bool(r); break;
    case MP_UINT: mpread_uint(r); break;
    case MP_INT: mpread_int(r); break;
    case MP_STR: mpread_str(r, &len, SIZE_MAX); break;
    case MP_BIN: mpread_bin(r, &len, SIZE_MAX); break;
    case MP_ARRAY: {
        uint32_t n = mpread_array(r, UINT32_MAX);
        for (uint32_t i = 0; i < n && !r->err; i++) mpread_skip(r, depth_left - 1);
        break;
    }
    case MP_MAP: {
        uint32_t n = mpread_map(r, UINT32_MAX);
        for (uint32_t i = 0; i < 2 * n && !r->err; i++) mpread_skip(r, depth_left - 1);
        break;
    }
    default: fail(r); break;
    }
}

bool mpread_done(const mpread_t *r)
{
    return r->err == 0 && r->p == r->end;
}
