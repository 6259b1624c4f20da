/* SPDX-License-Identifier: MIT */
#include "http/http_parse.h"

#include <sodium.h>
#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool http_form_value(const char *body, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end - i > nlen && memcmp(body + i, name, nlen) == 0 && body[i + nlen] == '=') {
            size_t o = 0;
            for (size_t p = i + nlen + 1; p < end; p++) {
                char c = body[p];
                if (c == '+') c = ' ';
                else if (c == '%') {
                    if (p + 2 >= end) return false; /* both digits inside this field */
                    int hi = hex_digit(body[p + 1]), lo = hex_digit(body[p + 2]);
                    if (hi < 0 || lo < 0) return false;
                    c = (char)(hi << 4 | lo);
                    p += 2;
                }
                if (c == 0 || o + 1 >= cap) return false;
                out[o++] = c;
            }
            out[o] = 0;
            return true;
        }
        i = end + 1;
    }
    return false;
}

bool http_basic_auth(const char *header, char *user, size_t user_cap, char *password, size_t pw_cap)
{
    if (!header || strncmp(header, "Basic ", 6)) return false;
    const char *b64 = header + 6;
    size_t b64_len = strlen(b64);
    unsigned char raw[512];
    size_t raw_len;
    if (b64_len > 680 ||
        sodium_base642bin(raw, sizeof raw - 1, b64, b64_len, NULL, &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL))
        return false;
    raw[raw_len] = 0;
    if (memchr(raw, 0, raw_len)) return false;
    char *colon = strchr((char *)raw, ':');
    if (!colon) return false;
    size_t ulen = (size_t)(colon - (char *)raw), plen = raw_len - ulen - 1;
    if (ulen == 0 || ulen >= user_cap || plen >= pw_cap) return false;
    memcpy(user, raw, ulen);
    user[ulen] = 0;
    memcpy(password, colon + 1, plen);
    password[plen] = 0;
    sodium_memzero(raw, sizeof raw);
    return true;
}
