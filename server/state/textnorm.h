/* SPDX-License-Identifier: MIT
 * textnorm: folds names for search so that what staff type finds what others typed:
 * Unicode compatibility decomposition, case folding, marks (accents, Arabic harakat)
 * stripped, default-ignorable characters (ZWNJ, ZWJ) dropped, Arabic letter variants
 * mapped to the Persian ones (ي ى → ی, ك → ک, ة → ه), tatweel dropped, Persian and
 * Arabic-Indic digits mapped to ASCII. Then splits the folded text into words and CJK
 * characters (Han, kana, Hangul), which are searched by substring through n-grams. */
#ifndef ACCORD_TEXTNORM_H
#define ACCORD_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXTNORM_MAX 1024 /* bytes of folded text kept; longer input is cut at a character */

/* Folds in (len bytes of valid UTF-8) into out; returns the folded length. */
size_t textnorm_fold(const char *in, size_t len, char out[TEXTNORM_MAX + 1]);

typedef struct {
    const char *s; /* into the folded text */
    size_t len;    /* bytes */
    bool cjk;      /* one CJK character; consecutive ones form a run */
} textnorm_token_t;

/* Tokens folded text of TEXTNORM_MAX bytes can hold: on average every token but the last
 * takes at least two bytes (a word and the character that ends it; a CJK character is
 * three or four). */
#define TEXTNORM_MAX_TOKENS (TEXTNORM_MAX / 2 + 1)

/* Splits folded text into word tokens and single CJK characters; returns the count
 * (at most max; TEXTNORM_MAX_TOKENS always holds them all). */
size_t textnorm_tokens(const char *folded, size_t len, textnorm_token_t *tok, size_t max);

#endif
