/* SPDX-License-Identifier: MIT */
#include "output.h"
#include "proto/json.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

void output_json_string(FILE *f, const char *s)
{
    json_write_string(f, s, strlen(s));
}

void output_json(FILE *f, const msgpack_object *o)
{
    json_write_msgpack(f, o);
    fputc('\n', f);
}

/* How output_text shows the character c of len bytes at s: into out (room for 7 bytes and
 * a NUL); returns its length. */
static size_t shown_char(const char *s, size_t len, uint32_t c, char out[8])
{
    if (!len) { /* U+FFFD for a byte that is not UTF-8 */
        memcpy(out, "\xef\xbf\xbd", 4);
        return 3;
    }
    if (c == '\t' || c == '\n' || c == '\r') return (size_t)snprintf(out, 8, "\\%c", c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
    if (c < 0x20 || c == 0x7f) return (size_t)snprintf(out, 8, "\\x%02x", (unsigned)c);
    if (c >= 0x80 && c <= 0x9f) return (size_t)snprintf(out, 8, "\\u%04x", (unsigned)c);
    memcpy(out, s, len);
    out[len] = 0;
    return len;
}

const char *output_text(const char *s, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = 0;
        size_t len = json_utf8_next(s + i, n - i, &c);
        char shown[8];
        size_t k = shown_char(s + i, len, c, shown);
        if (used + k >= cap) break; /* cut between characters, never inside one */
        memcpy(out + used, shown, k);
        used += k;
        i += len ? len : 1;
    }
    out[used] = 0;
    return out;
}

/* True if output_text would show the n bytes of s as something else. */
static bool text_needs_cleaning(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t c = 0;
        size_t len = json_utf8_next(s + i, n - i, &c);
        if (!len || c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
        i += len;
    }
    return false;
}

void output_sanitize(msgpack_object *o, msgpack_zone *zone)
{
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        if (text_needs_cleaning(o->via.str.ptr, o->via.str.size)) {
            size_t cap = 4 * (size_t)o->via.str.size + 1; /* at most 4 bytes shown a byte: ESC is \x1b */
            char *clean = msgpack_zone_malloc(zone, cap);
            if (!clean) abort();
            output_text(o->via.str.ptr, o->via.str.size, clean, cap);
            o->via.str.ptr = clean;
            o->via.str.size = (uint32_t)strlen(clean);
        }
        break;
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++) output_sanitize(&o->via.array.ptr[i], zone);
        break;
    case MSGPACK_OBJECT_MAP:
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            output_sanitize(&o->via.map.ptr[i].key, zone);
            output_sanitize(&o->via.map.ptr[i].val, zone);
        }
        break;
    default: break;
    }
}

const char *output_cell(const msgpack_object *o, char *out, size_t cap)
{
    out[0] = 0;
    if (!o) return out;
    switch (o->type) {
    case MSGPACK_OBJECT_STR: output_text(o->via.str.ptr, o->via.str.size, out, cap); break;
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

/* The next character of the n > 0 bytes at s: its length in bytes (1 for a byte that is
 * not UTF-8, shown as U+FFFD) and, in *columns, how many a terminal gives it. utf8proc's
 * table, not wcwidth: the CLIs run under any locale, C included, where wcwidth knows no
 * Persian or Chinese. */
static size_t next_char(const char *s, size_t n, int *columns)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c);
    if (len <= 0) {
        *columns = 1;
        return 1;
    }
    *columns = utf8proc_charwidth(c);
    return (size_t)len;
}

int output_width(const char *s)
{
    int w = 0, cw;
    for (size_t n = strlen(s), len; n > 0; s += len, n -= len) {
        len = next_char(s, n, &cw);
        w += cw;
    }
    return w;
}

void output_padded(FILE *f, const char *s, int width)
{
    int w = 0, cw;
    bool cut = output_width(s) > width;
    for (size_t n = strlen(s), len; n > 0; s += len, n -= len) {
        len = next_char(s, n, &cw);
        if (cut && w + cw > width - 1) { /* room for the "…" */
            fputs("…", f);
            w++;
            break;
        }
        if (len == 1 && (unsigned char)*s >= 0x80) fputs("\xef\xbf\xbd", f); /* not UTF-8 */
        else fwrite(s, 1, len, f);
        w += cw;
    }
    for (; w < width; w++) fputc(' ', f);
}

void output_aligned(FILE *f, const char *s, int width)
{
    fputs(s, f);
    for (int w = output_width(s); w < width; w++) fputc(' ', f);
}
