/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700
#include "output.h"
#include "proto/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

void output_json_string(FILE *f, const char *s)
{
    json_write_string(f, s, strlen(s));
}

void output_json(FILE *f, const msgpack_object *o)
{
    json_write_msgpack(f, o);
    fputc('\n', f);
}

const char *output_cell(const msgpack_object *o, char *out, size_t cap)
{
    out[0] = 0;
    if (!o) return out;
    switch (o->type) {
    case MSGPACK_OBJECT_STR: snprintf(out, cap, "%.*s", (int)o->via.str.size, o->via.str.ptr); break;
    case MSGPACK_OBJECT_BOOLEAN: snprintf(out, cap, "%s", o->via.boolean ? "yes" : "no"); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: snprintf(out, cap, "%" PRIu64, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: snprintf(out, cap, "%" PRId64, o->via.i64); break;
    case MSGPACK_OBJECT_ARRAY: {
        size_t used = 0;
        for (uint32_t i = 0; i < o->via.array.size && used + 1 < cap; i++) {
            if (i) used += (size_t)snprintf(out + used, cap - used, ", ");
            if (used + 1 >= cap) { out[cap - 1] = 0; break; }
            output_cell(&o->via.array.ptr[i], out + used, cap - used);
            used += strlen(out + used);
        }
        break;
    }
    default: break;
    }
    return out;
}

/* Bytes output_cell writes for o, without its NUL. */
static size_t cell_len(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_STR: return o->via.str.size;
    case MSGPACK_OBJECT_BOOLEAN: return 3;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return 20;
    case MSGPACK_OBJECT_ARRAY: {
        size_t n = 0;
        for (uint32_t i = 0; i < o->via.array.size; i++)
            n += (i ? 2 : 0) + cell_len(&o->via.array.ptr[i]);
        return n;
    }
    default: return 0;
    }
}

char *output_cell_dup(const msgpack_object *o)
{
    size_t cap = (o ? cell_len(o) : 0) + 1;
    char *out = malloc(cap);
    if (!out) abort();
    return (char *)output_cell(o, out, cap);
}

int output_width(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int w = 0;
    size_t n = strlen(s);
    while (n > 0) {
        wchar_t wc;
        size_t used = mbrtowc(&wc, s, n, &st);
        if (used == (size_t)-1 || used == (size_t)-2) { w++; s++; n--; memset(&st, 0, sizeof st); continue; }
        if (used == 0) break;
        int cw = wcwidth(wc);
        w += cw < 0 ? 1 : cw;
        s += used;
        n -= used;
    }
    return w;
}

void output_padded(FILE *f, const char *s, int width)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int w = 0;
    size_t n = strlen(s);
    const char *p = s;
    while (n > 0) {
        wchar_t wc;
        size_t used = mbrtowc(&wc, p, n, &st);
        if (used == (size_t)-1 || used == (size_t)-2 || used == 0) break;
        int cw = wcwidth(wc);
        if (cw < 0) cw = 1;
        if (w + cw > width - (n > used ? 1 : 0) && w + cw + output_width(p + used) > width) {
            fputs("…", f);
            w++;
            break;
        }
        fwrite(p, 1, used, f);
        w += cw;
        p += used;
        n -= used;
    }
    for (; w < width; w++) fputc(' ', f);
}
