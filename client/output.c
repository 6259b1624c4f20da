/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700
#include "output.h"

#include <inttypes.h>
#include <string.h>
#include <wchar.h>

static void json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

static void json_value(FILE *f, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", f); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", f); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(f, "%" PRIu64, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(f, "%" PRId64, o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: fprintf(f, "%.17g", o->via.f64); break;
    case MSGPACK_OBJECT_STR: json_string(f, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN:
        fputc('"', f);
        for (uint32_t i = 0; i < o->via.bin.size; i++) fprintf(f, "%02x", (unsigned char)o->via.bin.ptr[i]);
        fputc('"', f);
        break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', f);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i) fputc(',', f);
            json_value(f, &o->via.array.ptr[i]);
        }
        fputc(']', f);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', f);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i) fputc(',', f);
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type == MSGPACK_OBJECT_STR) json_string(f, k->via.str.ptr, k->via.str.size);
            else fputs("\"?\"", f);
            fputc(':', f);
            json_value(f, &o->via.map.ptr[i].val);
        }
        fputc('}', f);
        break;
    default: fputs("null", f); break;
    }
}

void output_json_string(FILE *f, const char *s)
{
    json_string(f, s, strlen(s));
}

void output_json(FILE *f, const msgpack_object *o)
{
    json_value(f, o);
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
