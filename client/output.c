/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700
#include "output.h"
#include "proto/json.h"

#include <inttypes.h>
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
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            char item[512];
            output_cell(&o->via.array.ptr[i], item, sizeof item);
            size_t used = strlen(out);
            snprintf(out + used, cap - used, "%s%s", i ? ", " : "", item);
        }
        break;
    default: break;
    }
    return out;
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
