/* SPDX-License-Identifier: MIT */
#include "state/textnorm.h"

#include <string.h>
#include <utf8proc.h>

static utf8proc_int32_t fold_letter(utf8proc_int32_t c)
{
    switch (c) {
    case 0x064A: /* ARABIC LETTER YEH */
    case 0x0649: /* ALEF MAKSURA */
        return 0x06CC; /* FARSI YEH */
    case 0x0643: return 0x06A9; /* ARABIC KAF → KEHEH */
    case 0x0629: return 0x0647; /* TEH MARBUTA → HEH */
    case 0x0640: return -1;     /* TATWEEL: decoration only */
    default: break;
    }
    if (c >= 0x06F0 && c <= 0x06F9) return '0' + (c - 0x06F0);
    if (c >= 0x0660 && c <= 0x0669) return '0' + (c - 0x0660);
    return c;
}

size_t textnorm_fold(const char *in, size_t len, char out[TEXTNORM_MAX + 1])
{
    utf8proc_int32_t cps[TEXTNORM_MAX];
    utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len,
                                            cps, TEXTNORM_MAX,
                                            UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                                UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    size_t o = 0;
    if (n > TEXTNORM_MAX) {
        /* Too long once decomposed (one character can become 18): fold the first half,
         * cut at a character boundary. Halving always ends, even for short input. */
        size_t cut = len / 2;
        while (cut > 0 && ((unsigned char)in[cut] & 0xc0) == 0x80) cut--;
        return textnorm_fold(in, cut, out);
    }
    if (n < 0) n = 0; /* invalid UTF-8 was refused at the edge; fold it to nothing */
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_int32_t c = fold_letter(cps[i]);
        if (c < 0) continue;
        utf8proc_uint8_t buf[4];
        utf8proc_ssize_t w = utf8proc_encode_char(c, buf);
        if (o + (size_t)w > TEXTNORM_MAX) break;
        memcpy(out + o, buf, (size_t)w);
        o += (size_t)w;
    }
    out[o] = '\0';
    return o;
}

static bool is_cjk(utf8proc_int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0x1100 && c <= 0x11FF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x2FFFF);
}

static bool is_word_char(utf8proc_int32_t c)
{
    utf8proc_category_t cat = utf8proc_category(c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) ||
           cat == UTF8PROC_CATEGORY_ND;
}

size_t textnorm_tokens(const char *folded, size_t len, textnorm_token_t *tok, size_t max)
{
    size_t n = 0, i = 0;
    const char *word = NULL;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t w = utf8proc_iterate((const utf8proc_uint8_t *)folded + i,
                                              (utf8proc_ssize_t)(len - i), &c);
        if (w <= 0) break;
        bool cjk = is_cjk(c), wc = !cjk && is_word_char(c);
        if (word && !wc) {
            if (n < max) tok[n++] = (textnorm_token_t){word, (size_t)(folded + i - word), false};
            word = NULL;
        }
        if (cjk && n < max) tok[n++] = (textnorm_token_t){folded + i, (size_t)w, true};
        if (wc && !word) word = folded + i;
        i += (size_t)w;
    }
    if (word && n < max) tok[n++] = (textnorm_token_t){word, (size_t)(folded + len - word), false};
    return n;
}
